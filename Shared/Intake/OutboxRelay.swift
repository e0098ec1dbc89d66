import EventContract
import Foundation
import Kafka
import Logging
import Metrics
import Postgres
import ServiceLifecycle
import Synchronization

/// Publishes the outbox to the department's topic, in order, and marks events published only
/// after the broker acknowledged them.
///
/// Several instances of a service share one database; one relay publishes at a time, the holder
/// of a lease in `outbox_relay` (taken over when it lapses). Sequence numbers are given at first
/// publication from a counter advanced in the same transaction that marks the events published,
/// so they are gap-free; an event published again keeps its id and its number.
public final class OutboxRelay: Service, Sendable {
    public struct Configuration: Sendable {
        public var source: EventSource
        public var topic: String
        public var batchSize = 500
        public var idleInterval = Duration.milliseconds(20)
        public var leaseSeconds = 30
        /// Partitions of the topic when the relay has to create it (first start, or a broker that lost it).
        public var partitions: Int32 = 12
        /// Topic settings when the relay creates it, e.g. `cleanup.policy=compact` for the roster.
        public var topicConfig: [String: String] = [:]
        /// How often an idle relay makes sure its topic still exists (and publishes the outbox again if it was lost).
        public var topicCheckInterval = Duration.seconds(10)

        public init(source: EventSource, topic: String? = nil) {
            self.source = source
            self.topic = topic ?? source.topic
        }
    }

    let configuration: Configuration
    let db: PostgresClient
    let makeProducer: @Sendable () throws -> KafkaProducer
    let producer: Mutex<KafkaProducer?>
    /// The highest offset this process saw acknowledged on each partition of the topic.
    let lastOffsets = Mutex<[Int32: Int64]>([:])
    let admin: KafkaAdmin
    let logger: Logger
    let instance = UUID().uuidString
    let backlogGauge: Gauge
    let published: Counter

    /// `makeProducer` makes the relay's producer, and a fresh one after a failed batch: an
    /// idempotent producer whose broker lost its state (restarted empty) may never recover.
    public init(configuration: Configuration, db: PostgresClient, admin: KafkaAdmin, logger: Logger,
                makeProducer: @escaping @Sendable () throws -> KafkaProducer) {
        self.configuration = configuration
        self.db = db
        self.makeProducer = makeProducer
        producer = Mutex(nil)
        self.admin = admin
        self.logger = logger
        backlogGauge = Gauge(label: "outbox_backlog", dimensions: [("topic", configuration.topic)])
        published = Counter(label: "outbox_published_total", dimensions: [("topic", configuration.topic)])
    }

