import EventContract

/// The counters behind every figure, by name: the maintained view keeps them in `figures`
/// (year, county, metric), the recomputation from the facts yields the same names, so that the
/// two can be compared metric by metric.
public enum Metric: Hashable, Sendable {
    /// Active subjects of a type (kept under year 0: the roster has no year).
    case subjects(SubjectType)
    /// Subjects of a type breaching a zero (nil: any of the three).
    case breaching(Zero?, SubjectType)
    case found(ProblemKind)
    case resolved(ProblemKind)
    /// Open and past due at the time asked (computed, never stored).
    case overdue(ProblemKind)
    /// Open problems falling due in a China Standard Time month (`YYYY-MM`).
    case openDue(ProblemKind, month: String)
    case petitionBatches, petitionPersons, petitionOnline
    case petitionOrigin(PetitionOrigin)
    /// Petitions proxied (代办), at their highest level.
    case petitionProxied(ProxyLevel)
    case accidents
    case criminalCases

    /// `subjects.village`, `breach.any.enterprise`, `open_due.hazard.2026-03`, ...
    public var name: String {
        switch self {
        case .subjects(let type): "subjects.\(type.rawValue)"
        case .breaching(let zero, let type): "breach.\(zero?.rawValue ?? "any").\(type.rawValue)"
        case .found(let kind): "found.\(kind.rawValue)"
        case .resolved(let kind): "resolved.\(kind.rawValue)"
        case .overdue(let kind): "overdue.\(kind.rawValue)"
        case .openDue(let kind, let month): "open_due.\(kind.rawValue).\(month)"
        case .petitionBatches: "petition.batches"
        case .petitionPersons: "petition.persons"
        case .petitionOnline: "petition.online"
        case .petitionOrigin(let origin): "petition.origin.\(origin.rawValue)"
        case .petitionProxied(let level): "petition.proxy.\(Self.proxyRank(level))"
        case .accidents: "accident.count"
        case .criminalCases: "case.criminal"
        }
    }

    /// The metric a name stands for, nil for a name no metric has.
    public init?(name: String) {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        switch (parts.first, parts.count) {
        case ("subjects", 2): guard let t = SubjectType(rawValue: parts[1]) else { return nil }; self = .subjects(t)
        case ("breach", 3):
            guard let t = SubjectType(rawValue: parts[2]) else { return nil }
            if parts[1] == "any" { self = .breaching(nil, t) } else if let z = Zero(rawValue: parts[1]) { self = .breaching(z, t) } else { return nil }
        case ("found", 2): guard let k = ProblemKind(rawValue: parts[1]) else { return nil }; self = .found(k)
        case ("resolved", 2): guard let k = ProblemKind(rawValue: parts[1]) else { return nil }; self = .resolved(k)
        case ("overdue", 2): guard let k = ProblemKind(rawValue: parts[1]) else { return nil }; self = .overdue(k)
        case ("open_due", 3): guard let k = ProblemKind(rawValue: parts[1]) else { return nil }; self = .openDue(k, month: parts[2])
        case ("petition", 2) where parts[1] == "batches": self = .petitionBatches
        case ("petition", 2) where parts[1] == "persons": self = .petitionPersons
        case ("petition", 2) where parts[1] == "online": self = .petitionOnline
        case ("petition", 3) where parts[1] == "origin": guard let o = PetitionOrigin(rawValue: parts[2]) else { return nil }; self = .petitionOrigin(o)
        case ("petition", 3) where parts[1] == "proxy":
            guard let rank = Int(parts[2]), (1...ProxyLevel.allCases.count).contains(rank) else { return nil }
            self = .petitionProxied(ProxyLevel.allCases[rank - 1])
        case ("accident", 2) where parts[1] == "count": self = .accidents
        case ("case", 2) where parts[1] == "criminal": self = .criminalCases
        default: return nil
        }
    }

    /// 1 for a village, up to 4 for the city: proxies count at their highest level.
    public static func proxyRank(_ level: ProxyLevel) -> Int { ProxyLevel.allCases.firstIndex(of: level)! + 1 }

    // MARK: - The same names, built by Postgres

    /// SQL naming `.subjects(type)` for the subject type in column `type`.
    public static func subjectsSQL(type: String) -> String { "'subjects.' || \(type)" }

    /// SQL naming `.breaching(zero, type)` for the subject type in column `type`.
    public static func breachingSQL(_ zero: Zero?, type: String) -> String { "'breach.\(zero?.rawValue ?? "any").' || \(type)" }

    /// SQL naming `found`, `resolved` or `overdue` of the problem kind in column `entity`.
    public static func problemSQL(_ counter: String, entity: String) -> String { "'\(counter).' || \(entity)" }

    /// SQL: whether the metric named in column `metric` is an `.openDue`.
    public static func isOpenDueSQL(_ metric: String) -> String { "\(metric) LIKE 'open\\_due.%'" }

    /// SQL: the month (`YYYY-MM`) of the `.openDue` named in column `metric`.
    public static func openDueMonthSQL(_ metric: String) -> String { "split_part(\(metric), '.', 3)" }

    /// SQL naming `.overdue` of the kind of the `.openDue` named in column `metric` (its problems
    /// are overdue once their month has passed).
    public static func overdueOfOpenDueSQL(_ metric: String) -> String { "'overdue.' || split_part(\(metric), '.', 2)" }

    /// SQL naming `.openDue` for the kind in column `entity` and the due time in column `due`.
    public static func openDueSQL(entity: String, due: String) -> String {
        "'open_due.' || \(entity) || '.' || to_char(\(due) AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')"
    }
}
