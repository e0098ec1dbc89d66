/// Why an event (or a request built from the contract) was refused: where, and what is wrong.
///
/// The aggregator stores `description` as the quarantine reason and the HTTP layer returns it as a
/// problem's `detail`, so it must make sense to a person reading it without the code at hand.
public struct ContractViolation: Error, Sendable, Hashable, CustomStringConvertible {
    /// The JSON path of the offending value, e.g. `data.persons`; empty for the document itself.
    public var path: String
    public var message: String
    /// The event's type is none this version of the contract knows: a newer producer may have
    /// published it, so a consumer keeps the event for a newer version of itself rather than
    /// treating it as poison.
    public var isUnknownType = false

    public init(_ path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    /// An event type this version of the contract does not know.
    public static func unknownType(_ name: String) -> ContractViolation {
        var violation = ContractViolation("type", "\"\(name)\" is not an event type of the contract (e.g. cn.threezero.petition.registered.v1)")
        violation.isUnknownType = true
        return violation
    }

    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}
