// Events of the petitions bureau (信访局).

/// 信访件登记
public struct PetitionRegistered: EventPayload {
    public var petitionId: String
    public var channel: PetitionChannel
    /// 人次: how many people came with this petition (a batch, 批次, is one petition).
    public var persons: Int64
    public var lodgedLevel: LodgedLevel
    /// 集体访
    public var collective: Bool
    public var origin: PetitionOrigin
    public var category: String

    public init(
        petitionId: String, channel: PetitionChannel, persons: Int64, lodgedLevel: LodgedLevel,
        collective: Bool, origin: PetitionOrigin, category: String
    ) {
        self.petitionId = petitionId
        self.channel = channel
        self.persons = persons
        self.lodgedLevel = lodgedLevel
        self.collective = collective
        self.origin = origin
        self.category = category
    }

    public static let fields: [FieldSpec] = [
        FieldSpec("petitionId", .uuid),
        .oneOf("channel", PetitionChannel.self),
        FieldSpec("persons", .integer(Bounds.persons)),
        .oneOf("lodgedLevel", LodgedLevel.self),
        FieldSpec("collective", .boolean),
        .oneOf("origin", PetitionOrigin.self),
        FieldSpec("category", .text),
    ]

    public init(reading f: FieldReader) throws(ContractViolation) {
        petitionId = try f.uuid("petitionId")
        channel = try f.enumeration("channel")
        persons = try f.integer("persons", in: Bounds.persons)
        lodgedLevel = try f.enumeration("lodgedLevel")
        collective = try f.bool("collective")
        origin = try f.enumeration("origin")
        category = try f.string("category")
    }
}

/// 四级书记代办: the secretary at `level` takes the demand up on the petitioner's behalf.
public struct PetitionProxied: EventPayload {
    public var petitionId: String
    public var level: ProxyLevel

    public init(petitionId: String, level: ProxyLevel) {
        self.petitionId = petitionId
        self.level = level
    }

    public static let fields: [FieldSpec] = [
        FieldSpec("petitionId", .uuid),
        .oneOf("level", ProxyLevel.self),
    ]

    public init(reading f: FieldReader) throws(ContractViolation) {
        petitionId = try f.uuid("petitionId")
        level = try f.enumeration("level")
    }
}

/// 办结
public struct PetitionResolved: EventPayload {
    public var petitionId: String
    public var outcome: PetitionOutcome

    public init(petitionId: String, outcome: PetitionOutcome) {
        self.petitionId = petitionId
        self.outcome = outcome
    }

    public static let fields: [FieldSpec] = [
        FieldSpec("petitionId", .uuid),
        .oneOf("outcome", PetitionOutcome.self),
    ]

    public init(reading f: FieldReader) throws(ContractViolation) {
        petitionId = try f.uuid("petitionId")
        outcome = try f.enumeration("outcome")
    }
}

/// 矛盾纠纷排查 (from the petitions bureau or the police)
public struct DisputeFound: EventPayload {
    public var disputeId: String
    public var category: String
    public var deadline: Timestamp?

    public init(disputeId: String, category: String, deadline: Timestamp? = nil) {
        self.disputeId = disputeId
        self.category = category
        self.deadline = deadline
    }

    public static let fields: [FieldSpec] = [
        FieldSpec("disputeId", .uuid),
        FieldSpec("category", .text),
        .optional("deadline", .timestamp),
    ]

    public init(reading f: FieldReader) throws(ContractViolation) {
        disputeId = try f.uuid("disputeId")
        category = try f.string("category")
        deadline = try f.optionalTimestamp("deadline")
    }
}

/// 矛盾纠纷化解
public struct DisputeResolved: EventPayload {
    public var disputeId: String
    public var method: ResolutionMethod

    public init(disputeId: String, method: ResolutionMethod) {
        self.disputeId = disputeId
        self.method = method
    }

    public static let fields: [FieldSpec] = [
        FieldSpec("disputeId", .uuid),
        .oneOf("method", ResolutionMethod.self),
    ]

    public init(reading f: FieldReader) throws(ContractViolation) {
        disputeId = try f.uuid("disputeId")
        method = try f.enumeration("method")
    }
}
