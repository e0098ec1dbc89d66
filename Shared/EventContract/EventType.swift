/// Every event type of the contract. The wire name is `cn.threezero.<rawValue>.v1`.
public enum EventType: String, Sendable, Hashable, CaseIterable, Codable {
    case petitionRegistered = "petition.registered"
    case petitionProxied = "petition.proxied"
    case petitionResolved = "petition.resolved"
    case petitionVoided = "petition.voided"
    case disputeFound = "dispute.found"
    case disputeResolved = "dispute.resolved"
    case disputeVoided = "dispute.voided"
    case hazardFound = "hazard.found"
    case hazardRectified = "hazard.rectified"
    case hazardVoided = "hazard.voided"
    case accidentReported = "accident.reported"
    case accidentVoided = "accident.voided"
    case caseFiled = "case.filed"
    case caseSolved = "case.solved"
    case caseVoided = "case.voided"
    case securityProblemFound = "security_problem.found"
    case securityProblemResolved = "security_problem.resolved"
    case securityProblemVoided = "security_problem.voided"
    case subjectUpserted = "subject.upserted"

    public static let prefix = "cn.threezero."
    public static let suffix = ".v1"

    /// `cn.threezero.petition.registered.v1`
    public var wireName: String { Self.prefix + rawValue + Self.suffix }

    public init?(wireName: String) {
        guard wireName.hasPrefix(Self.prefix), wireName.hasSuffix(Self.suffix) else { return nil }
        self.init(rawValue: String(wireName.dropFirst(Self.prefix.count).dropLast(Self.suffix.count)))
    }

    /// The entity an event is about (`petition`, `security_problem`, ...).
    public var entity: Entity {
        Entity(rawValue: String(rawValue.prefix { $0 != "." }))!
    }

    /// Which sources may publish this type: disputes come from petitions and from the police.
    public var sources: Set<EventSource> {
        switch entity {
        case .petition: [.petitions]
        case .dispute: [.petitions, .cases]
        case .hazard, .accident: [.hazards]
        case .case, .securityProblem: [.cases]
        case .subject: [.roster]
        }
    }

    public var isVoid: Bool { rawValue.hasSuffix(".voided") }
}

/// The kinds of record events are about; each voidable record has an id field named `<entity>Id`.
public enum Entity: String, Sendable, Hashable, CaseIterable, Codable {
    case petition, dispute, hazard, accident
    case `case`
    case securityProblem = "security_problem"
    case subject

    /// The name of the record's id field in payloads: `petitionId`, `problemId`, ...
    public var idField: String {
        switch self {
        case .securityProblem: "problemId"
        case .subject: "code"
        default: rawValue + "Id"
        }
    }

    /// The void event of this entity, if it can be voided.
    public var voidType: EventType? {
        EventType(rawValue: rawValue + ".voided")
    }
}
