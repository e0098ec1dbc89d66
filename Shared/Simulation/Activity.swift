import EventContract
import HeapModule

/// What a city's departments do, day by day: petitions (a majority online, a few lodged above the
/// unit or collective, some taken up by the four-level secretaries), disputes, hazards (mostly
/// rectified before their deadline, some overdue), rare accidents, cases by category,
/// public-security problems, and voids of mistaken entries — as the clerks would type them into
/// the department services. The same seed gives the same activity.
///
/// `next()` yields the actions in time order, generating one day at a time, so a province-sized
/// year needs memory for the records still open, not for the whole year.
public struct Activity: Sendable {
    /// The kinds of record the departments keep, with where a clerk registers them.
    public enum Kind: String, Sendable, CaseIterable {
        case petition, dispute, hazard, accident, `case`, securityProblem

        public var entity: Entity {
            switch self {
            case .petition: .petition
            case .dispute: .dispute
            case .hazard: .hazard
            case .accident: .accident
            case .case: .case
            case .securityProblem: .securityProblem
            }
        }

        public var collection: String {
            switch self {
            case .petition: "petitions"
            case .dispute: "disputes"
            case .hazard: "hazards"
            case .accident: "accidents"
            case .case: "cases"
            case .securityProblem: "security-problems"
            }
        }

        /// Per subject and year, for a subject of `type`.
        func yearlyRate(_ type: SubjectType) -> Double {
            switch (self, type) {
            case (.petition, .village), (.petition, .community): 0.25
            case (.petition, _): 0.06
            case (.dispute, .village), (.dispute, .community): 0.5
            case (.dispute, _): 0.12
            case (.hazard, .enterprise): 1.2
            case (.hazard, _): 0.35
            case (.accident, .enterprise): 0.02
            case (.accident, _): 0.004
            case (.case, _): 0.06
            case (.securityProblem, .village), (.securityProblem, .community): 0.25
            case (.securityProblem, _): 0.08
            }
        }
    }

    /// One request a clerk makes: registering a record, or moving one on (`proxy`, `resolve`,
    /// `rectify`, `solve`, `void`). The body is the request's fields without `time`; a deadline
    /// is given as a distance from the time the record is registered.
    public struct Action: Sendable, Comparable {
        public let time: Timestamp
        /// The record, numbered in the order the activity registers them.
        public let record: Int
        public let kind: Kind
        public let subject: Int
        /// nil registers the record.
        public let action: String?
        public let fields: [String: JSONValue]
        public let deadlineAfterMicros: Int64?
        /// The action's number in the activity: distinct for every action.
        public let order: Int

        public var source: EventSource { kind == .dispute ? (record % 3 == 0 ? .cases : .petitions) : kind.source }

        public static func < (a: Action, b: Action) -> Bool { (a.time, a.order) < (b.time, b.order) }
        public static func == (a: Action, b: Action) -> Bool { a.order == b.order }
    }

    public let city: City
    /// The first day (00:00 China time) and the day after the last one generated (nil: no end).
    public let start: Timestamp
    public let end: Timestamp?
    var random: SplitMix64
    var pending = Heap<Action>()
    var nextDay = 0
    var records = 0
    var order = 0

    static let microsPerHour: Int64 = 3_600_000_000
    static let microsPerDay: Int64 = 86_400_000_000

    /// Activity from `start` (rounded down to midnight China time) until `end` (exclusive; nil: on and on).
    public init(city: City, start: Timestamp, end: Timestamp?, seed: UInt64) {
        self.city = city
        let local = start.unixMicros + Int64(Timestamp.chinaStandardTimeOffset) * 60_000_000
        let midnight = local - ((local % Self.microsPerDay) + Self.microsPerDay) % Self.microsPerDay
        self.start = Timestamp(unixMicros: midnight - Int64(Timestamp.chinaStandardTimeOffset) * 60_000_000)
        self.end = end
        random = SplitMix64(seed: seed ^ 0x5EED_AC71_7175)
    }

