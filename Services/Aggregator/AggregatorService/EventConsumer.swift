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
    /// Time of the newest event applied (freshness), and the lag per partition.
    let state = ConsumerState()
    /// The gaps per source at the last check, and the gaps for which a topic was last read again (and when).
    let gapsSeen = Mutex<[String: [ClosedRange<Int64>]]>([:])
    let readAgain = Mutex<[String: (gaps: [ClosedRange<Int64>], at: ContinuousClock.Instant)]>([:])
    /// What the gap check, running beside the consume loop, decided: the loop restarts with it.
    let readingAgain = Mutex<ReadingAgain?>(nil)
    let gapCheckRunning = Mutex(false)

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
        await restartingUntilShutdown("the event consumer", logger: logger, onError: { [state] in state.restarted(after: $0) }) { try await consume() }
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
        // The whole roster is read while the group forms.
        var roster = ViewMaintenance.RosterAhead()
        do { try await roster.update(from: db) } catch { logger.warning("could not read the roster ahead", metadata: ["error": "\(error)"]) }
        // Two batches may be in Postgres at once — the older one holding the view lock, the newer
        // one storing its facts meanwhile — while the next is polled and decoded here.
        var inFlight: [(task: Task<BatchApplier.Result, any Error>, locked: Baton)] = []
        var lastGapCheck = ContinuousClock.now, lastWatermarks = ContinuousClock.now - .seconds(1)
        readingAgain.withLock { $0 = nil }
        var gapCheck: Task<Void, Never>?
        defer { gapCheck?.cancel() }
        do {
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                if let reading = readingAgain.withLock({ $0 }) {
                    for applying in inFlight { _ = await applying.task.result }
                    throw reading
                }
                let batch = try await consumer.poll(maxMessages: configuration.batchSize, timeout: .milliseconds(inFlight.isEmpty ? 100 : 0))
                let assignment = consumer.assignment
                state.assigned(assignment)
                if ContinuousClock.now - lastWatermarks >= .seconds(1) {
                    lastWatermarks = ContinuousClock.now
                    state.polled(highWatermarks: consumer.cachedHighWatermarks(assignment))
                }
                // The check reads every sequence run (many after a replay): it runs beside the loop,
                // so that the events arriving meanwhile are not held up.
                if batch.count < configuration.batchSize, ContinuousClock.now - lastGapCheck >= configuration.gapCheckInterval,
                   gapCheckRunning.withLock({ running in defer { running = true }; return !running }) {
                    lastGapCheck = ContinuousClock.now
                    gapCheck = Task { [self] in
                        defer { gapCheckRunning.withLock { $0 = false } }
                        do {
                            if let reading = try await readAgainIfGapsStay(consumer: consumer) { readingAgain.withLock { $0 = reading } }
                        } catch {
                            logger.warning("could not check the sequence gaps", metadata: ["error": "\(error)"])
                        }
                    }
                }
                let preparing = ContinuousClock.now
                var prepared = batch.isEmpty ? nil : BatchApplier.prepare(batch)
                let prepareTime = ContinuousClock.now - preparing
                if let partitions = prepared?.ranges.keys {
                    prepared?.highWatermarks = consumer.cachedHighWatermarks(partitions)
                    state.polled(highWatermarks: prepared?.highWatermarks ?? [:])
                }
                // The roster is brought up to date while the previous batch is still being applied;
                // the transaction checks that it has not changed since.
                if prepared != nil, (try? await roster.update(from: db)) != nil { prepared?.roster = roster }
                // The next batch goes to Postgres while the previous one is still applied there,
                // once the one before that committed (its offsets go to Kafka meanwhile). With
                // nothing new, the batches in flight are waited for.
                let waiting = ContinuousClock.now
                var results: [BatchApplier.Result] = []
                while let oldest = inFlight.first, inFlight.count >= (prepared == nil ? 1 : 2) {
                    do { results.append(try await oldest.task.value) } catch let fenced as BatchApplier.Fenced {
                        for applying in inFlight.dropFirst() { _ = await applying.task.result }
                        try await restartIfLogWasLost(fenced, consumer: consumer)
                        throw fenced
                    } catch {
                        for applying in inFlight.dropFirst() { _ = await applying.task.result }
                        throw error
                    }
                    inFlight.removeFirst()
                }
                if let prepared {
                    let predecessor = inFlight.last?.locked, locked = Baton(partitions: Set(prepared.ranges.keys))
                    inFlight.append((Task { [db] in
                        let start = ContinuousClock.now
                        var result = try await db.withTransaction { try BatchApplier.apply(prepared, on: $0, after: predecessor, locked: locked) }
                        result.seconds = ContinuousClock.now - start
                        return result
                    }, locked))
                }
                for result in results {
                    logger.debug("batch applied", metadata: ["events": "\(result.applied)", "applySeconds": "\(result.seconds)",
                                                             "waitedSeconds": "\(ContinuousClock.now - waiting)", "nextPrepareSeconds": "\(prepareTime)"])
                    try await finish(result, consumer: consumer, deadLetters: deadLetters)
                }
            }
            for applying in inFlight { try await finish(await applying.task.value, consumer: consumer, deadLetters: deadLetters) }
        } catch {
            for applying in inFlight { _ = await applying.task.result }
            await consumer.close()
            await deadLetters.close(timeout: .seconds(2))
            throw error
        }
        await consumer.close()
        await deadLetters.close(timeout: .seconds(5))
    }

    /// A batch was refused because it does not start at the stored offset. Usually another instance
    /// took the partition over. But the broker may have lost the log (the departments then publish
    /// their outboxes again), which shows two ways: the stored offset lies beyond the partition's
    /// end, or — the new log having grown past it already — this consumer's position fell back to
    /// the log's first offset (librdkafka's reset after an offset out of range; positions otherwise
    /// come from the stored offsets). Then the partition is read again from its first offset, and
    /// events already applied are dropped by their id.
    func restartIfLogWasLost(_ fenced: BatchApplier.Fenced, consumer: KafkaConsumer) async throws {
        let partition = fenced.partition
        let (low, high) = try await consumer.watermarks(partition)
        let fellBackToStart = fenced.from == low
        let (reset, unreadable) = try await db.withTransaction { conn -> (Int, (from: Int64, to: Int64)?) in
            // A stored offset below the log's start (retention deleted what was not yet read, or the
            // database came back from an old backup): those offsets can never be read. Reading goes
            // on from the log's first offset, and the lost range is recorded.
            var lost: (from: Int64, to: Int64)?
            if let stored = try conn.query("SELECT next_offset FROM consumer_offsets WHERE topic = $1 AND partition = $2 FOR UPDATE",
                                           [partition.topic, partition.partition]).first?.decode(0, as: Int64.self), stored < low {
                try conn.update("UPDATE consumer_offsets SET next_offset = $3, high_watermark = $4, updated_at = now() WHERE topic = $1 AND partition = $2",
                                [partition.topic, partition.partition, low, high])
                try conn.update("INSERT INTO offsets_unreadable (topic, partition, from_offset, to_offset) VALUES ($1, $2, $3, $4)",
                                [partition.topic, partition.partition, stored, low])
                lost = (stored, low)
            }
            let reset = try conn.update("""
                UPDATE consumer_offsets SET next_offset = $3, high_watermark = $4, updated_at = now()
                WHERE topic = $1 AND partition = $2 AND (next_offset > $4 OR ($5 AND next_offset > $3))
                """, [partition.topic, partition.partition, low, high, fellBackToStart])
            return (reset, lost)
        }
        if let unreadable {
            unreadableOffsets.increment(by: Int(unreadable.to - unreadable.from))
            logger.warning("the stored offset lies below the log's start: offsets that can no longer be read are skipped, reading goes on from the log's first offset",
                           metadata: ["partition": "\(partition)", "unreadable": "\(unreadable.from)..<\(unreadable.to)"])
        }
        if reset > 0 {
            logger.warning("the partition's log started over: the broker lost it; reading it again from the start",
                           metadata: ["partition": "\(partition)", "from": "\(low)", "high": "\(high)"])
        }
    }

    /// A broker that lost its log can get it back in another order (the departments publish their
    /// outboxes again while new events arrive): an event may then sit below the offset this
    /// consumer had reached, where it will never look. Such an event shows as a sequence gap that
    /// stays although the consumer is not behind. Gaps of a source that are the same at two checks
    /// in a row (out-of-order arrival closes in moments) make this instance read its partitions of
    /// that source's topic again from the start — once per set of gaps, or again after 5 minutes;
    /// events already applied are dropped by their id. Answers what to tell the consume loop.
    /// (A batch in flight meanwhile cannot undo the reset: its guarded offset update no longer
    /// matches, and the consumer rejoins from the stored offsets either way.)
    func readAgainIfGapsStay(consumer: KafkaConsumer) async throws -> ReadingAgain? {
        let gaps = try await db.withConnection { try SequenceRuns.gaps(on: $0) }
        let current = Dictionary(gaps.filter { $0.missing > 0 }.map { ($0.source, $0.ranges) }) { first, _ in first }
        let previous = gapsSeen.withLock { seen in
            defer { seen = current }
            return seen
        }
        let now = ContinuousClock.now
        let staying = current.filter { source, ranges in
            previous[source] == ranges && readAgain.withLock { done in
                guard let last = done[source] else { return true }
                return last.gaps != ranges || now - last.at > .seconds(300)
            }
        }
        let topics = Set(staying.keys.compactMap { EventSource(rawValue: $0)?.topic })
        let partitions = consumer.assignment.filter { topics.contains($0.topic) }
        guard !partitions.isEmpty else { return nil }
        readAgain.withLock { done in for (source, ranges) in staying { done[source] = (ranges, now) } }
        var lows: [(TopicPartition, Int64)] = []
        for partition in partitions { lows.append((partition, try await consumer.watermarks(partition).low)) }
        let starts = lows
        try await db.withTransaction { conn in
            for (partition, low) in starts {
                try conn.update("""
                    UPDATE consumer_offsets SET next_offset = $3, updated_at = now() WHERE topic = $1 AND partition = $2 AND next_offset > $3
                    """, [partition.topic, partition.partition, low])
            }
        }
        logger.warning("sequence gaps stay although nothing is left to read: reading the topic again from the start",
                       metadata: ["gaps": "\(staying.mapValues { $0.map { "\($0.lowerBound)…\($0.upperBound)" } })", "partitions": "\(partitions.count)"])
        return ReadingAgain(topics: topics.sorted())
    }

    /// After a batch's transaction committed: metrics, offsets to Kafka, poison events to the dead-letter topic.
    func finish(_ result: BatchApplier.Result, consumer: KafkaConsumer, deadLetters: KafkaProducer) async throws {
        applied.increment(by: result.applied)
        quarantined.increment(by: result.quarantined.count)
        state.applied()
        // The stored offsets are the truth; Kafka's copy is for lag tools: not waited for.
        try? await consumer.commit(result.offsets, waiting: false)
        if !result.quarantined.isEmpty { await sendToDeadLetters(result.quarantined, producer: deadLetters) }
    }

    func sendToDeadLetters(_ messages: [BatchApplier.Quarantined], producer: KafkaProducer) async {
        let records = messages.map { q in
            ProducerRecord(topic: configuration.deadLetterTopic, key: q.message.key, value: q.message.value, headers: [
                KafkaHeader(key: "reason", value: q.storedReason), KafkaHeader(key: "kind", value: q.kind.rawValue),
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

/// What `/quality`, `/overview`, readiness and the dashboard report about consumption.
final class ConsumerState: Sendable {
    struct Snapshot: Sendable {
        /// The partitions this instance holds.
        var assignment: [TopicPartition] = []
        var lastBatchAt: Date?
        /// When the consumer (last) began: with nothing applied yet, progress is counted from then.
        var startedAt = Date()
        /// The partitions' high watermarks as the consumer last saw them.
        var highWatermarks: [TopicPartition: Int64] = [:]
        /// When the consume loop stopped on an error and started again (the last hour's), and the last error.
        var restarts: [Date] = []
        var restartCount = 0
        var lastError: String?
        var lastErrorAt: Date?
        /// Why the consumer counts as stalled, as `StallWatch` last judged it.
        var stall: StallWatch.Stall?
    }

    let snapshot = Mutex(Snapshot())

    func applied() {
        snapshot.withLock { $0.lastBatchAt = Date() }
    }

    func assigned(_ partitions: Set<TopicPartition>) {
        snapshot.withLock { $0.assignment = partitions.sorted() }
    }

    func polled(highWatermarks: [TopicPartition: Int64]) {
        snapshot.withLock { $0.highWatermarks.merge(highWatermarks) { _, new in new } }
    }

    func restarted(after error: any Error) {
        let now = Date()
        snapshot.withLock { s in
            s.restarts = s.restarts.filter { now.timeIntervalSince($0) < 3_600 } + [now]
            s.restartCount += 1
            s.lastError = String("\(error)".prefix(1_000))
            s.lastErrorAt = now
        }
    }
}
