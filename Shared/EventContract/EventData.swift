/// The payload of an event, one case per event type (all voids share `RecordVoided`).
public enum EventData: Sendable, Hashable {
    case petitionRegistered(PetitionRegistered)
    case petitionProxied(PetitionProxied)
    case petitionResolved(PetitionResolved)
    case disputeFound(DisputeFound)
    case disputeResolved(DisputeResolved)
    case hazardFound(HazardFound)
    case hazardRectified(HazardRectified)
    case accidentReported(AccidentReported)
    case caseFiled(CaseFiled)
    case caseSolved(CaseSolved)
    case securityProblemFound(SecurityProblemFound)
    case securityProblemResolved(SecurityProblemResolved)
    case subjectUpserted(SubjectUpserted)
    case supervisionOpened(SupervisionOpened)
    case supervisionUrged(SupervisionUrged)
    case supervisionEscalated(SupervisionEscalated)
    case supervisionClosed(SupervisionClosed)
    case supervisionAnswered(SupervisionAnswered)
    case voided(RecordVoided)

    public var type: EventType {
        switch self {
        case .petitionRegistered: .petitionRegistered
        case .petitionProxied: .petitionProxied
        case .petitionResolved: .petitionResolved
        case .disputeFound: .disputeFound
        case .disputeResolved: .disputeResolved
        case .hazardFound: .hazardFound
        case .hazardRectified: .hazardRectified
        case .accidentReported: .accidentReported
        case .caseFiled: .caseFiled
        case .caseSolved: .caseSolved
        case .securityProblemFound: .securityProblemFound
        case .securityProblemResolved: .securityProblemResolved
        case .subjectUpserted: .subjectUpserted
        case .supervisionOpened: .supervisionOpened
        case .supervisionUrged: .supervisionUrged
        case .supervisionEscalated: .supervisionEscalated
        case .supervisionClosed: .supervisionClosed
        case .supervisionAnswered: .supervisionAnswered
        case .voided(let v): v.entity.voidType!
        }
    }

    /// The deadline the event sets for its record (a problem's, by which it is to be resolved),
    /// if its type has one: the contract says which fields are deadlines, in one place.
    public var deadline: Timestamp? {
        switch self {
        case .disputeFound(let d): d.deadline
        case .hazardFound(let h): h.deadline
        case .securityProblemFound(let s): s.deadline
        default: nil
        }
    }

    /// The id of the record the event is about (the subject code for roster events).
    public var recordId: String {
        switch self {
        case .petitionRegistered(let p): p.petitionId
        case .petitionProxied(let p): p.petitionId
        case .petitionResolved(let p): p.petitionId
        case .disputeFound(let p): p.disputeId
        case .disputeResolved(let p): p.disputeId
        case .hazardFound(let p): p.hazardId
        case .hazardRectified(let p): p.hazardId
        case .accidentReported(let p): p.accidentId
        case .caseFiled(let p): p.caseId
        case .caseSolved(let p): p.caseId
        case .securityProblemFound(let p): p.problemId
        case .securityProblemResolved(let p): p.problemId
        case .subjectUpserted(let p): p.code.rawValue
        case .supervisionOpened(let p): p.supervisionId
        case .supervisionUrged(let p): p.supervisionId
        case .supervisionEscalated(let p): p.supervisionId
        case .supervisionClosed(let p): p.supervisionId
        case .supervisionAnswered(let p): p.supervisionId
        case .voided(let v): v.recordId
        }
    }

    /// The payload type of every non-void event type, for schema generation and checks.
    public static func payloadType(of type: EventType) -> (any EventPayload.Type)? {
        switch type {
        case .petitionRegistered: PetitionRegistered.self
        case .petitionProxied: PetitionProxied.self
        case .petitionResolved: PetitionResolved.self
        case .disputeFound: DisputeFound.self
        case .disputeResolved: DisputeResolved.self
        case .hazardFound: HazardFound.self
        case .hazardRectified: HazardRectified.self
        case .accidentReported: AccidentReported.self
        case .caseFiled: CaseFiled.self
        case .caseSolved: CaseSolved.self
        case .securityProblemFound: SecurityProblemFound.self
        case .securityProblemResolved: SecurityProblemResolved.self
        case .subjectUpserted: SubjectUpserted.self
        case .supervisionOpened: SupervisionOpened.self
        case .supervisionUrged: SupervisionUrged.self
        case .supervisionEscalated: SupervisionEscalated.self
        case .supervisionClosed: SupervisionClosed.self
        case .supervisionAnswered: SupervisionAnswered.self
        case .petitionVoided, .disputeVoided, .hazardVoided, .accidentVoided, .caseVoided, .securityProblemVoided: nil
        }
    }