    /// The next action in time order, or nil when the period is over.
    public mutating func next() -> Action? {
        while true {
            let dayStart = start.unixMicros + Int64(nextDay) * Self.microsPerDay
            let periodOver = end.map { dayStart >= $0.unixMicros } ?? false
            if let first = pending.min, periodOver || first.time.unixMicros < dayStart {
                let action = pending.removeMin()
                if let end, action.time >= end { continue }
                return action
            }
            if periodOver { return nil }
            generateDay(startingAt: dayStart)
            nextDay += 1
        }
    }

    // MARK: - A day's registrations and their follow-ups

    mutating func generateDay(startingAt dayStart: Int64) {
        // Busier on weekdays; 1970-01-01 was a Thursday.
        let weekday = Int(((dayStart + 8 * Self.microsPerHour) / Self.microsPerDay + 3) % 7)
        let dayFactor = weekday >= 5 ? 0.4 : 1.2
        for kind in Kind.allCases {
            for type in SubjectType.allCases {
                let subjects = city.subjects(of: type)
                guard !subjects.isEmpty else { continue }
                let expected = kind.yearlyRate(type) * Double(subjects.count) / 365 * dayFactor
                var count = Int(expected)
                if random.chance(expected - Double(count)) { count += 1 }
                for _ in 0..<count {
                    let at = dayStart + Int64(random.int(8 * 60..<19 * 60)) * 60_000_000
                    register(kind, subject: subjects[random.int(0..<subjects.count)], at: at)
                }
            }
        }
    }

    mutating func schedule(
        _ kind: Kind, record: Int, subject: Int, at micros: Int64, _ action: String?,
        _ fields: [String: JSONValue], deadlineAfter: Int64? = nil
    ) {
        order += 1
        pending.insert(
            Action(
                time: Timestamp(unixMicros: micros), record: record, kind: kind, subject: subject, action: action,
                fields: fields, deadlineAfterMicros: deadlineAfter, order: order))
    }

    mutating func later(_ at: Int64, days: ClosedRange<Int>) -> Int64 {
        at + Int64(random.int(days.lowerBound..<days.upperBound + 1)) * Self.microsPerDay + Int64(random.int(-3 * 60..<3 * 60)) * 60_000_000
    }

