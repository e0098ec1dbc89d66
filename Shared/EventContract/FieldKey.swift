/// A coding key named at run time: the id field of a void (`petitionId`, `problemId`, ...) or a
/// service's private field (`petitioner`).
public struct FieldKey: CodingKey {
    public var stringValue: String
    public var intValue: Int? { nil }
    public init(_ name: String) { stringValue = name }
    public init(stringValue: String) { self.stringValue = stringValue }
    public init?(intValue: Int) { nil }
}
