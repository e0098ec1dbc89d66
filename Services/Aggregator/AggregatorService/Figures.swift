import ComplianceRules
import EventContract

/// The counts behind every figure of DESIGN.md section 5, for one county or the city, by metric
/// name (`Metric`) — the same names the maintained counters (`figures`) and the recomputation
/// from the facts use, so the two can be compared metric by metric.
struct Figures: Sendable, Equatable {
    var values: [String: Int64] = [:]

    subscript(_ metric: String) -> Int {
        Int(values[metric] ?? 0)
    }

    mutating func add(_ metric: String, _ value: Int64) {
        let sum = (values[metric] ?? 0) + value
        values[metric] = sum == 0 ? nil : sum
    }

    static func + (a: Figures, b: Figures) -> Figures {
        var sum = a
        for (metric, value) in b.values { sum.add(metric, value) }
        return sum
    }

    /// Figures per county from rows of (county, metric, value).
    static func byCounty(_ rows: some Sequence<(String, String, Int64)>) -> [String: Figures] {
        var counties: [String: Figures] = [:]
        for (county, metric, value) in rows { counties[county, default: Figures()].add(metric, value) }
        return counties
    }

    /// The metrics where `self` and `other` differ, as "metric: a ≠ b".
    func differences(from other: Figures) -> [String] {
        Set(values.keys).union(other.values.keys).sorted().compactMap { metric in
            self[metric] == other[metric] ? nil : "\(metric): \(self[metric]) ≠ \(other[metric])"
        }
    }

    subscript(_ metric: Metric) -> Int { self[metric.name] }

    mutating func add(_ metric: Metric, _ value: Int64) { add(metric.name, value) }

    // MARK: - The shapes of DESIGN.md section 6

    func subjectCounts() -> ComplianceQueries.SubjectCounts {
        let byType = Dictionary(uniqueKeysWithValues: SubjectType.allCases.map { ($0.rawValue, self[.subjects($0)]) })
        return .init(total: byType.values.reduce(0, +), byType: byType)
    }

    func ratio(_ types: [SubjectType], target: Double?) -> ComplianceQueries.Ratio {
        let total = types.map { self[.subjects($0)] }.reduce(0, +)
        let breaching = types.map { self[.breaching(nil, $0)] }.reduce(0, +)
        return .init(compliant: total - breaching, total: total, target: target)
    }

    func compliance(_ settings: ComplianceQueries.Settings) -> ComplianceQueries.Compliance {
        .init(
            overall: ratio(SubjectType.allCases, target: nil),
            rural: ratio([.village, .community], target: settings.ruralTarget),
            enterpriseInstitution: ratio([.enterprise, .institution], target: settings.enterpriseInstitutionTarget),
            religiousSite: ratio([.religiousSite], target: settings.religiousSiteTarget),
            byType: Dictionary(uniqueKeysWithValues: SubjectType.allCases.map { ($0.rawValue, ratio([$0], target: nil)) }))
    }

    /// Subjects breaching a zero, of every type.
    func breaching(_ zero: Zero) -> Int { SubjectType.allCases.map { self[.breaching(zero, $0)] }.reduce(0, +) }

    func breaches() -> ComplianceQueries.Breaches {
        .init(petition: breaching(.petition), accident: breaching(.accident), case: breaching(.case))
    }

    func ledger(_ kind: ProblemKind) -> ComplianceQueries.Ledger {
        let found = self[.found(kind)], resolved = self[.resolved(kind)]
        return .init(found: found, resolved: resolved, open: found - resolved, overdue: self[.overdue(kind)])
    }

    func problems() -> ComplianceQueries.Problems {
        let (dispute, hazard, security) = (ledger(.dispute), ledger(.hazard), ledger(.securityProblem))
        return .init(dispute: dispute, hazard: hazard, security: security, total: dispute + hazard + security)
    }

    func petitions() -> ComplianceQueries.Petitions {
        let batches = self[.petitionBatches]
        return .init(
            batches: batches, persons: self[.petitionPersons],
            onlineShare: batches == 0 ? 0 : Double(self[.petitionOnline]) / Double(batches),
            origin: ["selfFound": self[.petitionOrigin(.selfFound)], "superiorAssigned": self[.petitionOrigin(.superiorAssigned)]],
            proxy: Dictionary(uniqueKeysWithValues: ProxyLevel.allCases.map { ($0.rawValue, self[.petitionProxied($0)]) }))
    }
}
