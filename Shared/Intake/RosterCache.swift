import EventContract
import Foundation
import HTTPTypes
import Kafka
import Logging
import Postgres
import ServiceLifecycle
import ServiceSupport
import Synchronization

/// The department's copy of the command center's roster: consumes the compacted roster topic
/// into the `roster` table, so intake can refuse records about subjects that are not on it.
///
/// Every instance reads the whole topic (its own consumer group) and upserts; the offsets it has
/// applied are stored with the rows, so a restart resumes where it left off and a broker that lost
/// its data is simply read again from the start.
public final class RosterCache: Service, Sendable {
    let db: PostgresClient
    let kafka: KafkaClientConfiguration
    let topic: String
    let logger: Logger
    let applied = AppliedOffsets()
    let caughtUp = Atomic<Bool>(false)

    public init(db: PostgresClient, kafka: KafkaClientConfiguration, topic: String = EventSource.roster.topic, logger: Logger) {
        self.db = db
        self.kafka = kafka
        self.topic = topic
        self.logger = logger
    }

    /// True once the roster has been read up to where the topic stood when reading began.
    public var isReady: Bool { caughtUp.load(ordering: .acquiring) }

    /// Reads until shutdown; a database or broker failure ends one consumer, and the next starts
    /// from the offsets stored with the rows (the service stays up meanwhile).
    public func run() async throws {
        await restartingUntilShutdown("the roster consumer", logger: logger) { try await consume() }
    }

    func consume() async throws {
        let topic = topic
        do {
            // The command center creates it; a department started first (or a broker that came
            // back empty) creates it the same way so the subscription has something to read.
            try await KafkaAdmin(configuration: kafka).createTopics(
                [.init(name: topic, partitions: 1, config: ["cleanup.policy": "compact"])],
                timeout: .seconds(5))
        } catch {
            logger.warning("could not make sure the roster topic exists; reading it anyway", metadata: ["error": "\(error)"])
        }
        let stored = try await db.withConnection { conn in
            try conn.query("SELECT partition, next_offset FROM roster_offsets WHERE topic = $1", [topic]).map {
                (TopicPartition(topic, try $0.decode(0)), try $0.decode(1, as: Int64.self))
            }
        }
        applied.offsets.withLock { $0 = Dictionary(uniqueKeysWithValues: stored) }

        var configuration = KafkaConsumerConfiguration(bootstrapServers: kafka.bootstrapServers, groupID: "roster-\(UUID().uuidString)")
        configuration.client.extra = kafka.extra
        let applied = applied
        let consumer = try KafkaConsumer(
            configuration: configuration,
            rebalance: RebalanceListener(assigned: { partitions in
                applied.offsets.withLock { offsets in offsets.filter { partitions.contains($0.key) } }
            }), logger: logger)
        do {
            try consumer.subscribe(topics: [topic])
            var targets: [TopicPartition: Int64]?
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                let batch = try await consumer.poll(maxMessages: 2000, timeout: .milliseconds(200))
                if !batch.isEmpty { try await apply(batch) }
                if targets == nil, !consumer.assignment.isEmpty {
                    var t: [TopicPartition: Int64] = [:]
                    for tp in consumer.assignment { t[tp] = try await consumer.highWatermark(tp) }
                    targets = t
                }
                if let targets, !isReady {
                    let done = applied.offsets.withLock { offsets in targets.allSatisfy { tp, high in high == 0 || (offsets[tp] ?? 0) >= high } }
                    if done {
                        caughtUp.store(true, ordering: .releasing)
                        logger.info("roster loaded", metadata: ["topic": "\(topic)"])
                    }
                }
            }
        } catch {
            await consumer.close()
            throw error
        }
        await consumer.close()
    }

    func apply(_ batch: [KafkaMessage]) async throws {
        var latest: [String: SubjectUpserted] = [:]
        var offsets: [TopicPartition: Int64] = [:]
        for message in batch {
            offsets[message.topicPartition] = message.offset + 1
            do {
                let event = try CloudEvent.decode(message.value)
                if case .subjectUpserted(let subject) = event.data { latest[subject.code.rawValue] = subject }
            } catch {
                // The aggregator owns the roster and quarantines what is wrong; here it is skipped.
                logger.warning("roster event refused", metadata: ["offset": "\(message.offset)", "reason": "\(error)"])
            }
        }
        let subjects = Array(latest.values)
        let topic = topic
        let applying = offsets
        try await db.withTransaction { conn in
            if !subjects.isEmpty {
                try conn.update(
                    """
                    INSERT INTO roster (code, name, type, county, township, active)
                    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::boolean[])
                    ON CONFLICT (code) DO UPDATE SET name = excluded.name, type = excluded.type, county = excluded.county,
                        township = excluded.township, active = excluded.active, updated_at = now()
                    """,
                    [
                        PostgresArray(subjects.map(\.code.rawValue)), PostgresArray(subjects.map(\.name)),
                        PostgresArray(subjects.map(\.type.rawValue)), PostgresArray(subjects.map(\.county)),
                        PostgresArray(subjects.map(\.township)), PostgresArray(subjects.map(\.active)),
                    ])
            }
            for (tp, next) in applying {
                try conn.query(
                    """
                    INSERT INTO roster_offsets (topic, partition, next_offset) VALUES ($1, $2, $3)
                    ON CONFLICT (topic, partition) DO UPDATE SET next_offset = excluded.next_offset
                    """, [topic, tp.partition, next])
            }
        }
        applied.offsets.withLock { $0.merge(offsets) { _, new in new } }
    }
}

/// The next offset to read per partition, as applied to the database; shared with the rebalance
/// listener so a re-assignment resumes where the rows are.
final class AppliedOffsets: Sendable {
    let offsets = Mutex<[TopicPartition: Int64]>([:])
}
