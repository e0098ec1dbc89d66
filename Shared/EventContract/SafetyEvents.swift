// Events of the emergency-management bureau (应急管理局).

/// 安全隐患排查
public struct HazardFound: EventPayload {
    public var hazardId: String
    public var category: String
    public var severity: HazardSeverity
    /// 整改期限
    public var deadline: Timestamp

    public init(hazardId: String, category: String, severity: HazardSeverity, deadline: Timestamp) {
        self.hazardId = hazardId
        self.category = category
        self.severity = severity
        self.deadline = deadline
    }

    public static let fields: [FieldSpec] = [
        FieldSpec("hazardId", .uuid),
        FieldSpec("category", .text),
        .oneOf("severity", HazardSeverity.self),
        FieldSpec("deadline", .timestamp),
    ]

    public init(reading f: FieldReader) throws(ContractViolation) {
        hazardId = try f.uuid("hazardId")
        category = try f.string("category")
        severity = try f.enumeration("severity")
        deadline = try f.timestamp("deadline")
    }
}

/// 隐患已整改
public struct HazardRectified: EventPayload {
    public var hazardId: String

    public init(hazardId: String) { self.hazardId = hazardId }

    public static let fields: [FieldSpec] = [
        FieldSpec("hazardId", .uuid)
    ]

    public init(reading f: FieldReader) throws(ContractViolation) {
        hazardId = try f.uuid("hazardId")
    }
}

/// 安全事故; any casualty breaches zero accidents.
public struct AccidentReported: EventPayload {
    public var accidentId: String
    public var kind: String
    public var deaths: Int64
    public var injuries: Int64
    public var directLossYuan: Double?

    public init(accidentId: String, kind: String, deaths: Int64, injuries: Int64, directLossYuan: Double? = nil) {
        self.accidentId = accidentId
        self.kind = kind
        self.deaths = deaths
        self.injuries = injuries
        self.directLossYuan = directLossYuan
    }

    public static let fields: [FieldSpec] = [
        FieldSpec("accidentId", .uuid),
        FieldSpec("kind", .text),
        FieldSpec("deaths", .integer(Bounds.casualties)),
        FieldSpec("injuries", .integer(Bounds.casualties)),
        .optional("directLossYuan", .decimal(Bounds.directLossYuan)),
    ]

    public init(reading f: FieldReader) throws(ContractViolation) {
        accidentId = try f.uuid("accidentId")
        kind = try f.string("kind")
        deaths = try f.integer("deaths", in: Bounds.casualties)
        injuries = try f.integer("injuries", in: Bounds.casualties)
        directLossYuan = try f.optionalDecimal("directLossYuan", in: Bounds.directLossYuan)
    }
}
