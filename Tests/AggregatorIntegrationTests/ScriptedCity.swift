import Divisions
import EventContract
import Foundation
import Simulation
import TestSupport

/// A small city's month, scripted with a seed: a roster of every subject type over three counties,
/// and events of every type as the departments would publish them — with voids, late events,
/// duplicates, and one event about a subject the roster learns of only later. `expected` computes
/// the figures of DESIGN.md section 5 from the script alone, without SQL.
struct ScriptedCity {
    struct Subject {
        let code: SubjectCode
        let type: SubjectType
        let active: Bool
        /// The roster's township: a village's is its code's; nil for one without (未划分乡镇).
        var township: String?
        /// The township it counts under.
        var countsUnder: String { township ?? code.county + "000" }
    }

    struct Record {
        var entity: Entity
        var subject: SubjectCode
        var registered: CloudEvent
        var resolvedAt: Timestamp?
        var voidedAt: Timestamp?
        var proxyLevels: [ProxyLevel] = []
    }

    var subjects: [Subject] = []
    /// In the order they are published (per subject in time order, except the late ones).
    var events: [CloudEvent] = []
    /// Published twice.
    var duplicates: [CloudEvent] = []
    var records: [String: Record] = [:]
    let lateSubject: Subject
    var sequences: [EventSource: UInt64] = [:]
    /// Events of March 2025 (outside the period; they count only a year on).
    var lastYear: [CloudEvent] = []

    static let from = Timestamp(rfc3339: "2026-03-01T00:00:00+08:00")!
    static let asOf = Timestamp(rfc3339: "2026-03-31T23:59:59.999999+08:00")!

    typealias Random = SplitMix64

    /// Day `day` of March 2026 (days past 31 run into April) at `hour`, +08:00.
    static func time(day: Int, hour: Int) -> Timestamp {
        Timestamp(unixMicros: from.unixMicros + Int64((day - 1) * 24 + hour) * 3_600_000_000)
    }

    init(seed: UInt64) {
        var random = Random(seed: seed)
        let counties = ["140403", "140427", "140431"]
        for county in counties {
            // Three townships of the demo directory in each county.
            let townships = DivisionNames.demo.townships(of: county).prefix(3).map(\.code)
            for (type, count) in [(SubjectType.village, 6), (.community, 2), (.enterprise, 6), (.institution, 3), (.religiousSite, 2)] {
                for _ in 0..<count {
                    let township = random.pick(townships)
                    let code =
                        type.codeKind == .division
                        ? try! SubjectCode(validating: township + String(format: "%03d", random.int(1..<1_000)))
                        : TestRoster.enterpriseCode(county: county)
                    subjects.append(
                        Subject(code: code, type: type, active: !random.chance(0.08), township: type.codeKind == .division || !random.chance(0.2) ? township : nil))
                }
            }
        }
        let late = TestRoster.villageCode()
        lateSubject = Subject(code: late, type: .village, active: true, township: String(late.rawValue.prefix(9)))

        for subject in subjects + [lateSubject] {
            for _ in 0..<random.int(0..<4) { script(subject.code, &random) }
        }
        // A year earlier, for the year-on-year comparison: a petition and a criminal case.
        let yearBefore = subjects[0].code
        lastYear = [
            publish(
                .petitions, yearBefore, Self.time(day: 5 - 365, hour: 9),
                .petitionRegistered(
                    .init(
                        petitionId: UUIDv7.generate(), channel: .visit, persons: 1, lodgedLevel: .unit, collective: false, origin: .selfFound, category: "去年"))),
            publish(
                .cases, yearBefore, Self.time(day: 10 - 365, hour: 9),
                .caseFiled(
                    .init(
                        caseId: UUIDv7.generate(), kind: .criminal, category: .fraud, majorImpact: false))),
        ]
        // The late subject certainly has a breach, so releasing it from quarantine changes the figures.
        registerPetition(lateSubject.code, day: 3, lodged: .city, collective: false, &random)
    }

    mutating func next(_ source: EventSource) -> UInt64 {
        sequences[source, default: 0] += 1
        return sequences[source]!
    }

