// Supervision (督办, DESIGN.md section 9.3): items the command center's office opens on a county,
// a township, a subject or one record, and the answers of the departments they are addressed to.

/// 督办 / 重点督办 / 交办
public enum SupervisionKind: String, Sendable, Hashable, CaseIterable, Codable {
    case supervise, key, assigned
}

/// What an item is about.
public enum SupervisionLevel: String, Sendable, Hashable, CaseIterable, Codable {
    case county, township, subject, record
}

/// How an item ended: 办结, or withdrawn by the office.
public enum SupervisionOutcome: String, Sendable, Hashable, CaseIterable, Codable {
    case done, withdrawn
}

/// A department an item is addressed to (the name of its service).
public enum DepartmentName: String, Sendable, Hashable, CaseIterable, Codable {
    case petitions, hazards, cases

    /// The source the department publishes as (its answers come from there).
    public var source: EventSource {
        switch self {
        case .petitions: .petitions
        case .hazards: .hazards
        case .cases: .cases
        }
    }

    public init?(source: EventSource) {
        switch source {
        case .petitions: self = .petitions
        case .hazards: self = .hazards
        case .cases: self = .cases
        case .roster, .supervision: return nil
        }
    }
}

/// The county, township, subject or record an item is about. For a record, `code` is the record's
/// subject and `recordId` the record.
public struct SupervisionTarget: Sendable, Hashable, Encodable {
    public var level: SupervisionLevel
    public var code: String
    public var recordId: String?

    public init(level: SupervisionLevel, code: String, recordId: String? = nil) {
        self.level = level
        self.code = code
        self.recordId = recordId
    }

    public static let fields: [FieldSpec] = [
        .oneOf("level", SupervisionLevel.self),
        FieldSpec("code", .targetCode),
        .optional("recordId", .uuid),
    ]

    public init(reading f: FieldReader) throws(ContractViolation) {
        try f.rejectUnknown(allowed: Self.fields.map(\.name))
        level = try f.enumeration("level")
        recordId = try f.optionalUUID("recordId")
        switch level {
        case .county: code = try f.countyCode("code")
        case .township:
            guard let township = try f.optionalTownshipCode("code") else { throw ContractViolation(f.at("code"), "is required") }
            code = township
        case .subject, .record: code = try f.subjectCode("code").rawValue
        }
        switch (level, recordId) {
        case (.record, nil): throw ContractViolation(f.at("recordId"), "is required when the target is a record")
        case (.county, _?), (.township, _?), (.subject, _?):
            throw ContractViolation(f.at("recordId"), "is only for a record (the target is a \(level.rawValue))")
        default: break
        }
    }

    /// The 6-digit county the target is in.
    public var county: String { level == .county || level == .township ? String(code.prefix(6)) : (try? SubjectCode(validating: code).county) ?? "" }

    /// The events' key: the subject's code, or the division's padded to 12 digits (a county
    /// `140403` is `140403000000`), so one target's events stay in order.
    public var key: SubjectCode {
        let padded =
            switch level {
            case .county: code + "000000"
            case .township: code + "000"
            case .subject, .record: code
            }
        // A county or township code read by `init(reading:)` always pads to a division code.
        return try! SubjectCode(validating: padded)
    }

    enum CodingKeys: String, CodingKey { case level, code, recordId }
}

/// `supervision.opened`: the office opens an item (创建办: 督办, 重点督办 or 交办).
public struct SupervisionOpened: EventPayload {
    public var supervisionId: String
    public var kind: SupervisionKind
    public var target: SupervisionTarget
    /// The department responsible, which answers; none for an item the office follows itself.
    public var department: DepartmentName?
    public var reason: String
    public var deadline: Timestamp

    public init(supervisionId: String, kind: SupervisionKind, target: SupervisionTarget, department: DepartmentName?, reason: String, deadline: Timestamp) {
        self.supervisionId = supervisionId
        self.kind = kind
        self.target = target
        self.department = department
        self.reason = reason
        self.deadline = deadline
    }

    public static let fields: [FieldSpec] = [
        FieldSpec("supervisionId", .uuid),
        .oneOf("kind", SupervisionKind.self),
        FieldSpec("target", .object(SupervisionTarget.fields)),
        .optional("department", .enumeration(DepartmentName.allCases.map(\.rawValue))),
        FieldSpec("reason", .text),
        FieldSpec("deadline", .timestamp),
    ]

    public init(reading f: FieldReader) throws(ContractViolation) {
        supervisionId = try f.uuid("supervisionId")
        kind = try f.enumeration("kind")
        target = try SupervisionTarget(reading: try f.object("target"))
        department = try f.optionalEnumeration("department")
        reason = try f.string("reason")
        deadline = try f.timestamp("deadline")
    }
}

/// `supervision.urged` (催办): the item is past its deadline and not done.
public struct SupervisionUrged: EventPayload {
    public var supervisionId: String
    public var note: String

    public init(supervisionId: String, note: String) {
        self.supervisionId = supervisionId
        self.note = note
    }

    public static let fields: [FieldSpec] = [FieldSpec("supervisionId", .uuid), FieldSpec("note", .text)]

    public init(reading f: FieldReader) throws(ContractViolation) {
        supervisionId = try f.uuid("supervisionId")
        note = try f.string("note")
    }
}

/// `supervision.escalated` (提级督办): urged, and still not done.
public struct SupervisionEscalated: EventPayload {
    public var supervisionId: String

    public init(supervisionId: String) { self.supervisionId = supervisionId }

    public static let fields: [FieldSpec] = [FieldSpec("supervisionId", .uuid)]

    public init(reading f: FieldReader) throws(ContractViolation) {
        supervisionId = try f.uuid("supervisionId")
    }
}

/// `supervision.closed`: done (办结: the record resolved, or the office accepted the answer) or withdrawn.
public struct SupervisionClosed: EventPayload {
    public var supervisionId: String
    public var outcome: SupervisionOutcome

    public init(supervisionId: String, outcome: SupervisionOutcome) {
        self.supervisionId = supervisionId
        self.outcome = outcome
    }

    public static let fields: [FieldSpec] = [FieldSpec("supervisionId", .uuid), .oneOf("outcome", SupervisionOutcome.self)]

    public init(reading f: FieldReader) throws(ContractViolation) {
        supervisionId = try f.uuid("supervisionId")
        outcome = try f.enumeration("outcome")
    }
}

/// `supervision.answered`: the department's answer, on its own topic (text; never personal data).
public struct SupervisionAnswered: EventPayload {
    public var supervisionId: String
    public var answer: String

    public init(supervisionId: String, answer: String) {
        self.supervisionId = supervisionId
        self.answer = answer
    }

    public static let fields: [FieldSpec] = [FieldSpec("supervisionId", .uuid), FieldSpec("answer", .text)]

    public init(reading f: FieldReader) throws(ContractViolation) {
        supervisionId = try f.uuid("supervisionId")
        answer = try f.string("answer")
    }
}