    mutating func register(_ kind: Kind, subject: Int, at: Int64) {
        let record = records
        records += 1
        // Some are entered in error and voided by the clerk soon after; nothing else happens to those.
        let mistaken = random.chance(0.03)
        func void() {
            schedule(
                kind, record: record, subject: subject, at: at + Int64(random.int(1..<30)) * 60_000_000, "void",
                ["reason": .string(random.pick(["录入错误", "重复录入", "非本辖区"]))])
        }
        switch kind {
        case .petition:
            let lodged: LodgedLevel = random.chance(0.8) ? .unit : random.pick([.township, .township, .county, .city, .province])
            schedule(
                kind, record: record, subject: subject, at: at, nil,
                [
                    "channel": .string(random.chance(0.62) ? "online" : random.pick(["letter", "visit", "phone", "hotline"])),
                    "persons": .integer(random.chance(0.9) ? 1 : Int64(random.int(2..<30))),
                    "lodgedLevel": .string(lodged.rawValue), "collective": .bool(random.chance(0.04)),
                    "origin": .string(random.chance(0.7) ? "self_found" : "superior_assigned"),
                    "category": .string(random.pick(["劳动社保", "土地征收", "城乡建设", "农村农业", "环境保护", "政法"])),
                    "petitioner": People.petitioner(&random, county: city.subjects[subject].county),
                ])
            if mistaken { return void() }
            // The four-level secretaries take some up, a level at a time.
            var t = at
            for level in ProxyLevel.allCases {
                guard random.chance(level == .village ? 0.3 : 0.25) else { break }
                t = later(t, days: 1...4)
                schedule(kind, record: record, subject: subject, at: t, "proxy", ["level": .string(level.rawValue)])
            }
            if random.chance(0.85) {
                schedule(
                    kind, record: record, subject: subject, at: later(t, days: 3...45), "resolve",
                    ["outcome": .string(random.chance(0.85) ? "resolved" : "closed")])
            }
        case .dispute:
            let deadline = random.chance(0.6) ? Int64(random.int(7..<31)) * Self.microsPerDay : nil
            schedule(
                kind, record: record, subject: subject, at: at, nil,
                ["category": .string(random.pick(["邻里纠纷", "婚姻家庭", "土地承包", "劳资纠纷", "物业纠纷"]))], deadlineAfter: deadline)
            if mistaken { return void() }
            if random.chance(0.82) {
                schedule(
                    kind, record: record, subject: subject, at: later(at, days: 1...40), "resolve",
                    ["method": .string(random.pick(["mediation", "mediation", "mediation", "adjudication", "other"]))])
            }
        case .hazard:
            let major = random.chance(0.08)
            let days = major ? random.int(30..<91) : random.int(7..<46)
            schedule(
                kind, record: record, subject: subject, at: at, nil,
                [
                    "category": .string(random.pick(["消防安全", "用电安全", "危化品", "特种设备", "建筑施工", "道路交通"])),
                    "severity": .string(major ? "major" : "general"),
                ], deadlineAfter: Int64(days) * Self.microsPerDay)
            if mistaken { return void() }
            // Mostly rectified in time, a few late, some never.
            if random.chance(0.9) {
                let lateBy = random.chance(0.1) ? random.int(1..<30) : -random.int(0..<max(1, days - 1))
                schedule(kind, record: record, subject: subject, at: later(at, days: max(1, days + lateBy)...max(1, days + lateBy)), "rectify", [:])
            }
        case .accident:
            let hurt = random.chance(0.6)
            schedule(
                kind, record: record, subject: subject, at: at, nil,
                [
                    "kind": .string(random.pick(["机械伤害", "火灾", "道路交通", "高处坠落", "触电"])),
                    "deaths": .integer(hurt && random.chance(0.15) ? Int64(random.int(1..<3)) : 0),
                    "injuries": .integer(hurt ? Int64(random.int(1..<6)) : 0),
                    "directLossYuan": .integer(Int64(random.int(1..<500)) * 1_000),
                ])
            if mistaken { return void() }
        case .case:
            let criminal = random.chance(0.4)
            schedule(
                kind, record: record, subject: subject, at: at, nil,
                [
                    "kind": .string(criminal ? "criminal" : "public_order"),
                    "category": .string(
                        random.pick(
                            criminal
                                ? ["robbery_theft", "robbery_theft", "fraud", "fraud", "violence", "drugs", "organized_crime"]
                                : ["other", "violence", "robbery_theft", "drugs"])),
                    "majorImpact": .bool(random.chance(criminal ? 0.15 : 0.06)),
                ])
            if mistaken { return void() }
            if random.chance(0.6) {
                schedule(kind, record: record, subject: subject, at: later(at, days: 2...60), "solve", ["suspects": .integer(Int64(random.int(1..<4)))])
            }
        case .securityProblem:
            let deadline = random.chance(0.5) ? Int64(random.int(10..<46)) * Self.microsPerDay : nil
            schedule(
                kind, record: record, subject: subject, at: at, nil,
                ["category": .string(random.pick(["治安乱点", "出租屋管理", "流动人口", "娱乐场所"]))], deadlineAfter: deadline)
            if mistaken { return void() }
            if random.chance(0.8) { schedule(kind, record: record, subject: subject, at: later(at, days: 2...50), "resolve", [:]) }
        }
    }
}

extension Activity.Kind {
    /// The department that keeps this kind (disputes: petitions or police, see `Action.source`).
    public var source: EventSource {
        switch self {
        case .petition, .dispute: .petitions
        case .hazard, .accident: .hazards
        case .case, .securityProblem: .cases
        }
    }
}
