import EventContract
import Foundation
import Postgres

/// The figures of DESIGN.md section 5, computed from the facts as they stood at `asOf` (facts by
/// their own time) and as they were known at `knownAt` (facts by the time they were recorded).
///
/// Every figure comes from one `registered` set — the non-voided registering facts of the period —
/// so the ledger adds up by construction: kinds sum to the total, counties to the city.
struct ComplianceQueries: Sendable {
    struct Window: Sendable {
        var from: Timestamp
        var asOf: Timestamp
        /// Figures as known then (facts recorded by then); nil for everything known now.
        var knownAt: Timestamp?
        /// The county to restrict to, or nil for the city.
        var county: String?
    }

    /// Targets per group and the deadline of problems that have none.
    struct Settings: Sendable {
        var ruralTarget = 0.80
        var enterpriseInstitutionTarget = 0.90
        var religiousSiteTarget = 0.90
        var defaultDeadlineDays = 30
    }

    let settings: Settings

    /// The registering facts of the period that were not voided by `asOf`, as known at `knownAt`.
    static let registered = """
        WITH f AS (
            SELECT * FROM facts
            WHERE occurred_at <= $2 AND ($3::timestamptz IS NULL OR recorded_at <= $3) AND ($4::text IS NULL OR county = $4)
        ),
        voided AS (SELECT DISTINCT record_id FROM f WHERE type LIKE '%.voided'),
        registered AS (
            SELECT * FROM f
            WHERE type IN ('petition.registered', 'dispute.found', 'hazard.found', 'accident.reported', 'case.filed', 'security_problem.found')
              AND occurred_at >= $1 AND record_id NOT IN (SELECT record_id FROM voided)
        )
        """

    func parameters(_ w: Window) -> [(any PostgresEncodable)?] {
        [w.from.description, w.asOf.description, w.knownAt?.description, w.county]
    }

    // MARK: - Compliance

    struct Ratio: Sendable, Encodable {
        var compliant: Int
        var total: Int
        var rate: Double
        var target: Double?
        var gap: Double?

        init(compliant: Int, total: Int, target: Double? = nil) {
            self.compliant = compliant
            self.total = total
            rate = total == 0 ? 1 : Double(compliant) / Double(total)
            self.target = target
            gap = target.map { max(0, $0 - (total == 0 ? 1 : Double(compliant) / Double(total))) }
        }
    }

    struct SubjectCounts: Sendable, Encodable {
        var total: Int
        var byType: [String: Int]
    }

    struct Compliance: Sendable, Encodable {
        var overall: Ratio
        var rural: Ratio
        var enterpriseInstitution: Ratio
        var religiousSite: Ratio
        var byType: [String: Ratio]
    }

    struct Breaches: Sendable, Encodable {
        var petition: Int
        var accident: Int
        var `case`: Int
    }

    /// Per active subject type: how many, how many compliant; and how many subjects breach each zero.
    func compliance(_ w: Window, on conn: PostgresConnection) throws -> (SubjectCounts, Compliance, Breaches) {
        let rows = try conn.query(Self.registered + """
            , breaches AS (
                SELECT subject,
                    bool_or(entity = 'petition' AND (data->>'lodgedLevel' <> 'unit' OR (data->>'collective')::boolean)) AS petition,
                    bool_or(entity = 'accident' AND (data->>'deaths')::int + (data->>'injuries')::int >= 1) AS accident,
                    bool_or(entity = 'case' AND (data->>'kind' = 'criminal' OR (data->>'majorImpact')::boolean)) AS criminal
                FROM registered GROUP BY subject
            )
            SELECT s.type, count(*),
                count(*) FILTER (WHERE NOT coalesce(b.petition OR b.accident OR b.criminal, false)),
                count(*) FILTER (WHERE b.petition), count(*) FILTER (WHERE b.accident), count(*) FILTER (WHERE b.criminal)
            FROM subjects s LEFT JOIN breaches b ON b.subject = s.code
            WHERE s.active AND ($4::text IS NULL OR s.county = $4)
            GROUP BY s.type
            """, parameters(w))
        var byType: [String: (total: Int, compliant: Int)] = [:]
        var breaches = Breaches(petition: 0, accident: 0, case: 0)
        for row in rows {
            byType[try row.decode(0)] = (try row.decode(1), try row.decode(2))
            breaches.petition += try row.decode(3, as: Int.self)
            breaches.accident += try row.decode(4, as: Int.self)
            breaches.case += try row.decode(5, as: Int.self)
        }
        func ratio(_ types: [SubjectType], target: Double?) -> Ratio {
            let t = types.map { byType[$0.rawValue] ?? (0, 0) }
            return Ratio(compliant: t.map(\.compliant).reduce(0, +), total: t.map(\.total).reduce(0, +), target: target)
        }
        let counts = SubjectCounts(total: byType.values.map(\.total).reduce(0, +),
                                   byType: Dictionary(uniqueKeysWithValues: SubjectType.allCases.map { ($0.rawValue, byType[$0.rawValue]?.total ?? 0) }))
        let compliance = Compliance(
            overall: ratio(SubjectType.allCases, target: nil),
            rural: ratio([.village, .community], target: settings.ruralTarget),
            enterpriseInstitution: ratio([.enterprise, .institution], target: settings.enterpriseInstitutionTarget),
            religiousSite: ratio([.religiousSite], target: settings.religiousSiteTarget),
            byType: Dictionary(uniqueKeysWithValues: SubjectType.allCases.map { ($0.rawValue, ratio([$0], target: nil)) }))
        return (counts, compliance, breaches)
    }

