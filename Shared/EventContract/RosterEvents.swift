// The command center's roster of creation subjects (动态摸排), and voids of any record.

/// A subject added to or changed on the roster; deactivation, never deletion.
public struct SubjectUpserted: EventPayload {
    public var code: SubjectCode
    public var name: String
    public var type: SubjectType
    /// 6-digit county division code
    public var county: String
    /// 9-digit township (乡镇/街道) code of the county: a village's or community's is the first 9
    /// digits of its code (filled in when left out); nil for another subject without one, which
    /// counts under its county's 未划分乡镇.
    public var township: String?
    public var active: Bool
    /// Where the subject is, for the map (degrees, in the coordinates of the map's boundary file:
    /// GCJ-02 for the installed one): both or neither. The command center checks that it lies
    /// inside the city.
    public var location: Location?

    public struct Location: Sendable, Hashable {
        public var lon: Double
        public var lat: Double
        public init(lon: Double, lat: Double) { (self.lon, self.lat) = (lon, lat) }
    }

    public init(code: SubjectCode, name: String, type: SubjectType, county: String, township: String? = nil, active: Bool, location: Location? = nil) {
        self.code = code
        self.name = name
        self.type = type
        self.county = county
        self.township = township ?? (code.kind == .division ? String(code.rawValue.prefix(9)) : nil)
        self.active = active
        self.location = location
    }

    public static let fields: [FieldSpec] = [
        FieldSpec("code", .subjectCode),
        FieldSpec("name", .text),
        .oneOf("type", SubjectType.self),
        FieldSpec("county", .countyCode),
        .optional("township", .townshipCode),
        FieldSpec("active", .boolean),
        .optional("lon", .decimal(-180...180)),
        .optional("lat", .decimal(-90...90)),
    ]

    public init(reading f: FieldReader) throws(ContractViolation) {
        code = try f.subjectCode("code")
        name = try f.string("name")
        type = try f.enumeration("type")
        county = try f.countyCode("county")
        township = try f.optionalTownshipCode("township")
        active = try f.bool("active")
        switch (try f.optionalDecimal("lon", in: -180...180), try f.optionalDecimal("lat", in: -90...90)) {
        case (let lon?, let lat?): location = Location(lon: lon, lat: lat)
        case (nil, nil): location = nil
        case (nil, _): throw ContractViolation(f.at("lon"), "a location needs both lon and lat (lat without lon)")
        case (_, nil): throw ContractViolation(f.at("lat"), "a location needs both lon and lat (lon without lat)")
        }
        if township == nil, code.kind == .division { township = String(code.rawValue.prefix(9)) }
        try checkConsistency(path: f.path)
    }

    /// The code's kind must fit the type, and the county must be the one inside the code.
    public func checkConsistency(path: String = "data") throws(ContractViolation) {
        let prefix = path.isEmpty ? "" : path + "."
        guard code.kind == type.codeKind else {
            let expected = type.codeKind == .division ? "a 12-digit division code" : "an 18-character unified social credit code"
            throw ContractViolation("\(prefix)code", "a \(type.rawValue) must carry \(expected), got \"\(code)\"")
        }
        guard code.county == county else {
            throw ContractViolation("\(prefix)county", "\"\(county)\" is not the county inside the code \"\(code)\" (\(code.county))")
        }
        guard let township else { return }
        // A village's code may have no township part (000): it then counts under 未划分乡镇 like others without one.
        guard township.hasPrefix(county), !township.hasSuffix("000") || code.kind == .division else {
            throw ContractViolation(
                "\(prefix)township",
                township.hasPrefix(county)
                    ? "\(township) is the county's 未划分乡镇, not a township: leave township out"
                    : "\"\(township)\" is not a township of the county \(county): a township code is the county's 6 digits and 3")
        }
        if code.kind == .division, !code.rawValue.hasPrefix(township) {
            throw ContractViolation(
                "\(prefix)township",
                "\"\(township)\" contradicts the code \"\(code)\": a \(type.rawValue) is in the township of its code's first 9 digits (\(code.rawValue.prefix(9)))")
        }
    }

    /// The township the subject counts under: its own, or its county's 未划分乡镇.
    public var townshipOrUnassigned: String { township ?? county + "000" }

    enum CodingKeys: String, CodingKey { case code, name, type, county, township, active, lon, lat }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(code.rawValue, forKey: .code)
        try c.encode(name, forKey: .name)
        try c.encode(type, forKey: .type)
        try c.encode(county, forKey: .county)
        try c.encodeIfPresent(township, forKey: .township)
        try c.encode(active, forKey: .active)
        try c.encodeIfPresent(location?.lon, forKey: .lon)
        try c.encodeIfPresent(location?.lat, forKey: .lat)
    }
}

/// `<entity>.voided`: the record was entered in error and counts nowhere.
public struct RecordVoided: Sendable, Hashable, Encodable {
    public var entity: Entity
    public var recordId: String
    public var reason: String

    public init(entity: Entity, recordId: String, reason: String) {
        self.entity = entity
        self.recordId = recordId
        self.reason = reason
    }

    public static func fields(of entity: Entity) -> [FieldSpec] {
        [FieldSpec(entity.idField, .uuid), FieldSpec("reason", .text)]
    }

    public static func read(_ value: JSONValue, entity: Entity, path: String = "data") throws(ContractViolation) -> RecordVoided {
        let f = try FieldReader(value, path: path)
        try f.rejectUnknown(allowed: [entity.idField, "reason"])
        return RecordVoided(entity: entity, recordId: try f.uuid(entity.idField), reason: try f.string("reason"))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: FieldKey.self)
        try c.encode(recordId, forKey: FieldKey(entity.idField))
        try c.encode(reason, forKey: FieldKey("reason"))
    }
}
