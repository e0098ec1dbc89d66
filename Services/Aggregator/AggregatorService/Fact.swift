import Foundation
import EventContract
import Postgres

/// One applied event as a row of `facts`: the fields the figures use, typed, and the event as it
/// arrived. A class: a batch hands its facts from list to list, and a decoded event is dozens of
/// references to retain in every copy of a struct.
final class Fact: Sendable {
    let event: CloudEvent
    /// The event's JSON as received (UTF-8).
    let text: String

    init(event: CloudEvent, text: String) {
        self.event = event
        self.text = text
    }

    var entity: Entity { event.type.entity }

    static let columns = [
        "event_id", "source", "sequence", "type", "entity", "record_id", "subject", "county", "occurred_at", "category", "persons",
        "channel", "origin", "lodged_level", "collective", "level", "deaths", "injuries", "kind", "major_impact", "deadline", "event",
    ]

    /// Appends the values of `columns` as one row of a binary COPY.
    func append(to data: inout BinaryCopyData) throws(PostgresError) {
        var category: String?, persons: Int64?, channel: String?, origin: String?, lodgedLevel: String?, collective: Bool?
        var level: String?, deaths: Int64?, injuries: Int64?, kind: String?, majorImpact: Bool?, deadline: Timestamp?
        switch event.data {
        case .petitionRegistered(let p):
            (category, persons, channel, origin) = (p.category, p.persons, p.channel.rawValue, p.origin.rawValue)
            (lodgedLevel, collective) = (p.lodgedLevel.rawValue, p.collective)
        case .petitionProxied(let p): level = p.level.rawValue
        case .disputeFound(let d): (category, deadline) = (d.category, d.deadline)
        case .hazardFound(let h): (category, deadline) = (h.category, h.deadline)
        case .accidentReported(let a): (kind, deaths, injuries) = (a.kind, a.deaths, a.injuries)
        case .caseFiled(let c): (kind, category, majorImpact) = (c.kind.rawValue, c.category.rawValue, c.majorImpact)
        case .securityProblemFound(let s): (category, deadline) = (s.category, s.deadline)
        case .petitionResolved, .disputeResolved, .hazardRectified, .caseSolved, .securityProblemResolved, .subjectUpserted, .voided: break
        }
        data.startRow()
        try data.uuid(event.id)
        data.text(event.source.rawValue)
        data.int8(Int64(event.sequence))
        data.text(event.type.rawValue)
        data.text(entity.rawValue)
        try data.uuid(event.data.recordId)
        data.text(event.subject.rawValue)
        data.text(event.subject.county)
        data.timestamp(micros: event.time.unixMicros)
        data.text(category)
        data.int4(persons)
        data.text(channel)
        data.text(origin)
        data.text(lodgedLevel)
        data.bool(collective)
        data.text(level)
        data.int4(deaths)
        data.int4(injuries)
        data.text(kind)
        data.bool(majorImpact)
        data.timestamp(micros: deadline?.unixMicros)
        data.text(text)
    }

    /// `facts` as the rows of one binary COPY into `facts`.
    static func copyData(_ facts: some Collection<Fact>) throws(PostgresError) -> BinaryCopyData {
        var data = BinaryCopyData(columns: columns.count, reservingRows: facts.count)
        for fact in facts { try fact.append(to: &data) }
        return data
    }
}

/// A record as all its facts so far make it (a row of `record_state`). Merging a fact is
/// order-independent: the registering fact says what the record is (the first one wins);
/// resolutions and voids count from their earliest time; proxies at their highest level.
struct RecordState: Sendable, Equatable {
    let recordId: String
    let subject: String
    let county: String
    var entity: String?
    var registeredAt: Timestamp?
    var registeredEvent: String?
    var deadline: Timestamp?
    var persons: Int64?
    var online: Bool?
    var origin: String?
    /// The zero the record breaches, if any: petition, accident, case.
    var breach: String?
    var criminal: Bool?
    var proxyLevel = 0
    var resolvedAt: Timestamp?
    var voidedAt: Timestamp?

    init(recordId: String, subject: String, county: String) {
        self.recordId = recordId
        self.subject = subject
        self.county = county
    }

    static let proxyLevels = ["village", "township", "county", "city"]

    /// Registered and not voided: what counts.
    var isLive: Bool { entity != nil && voidedAt == nil }

    /// The China Standard Time year of registration.
    var year: Int64? { registeredAt.map { Self.chinaYear($0) } }

    mutating func merge(_ event: CloudEvent) {
        func register(_ entity: Entity, _ details: (inout RecordState) -> Void) {
            guard self.entity == nil else { return }
            self.entity = entity.rawValue
            registeredAt = event.time
            registeredEvent = event.id
            details(&self)
        }
        switch event.data {
        case .petitionRegistered(let p):
            register(.petition) {
                ($0.persons, $0.online, $0.origin) = (p.persons, p.channel == .online, p.origin.rawValue)
                $0.breach = p.lodgedLevel != .unit || p.collective ? "petition" : nil
            }
        case .disputeFound(let d): register(.dispute) { $0.deadline = d.deadline }
        case .hazardFound(let h): register(.hazard) { $0.deadline = h.deadline }
        case .securityProblemFound(let s): register(.securityProblem) { $0.deadline = s.deadline }
        case .accidentReported(let a): register(.accident) { $0.breach = a.deaths + a.injuries >= 1 ? "accident" : nil }
        case .caseFiled(let c):
            register(.case) {
                $0.criminal = c.kind == .criminal
                $0.breach = c.kind == .criminal || (c.kind == .publicOrder && c.majorImpact) ? "case" : nil
            }
        case .petitionProxied(let p):
            proxyLevel = max(proxyLevel, Self.proxyLevels.firstIndex(of: p.level.rawValue)! + 1)
        case .disputeResolved, .hazardRectified, .securityProblemResolved, .petitionResolved, .caseSolved:
            resolvedAt = min(resolvedAt ?? event.time, event.time)
        case .voided:
            voidedAt = min(voidedAt ?? event.time, event.time)
        case .subjectUpserted:
            break
        }
    }