    // MARK: - Problem ledger

    struct Ledger: Sendable, Encodable {
        var found = 0
        var resolved = 0
        var open = 0
        var overdue = 0
        var rate: Double { found == 0 ? 1 : Double(resolved) / Double(found) }

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

    struct Problems: Sendable, Encodable {
        var dispute: Ledger
        var hazard: Ledger
        var security: Ledger
        var total: Ledger
    }

    /// Disputes, hazards and public-security problems: found in the period, resolved by `asOf`,
    /// open, and overdue (open past their deadline, or past the default when they have none).
    func problems(_ w: Window, on conn: PostgresConnection) throws -> Problems {
        let rows = try conn.query(Self.registered + """
            , resolutions AS (
                SELECT DISTINCT record_id FROM f WHERE type IN ('dispute.resolved', 'hazard.rectified', 'security_problem.resolved')
            )
            SELECT r.entity, count(*), count(x.record_id),
                count(*) FILTER (WHERE x.record_id IS NULL
                    AND coalesce((r.data->>'deadline')::timestamptz, r.occurred_at + make_interval(days => $5)) < $2::timestamptz)
            FROM registered r LEFT JOIN resolutions x ON x.record_id = r.record_id
            WHERE r.entity IN ('dispute', 'hazard', 'security_problem')
            GROUP BY r.entity
            """, parameters(w) + [settings.defaultDeadlineDays])
        var ledgers: [String: Ledger] = [:]
        for row in rows {
            let found: Int = try row.decode(1)
            let resolved: Int = try row.decode(2)
            ledgers[try row.decode(0)] = Ledger(found: found, resolved: resolved, open: found - resolved, overdue: try row.decode(3))
        }
        let dispute = ledgers["dispute"] ?? Ledger()
        let hazard = ledgers["hazard"] ?? Ledger()
        let security = ledgers["security_problem"] ?? Ledger()
        return Problems(dispute: dispute, hazard: hazard, security: security, total: dispute + hazard + security)
    }

    // MARK: - Petitions

    struct Petitions: Sendable, Encodable {
        var batches: Int
        var persons: Int
        var onlineShare: Double
        var origin: [String: Int]
        var proxy: [String: Int]
    }

