/// What the application does when the group moves partitions.
///
/// Both run on the consumer's poll thread, inside librdkafka's rebalance callback, and may block
/// (e.g. read the stored offsets from Postgres): the group waits for them.
public struct RebalanceListener: Sendable {
    /// Called with newly assigned partitions; returns the offset to start each at. Partitions left
    /// out start from the committed offset (or `offsetReset` when there is none).
    public var assigned: @Sendable ([TopicPartition]) -> [TopicPartition: Int64]
    /// Called with partitions taken away; `lost` is true when they were lost without an orderly
    /// revoke (session timeout), so another member may already be consuming them.
    public var revoked: @Sendable (_ partitions: [TopicPartition], _ lost: Bool) -> Void

    public init(
        assigned: @escaping @Sendable ([TopicPartition]) -> [TopicPartition: Int64] = { _ in [:] },
        revoked: @escaping @Sendable ([TopicPartition], Bool) -> Void = { _, _ in }
    ) {
        self.assigned = assigned
        self.revoked = revoked
    }
}