    mutating func publish(_ source: EventSource, _ subject: SubjectCode, _ time: Timestamp, _ data: EventData) -> CloudEvent {
        let event = CloudEvent(source: source, subject: subject, time: time, sequence: next(source), data: data)
        events.append(event)
        return event
    }

    mutating func registerPetition(_ subject: SubjectCode, day: Int, lodged: LodgedLevel, collective: Bool, _ random: inout Random) {
        let id = UUIDv7.generate()
        let event = publish(
            .petitions, subject, Self.time(day: day, hour: 9),
            .petitionRegistered(
                .init(
                    petitionId: id, channel: random.pick(PetitionChannel.allCases), persons: Int64(random.int(1..<6)), lodgedLevel: lodged,
                    collective: collective, origin: random.pick(PetitionOrigin.allCases), category: "信访")))
        records[id] = Record(entity: .petition, subject: subject, registered: event)
    }

    /// One record's life with a random kind and random turns.
    mutating func script(_ subject: SubjectCode, _ random: inout Random) {
        let day = random.int(1..<25)
        let id = UUIDv7.generate()
        let kind = random.int(0..<7)
        let registered: CloudEvent
        let source: EventSource
        switch kind {
        case 0:
            registerPetition(subject, day: day, lodged: random.pick([.unit, .unit, .township, .county]), collective: random.chance(0.15), &random)
            let petitionId = events.last!.data.recordId
            var levels: [ProxyLevel] = []
            for level in ProxyLevel.allCases where random.chance(0.3) {
                levels.append(level)
                _ = publish(.petitions, subject, Self.time(day: day + 1, hour: 10 + levels.count), .petitionProxied(.init(petitionId: petitionId, level: level)))
            }
            records[petitionId]!.proxyLevels = levels
            if random.chance(0.5) {
                let at = Self.time(day: day + 2, hour: 9)
                _ = publish(.petitions, subject, at, .petitionResolved(.init(petitionId: petitionId, outcome: random.pick(PetitionOutcome.allCases))))
                records[petitionId]!.resolvedAt = at
            }
            if random.chance(0.1) { void(petitionId, .petitions, day: day + 3) }
            return
        case 1:
            source = random.chance(0.5) ? .petitions : .cases
            registered = publish(
                source, subject, Self.time(day: day, hour: 8),
                .disputeFound(
                    .init(
                        disputeId: id, category: "纠纷", deadline: random.chance(0.5) ? Self.time(day: day + random.int(1..<10), hour: 18) : nil)))
        case 2:
            source = .hazards
            registered = publish(
                .hazards, subject, Self.time(day: day, hour: 8),
                .hazardFound(
                    .init(
                        hazardId: id, category: "隐患", severity: random.pick(HazardSeverity.allCases), deadline: Self.time(day: day + random.int(1..<12), hour: 18))))
        case 3:
            source = .hazards
            registered = publish(
                .hazards, subject, Self.time(day: day, hour: 8),
                .accidentReported(
                    .init(
                        accidentId: id, kind: "事故", deaths: random.chance(0.2) ? 1 : 0, injuries: Int64(random.pick([0, 0, 1, 3])))))
        case 4:
            source = .cases
            registered = publish(
                .cases, subject, Self.time(day: day, hour: 8),
                .caseFiled(
                    .init(
                        caseId: id, kind: random.pick(CaseKind.allCases), category: random.pick(CaseCategory.allCases), majorImpact: random.chance(0.3))))
        default:
            source = .cases
            registered = publish(.cases, subject, Self.time(day: day, hour: 8), .securityProblemFound(.init(problemId: id, category: "治安")))
        }
        records[id] = Record(entity: registered.type.entity, subject: subject, registered: registered)
        if [1, 2, 5, 4].contains(kind), random.chance(0.5) {
            let at = Self.time(day: day + random.int(1..<6), hour: 12)
            let data: EventData =
                switch kind {
                case 1: .disputeResolved(.init(disputeId: id, method: .mediation))
                case 2: .hazardRectified(.init(hazardId: id))
                case 4: .caseSolved(.init(caseId: id))
                default: .securityProblemResolved(.init(problemId: id))
                }
            let event = publish(source, subject, at, data)
            if kind != 4 { records[id]!.resolvedAt = at }
            if random.chance(0.2) { duplicates.append(event) }
        }
        if random.chance(0.12) { void(id, source, day: day + 1) }
        if random.chance(0.1) { duplicates.append(registered) }
    }

