// Events of the public-security bureau (公安局).

/// 刑事/治安案件立案
public struct CaseFiled: EventPayload {
    public var caseId: String
    public var kind: CaseKind
    public var category: CaseCategory
    /// 重大影响; a public-order case breaches zero cases only with it.
    public var majorImpact: Bool

    public init(caseId: String, kind: CaseKind, category: CaseCategory, majorImpact: Bool) {
        self.caseId = caseId
        self.kind = kind
        self.category = category
        self.majorImpact = majorImpact
    }

    public static let fields: [FieldSpec] = [
        FieldSpec("caseId", .uuid),
        .oneOf("kind", CaseKind.self),
        .oneOf("category", CaseCategory.self),
        FieldSpec("majorImpact", .boolean),
    ]

    public init(reading f: FieldReader) throws(ContractViolation) {
        caseId = try f.uuid("caseId")
        kind = try f.enumeration("kind")
        category = try f.enumeration("category")
        majorImpact = try f.bool("majorImpact")
    }
}

/// 破案
public struct CaseSolved: EventPayload {
    public var caseId: String
    public var suspects: Int64?

    public init(caseId: String, suspects: Int64? = nil) {
        self.caseId = caseId
        self.suspects = suspects
    }

    public static let fields: [FieldSpec] = [
        FieldSpec("caseId", .uuid),
        .optional("suspects", .integer(Bounds.suspects)),
    ]

    public init(reading f: FieldReader) throws(ContractViolation) {
        caseId = try f.uuid("caseId")
        suspects = try f.optionalInteger("suspects", in: Bounds.suspects)
    }
}

/// 治安问题排查
public struct SecurityProblemFound: EventPayload {
    public var problemId: String
    public var category: String
    public var deadline: Timestamp?

    public init(problemId: String, category: String, deadline: Timestamp? = nil) {
        self.problemId = problemId
        self.category = category
        self.deadline = deadline
    }

    public static let fields: [FieldSpec] = [
        FieldSpec("problemId", .uuid),
        FieldSpec("category", .text),
        .optional("deadline", .timestamp),
    ]

    public init(reading f: FieldReader) throws(ContractViolation) {
        problemId = try f.uuid("problemId")
        category = try f.string("category")
        deadline = try f.optionalTimestamp("deadline")
    }
}

/// 治安问题整治
public struct SecurityProblemResolved: EventPayload {
    public var problemId: String

    public init(problemId: String) { self.problemId = problemId }

    public static let fields: [FieldSpec] = [
        FieldSpec("problemId", .uuid)
    ]

    public init(reading f: FieldReader) throws(ContractViolation) {
        problemId = try f.uuid("problemId")
    }
}
