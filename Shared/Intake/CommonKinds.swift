import EventContract
import ServiceSupport

extension RecordKind {
    /// 矛盾纠纷: found → resolved. Kept by the petitions bureau and by the police (police-mediated
    /// disputes); both publish the same `dispute.*` events, their ids never colliding (UUIDv7).
    public static func dispute(clerk: Role) -> RecordKind {
        RecordKind(
            entity: .dispute, collection: "disputes", registers: .disputeFound, initialStatus: "found", openStatuses: ["found"],
            actions: [RecordAction(name: "resolve", event: .disputeResolved, from: ["found"], to: "resolved")],
            clerk: clerk)
    }
}
