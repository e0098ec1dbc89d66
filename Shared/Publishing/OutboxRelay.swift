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
        /// How long a leader may fail to publish before it gives its lease up, so that another
        /// instance (which may reach the broker) takes over; it then stands back for a lease period.
        public var giveUpAfter = Duration.seconds(15)
        /// The outbox's tables: a database with two outboxes (the command center's roster and
        /// supervision) has two sets.
        public var tables = OutboxTables.events

        public init(source: EventSource, topic: String? = nil) {
            self.source = source
            self.topic = topic ?? source.topic
        }
    }

    let configuration: Configuration
    let db: PostgresClient
    let makeProducer: @Sendable () throws -> KafkaProducer
    let producer: Mutex<KafkaProducer?>
    let admin: KafkaAdmin
    let logger: Logger
    let instance = UUID().uuidString
    let backlogGauge: Gauge
    let published: Counter
    let leaderGauge: Gauge
    /// Why this relay cannot publish, once it gave its lease up for it (nil while it can).
    let givenUp = Mutex<String?>(nil)

    /// `makeProducer` makes the relay's producer, and a fresh one after a failed batch: an
    /// idempotent producer whose broker lost its state (restarted empty) may never recover.
    public init(
        configuration: Configuration, db: PostgresClient, admin: KafkaAdmin, logger: Logger,
        makeProducer: @escaping @Sendable () throws -> KafkaProducer
    ) {
        self.configuration = configuration
        self.db = db
        self.makeProducer = makeProducer
        producer = Mutex(nil)
        self.admin = admin
        self.logger = logger
        backlogGauge = Gauge(label: "outbox_backlog", dimensions: [("topic", configuration.topic)])
        published = Counter(label: "outbox_published_total", dimensions: [("topic", configuration.topic)])
        leaderGauge = Gauge(label: "outbox_relay_leader", dimensions: [("topic", configuration.topic)])
    }

    /// Whether this instance should receive requests: not while it gave up publishing and another
    /// instance holds the lease (requests are better sent there). A relay alone, or all of them
    /// cut off from the broker, stays ready: the department keeps taking records, the outbox keeps them.
    public func readiness() async -> (ready: Bool, detail: String) {
        let tables = configuration.tables
        guard let reason = givenUp.withLock({ $0 }) else { return (true, "publishing") }
        let instance = instance
        let otherLeads =
            (try? await db.withConnection { conn in
                try conn.query("SELECT 1 FROM \(tables.relay) WHERE id = 1 AND leader IS DISTINCT FROM $1 AND lease_until > now()", [instance]).isEmpty == false
            }) ?? false
        return (!otherLeads, "cannot publish, lease given up: \(reason)" + (otherLeads ? " (another instance publishes)" : ""))
    }

    /// Gives the lease up if this instance holds it.
    func releaseLease() async {
        let tables = configuration.tables
        let instance = instance
        _ = try? await db.withConnection { conn in
            try conn.update("UPDATE \(tables.relay) SET leader = NULL, lease_until = NULL WHERE id = 1 AND leader = $1", [instance])
        }
        leaderGauge.record(0)
    }

    public func run() async throws {
        var failures = 0
        var topicReady = false
        var lastTopicCheck: ContinuousClock.Instant?
        var failingSince: ContinuousClock.Instant?
        var standBackUntil: ContinuousClock.Instant?
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            if let until = standBackUntil, ContinuousClock.now < until {
                try? await Task.sleep(for: min(.milliseconds(500), until - ContinuousClock.now))
                continue
            }
            standBackUntil = nil
            do {
                if !topicReady {
                    try await admin.createTopics(
                        [.init(name: configuration.topic, partitions: configuration.partitions, config: configuration.topicConfig)],
                        timeout: .seconds(5))
                    topicReady = true
                }
                let count = try await publishBatch()
                failures = 0
                failingSince = nil
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
                let since = failingSince ?? ContinuousClock.now
                failingSince = since
                if ContinuousClock.now - since >= configuration.giveUpAfter {
                    // This instance reaches Postgres but not the broker: another one may reach both.
                    givenUp.withLock { $0 = String("\(error)".prefix(500)) }
                    await releaseLease()
                    logger.error(
                        "outbox relay gives its lease up: it could not publish for \(configuration.giveUpAfter)",
                        metadata: ["topic": "\(configuration.topic)", "error": "\(error)"])
                    failingSince = nil
                    standBackUntil = ContinuousClock.now + .seconds(max(1, configuration.leaseSeconds))
                }
                topicReady = false  // a broker that came back empty needs the topic again
                if let failed = producer.withLock({ p in
                    defer { p = nil }; return p
                }) {
                    await failed.close(timeout: .seconds(1))
                }
                let backoff = min(5_000, 100 << min(failures, 6))
                logger.warning("outbox relay could not publish; retrying", metadata: ["error": "\(error)", "retryInMs": "\(backoff)"])
                try? await Task.sleep(for: .milliseconds(backoff))
            }
        }
        await drainOnShutdown()
        if let last = producer.withLock({ $0 }) { await last.close() }
    }

    /// Whether the broker lost what this relay published: a partition it published to (kept in
    /// `outbox_partitions`, so a restarted relay remembers) is empty, or the topic is gone or empty
    /// although events were published. (The embedded broker keeps memory only; a cluster can lose
    /// a topic too.) Checked when the outbox is empty; a publish that gets offsets lower than before
    /// tells the same sooner (see `publishBatch`).
    func republishIfTopicLostEvents() async throws {
        let tables = configuration.tables
        let (published, known) = try await db.withConnection { conn -> (Int64, [Int32]) in
            (
                try conn.query("SELECT next_sequence - 1 FROM \(tables.relay) WHERE id = 1")[0].decode(0),
                try conn.query("SELECT partition FROM \(tables.partitions)").map { try $0.decode(0) }
            )
        }
        guard published > 0 else { return }
        let watermarks = try await admin.highWatermarks(topic: configuration.topic)
        let lost = known.isEmpty ? watermarks.values.allSatisfy { $0 <= 0 } : known.contains { (watermarks[$0] ?? 0) <= 0 }
        guard lost else { return }
        try await admin.createTopics(
            [.init(name: configuration.topic, partitions: configuration.partitions, config: configuration.topicConfig)],
            timeout: .seconds(5))
        try await republishAll(reason: "a partition it had published to is empty")
    }

    /// Every event of the outbox goes out again, with its id and sequence number; consumers drop
    /// what they already have (the aggregator deduplicates by event id), and whatever they missed arrives.
    func republishAll(reason: String) async throws {
        let tables = configuration.tables
        let count = try await db.withTransaction { conn in
            try conn.execute("DELETE FROM \(tables.partitions)")
            return try Outbox.republish(fromSequence: 0, tables: tables, on: conn)
        }
        logger.warning(
            "the broker lost the topic's events (\(reason)): publishing the outbox again",
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
        let tables = configuration.tables
        let configuration = configuration
        let instance = instance
        let pending: [Pending]? = try await db.withTransaction { conn in
            guard
                let lease = try conn.query(
                    """
                    UPDATE \(tables.relay) SET leader = $1, lease_until = now() + make_interval(secs => $2)
                    WHERE id = 1 AND (leader = $1 OR leader IS NULL OR lease_until < now())
                    RETURNING next_sequence
                    """, [instance, configuration.leaseSeconds]
                ).first
            else { return nil }
            var next: Int64 = try lease.decode(0)
            let rows = try conn.query(
                """
                SELECT position, sequence, event_id::text, type, subject, time, data::text FROM \(tables.outbox)
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
                let event = CloudEvent(
                    id: try row.decode(2), source: configuration.source, subject: try SubjectCode(validating: try row.decode(4)),
                    time: Timestamp(rfc3339: try row.decode(5))!, sequence: UInt64(sequence), data: data)
                return Pending(position: try row.decode(0), sequence: sequence, event: event)
            }
        }
        guard let pending else {  // another instance holds the lease
            leaderGauge.record(0)
            return 0
        }
        leaderGauge.record(1)
        if pending.isEmpty {
            backlogGauge.record(0)
            return 0
        }

        let records = pending.map { p in
            ProducerRecord(
                topic: configuration.topic, key: p.event.subject.rawValue, value: p.event.encoded(),
                headers: [KafkaHeader(key: "content-type", value: CloudEvent.contentType)])
        }
        let results = try await currentProducer().sendAll(records)
        // Only the acknowledged prefix counts: what follows a failure is retried, in order.
        let acknowledged = results.prefix { if case .success = $0 { true } else { false } }.count
        if acknowledged > 0 {
            let done = Array(pending.prefix(acknowledged))
            // The offsets acknowledged per partition: the first, to tell a log that started over
            // (offsets only grow), and the last, remembered for the idle check.
            var offsets: [Int32: (first: Int64, last: Int64)] = [:]
            for case .success(let report) in results.prefix(acknowledged) {
                let seen = offsets[report.partition]
                offsets[report.partition] = (min(seen?.first ?? .max, report.offset), max(seen?.last ?? .min, report.offset))
            }
            let partitions = Array(offsets.keys)
            let firsts = partitions.map { offsets[$0]!.first }, lasts = partitions.map { offsets[$0]!.last }
            let outcome = try await db.withTransaction { conn -> (leader: Bool, wentBack: Bool) in
                let next = done.map(\.sequence).max()! + 1
                let owned = try conn.update(
                    """
                    UPDATE \(tables.relay) SET next_sequence = GREATEST(next_sequence, $2) WHERE id = 1 AND leader = $1
                    """, [instance, next])
                guard owned == 1 else { return (false, false) }
                try conn.update(
                    """
                    UPDATE \(tables.outbox) SET published_at = now(), sequence = s.sequence
                    FROM unnest($1::bigint[], $2::bigint[]) AS s(position, sequence)
                    WHERE \(tables.outbox).position = s.position
                    """, [PostgresArray(done.map(\.position)), PostgresArray(done.map(\.sequence))])
                let wentBack: Int64 = try conn.query(
                    """
                    WITH reported AS (SELECT * FROM unnest($1::integer[], $2::bigint[], $3::bigint[]) AS r(partition, first_offset, last_offset)),
                    earlier AS (SELECT 1 FROM reported r JOIN \(tables.partitions) p USING (partition) WHERE r.first_offset <= p.last_offset),
                    saved AS (INSERT INTO \(tables.partitions) (partition, last_offset) SELECT partition, last_offset FROM reported
                              ON CONFLICT (partition) DO UPDATE SET last_offset = GREATEST(\(tables.partitions).last_offset, excluded.last_offset))
                    SELECT count(*) FROM earlier
                    """, [PostgresArray(partitions), PostgresArray(firsts), PostgresArray(lasts)])[0].decode(0)
                return (true, wentBack > 0)
            }
            if !outcome.leader {
                logger.warning("outbox lease lost while publishing; the new leader publishes again (duplicates are dropped by id)")
                return 0
            }
            published.increment(by: acknowledged)
            givenUp.withLock { $0 = nil }
            if outcome.wentBack { try await republishAll(reason: "offsets lower than before") }
        }
        if acknowledged < results.count, case .failure(let error) = results[acknowledged] {
            throw error
        }
        let backlog = try await db.withConnection { [tables] in try Outbox.backlog(tables: tables, on: $0) }
        backlogGauge.record(backlog)
        return acknowledged
    }
}
