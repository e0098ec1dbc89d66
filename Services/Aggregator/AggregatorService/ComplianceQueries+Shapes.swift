import ComplianceRules
import EventContract

/// The shapes of the figures (DESIGN.md section 6), as the API encodes them and the dashboard shows them.
extension ComplianceQueries {
    // MARK: - Compliance

    struct Ratio: Sendable, Codable {
        var compliant: Int
        var total: Int
        var rate: Double
        var target: Double?
        var gap: Double?

        init(compliant: Int, total: Int, target: Double? = nil) {
            self.compliant = compliant
            self.total = total
            rate = share(compliant, of: total)
            self.target = target
            gap = target.map { max(0, $0 - share(compliant, of: total)) }
        }
    }

    struct SubjectCounts: Sendable, Codable {
        var total: Int
        var byType: [String: Int]
    }

    struct Compliance: Sendable, Codable {
        var overall: Ratio
        var rural: Ratio
        var enterpriseInstitution: Ratio
        var religiousSite: Ratio
        var byType: [String: Ratio]
    }

    struct Breaches: Sendable, Codable {
        var petition: Int
        var accident: Int
        var `case`: Int

        subscript(zero: Zero) -> Int {
            switch zero {
            case .petition: petition
            case .accident: accident
            case .case: `case`
            }
        }
    }

    // MARK: - Problem ledger

    struct Ledger: Sendable, Codable {
        var found = 0
        var resolved = 0
        var open = 0
        var overdue = 0
        var rate: Double { share(resolved, of: found) }

        init(found: Int = 0, resolved: Int = 0, open: Int = 0, overdue: Int = 0) {
            (self.found, self.resolved, self.open, self.overdue) = (found, resolved, open, overdue)
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(
                found: try c.decode(Int.self, forKey: .found), resolved: try c.decode(Int.self, forKey: .resolved),
                open: try c.decode(Int.self, forKey: .open), overdue: try c.decode(Int.self, forKey: .overdue))
        }

        enum CodingKeys: String, CodingKey { case found, resolved, open, overdue, rate }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(found, forKey: .found)
            try c.encode(resolved, forKey: .resolved)
            try c.encode(open, forKey: .open)
            try c.encode(overdue, forKey: .overdue)
            try c.encode(rate, forKey: .rate)
        }

        static func + (a: Ledger, b: Ledger) -> Ledger {
            Ledger(found: a.found + b.found, resolved: a.resolved + b.resolved, open: a.open + b.open, overdue: a.overdue + b.overdue)
        }
    }

    struct Problems: Sendable, Codable {
        var dispute: Ledger
        var hazard: Ledger
        var security: Ledger
        var total: Ledger

        subscript(kind: ProblemKind) -> Ledger {
            switch kind {
            case .dispute: dispute
            case .hazard: hazard
            case .securityProblem: security
            }
        }

        /// The key a kind has in this shape (public-security problems are `security`).
        static func key(_ kind: ProblemKind) -> String { kind == .securityProblem ? "security" : kind.rawValue }
    }

    // MARK: - Petitions

    struct Petitions: Sendable, Codable {
        var batches: Int
        var persons: Int
        var onlineShare: Double
        var origin: [String: Int]
        var proxy: [String: Int]
    }

    // MARK: - Year on year (三下降)

    struct Comparison: Sendable, Encodable {
        var current: Int
        var previous: Int
        var change: Int { current - previous }

        enum CodingKeys: String, CodingKey { case current, previous, change }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(current, forKey: .current)
            try c.encode(previous, forKey: .previous)
            try c.encode(change, forKey: .change)
        }
    }

    struct YearOnYear: Sendable, Encodable {
        var petitions: Comparison
        var accidents: Comparison
        var criminalCases: Comparison
    }

    // MARK: - Overview and counties

    struct Overview: Sendable, Encodable {
        var from: String
        var asOf: String
        var knownAt: String?
        var county: String?
        var township: String?
        var subjects: SubjectCounts
        var compliance: Compliance
        var breaches: Breaches
        var problems: Problems
        var petitions: Petitions
        var yearOnYear: YearOnYear
        var freshness: String?
    }

    /// A county's or a township's figures with its rank among its peers (a township's `county` is
    /// the county it is in).
    struct DivisionFigures: Sendable, Codable {
        var county: String
        var township: String?
        /// Its name in the directory as known at the window's `knownAt`.
        var name: String?
        var rank: Int
        /// Change since the ranking the office last saved (saved rankings come with the reports).
        var rankChange: Int?
        var subjects: SubjectCounts
        var compliance: Compliance
        var breaches: Breaches
        var problems: Problems
        var petitions: Petitions

        /// The township's code, or the county's.
        var code: String { township ?? county }

        var rankingKey: RankingKey {
            RankingKey(code: code, resolutionRate: problems.total.rate, complianceRate: compliance.overall.rate)
        }
    }
}
