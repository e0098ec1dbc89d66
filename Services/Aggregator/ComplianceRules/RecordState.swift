import EventContract

/// A record as all its facts so far make it (a row of `record_state`). Merging a fact is
/// order-independent: the registering fact says what the record is (the first one wins);
/// resolutions and voids count from their earliest time; proxies at their highest level.
public struct RecordState: Sendable, Equatable {
    public let recordId: String
    public let subject: String
    public let county: String
    /// The township its subject was in when it was registered (nil until the registering fact arrives).
    public var township: String?
    public var entity: Entity?
    public var registeredAt: Timestamp?
    public var registeredEvent: String?
    public var deadline: Timestamp?
    public var persons: Int64?
    public var online: Bool?
    public var origin: PetitionOrigin?
    /// The zero the record breaches, if any.
    public var breach: Zero?
    public var criminal: Bool?
    /// 0, or the rank of the highest level the petition was proxied at (`Metric.proxyRank`).
    public var proxyLevel = 0
    public var resolvedAt: Timestamp?
    public var voidedAt: Timestamp?

    public init(recordId: String, subject: String, county: String) {
        self.recordId = recordId
        self.subject = subject
        self.county = county
    }

    /// Registered and not voided: what counts.
    public var isLive: Bool { entity != nil && voidedAt == nil }

    /// The China Standard Time year of registration.
    public var year: Int64? { registeredAt.map(ChinaCalendar.year) }

    public var problemKind: ProblemKind? { entity.flatMap(ProblemKind.init(entity:)) }

    public mutating func merge(_ event: CloudEvent) {
        switch event.data {
        case .petitionRegistered(let p):
            register(event) { ($0.persons, $0.online, $0.origin) = (p.persons, p.channel == .online, p.origin) }
        case .disputeFound, .hazardFound, .securityProblemFound, .accidentReported: register(event) { _ in }
        case .caseFiled(let c): register(event) { $0.criminal = c.kind == .criminal }
        case .petitionProxied(let p):
            proxyLevel = max(proxyLevel, Metric.proxyRank(p.level))
        case .disputeResolved, .hazardRectified, .securityProblemResolved, .petitionResolved, .caseSolved:
            resolvedAt = min(resolvedAt ?? event.time, event.time)
        case .voided:
            voidedAt = min(voidedAt ?? event.time, event.time)
        case .subjectUpserted, .supervisionOpened, .supervisionUrged, .supervisionEscalated, .supervisionClosed, .supervisionAnswered:
            break
        }
    }

    private mutating func register(_ event: CloudEvent, _ details: (inout RecordState) -> Void) {
        guard entity == nil else { return }
        entity = event.type.entity
        registeredAt = event.time
        registeredEvent = event.id
        deadline = event.data.deadline
        breach = Zero.breached(by: event.data)
        details(&self)
    }

    /// When an unresolved problem becomes overdue (nil for anything but a registered problem).
    public func due(defaultDeadlineDays days: Int) -> Timestamp? {
        guard problemKind != nil, let registeredAt else { return nil }
        return ProblemKind.due(registeredAt: registeredAt, deadline: deadline, defaultDeadlineDays: days)
    }

    /// The counters this record adds while it is live; an open problem also counts under the
    /// month it falls due (`Metric.openDue`), so that what is overdue at a time is those months
    /// before it plus a few records.
    public func figures(defaultDeadlineDays days: Int) -> [(metric: Metric, value: Int64)] {
        guard isLive, let entity else { return [] }
        if let kind = problemKind {
            guard resolvedAt == nil else { return [(.found(kind), 1), (.resolved(kind), 1)] }
            return [(.found(kind), 1), (.openDue(kind, month: ChinaCalendar.month(due(defaultDeadlineDays: days)!)), 1)]
        }
        switch entity {
        case .petition:
            var f: [(Metric, Int64)] = [(.petitionBatches, 1), (.petitionPersons, persons ?? 0)]
            if let origin { f.append((.petitionOrigin(origin), 1)) }
            if online == true { f.append((.petitionOnline, 1)) }
            if proxyLevel > 0 { f.append((.petitionProxied(ProxyLevel.allCases[proxyLevel - 1]), 1)) }
            return f
        case .accident: return [(.accidents, 1)]
        case .case: return criminal == true ? [(.criminalCases, 1)] : []
        default: return []
        }
    }
}

/// Dates as the campaign counts them: in China Standard Time (+08:00, no daylight saving).
public enum ChinaCalendar {
    static let microsPerDay: Int64 = 86_400_000_000

    /// The civil day number (days since 1970-01-01) of an instant in China Standard Time.
    static func day(_ t: Timestamp) -> Int {
        let local = t.unixMicros + Int64(Timestamp.chinaStandardTimeOffset) * 60_000_000
        return Int(local >= 0 ? local / microsPerDay : (local - microsPerDay + 1) / microsPerDay)
    }

    /// The month of an instant, as `YYYY-MM`.
    public static func month(_ t: Timestamp) -> String {
        let (year, month, _) = Timestamp.civilFromDays(day(t))
        // Built by hand: the view computes it for every open problem a batch touches.
        let yyyy = String(year), mm = month < 10 ? "0\(month)" : String(month)
        return String(repeating: "0", count: max(0, 4 - yyyy.utf8.count)) + yyyy + "-" + mm
    }

    /// The first instant of the month of `t`.
    public static func startOfMonth(_ t: Timestamp) -> Timestamp {
        Timestamp(rfc3339: month(t) + "-01T00:00:00+08:00")!
    }

    /// The civil year of an instant.
    public static func year(_ t: Timestamp) -> Int64 {
        Int64(Timestamp.civilFromDays(day(t)).0)
    }

    /// The first instant of a year.
    public static func startOfYear(_ year: Int64) -> Timestamp {
        let yyyy = String(year)
        return Timestamp(rfc3339: String(repeating: "0", count: max(0, 4 - yyyy.utf8.count)) + yyyy + "-01-01T00:00:00+08:00")!
    }
}