    mutating func void(_ id: String, _ source: EventSource, day: Int) {
        let at = Self.time(day: day, hour: 20)
        _ = publish(source, records[id]!.subject, at, .voided(.init(entity: records[id]!.entity, recordId: id, reason: "录入错误")))
        records[id]!.voidedAt = at
    }

    // MARK: - The figures, computed from the script

    struct Expected: Equatable {
        var compliant: [SubjectType: Int] = [:]
        var active: [SubjectType: Int] = [:]
        var breaches = [0, 0, 0]
        var ledger: [Entity: [Int]] = [:]
        var batches = 0
        var persons = 0
        var online = 0
        var selfFound = 0
        var proxy: [ProxyLevel: Int] = [:]
        var breachingSubjects: Int { active.values.reduce(0, +) - compliant.values.reduce(0, +) }
    }

    /// The figures of the window, for the city or — `within` a county's or a township's code — for
    /// that division: records by the township their subject was in when registered
    /// (`townshipAt`), subjects by the township they are in now.
    func expected(
        from: Timestamp = Self.from, asOf: Timestamp = Self.asOf, defaultDeadlineDays: Int = 30, within division: String? = nil,
        townshipAt: (Record) -> String? = { _ in nil }
    ) -> Expected {
        var result = Expected()
        let townships = Dictionary(uniqueKeysWithValues: (subjects + [lateSubject]).map { ($0.code, $0.countsUnder) })
        func inside(_ township: String?) -> Bool { division.map { township?.hasPrefix($0) ?? false } ?? true }
        let live = records.values.filter { $0.voidedAt == nil && $0.registered.time >= from && $0.registered.time <= asOf }
        // A subject breaches by all its records; the records count where they were registered.
        var breach: [String: [Bool]] = [:]
        for r in live {
            var b = breach[r.subject.rawValue] ?? [false, false, false]
            let counted = inside(townshipAt(r) ?? townships[r.subject])
            switch r.registered.data {
            case .petitionRegistered(let p):
                if p.lodgedLevel != .unit || p.collective { b[0] = true }
                guard counted else { break }
                result.batches += 1
                result.persons += Int(p.persons)
                if p.channel == .online { result.online += 1 }
                if p.origin == .selfFound { result.selfFound += 1 }
                if let highest = r.proxyLevels.max() { result.proxy[highest, default: 0] += 1 }
            case .accidentReported(let a): if a.deaths + a.injuries >= 1 { b[1] = true }
            case .caseFiled(let c): if c.kind == .criminal || c.majorImpact { b[2] = true }
            default:
                guard counted else { break }
                let deadline: Timestamp? =
                    switch r.registered.data {
                    case .disputeFound(let d): d.deadline
                    case .hazardFound(let h): h.deadline
                    default: nil
                    }
                let due = deadline ?? Timestamp(unixMicros: r.registered.time.unixMicros + Int64(defaultDeadlineDays) * 86_400_000_000)
                let resolved = r.resolvedAt.map { $0 <= asOf } ?? false
                var l = result.ledger[r.entity] ?? [0, 0, 0, 0]
                l[0] += 1
                if resolved {
                    l[1] += 1
                } else {
                    l[2] += 1
                    if due < asOf { l[3] += 1 }
                }
                result.ledger[r.entity] = l
            }
            breach[r.subject.rawValue] = b
        }
        for subject in subjects + [lateSubject] where subject.active && inside(subject.countsUnder) {
            let b = breach[subject.code.rawValue] ?? [false, false, false]
            result.active[subject.type, default: 0] += 1
            if !b.contains(true) { result.compliant[subject.type, default: 0] += 1 }
            for i in 0..<3 where b[i] { result.breaches[i] += 1 }
        }
        return result
    }
}