    /// Batches, persons, online share, origin, and each proxied petition once at the highest level.
    func petitions(_ w: Window, on conn: PostgresConnection) throws -> Petitions {
        let totals = try conn.query(Self.registered + """
            SELECT count(*), coalesce(sum((data->>'persons')::int), 0),
                count(*) FILTER (WHERE data->>'channel' = 'online'),
                count(*) FILTER (WHERE data->>'origin' = 'self_found'),
                count(*) FILTER (WHERE data->>'origin' = 'superior_assigned')
            FROM registered WHERE entity = 'petition'
            """, parameters(w))[0]
        let proxies = try conn.query(Self.registered + """
            , highest AS (
                SELECT p.record_id, max(CASE p.data->>'level' WHEN 'village' THEN 1 WHEN 'township' THEN 2 WHEN 'county' THEN 3 ELSE 4 END) AS level
                FROM f p JOIN registered r ON r.record_id = p.record_id
                WHERE p.type = 'petition.proxied' GROUP BY p.record_id
            )
            SELECT level, count(*) FROM highest GROUP BY level
            """, parameters(w))
        var proxy = ["village": 0, "township": 0, "county": 0, "city": 0]
        for row in proxies {
            proxy[["village", "township", "county", "city"][try row.decode(0, as: Int.self) - 1]] = try row.decode(1)
        }
        let batches: Int = try totals.decode(0)
        return Petitions(
            batches: batches, persons: try totals.decode(1), onlineShare: batches == 0 ? 0 : Double(try totals.decode(2, as: Int.self)) / Double(batches),
            origin: ["selfFound": try totals.decode(3), "superiorAssigned": try totals.decode(4)], proxy: proxy)
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

    /// Petitions, accidents and criminal cases of the period against the same period a year earlier.
    func yearOnYear(_ w: Window, on conn: PostgresConnection) throws -> YearOnYear {
        func counts(_ w: Window) throws -> [Int] {
            let row = try conn.query(Self.registered + """
                SELECT count(*) FILTER (WHERE entity = 'petition'), count(*) FILTER (WHERE entity = 'accident'),
                    count(*) FILTER (WHERE entity = 'case' AND data->>'kind' = 'criminal')
                FROM registered
                """, parameters(w))[0]
            return try (0..<3).map { try row.decode($0, as: Int.self) }
        }
        let year: Int64 = 365 * 86_400 * 1_000_000
        let now = try counts(w)
        var earlier = w
        earlier.from = Timestamp(unixMicros: w.from.unixMicros - year - (Self.spansLeapDay(w) ? 86_400_000_000 : 0), utcOffsetMinutes: w.from.utcOffsetMinutes)
        earlier.asOf = Timestamp(unixMicros: w.asOf.unixMicros - year - (Self.spansLeapDay(w) ? 86_400_000_000 : 0), utcOffsetMinutes: w.asOf.utcOffsetMinutes)
        let then = try counts(earlier)
        return YearOnYear(petitions: Comparison(current: now[0], previous: then[0]), accidents: Comparison(current: now[1], previous: then[1]),
                          criminalCases: Comparison(current: now[2], previous: then[2]))
    }

    /// Whether the year before the window's end holds a 29 February (then "a year earlier" is 366 days).
    static func spansLeapDay(_ w: Window) -> Bool {
        let text = w.asOf.description
        guard let year = Int(text.prefix(4)), let month = Int(text.dropFirst(5).prefix(2)) else { return false }
        let leap: (Int) -> Bool = { ($0 % 4 == 0 && $0 % 100 != 0) || $0 % 400 == 0 }
        return month > 2 ? leap(year) : leap(year - 1)
    }

    // MARK: - Overview

    struct Overview: Sendable, Encodable {
        var from: String
        var asOf: String
        var knownAt: String?
        var county: String?
        var subjects: SubjectCounts
        var compliance: Compliance
        var breaches: Breaches
        var problems: Problems
        var petitions: Petitions
        var yearOnYear: YearOnYear
        var freshness: String?
    }

    func overview(_ w: Window, on conn: PostgresConnection) throws -> Overview {
        let (subjects, compliance, breaches) = try compliance(w, on: conn)
        let freshness = try conn.query("SELECT (extract(epoch FROM max(recorded_at)) * 1000000)::bigint FROM facts")[0].decode(0, as: Int64?.self)
        return Overview(
            from: w.from.description, asOf: w.asOf.description, knownAt: w.knownAt?.description, county: w.county,
            subjects: subjects, compliance: compliance, breaches: breaches, problems: try problems(w, on: conn),
            petitions: try petitions(w, on: conn), yearOnYear: try yearOnYear(w, on: conn),
            freshness: freshness.map { Timestamp(unixMicros: $0).description })
    }

    // MARK: - Counties (排名通报)

    struct CountyFigures: Sendable, Encodable {
        var county: String
        var rank: Int
        /// Change since the ranking the office last saved (saved rankings come with the reports).
        var rankChange: Int?
        var subjects: SubjectCounts
        var compliance: Compliance
        var breaches: Breaches
        var problems: Problems
        var petitions: Petitions
    }

    /// Every county on the roster with its figures, ranked by problem resolution rate, then
    /// compliance rate (ties by code).
    func counties(_ w: Window, on conn: PostgresConnection) throws -> [CountyFigures] {
        let codes = try conn.query("SELECT DISTINCT county FROM subjects WHERE active ORDER BY county").map { try $0.decode(0, as: String.self) }
        var figures = try codes.map { code -> CountyFigures in
            var window = w
            window.county = code
            let (subjects, compliance, breaches) = try compliance(window, on: conn)
            return CountyFigures(county: code, rank: 0, rankChange: nil, subjects: subjects, compliance: compliance, breaches: breaches,
                                 problems: try problems(window, on: conn), petitions: try petitions(window, on: conn))
        }
        figures.sort { a, b in
            if a.problems.total.rate != b.problems.total.rate { return a.problems.total.rate > b.problems.total.rate }
            if a.compliance.overall.rate != b.compliance.overall.rate { return a.compliance.overall.rate > b.compliance.overall.rate }
            return a.county < b.county
        }
        for i in figures.indices { figures[i].rank = i + 1 }
        return figures
    }
}
