import CRdKafka
import Logging
import NIOPosix
import Synchronization

/// A group consumer with manual offsets: nothing is committed or stored unless the application
/// says so, and newly assigned partitions can start from offsets the application keeps elsewhere.
///
/// Every librdkafka call that can block (poll, commit, close) runs on the consumer's own thread,
/// one at a time, so rebalance callbacks never race the application's calls.
public final class KafkaConsumer: Sendable {
    let handle: RdKafkaHandle
    let thread: NIOThreadPool
    let rebalance: RebalanceContext
    let logger: Logger

    public init(
        configuration: KafkaConsumerConfiguration, rebalance listener: RebalanceListener = RebalanceListener(),
        logger: Logger = Logger(label: "threezero.kafka.consumer")
    ) throws(KafkaError) {
        self.logger = logger
        let context = RebalanceContext(listener: listener, logger: logger)
        rebalance = context
        handle = try RdKafkaHandle(type: RD_KAFKA_CONSUMER, properties: configuration.properties) { conf in
            rd_kafka_conf_set_rebalance_cb(conf, rebalanceCallback)
            rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(context).toOpaque())
        }
        // All events (rebalances included) through consumer_poll.
        rd_kafka_poll_set_consumer(handle.pointer)
        thread = NIOThreadPool(numberOfThreads: 1)
        thread.start()
    }

    deinit {
        try? thread.syncShutdownGracefully()
    }

    private func onThread<T: Sendable>(_ body: @escaping @Sendable (OpaquePointer) throws(KafkaError) -> T) async throws(KafkaError) -> T {
        let handle = handle
        do {
            return try await thread.runIfActive { try body(handle.pointer) }
        } catch let error as KafkaError {
            throw error
        } catch {
            throw KafkaError(.closed, message: "the consumer is closed")
        }
    }

    public func subscribe(topics: [String]) throws(KafkaError) {
        let list = rd_kafka_topic_partition_list_new(Int32(topics.count))!
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for topic in topics { rd_kafka_topic_partition_list_add(list, topic, RD_KAFKA_PARTITION_UA) }
        let err = rd_kafka_subscribe(handle.pointer, list)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(.subscription, err, context: "subscribing to \(topics)") }
    }

    /// Up to `maxMessages` messages, waiting at most `timeout` for the first. Empty when none came.
    /// Rebalance callbacks run inside this call.
    public func poll(maxMessages: Int = 1000, timeout: Duration = .milliseconds(100)) async throws(KafkaError) -> [KafkaMessage] {
        let millis = Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        let logger = logger
        return try await onThread { rk throws(KafkaError) in
            var batch: [KafkaMessage] = []
            var wait = millis
            while batch.count < maxMessages, let message = rd_kafka_consumer_poll(rk, wait) {
                wait = 0
                defer { rd_kafka_message_destroy(message) }
                let m = message.pointee
                switch m.err {
                case RD_KAFKA_RESP_ERR_NO_ERROR:
                    batch.append(KafkaMessage(copying: message))
                case RD_KAFKA_RESP_ERR__PARTITION_EOF:
                    continue
                default:
                    let error = KafkaError(.consume, m.err, context: "consuming")
                    if rd_kafka_fatal_error(rk, nil, 0) != RD_KAFKA_RESP_ERR_NO_ERROR { throw error }
                    // Transient (broker down, rebalancing): librdkafka recovers by itself.
                    logger.debug("consumer event", metadata: ["error": "\(error)"])
                }
            }
            return batch
        }
    }

    /// Commits `offsets` (the next offset to read in each partition) to the group: by default
    /// waiting for the broker's answer; with `waiting: false` only handing them to librdkafka (for
    /// offsets that are informational, e.g. kept for lag tools while the truth is elsewhere).
    public func commit(_ offsets: [TopicPartition: Int64], waiting: Bool = true) async throws(KafkaError) {
        guard !offsets.isEmpty else { return }
        let partitions = Array(offsets.keys)
        try await onThread { rk throws(KafkaError) in
            let list = partitions.makeList(offsets: offsets)
            defer { rd_kafka_topic_partition_list_destroy(list) }
            let err = rd_kafka_commit(rk, list, waiting ? 0 : 1)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(.commit, err, context: "committing offsets") }
        }
    }

    /// The group's committed offsets for `partitions` (absent when the group has none).
    public func committed(_ partitions: [TopicPartition], timeout: Duration = .seconds(10)) async throws(KafkaError) -> [TopicPartition: Int64] {
        let millis = Int32(timeout.components.seconds * 1000)
        return try await onThread { rk throws(KafkaError) in
            let list = partitions.makeList()
            defer { rd_kafka_topic_partition_list_destroy(list) }
            let err = rd_kafka_committed(rk, list, millis)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(.commit, err, context: "fetching committed offsets") }
            var result: [TopicPartition: Int64] = [:]
            for e in list.elements where e.offset >= 0 {
                result[TopicPartition(String(cString: e.topic), e.partition)] = e.offset
            }
            return result
        }
    }

    /// The offset the next message produced to `partition` will get (its high watermark),
    /// asked of the broker.
    public func highWatermark(_ partition: TopicPartition, timeout: Duration = .seconds(10)) async throws(KafkaError) -> Int64 {
        try await watermarks(partition, timeout: timeout).high
    }

    /// The first offset the partition still holds and the offset the next message will get, asked of the broker.
    public func watermarks(_ partition: TopicPartition, timeout: Duration = .seconds(10)) async throws(KafkaError) -> (low: Int64, high: Int64) {
        let millis = Int32(timeout.components.seconds * 1000)
        return try await onThread { rk throws(KafkaError) in
            var low: Int64 = 0
            var high: Int64 = 0
            let err = rd_kafka_query_watermark_offsets(rk, partition.topic, partition.partition, &low, &high, millis)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(.consume, err, context: "querying the watermarks of \(partition)") }
            return (low, high)
        }
    }

    /// The high watermarks librdkafka last learned from its fetches (no request to the broker);
    /// partitions it has not fetched from yet are absent.
    public func cachedHighWatermarks(_ partitions: some Sequence<TopicPartition>) -> [TopicPartition: Int64] {
        var result: [TopicPartition: Int64] = [:]
        for partition in partitions {
            var low: Int64 = 0
            var high: Int64 = 0
            if rd_kafka_get_watermark_offsets(handle.pointer, partition.topic, partition.partition, &low, &high) == RD_KAFKA_RESP_ERR_NO_ERROR,
                high >= 0
            {
                result[partition] = high
            }
        }
        return result
    }

    /// The partitions this member holds now.
    public var assignment: Set<TopicPartition> { rebalance.assignment }

    /// Stops fetching from `partitions` (they stay assigned) until `resume`.
    public func pause(_ partitions: [TopicPartition]) throws(KafkaError) {
        try pauseOrResume(partitions, pause: true)
    }

    public func resume(_ partitions: [TopicPartition]) throws(KafkaError) {
        try pauseOrResume(partitions, pause: false)
    }

    private func pauseOrResume(_ partitions: [TopicPartition], pause: Bool) throws(KafkaError) {
        let list = partitions.makeList()
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = pause ? rd_kafka_pause_partitions(handle.pointer, list) : rd_kafka_resume_partitions(handle.pointer, list)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(.consume, err, context: pause ? "pausing" : "resuming") }
    }

    /// Leaves the group in order (the revoke callback runs first) and stops the thread.
    public func close() async {
        let logger = logger
        _ = try? await onThread { rk throws(KafkaError) in
            let err = rd_kafka_consumer_close(rk)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { logger.warning("consumer close", metadata: ["error": "\(KafkaError(.consume, err, context: "closing"))"]) }
        }
        try? await thread.shutdownGracefully()
    }
}

extension KafkaMessage {
    /// Copies a librdkafka message into Swift memory.
    init(copying message: UnsafeMutablePointer<rd_kafka_message_t>) {
        let m = message.pointee
        let value = m.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: m.len)) } ?? []
        let key = m.key.map { Array(UnsafeRawBufferPointer(start: $0, count: m.key_len)) }
        var headers: [KafkaHeader] = []
        var hdrs: OpaquePointer?
        if rd_kafka_message_headers(message, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR, let hdrs {
            var index = 0
            var name: UnsafePointer<CChar>?
            var data: UnsafeRawPointer?
            var size = 0
            while rd_kafka_header_get_all(hdrs, index, &name, &data, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
                headers.append(KafkaHeader(key: String(cString: name!), value: data.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }))
                index += 1
            }
        }
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(message, &timestampType)
        self.init(
            topic: String(cString: rd_kafka_topic_name(m.rkt)), partition: m.partition, offset: m.offset,
            key: key, value: value, headers: headers,
            timestampMillis: timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : timestamp)
    }
}
