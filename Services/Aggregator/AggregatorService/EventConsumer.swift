import EventContract
import Foundation
import Kafka
import Logging
import Metrics
import Postgres
import ServiceLifecycle
import ServiceSupport
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
        /// How often a consumer that is not behind looks for sequence gaps that do not close.
        var gapCheckInterval = Duration.seconds(15)
    }

    let configuration: Configuration
    let db: PostgresClient
    let logger: Logger
    let applied = Counter(label: "aggregator_events_applied_total")
    let quarantined = Counter(label: "aggregator_events_quarantined_total")
    /// Offsets skipped because the log no longer held them (below its start when the consumer got there).
    let unreadableOffsets = Counter(label: "aggregator_offsets_unreadable_total")
    /// What `/quality`, readiness and the dashboard report about this instance's consumption.
    let state = ConsumerState()
    /// The gaps per source at the last check, and the gaps for which a topic was last read again (and when).
    let gapsSeen = Mutex<[String: [ClosedRange<Int64>]]>([:])
    let readAgain = Mutex<[String: (gaps: [ClosedRange<Int64>], at: ContinuousClock.Instant)]>([:])
    /// What the gap check, running beside the consume loop, decided: the loop restarts with it.
    let readingAgain = Mutex<ReadingAgain?>(nil)
    /// Whether the last poll returned less than a full batch (the consumer is not behind).
    let caughtUp = Atomic(false)

    /// Thrown to start consuming again from the stored offsets, which were set back.
    struct ReadingAgain: Error, CustomStringConvertible {
        let topics: [String]
        var description: String { "reading \(topics.joined(separator: ", ")) again from the start" }
    }

    init(configuration: Configuration, db: PostgresClient, logger: Logger) {
        self.configuration = configuration
        self.db = db
        self.logger = logger
    }

    func run() async throws {
        do { try await QuarantineRelease.retryUnknownTypes(db: db, logger: logger) } catch {
            logger.warning("could not try the quarantined events of unknown types again", metadata: ["error": "\(error)"])
        }
        await restartingUntilShutdown("the event consumer", logger: logger, onError: { [state] in state.restarted(after: $0) }, { try await consume() })
    }

    func consume() async throws {
        var consumerConfiguration = KafkaConsumerConfiguration(bootstrapServers: configuration.kafka.bootstrapServers, groupID: configuration.groupID)
        consumerConfiguration.client.extra = configuration.kafka.extra
        let offsets = StoredOffsets(connectionString: db.configuration.connectionString, logger: logger)
        let consumer = try KafkaConsumer(
            configuration: consumerConfiguration,
            rebalance: RebalanceListener(assigned: { partitions in
                offsets.read(partitions)
            }), logger: logger)
        var producerConfiguration = KafkaProducerConfiguration(bootstrapServers: configuration.kafka.bootstrapServers)
        producerConfiguration.client = configuration.kafka
        let deadLetters = try KafkaProducer(configuration: producerConfiguration, logger: logger)
        defer { offsets.close() }
        do {
            try await KafkaAdmin(configuration: configuration.kafka).createTopics(
                configuration.topics.map { .init(name: $0, partitions: 12) } + [.init(name: configuration.deadLetterTopic, partitions: 1)], timeout: .seconds(10))
            try consumer.subscribe(topics: configuration.topics)
            readingAgain.withLock { $0 = nil }
            caughtUp.store(false, ordering: .relaxed)
            // The gap check reads every sequence run (many after a replay): it runs beside the
            // loop, so that the events arriving meanwhile are not held up; it ends with the loop.
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { [self] in await checkGapsWhileCaughtUp(consumer: consumer) }
                defer { group.cancelAll() }
                try await consumeBatches(consumer: consumer, deadLetters: deadLetters)
            }
        } catch {
            await consumer.close()
            await deadLetters.close(timeout: .seconds(2))
            throw error
        }
        await consumer.close()
        await deadLetters.close(timeout: .seconds(5))
    }

    /// Polls, decodes and applies batches until shutdown, each batch a child task (`BatchPipeline`
    /// says how many at once and in what order they finish); any failure waits for the batches
    /// still in Postgres, then ends the loop with it.
    func consumeBatches(consumer: KafkaConsumer, deadLetters: KafkaProducer) async throws {
        // The whole roster is read while the group forms.
        var roster = ViewMaintenance.RosterAhead()
        do { try await roster.update(from: db) } catch { logger.warning("could not read the roster ahead", metadata: ["error": "\(error)"]) }
        var pipeline = BatchPipeline()
        var lastWatermarks = ContinuousClock.now - .seconds(1)
        try await withThrowingTaskGroup(of: (Int, BatchPipeline.Outcome).self) { batches in
            /// Does what the pipeline says until it says to proceed: finishes the batches that
            /// committed, in order; on a failure, waits for the others and throws.
            func settle(startingAnother: Bool) async throws {
                while true {
                    switch pipeline.next(startingAnother: startingAnother) {
                    case .proceed: return
                    case .finish(let result): try await finish(result, consumer: consumer, deadLetters: deadLetters)
                    case .waitForOne:
                        guard let (number, outcome) = try await batches.next() else { return }
                        pipeline.ended(number, outcome)
                    case .fail(let error):
                        while try await batches.next() != nil {}
                        if let fenced = error as? BatchApplier.Fenced { try await restartIfLogWasLost(fenced, consumer: consumer) }
                        throw error
                    }
                }
            }

            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                if let reading = readingAgain.withLock({ $0 }) {
                    while try await batches.next() != nil {}
                    throw reading
                }
                let batch = try await consumer.poll(maxMessages: configuration.batchSize, timeout: .milliseconds(pipeline.isEmpty ? 100 : 0))
                caughtUp.store(batch.count < configuration.batchSize, ordering: .relaxed)
                let assignment = consumer.assignment
                state.assigned(assignment)
                if ContinuousClock.now - lastWatermarks >= .seconds(1) {
                    lastWatermarks = ContinuousClock.now
                    state.polled(highWatermarks: consumer.cachedHighWatermarks(assignment))
                }
                var prepared = batch.isEmpty ? nil : BatchApplier.prepare(batch)
                if let partitions = prepared?.ranges.keys {
                    prepared?.highWatermarks = consumer.cachedHighWatermarks(partitions)
                    state.polled(highWatermarks: prepared?.highWatermarks ?? [:])
                }
                // The roster is brought up to date while the previous batch is still being applied;
                // the transaction checks that it has not changed since.
                if prepared != nil, (try? await roster.update(from: db)) != nil { prepared?.roster = roster }
                // The next batch goes to Postgres while the previous one is still applied there,
                // once the one before that committed. With nothing new, the batches in flight are waited for.
                try await settle(startingAnother: prepared != nil)
                if let prepared {
                    let started = pipeline.start(partitions: Set(prepared.ranges.keys))
                    batches.addTask { [db] in
                        do {
                            return (started.number, .success(try await BatchApplier.apply(prepared, db: db, after: started.after, locked: started.locked)))
                        } catch {
                            return (started.number, .failure(error))
                        }
                    }
                }
            }
            try await settle(startingAnother: false)
        }
    }

    /// Every `gapCheckInterval` while the consumer is not behind (its last poll was not a full
    /// batch), looks for sequence gaps that stay; the consume loop restarts with what it decides.
    func checkGapsWhileCaughtUp(consumer: KafkaConsumer) async {
        while (try? await Task.sleep(for: configuration.gapCheckInterval)) != nil {
            guard caughtUp.load(ordering: .relaxed) else { continue }
            do {
                if let reading = try await readAgainIfGapsStay(consumer: consumer) { readingAgain.withLock { $0 = reading } }
            } catch {
                logger.warning("could not check the sequence gaps", metadata: ["error": "\(error)"])
            }
        }
    }

    /// After a batch's transaction committed: metrics, offsets to Kafka, poison events to the dead-letter topic.
    func finish(_ result: BatchApplier.Result, consumer: KafkaConsumer, deadLetters: KafkaProducer) async throws {
        logger.debug("batch applied", metadata: ["events": "\(result.applied)", "applySeconds": "\(result.seconds)"])
        applied.increment(by: result.applied)
        quarantined.increment(by: result.quarantined.count)
        state.applied()
        // The stored offsets are the truth; Kafka's copy is for lag tools: not waited for.
        try? await consumer.commit(result.offsets, waiting: false)
        if !result.quarantined.isEmpty { await sendToDeadLetters(result.quarantined, producer: deadLetters) }
    }

    func sendToDeadLetters(_ messages: [BatchApplier.Quarantined], producer: KafkaProducer) async {
        let records = messages.map { q in
            ProducerRecord(
                topic: configuration.deadLetterTopic, key: q.message.key, value: q.message.value,
                headers: [
                    KafkaHeader(key: "reason", value: q.storedReason), KafkaHeader(key: "kind", value: q.kind.rawValue),
                    KafkaHeader(key: "origin", value: "\(q.message.topic)/\(q.message.partition)/\(q.message.offset)"),
                ])
        }
        for result in await producer.sendAll(records) {
            if case .failure(let error) = result { logger.warning("dead-letter publish failed (the quarantine table has it)", metadata: ["error": "\(error)"]) }
        }
    }
}
