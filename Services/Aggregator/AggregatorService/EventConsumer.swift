import EventContract
import Foundation
import Kafka
import Logging
import Metrics
import Postgres
import ServiceLifecycle
import Synchronization

/// The aggregator's consumer: one group over the three department topics, each batch applied
/// in one Postgres transaction with its offsets, partitions started from the stored offsets.
/// After the commit, offsets also go to Kafka (for the usual lag tools) and poison events to the
/// dead-letter topic.
final class EventConsumer: Service, Sendable {
    struct Configuration: Sendable {
        var kafka: KafkaClientConfiguration
        var groupID = "threezero-aggregator"
        var topics = [EventSource.petitions.topic, EventSource.hazards.topic, EventSource.cases.topic]
        var deadLetterTopic = "threezero.aggregator.dlq.v1"
        var batchSize = 5_000
    }

    let configuration: Configuration
    let db: PostgresClient
    let logger: Logger
    let applied = Counter(label: "aggregator_events_applied_total")
    let quarantined = Counter(label: "aggregator_events_quarantined_total")
    /// Time of the newest event applied (freshness), and the lag per partition.
    let state = ConsumerState()

    init(configuration: Configuration, db: PostgresClient, logger: Logger) {
        self.configuration = configuration
        self.db = db
        self.logger = logger
    }

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await consume()
            } catch {
                logger.warning("consumer stopped; joining again", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    func consume() async throws {
        var consumerConfiguration = KafkaConsumerConfiguration(bootstrapServers: configuration.kafka.bootstrapServers, groupID: configuration.groupID)
        consumerConfiguration.client.extra = configuration.kafka.extra
        let offsets = StoredOffsets(connectionString: db.configuration.connectionString, logger: logger)
        let consumer = try KafkaConsumer(configuration: consumerConfiguration, rebalance: RebalanceListener(assigned: { partitions in
            offsets.read(partitions)
        }), logger: logger)
        var producerConfiguration = KafkaProducerConfiguration(bootstrapServers: configuration.kafka.bootstrapServers)
        producerConfiguration.client = configuration.kafka
        let deadLetters = try KafkaProducer(configuration: producerConfiguration, logger: logger)
        try await KafkaAdmin(configuration: configuration.kafka).createTopics(
            configuration.topics.map { .init(name: $0, partitions: 12) } + [.init(name: configuration.deadLetterTopic, partitions: 1)], timeout: .seconds(10))
        try consumer.subscribe(topics: configuration.topics)
        defer { offsets.close() }
        // While one batch is applied in Postgres, the next is polled and decoded here.
        var inFlight: Task<BatchApplier.Result, any Error>?
        do {
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                let batch = try await consumer.poll(maxMessages: configuration.batchSize, timeout: .milliseconds(inFlight == nil ? 100 : 0))
                state.assigned(consumer.assignment)
                let preparing = ContinuousClock.now
                var prepared = batch.isEmpty ? nil : BatchApplier.prepare(batch)
                let prepareTime = ContinuousClock.now - preparing
                if let partitions = prepared?.ranges.keys { prepared?.highWatermarks = consumer.cachedHighWatermarks(partitions) }
                // The next batch goes to Postgres the moment the previous one committed; the
                // previous one's offsets go to Kafka meanwhile.
                let previous = inFlight
                let waiting = ContinuousClock.now
                let result: BatchApplier.Result?
                do { result = try await previous?.value } catch let fenced as BatchApplier.Fenced {
                    try await restartIfLogWasLost(fenced.partition, consumer: consumer)
                    throw fenced
                }
                inFlight = prepared.map { prepared in
                    Task { [db] in
                        let start = ContinuousClock.now
                        var result = try await db.withTransaction { try BatchApplier.apply(prepared, on: $0) }
                        result.seconds = ContinuousClock.now - start
                        return result
                    }
                }
                if let result {
                    logger.debug("batch applied", metadata: ["events": "\(result.applied)", "applySeconds": "\(result.seconds)",
                                                             "waitedSeconds": "\(ContinuousClock.now - waiting)", "nextPrepareSeconds": "\(prepareTime)"])
                    try await finish(result, consumer: consumer, deadLetters: deadLetters)
                }
            }
            if let previous = inFlight { try await finish(await previous.value, consumer: consumer, deadLetters: deadLetters) }
        } catch {
            _ = await inFlight?.result
            await consumer.close()
            await deadLetters.close(timeout: .seconds(2))
            throw error
        }
        await consumer.close()
        await deadLetters.close(timeout: .seconds(5))
    }

    /// A batch was refused because it does not start at the stored offset. Usually another instance
    /// took the partition over; but when the stored offset lies beyond the partition's end, the
    /// broker lost the log (and the departments publish their outboxes again): the partition is
    /// read again from its first offset, and events already applied are dropped by their id.
    func restartIfLogWasLost(_ partition: TopicPartition, consumer: KafkaConsumer) async throws {
        let (low, high) = try await consumer.watermarks(partition)
        let reset = try await db.withTransaction { conn in
            try conn.update("""
                UPDATE consumer_offsets SET next_offset = $3, high_watermark = $4, updated_at = now()
                WHERE topic = $1 AND partition = $2 AND next_offset > $4
                """, [partition.topic, partition.partition, low, high])
        }
        if reset > 0 {
            logger.warning("the partition's log is shorter than what was consumed: the broker lost it; reading it again from the start",
                           metadata: ["partition": "\(partition)", "from": "\(low)", "high": "\(high)"])
        }
    }

    /// After a batch's transaction committed: metrics, offsets to Kafka, poison events to the dead-letter topic.
    func finish(_ result: BatchApplier.Result, consumer: KafkaConsumer, deadLetters: KafkaProducer) async throws {
        applied.increment(by: result.applied)
        quarantined.increment(by: result.quarantined.count)
        state.applied()
        try? await consumer.commit(result.offsets)
        if !result.quarantined.isEmpty { await sendToDeadLetters(result.quarantined, producer: deadLetters) }
    }

    func sendToDeadLetters(_ messages: [BatchApplier.Quarantined], producer: KafkaProducer) async {
        let records = messages.map { q in
            ProducerRecord(topic: configuration.deadLetterTopic, key: q.message.key, value: q.message.value, headers: [
                KafkaHeader(key: "reason", value: q.reason), KafkaHeader(key: "kind", value: q.kind),
                KafkaHeader(key: "origin", value: "\(q.message.topic)/\(q.message.partition)/\(q.message.offset)"),
            ])
        }
        for result in await producer.sendAll(records) {
            if case .failure(let error) = result { logger.warning("dead-letter publish failed (the quarantine table has it)", metadata: ["error": "\(error)"]) }
        }
    }
}

