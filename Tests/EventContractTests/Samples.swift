import EventContract

/// Valid events of every type, as a department would publish them.
enum Samples {
    static let village = try! SubjectCode(validating: "140403001001")
    static let enterprise = try! SubjectCode(validating: "9114040373922853X0")
    static let religiousSite = try! SubjectCode(validating: "71140427MA0X12345E")
    static let time = Timestamp(rfc3339: "2026-03-01T09:30:00+08:00")!
    static let deadline = Timestamp(rfc3339: "2026-03-31T23:59:59+08:00")!
    static let id = "0195a3c2-7d4e-7f00-8a11-3c5d2e1f0a9b"

    static let dataOfEveryType: [EventData] = [
        .petitionRegistered(.init(petitionId: id, channel: .online, persons: 3, lodgedLevel: .county, collective: false, origin: .selfFound, category: "土地征收")),
        .petitionProxied(.init(petitionId: id, level: .township)),
        .petitionResolved(.init(petitionId: id, outcome: .resolved)),
        .disputeFound(.init(disputeId: id, category: "邻里纠纷", deadline: deadline)),
        .disputeFound(.init(disputeId: id, category: "婚姻家庭")),
        .disputeResolved(.init(disputeId: id, method: .mediation)),
        .hazardFound(.init(hazardId: id, category: "消防", severity: .major, deadline: deadline)),
        .hazardRectified(.init(hazardId: id)),
        .accidentReported(.init(accidentId: id, kind: "道路交通", deaths: 0, injuries: 2, directLossYuan: 12_500.5)),
        .caseFiled(.init(caseId: id, kind: .publicOrder, category: .robberyTheft, majorImpact: true)),
        .caseSolved(.init(caseId: id, suspects: 2)),
        .securityProblemFound(.init(problemId: id, category: "治安乱点")),
        .securityProblemResolved(.init(problemId: id)),
        .voided(.init(entity: .petition, recordId: id, reason: "录入错误")),
        .voided(.init(entity: .securityProblem, recordId: id, reason: "重复录入")),
    ]

    static func source(for type: EventType) -> EventSource {
        type.sources.contains(.petitions) ? .petitions : type.sources.first!
    }

    static func event(_ data: EventData, subject: SubjectCode = village, sequence: UInt64 = 42) -> CloudEvent {
        CloudEvent(source: source(for: data.type), subject: subject, time: time, sequence: sequence, data: data)
    }

    /// An envelope as JSON text with `data` spliced in, for refusal tests.
    static func envelope(
        type: String = "cn.threezero.petition.registered.v1", source: String = "/departments/petitions",
        subject: String = "140403001001", time: String = "2026-03-01T09:30:00+08:00",
        sequence: String = "00000000000000000042", data: String
    ) -> [UInt8] {
        Array(
            """
            {"specversion":"1.0","id":"\(id)","source":"\(source)","type":"\(type)","subject":"\(subject)",
             "time":"\(time)","sequence":"\(sequence)","datacontenttype":"application/json","data":\(data)}
            """.utf8)
    }

    static let petitionData = """
        {"petitionId":"\(id)","channel":"online","persons":2,"lodgedLevel":"unit","collective":false,"origin":"self_found","category":"劳资"}
        """
}
