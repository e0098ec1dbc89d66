import EventContract

/// Events of one record, made the way departments publish them.
enum Events {
    static let village = try! SubjectCode(validating: "140403001001")
    static let march1 = Timestamp(rfc3339: "2026-03-01T09:00:00+08:00")!

    static func at(_ time: Timestamp, plusDays days: Int) -> Timestamp {
        Timestamp(unixMicros: time.unixMicros + Int64(days) * 86_400_000_000)
    }

    static func event(_ data: EventData, at time: Timestamp = march1, source: EventSource = .petitions) -> CloudEvent {
        CloudEvent(source: source, subject: village, time: time, sequence: 1, data: data)
    }

    static func petition(_ id: String = "p-1", lodged: LodgedLevel, collective: Bool, channel: PetitionChannel = .visit) -> EventData {
        .petitionRegistered(
            PetitionRegistered(
                petitionId: id, channel: channel, persons: collective ? 5 : 1, lodgedLevel: lodged,
                collective: collective, origin: .selfFound, category: "土地"))
    }

    static func accident(deaths: Int64, injuries: Int64) -> EventData {
        .accidentReported(AccidentReported(accidentId: "a-1", kind: "道路交通", deaths: deaths, injuries: injuries))
    }

    static func criminalCase(_ kind: CaseKind, majorImpact: Bool) -> EventData {
        .caseFiled(CaseFiled(caseId: "c-1", kind: kind, category: .fraud, majorImpact: majorImpact))
    }
}