/// Reads the stored offsets inside librdkafka's rebalance callback, on the consumer's own thread,
/// through a connection of its own (the callback must answer before the group moves on).
final class StoredOffsets: @unchecked Sendable {
    // @unchecked: `connection` is used only from the consumer thread's rebalance callback, one at a time.
    let connectionString: String
    let logger: Logger
    var connection: PostgresConnection?

    init(connectionString: String, logger: Logger) {
        self.connectionString = connectionString
        self.logger = logger
    }

    func read(_ partitions: [TopicPartition]) -> [TopicPartition: Int64] {
        do {
            if connection?.isHealthy != true { connection = try PostgresConnection(connectionString: connectionString) }
            let rows = try connection!.query("SELECT topic, partition, next_offset FROM consumer_offsets WHERE topic = ANY($1::text[])",
                                             [PostgresArray(Array(Set(partitions.map(\.topic))))])
            var offsets: [TopicPartition: Int64] = [:]
            for row in rows {
                let tp = TopicPartition(try row.decode(0), try row.decode(1))
                if partitions.contains(tp) { offsets[tp] = try row.decode(2) }
            }
            return offsets
        } catch {
            // Starting from Kafka's committed offset instead is safe: the guarded offset update
            // refuses a batch that does not start at the stored offset, and the consumer rejoins.
            logger.error("could not read stored offsets", metadata: ["error": "\(error)"])
            connection = nil
            return [:]
        }
    }

    func close() { connection = nil }
}

/// What `/quality` and `/overview` report about consumption.
final class ConsumerState: Sendable {
    struct Snapshot: Sendable {
        /// The partitions this instance holds.
        var assignment: [TopicPartition] = []
        var lastBatchAt: Date?
    }

    let snapshot = Mutex(Snapshot())

    func applied() {
        snapshot.withLock { $0.lastBatchAt = Date() }
    }

    func assigned(_ partitions: Set<TopicPartition>) {
        snapshot.withLock { $0.assignment = partitions.sorted() }
    }
}
