import EventContract

/// What the departments accepted from the simulator, and the figures of DESIGN.md section 5 that
/// follow from it — computed here from the requests alone, so the command center's `/overview`
/// can be checked against them.
public struct Tally: Sendable {
    struct Record {
        let kind: Activity.Kind
        let subject: Int
        let time: Timestamp
        let fields: [String: JSONValue]
        let deadline: Timestamp?
        var proxies: [(Timestamp, ProxyLevel)] = []
        var resolvedAt: Timestamp?
        var voidedAt: Timestamp?
    }

    var records: [Int: Record] = [:]
    public private(set) var accepted = 0

    public init() {}

    /// Notes an action the department accepted, with the time it was sent with.
    public mutating func accepted(_ action: Activity.Action, at time: Timestamp) {
        accepted += 1
        guard let name = action.action else {
            records[action.record] = Record(
                kind: action.kind, subject: action.subject, time: time, fields: action.fields,
                deadline: action.deadlineAfterMicros.map { Timestamp(unixMicros: time.unixMicros + $0) })
            return
        }
        switch name {
        case "proxy":
            if case .string(let level)? = action.fields["level"], let level = ProxyLevel(rawValue: level) {
                records[action.record]?.proxies.append((time, level))
            }
        case "void": records[action.record]?.voidedAt = time
        case "solve": break  // a solved case still counts as a case
        default: records[action.record]?.resolvedAt = time
        }
    }

    /// The city's figures for registrations from `from` to `asOf`, as `/overview` shows them.
    public func overview(city: City, from: Timestamp, asOf: Timestamp, defaultDeadlineDays: Int = 30) -> Overview {
        var o = Overview()
        var breaches: [Int: Set<Int>] = [:]  // subject → which zeros (0 petitions, 1 accidents, 2 cases)
        for record in records.values where record.time >= from && record.time <= asOf && !(record.voidedAt.map { $0 <= asOf } ?? false) {
            let f = record.fields
            switch record.kind {
            case .petition:
                if f["lodgedLevel"] != "unit" || f["collective"] == true { breaches[record.subject, default: []].insert(0) }
                o.petitions.batches += 1
                if case .integer(let persons)? = f["persons"] { o.petitions.persons += Int(persons) }
                if f["channel"] == "online" { o.petitions.online += 1 }
                o.petitions.origin[f["origin"] == "self_found" ? "selfFound" : "superiorAssigned", default: 0] += 1
                if let highest = record.proxies.filter({ $0.0 <= asOf }).map(\.1).max() { o.petitions.proxy[highest.rawValue, default: 0] += 1 }
            case .accident:
                if case .integer(let deaths)? = f["deaths"], case .integer(let injuries)? = f["injuries"], deaths + injuries >= 1 {
                    breaches[record.subject, default: []].insert(1)
                }
            case .case:
                if f["kind"] == "criminal" || f["majorImpact"] == true { breaches[record.subject, default: []].insert(2) }
            case .dispute, .hazard, .securityProblem:
                let key = record.kind == .securityProblem ? "security" : record.kind.rawValue
                let due = record.deadline ?? Timestamp(unixMicros: record.time.unixMicros + Int64(defaultDeadlineDays) * 86_400_000_000)
                let resolved = record.resolvedAt.map { $0 <= asOf } ?? false
                o.problems[key, default: Ledger()].count(resolved: resolved, overdue: !resolved && due < asOf)
                o.problems["total", default: Ledger()].count(resolved: resolved, overdue: !resolved && due < asOf)
            }
        }
        for (index, subject) in city.subjects.enumerated() {
            o.subjects.total += 1
            o.subjects.byType[subject.type.rawValue, default: 0] += 1
            let zeros = breaches[index] ?? []
            for group in Overview.groups(of: subject.type) {
                o.compliance[group, default: Ratio()].total += 1
                if zeros.isEmpty { o.compliance[group, default: Ratio()].compliant += 1 }
            }
            for zero in zeros { o.breaches[["petition", "accident", "case"][zero], default: 0] += 1 }
        }
        return o
    }
}

/// The figures `/overview` shows, in its names (counts only; rates follow from them).
public struct Overview: Sendable, Codable, Equatable {
    public struct Subjects: Sendable, Codable, Equatable {
        public var total = 0
        public var byType: [String: Int] = [:]
    }

    public struct Petitions: Sendable, Codable, Equatable {
        public var batches = 0
        public var persons = 0
        public var online = 0
        public var origin: [String: Int] = [:]
        public var proxy: [String: Int] = [:]
    }

    public var subjects = Subjects()
    /// overall, rural, enterpriseInstitution, religiousSite
    public var compliance: [String: Ratio] = [:]
    /// dispute, hazard, security, total
    public var problems: [String: Ledger] = [:]
    public var petitions = Petitions()
    /// petition, accident, case: subjects breaching each zero
    public var breaches: [String: Int] = [:]

    public init() {}

    static func groups(of type: SubjectType) -> [String] {
        switch type {
        case .village, .community: ["overall", "rural"]
        case .enterprise, .institution: ["overall", "enterpriseInstitution"]
        case .religiousSite: ["overall", "religiousSite"]
        }
    }
}

public struct Ratio: Sendable, Codable, Equatable {
    public var compliant = 0
    public var total = 0

    public init(compliant: Int = 0, total: Int = 0) {
        (self.compliant, self.total) = (compliant, total)
    }
}

public struct Ledger: Sendable, Codable, Equatable {
    public var found = 0
    public var resolved = 0
    public var open = 0
    public var overdue = 0

    public init(found: Int = 0, resolved: Int = 0, open: Int = 0, overdue: Int = 0) {
        (self.found, self.resolved, self.open, self.overdue) = (found, resolved, open, overdue)
    }

    mutating func count(resolved isResolved: Bool, overdue isOverdue: Bool) {
        found += 1
        if isResolved { resolved += 1 } else { open += 1 }
        if isOverdue { overdue += 1 }
    }
}