    /// The fields of the payload of `type`, voids included.
    public static func fields(of type: EventType) -> [FieldSpec] {
        payloadType(of: type)?.fields ?? RecordVoided.fields(of: type.entity)
    }

    /// Reads the `data` of an event of `type`; `path` prefixes the field names in refusals.
    public static func read(_ value: JSONValue, as type: EventType, path: String) throws(ContractViolation) -> EventData {
        switch type {
        case .petitionRegistered: .petitionRegistered(try .read(value, path: path))
        case .petitionProxied: .petitionProxied(try .read(value, path: path))
        case .petitionResolved: .petitionResolved(try .read(value, path: path))
        case .disputeFound: .disputeFound(try .read(value, path: path))
        case .disputeResolved: .disputeResolved(try .read(value, path: path))
        case .hazardFound: .hazardFound(try .read(value, path: path))
        case .hazardRectified: .hazardRectified(try .read(value, path: path))
        case .accidentReported: .accidentReported(try .read(value, path: path))
        case .caseFiled: .caseFiled(try .read(value, path: path))
        case .caseSolved: .caseSolved(try .read(value, path: path))
        case .securityProblemFound: .securityProblemFound(try .read(value, path: path))
        case .securityProblemResolved: .securityProblemResolved(try .read(value, path: path))
        case .subjectUpserted: .subjectUpserted(try .read(value, path: path))
        case .supervisionOpened: .supervisionOpened(try .read(value, path: path))
        case .supervisionUrged: .supervisionUrged(try .read(value, path: path))
        case .supervisionEscalated: .supervisionEscalated(try .read(value, path: path))
        case .supervisionClosed: .supervisionClosed(try .read(value, path: path))
        case .supervisionAnswered: .supervisionAnswered(try .read(value, path: path))
        case .petitionVoided, .disputeVoided, .hazardVoided, .accidentVoided, .caseVoided, .securityProblemVoided:
            .voided(try RecordVoided.read(value, entity: type.entity, path: path))
        }
    }

    /// Reads the `data` of an event of `type`.
    public static func read(_ value: JSONValue, as type: EventType) throws(ContractViolation) -> EventData {
        try read(value, as: type, path: "data")
    }
}

extension EventData: Encodable {
    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .petitionRegistered(let p): try p.encode(to: encoder)
        case .petitionProxied(let p): try p.encode(to: encoder)
        case .petitionResolved(let p): try p.encode(to: encoder)
        case .disputeFound(let p): try p.encode(to: encoder)
        case .disputeResolved(let p): try p.encode(to: encoder)
        case .hazardFound(let p): try p.encode(to: encoder)
        case .hazardRectified(let p): try p.encode(to: encoder)
        case .accidentReported(let p): try p.encode(to: encoder)
        case .caseFiled(let p): try p.encode(to: encoder)
        case .caseSolved(let p): try p.encode(to: encoder)
        case .securityProblemFound(let p): try p.encode(to: encoder)
        case .securityProblemResolved(let p): try p.encode(to: encoder)
        case .subjectUpserted(let p): try p.encode(to: encoder)
        case .supervisionOpened(let p): try p.encode(to: encoder)
        case .supervisionUrged(let p): try p.encode(to: encoder)
        case .supervisionEscalated(let p): try p.encode(to: encoder)
        case .supervisionClosed(let p): try p.encode(to: encoder)
        case .supervisionAnswered(let p): try p.encode(to: encoder)
        case .voided(let v): try v.encode(to: encoder)
        }
    }
}