    public func run() async throws {
        var failures = 0
        var topicReady = false
        var lastTopicCheck: ContinuousClock.Instant?
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                if !topicReady {
                    try await admin.createTopics([.init(name: configuration.topic, partitions: configuration.partitions, config: configuration.topicConfig)],
                                                 timeout: .seconds(5))
                    topicReady = true
                }
                let count = try await publishBatch()
                failures = 0
                if count == 0 {
                    // Idle: now and then, make sure the topic still holds what was published.
                    if lastTopicCheck.map({ ContinuousClock.now - $0 > configuration.topicCheckInterval }) ?? true {
                        lastTopicCheck = ContinuousClock.now
                        try await republishIfTopicLostEvents()
                    }
                    try? await Task.sleep(for: configuration.idleInterval)
                }
            } catch {
                failures += 1
                topicReady = false  // a broker that came back empty needs the topic again
                if let failed = producer.withLock({ p in defer { p = nil }; return p }) { await failed.close(timeout: .seconds(1)) }
                let backoff = min(5_000, 100 << min(failures, 6))
                logger.warning("outbox relay could not publish; retrying", metadata: ["error": "\(error)", "retryInMs": "\(backoff)"])
                try? await Task.sleep(for: .milliseconds(backoff))
            }
        }
        await drainOnShutdown()
        if let last = producer.withLock({ $0 }) { await last.close() }
    }

    /// Whether the broker lost what this relay published: a partition it published to (in this
    /// process) is empty, or the topic is gone or empty although events were published. (The embedded broker keeps memory only; a cluster
    /// can lose a topic too.) Checked when the outbox is empty; a publish that gets offsets lower
    /// than before tells the same sooner (see `publishBatch`).
    func republishIfTopicLostEvents() async throws {
        let known = lastOffsets.withLock { $0 }
        let published: Int64 = try await db.query("SELECT next_sequence - 1 FROM outbox_relay WHERE id = 1")[0].decode(0)
        guard published > 0 else { return }
        let watermarks = try await admin.highWatermarks(topic: configuration.topic)
        // A process that has not published yet knows only that the topic should not be empty.
        let lost = known.isEmpty ? watermarks.values.allSatisfy { $0 <= 0 } : known.keys.contains { (watermarks[$0] ?? 0) <= 0 }
        guard lost else { return }
        try await admin.createTopics([.init(name: configuration.topic, partitions: configuration.partitions, config: configuration.topicConfig)],
                                     timeout: .seconds(5))
        try await republishAll(reason: "a partition it had published to is empty")
    }

    /// Every event of the outbox goes out again, with its id and sequence number; consumers drop
    /// what they already have (the aggregator deduplicates by event id), and whatever they missed arrives.
    func republishAll(reason: String) async throws {
        lastOffsets.withLock { $0 = [:] }
        let count = try await db.withTransaction { try Outbox.republish(fromSequence: 0, on: $0) }
        logger.warning("the broker lost the topic's events (\(reason)): publishing the outbox again",
                       metadata: ["topic": "\(configuration.topic)", "events": "\(count)"])
    }

    /// On graceful shutdown, publishes what is still waiting (a few seconds at most): whatever is
    /// left stays in the outbox for the next start.
    func drainOnShutdown() async {
        let clock = ContinuousClock()
        let end = clock.now + .seconds(5)
        while clock.now < end {
            guard let published = try? await publishBatch(), published > 0 else { return }
        }
    }

    func currentProducer() throws -> KafkaProducer {
        try producer.withLock { current in
            if let current { return current }
            let made = try makeProducer()
            current = made
            return made
        }
    }

    struct Pending: Sendable {
        let position: Int64
        let sequence: Int64
        let event: CloudEvent
    }

    /// Publishes up to one batch; returns how many events it published.
    @discardableResult
    public func publishBatch() async throws -> Int {
        let configuration = configuration
        let instance = instance
        let pending: [Pending]? = try await db.withTransaction { conn in
            guard let lease = try conn.query("""
                UPDATE outbox_relay SET leader = $1, lease_until = now() + make_interval(secs => $2)
                WHERE id = 1 AND (leader = $1 OR leader IS NULL OR lease_until < now())
                RETURNING next_sequence
                """, [instance, configuration.leaseSeconds]).first
            else { return nil }
            var next: Int64 = try lease.decode(0)
            let rows = try conn.query("""
                SELECT position, sequence, event_id::text, type, subject, time, data::text FROM outbox
                WHERE published_at IS NULL ORDER BY position LIMIT $1
                """, [configuration.batchSize])
            return try rows.map { row in
                // An event published before (then reset for re-publication) keeps its number.
                let sequence: Int64
                if let earlier = try row.decode(1, as: Int64?.self) {
                    sequence = earlier
                } else {
                    sequence = next
                    next += 1
                }
                let type = EventType(rawValue: try row.decode(3))!
                let data = try EventData.read(try JSONParser.parse((try row.decode(6, as: String.self)).utf8), as: type)
                let event = CloudEvent(id: try row.decode(2), source: configuration.source, subject: try SubjectCode(validating: try row.decode(4)),
                                       time: Timestamp(rfc3339: try row.decode(5))!, sequence: UInt64(sequence), data: data)
                return Pending(position: try row.decode(0), sequence: sequence, event: event)
            }
        }
        guard let pending else { return 0 }  // another instance holds the lease
        if pending.isEmpty {
            backlogGauge.record(0)
            return 0
        }

        let records = pending.map { p in
            ProducerRecord(topic: configuration.topic, key: p.event.subject.rawValue, value: p.event.encoded(),
                           headers: [KafkaHeader(key: "content-type", value: CloudEvent.contentType)])
        }
        let results = try await currentProducer().sendAll(records)
        // Only the acknowledged prefix counts: what follows a failure is retried, in order.
        let acknowledged = results.prefix { if case .success = $0 { true } else { false } }.count
        if acknowledged > 0 {
            let done = Array(pending.prefix(acknowledged))
            let stillLeader = try await db.withTransaction { conn -> Bool in
                let next = done.map(\.sequence).max()! + 1
                let owned = try conn.update("""
                    UPDATE outbox_relay SET next_sequence = GREATEST(next_sequence, $2) WHERE id = 1 AND leader = $1
                    """, [instance, next])
                guard owned == 1 else { return false }
                try conn.update("""
                    UPDATE outbox SET published_at = now(), sequence = s.sequence
                    FROM unnest($1::bigint[], $2::bigint[]) AS s(position, sequence)
                    WHERE outbox.position = s.position
                    """, [PostgresArray(done.map(\.position)), PostgresArray(done.map(\.sequence))])
                return true
            }
            if !stillLeader {
                logger.warning("outbox lease lost while publishing; the new leader publishes again (duplicates are dropped by id)")
                return 0
            }
            published.increment(by: acknowledged)
            // Offsets only grow on a partition; lower ones than before mean the log started over.
            var wentBack = false
            lastOffsets.withLock { known in
                for case .success(let report) in results.prefix(acknowledged) {
                    if let before = known[report.partition], report.offset <= before { wentBack = true }
                    known[report.partition] = max(known[report.partition] ?? -1, report.offset)
                }
            }
            if wentBack { try await republishAll(reason: "offsets lower than before") }
        }
        if acknowledged < results.count, case .failure(let error) = results[acknowledged] {
            throw error
        }
        let backlog = try await db.withConnection { try Outbox.backlog(on: $0) }
        backlogGauge.record(backlog)
        return acknowledged
    }
}
