/// The data of one event type: how it is read (with precise refusals) and what its schema says.
public protocol EventPayload: Sendable, Hashable, Encodable {
    /// The fields of the payload; the JSON Schema files say the same (a test checks).
    static var fields: [FieldSpec] { get }

    init(reading fields: FieldReader) throws(ContractViolation)
}

extension EventPayload {

    /// Reads `value` as this payload, refusing fields the contract does not name.
    public static func read(_ value: JSONValue, path: String = "data") throws(ContractViolation) -> Self {
        let reader = try FieldReader(value, path: path)
        try reader.rejectUnknown(allowed: fields.lazy.map(\.name))
        return try Self(reading: reader)
    }
}
