import CRdKafka
import Logging
import Synchronization

/// The consumer's side of librdkafka's rebalance callback: asks the listener where to start,
/// assigns (incrementally under the cooperative protocol) and tracks the current assignment.
final class RebalanceContext: Sendable {
    let listener: RebalanceListener
    let logger: Logger
    let current = Mutex<Set<TopicPartition>>([])

    init(listener: RebalanceListener, logger: Logger) {
        self.listener = listener
        self.logger = logger
    }

    var assignment: Set<TopicPartition> { current.withLock { $0 } }

    func handle(_ rk: OpaquePointer, _ err: rd_kafka_resp_err_t, _ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) {
        let cooperative = String(cString: rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE"
        let partitions = list.topicPartitions
        switch err {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            // Offsets go into the assignment itself: seek only works on partitions already assigned.
            let offsets = listener.assigned(partitions)
            for i in list.elements.indices {
                let tp = TopicPartition(String(cString: list.elements[i].topic), list.elements[i].partition)
                list.elements[i].offset = offsets[tp] ?? Int64(RD_KAFKA_OFFSET_INVALID)
            }
            if cooperative {
                if let error = rd_kafka_incremental_assign(rk, list) {
                    logger.error("incremental assign failed", metadata: ["error": "\(KafkaError(.assignment, consuming: error, context: "assigning"))"])
                    return
                }
            } else {
                let e = rd_kafka_assign(rk, list)
                if e != RD_KAFKA_RESP_ERR_NO_ERROR {
                    logger.error("assign failed", metadata: ["error": "\(KafkaError(.assignment, e, context: "assigning"))"])
                    return
                }
            }
            current.withLock { $0.formUnion(partitions) }
            logger.info("partitions assigned", metadata: ["partitions": "\(partitions.sorted())", "offsets": "\(offsets)"])
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            let lost = rd_kafka_assignment_lost(rk) != 0
            listener.revoked(partitions, lost)
            if cooperative {
                if let error = rd_kafka_incremental_unassign(rk, list) {
                    logger.error("incremental unassign failed", metadata: ["error": "\(KafkaError(.assignment, consuming: error, context: "unassigning"))"])
                }
                current.withLock { $0.subtract(partitions) }
            } else {
                rd_kafka_assign(rk, nil)
                current.withLock { $0.removeAll() }
            }
            logger.info("partitions revoked", metadata: ["partitions": "\(partitions.sorted())", "lost": "\(lost)"])
        default:
            logger.error("rebalance error", metadata: ["error": "\(KafkaError(.assignment, err, context: "rebalancing"))"])
            rd_kafka_assign(rk, nil)
            current.withLock { $0.removeAll() }
        }
    }
}

/// librdkafka's rebalance callback; the opaque is the consumer's `RebalanceContext`.
let rebalanceCallback: @convention(c) (OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, UnsafeMutableRawPointer?) -> Void = {
    rk, err, list, opaque in
    guard let rk, let list, let opaque else { return }
    Unmanaged<RebalanceContext>.fromOpaque(opaque).takeUnretainedValue().handle(rk, err, list)
}