    /// The columns of `record_state`, in the order `append(to:defaultDeadlineDays:)` writes them.
    static let columns = [
        "record_id", "entity", "subject", "county", "year", "registered_at", "registered_event", "deadline", "persons", "online",
        "origin", "breach", "criminal", "proxy_level", "resolved_at", "voided_at", "due_at",
    ]

    /// Appends this state as one row of a binary COPY into `record_state`.
    func append(to data: inout BinaryCopyData, defaultDeadlineDays days: Int) throws(PostgresError) {
        data.startRow()
        try data.uuid(recordId)
        data.text(entity)
        data.text(subject)
        data.text(county)
        data.int4(year)
        data.timestamp(micros: registeredAt?.unixMicros)
        if let registeredEvent { try data.uuid(registeredEvent) } else { data.null() }
        data.timestamp(micros: deadline?.unixMicros)
        data.int4(persons)
        data.bool(online)
        data.text(origin)
        data.text(breach)
        data.bool(criminal)
        data.int4(Int64(proxyLevel))
        data.timestamp(micros: resolvedAt?.unixMicros)
        data.timestamp(micros: voidedAt?.unixMicros)
        data.timestamp(micros: due(defaultDeadlineDays: days)?.unixMicros)
    }

    /// When an unresolved problem becomes overdue: its deadline, or the default after registration.
    func due(defaultDeadlineDays: Int) -> Timestamp? {
        guard let entity, Self.problemKinds.contains(entity), let registeredAt else { return nil }
        return deadline ?? Timestamp(unixMicros: registeredAt.unixMicros + Int64(defaultDeadlineDays) * 86_400_000_000)
    }

    static let problemKinds: Set<String> = ["dispute", "hazard", "security_problem"]

    /// The counters this record adds to `figures` while it is live (metric names of `Figures`);
    /// an open problem also counts under the month it falls due (`open_due.<kind>.<YYYY-MM>`),
    /// so that what is overdue at a time is those months before it plus a few records.
    func figures(defaultDeadlineDays: Int) -> [(metric: String, value: Int64)] {
        guard isLive, let entity else { return [] }
        switch entity {
        case "dispute", "hazard", "security_problem":
            guard resolvedAt == nil else { return [("found.\(entity)", 1), ("resolved.\(entity)", 1)] }
            let due = due(defaultDeadlineDays: defaultDeadlineDays)!
            return [("found.\(entity)", 1), ("open_due.\(entity).\(Self.chinaMonth(due))", 1)]
        case "petition":
            var f: [(String, Int64)] = [("petition.batches", 1), ("petition.persons", persons ?? 0), ("petition.origin.\(origin ?? "")", 1)]
            if online == true { f.append(("petition.online", 1)) }
            if proxyLevel > 0 { f.append(("petition.proxy.\(proxyLevel)", 1)) }
            return f
        case "accident": return [("accident.count", 1)]
        case "case": return criminal == true ? [("case.criminal", 1)] : []
        default: return []
        }
    }

    /// The month of an instant in China Standard Time, as `YYYY-MM`.
    static func chinaMonth(_ t: Timestamp) -> String {
        let microsPerDay: Int64 = 86_400_000_000
        let local = t.unixMicros + Int64(Timestamp.chinaStandardTimeOffset) * 60_000_000
        let days = local >= 0 ? local / microsPerDay : (local - microsPerDay + 1) / microsPerDay
        let (year, month, _) = Timestamp.civilFromDays(Int(days))
        // Built by hand: the view computes it for every open problem a batch touches.
        let yyyy = String(year), mm = month < 10 ? "0\(month)" : String(month)
        return String(repeating: "0", count: max(0, 4 - yyyy.utf8.count)) + yyyy + "-" + mm
    }

    /// The first instant of the China Standard Time month of `t`.
    static func startOfChinaMonth(_ t: Timestamp) -> Timestamp {
        Timestamp(rfc3339: chinaMonth(t) + "-01T00:00:00+08:00")!
    }

    /// The civil year of an instant in China Standard Time (+08:00, no daylight saving).
    static func chinaYear(_ t: Timestamp) -> Int64 {
        let microsPerDay: Int64 = 86_400_000_000
        let local = t.unixMicros + Int64(Timestamp.chinaStandardTimeOffset) * 60_000_000
        let days = local >= 0 ? local / microsPerDay : (local - microsPerDay + 1) / microsPerDay
        return Int64(Timestamp.civilFromDays(Int(days)).0)
    }
}
