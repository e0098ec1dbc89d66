/// One field of a payload as the contract states it: the single source from which the JSON Schema
/// files are checked and the services' OpenAPI documents are written.
public struct FieldSpec: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case uuid
        case text
        case boolean
        /// RFC 3339 with an offset, within `Bounds.time`
        case timestamp
        case integer(ClosedRange<Int64>)
        case decimal(ClosedRange<Double>)
        case enumeration([String])
        case subjectCode
        case countyCode
        /// 9 digits: a township (乡镇/街道) of the subject's county
        case townshipCode
        /// What a supervision item is about: a county's 6 digits, a township's 9, or a subject code
        case targetCode
        /// A nested object with these fields
        case object([FieldSpec])
    }

    public var name: String
    public var kind: Kind
    public var required: Bool

    public init(_ name: String, _ kind: Kind, required: Bool = true) {
        self.name = name
        self.kind = kind
        self.required = required
    }

    public static func optional(_ name: String, _ kind: Kind) -> FieldSpec { FieldSpec(name, kind, required: false) }

    public static func oneOf<E: CaseIterable & RawRepresentable>(_ name: String, _: E.Type) -> FieldSpec where E.RawValue == String {
        FieldSpec(name, .enumeration(E.allCases.map(\.rawValue)))
    }

    /// A whole number as a JSON integer (as the schema files write it).
    static func number(_ d: Double) -> JSONValue { d == d.rounded() && abs(d) < 9e15 ? .integer(Int64(d)) : .number(d) }

    /// The field as a JSON Schema fragment (as written in the Schemas folder).
    public var jsonSchema: [String: JSONValue] {
        switch kind {
        case .uuid: ["type": .string("string"), "format": .string("uuid")]
        case .text: ["type": .string("string"), "minLength": .integer(1), "maxLength": .integer(500)]
        case .boolean: ["type": .string("boolean")]
        case .timestamp:
            [
                "type": .string("string"), "format": .string("date-time"), "pattern": .string(Bounds.timePattern),
                "description": .string("RFC 3339 with an offset, \(Bounds.timeDescription)"),
            ]
        case .integer(let range): ["type": .string("integer"), "minimum": .integer(range.lowerBound), "maximum": .integer(range.upperBound)]
        case .decimal(let range): ["type": .string("number"), "minimum": Self.number(range.lowerBound), "maximum": Self.number(range.upperBound)]
        case .enumeration(let values): ["type": .string("string"), "enum": .array(values.map(JSONValue.string))]
        case .subjectCode: ["type": .string("string"), "pattern": .string(SubjectCode.pattern)]
        case .countyCode: ["type": .string("string"), "pattern": .string("^[0-9]{6}$")]
        case .townshipCode: ["type": .string("string"), "pattern": .string("^[0-9]{9}$")]
        case .targetCode: ["type": .string("string"), "pattern": .string("^([0-9]{6}|[0-9]{9}|" + SubjectCode.pattern.dropFirst(2))]
        case .object(let fields):
            [
                "type": .string("object"), "additionalProperties": .bool(false),
                "required": .array(fields.filter(\.required).map { .string($0.name) }),
                "properties": .object(Dictionary(uniqueKeysWithValues: fields.map { ($0.name, JSONValue.object($0.jsonSchema)) })),
            ]
        }
    }
}

extension SubjectCode {
    /// The shape of a subject code (the check character is beyond a pattern).
    public static let pattern = "^([0-9]{12}|[0-9A-HJ-NP-RTUW-Y]{2}[0-9]{6}[0-9A-HJ-NP-RTUW-Y]{10})$"
}
