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
    case supervisionOpened = "supervision.opened"
    case supervisionUrged = "supervision.urged"
    case supervisionEscalated = "supervision.escalated"
    case supervisionClosed = "supervision.closed"
    case supervisionAnswered = "supervision.answered"

    public static let prefix = "cn.threezero."
    public static let suffix = ".v1"

    /// `cn.threezero.petition.registered.v1`
    public var wireName: String { Self.prefix + rawValue + Self.suffix }

    public init?(wireName: String) {
        guard let type = Self.byWireName[wireName] else { return nil }
        self = type
    }

    /// Every type by its wire name: read once per consumed event.
    static let byWireName = Dictionary(uniqueKeysWithValues: allCases.map { ($0.wireName, $0) })

    /// The entity an event is about (`petition`, `security_problem`, ...): the part of the raw
    /// value before the dot.
    public var entity: Entity {
        switch self {
        case .petitionRegistered, .petitionProxied, .petitionResolved, .petitionVoided: .petition
        case .disputeFound, .disputeResolved, .disputeVoided: .dispute
        case .hazardFound, .hazardRectified, .hazardVoided: .hazard
        case .accidentReported, .accidentVoided: .accident
        case .caseFiled, .caseSolved, .caseVoided: .case
        case .securityProblemFound, .securityProblemResolved, .securityProblemVoided: .securityProblem
        case .subjectUpserted: .subject
        case .supervisionOpened, .supervisionUrged, .supervisionEscalated, .supervisionClosed, .supervisionAnswered: .supervision
        }
    }

    /// Which sources may publish this type: disputes come from petitions and from the police.
    public var sources: [EventSource] {
        switch entity {
        case .petition: [.petitions]
        case .dispute: [.petitions, .cases]
        case .hazard, .accident: [.hazards]
        case .case, .securityProblem: [.cases]
        case .subject: [.roster]
        case .supervision: self == .supervisionAnswered ? [.petitions, .hazards, .cases] : [.supervision]
        }
    }

    /// Whether `source` may publish this type.
    public func mayComeFrom(_ source: EventSource) -> Bool { sources.contains(source) }

    public var isVoid: Bool {
        switch self {
        case .petitionVoided, .disputeVoided, .hazardVoided, .accidentVoided, .caseVoided, .securityProblemVoided: true
        default: false
        }
    }
}

/// The kinds of record events are about; each voidable record has an id field named `<entity>Id`.
public enum Entity: String, Sendable, Hashable, CaseIterable, Codable {
    case petition, dispute, hazard, accident
    case `case`
    case securityProblem = "security_problem"
    case subject
    case supervision

    /// The name of the record's id field in payloads: `petitionId`, `problemId`, ...
    public var idField: String {
        switch self {
        case .securityProblem: "problemId"
        case .subject: "code"
        case .supervision: "supervisionId"
        default: rawValue + "Id"
        }
    }

    /// The void event of this entity, if it can be voided.
    public var voidType: EventType? {
        EventType(rawValue: rawValue + ".voided")
    }
}
