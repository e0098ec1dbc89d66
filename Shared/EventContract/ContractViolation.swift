/// Why an event (or a request built from the contract) was refused: where, and what is wrong.
///
/// The aggregator stores `description` as the quarantine reason and the HTTP layer returns it as a
/// problem's `detail`, so it must make sense to a person reading it without the code at hand.
public struct ContractViolation: Error, Sendable, Hashable, CustomStringConvertible {
    /// The JSON path of the offending value, e.g. `data.persons`; empty for the document itself.
    public var path: String
    public var message: String

    public init(_ path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}
