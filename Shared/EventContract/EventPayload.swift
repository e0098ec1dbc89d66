/// The data of one event type: how it is read (with precise refusals) and what its schema says.
public protocol EventPayload: Sendable, Hashable, Encodable {
    /// The fields that must be present; the JSON Schema files list the same (a test checks).
    static var requiredFields: [String] { get }
    static var optionalFields: [String] { get }
    /// The closed vocabularies of the fields that have one.
    static var enumerations: [String: [String]] { get }

    init(reading fields: FieldReader) throws(ContractViolation)
}

extension EventPayload {
    public static var optionalFields: [String] { [] }
    public static var enumerations: [String: [String]] { [:] }

    static func values<E: CaseIterable & RawRepresentable>(_: E.Type) -> [String] where E.RawValue == String {
        E.allCases.map(\.rawValue)
    }

    /// Reads `value` as this payload, refusing fields the contract does not name.
    public static func read(_ value: JSONValue, path: String = "data") throws(ContractViolation) -> Self {
        let reader = try FieldReader(value, path: path)
        try reader.rejectUnknown(allowed: Set(requiredFields + optionalFields))
        return try Self(reading: reader)
    }
}
