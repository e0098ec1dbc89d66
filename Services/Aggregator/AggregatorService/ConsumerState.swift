import EventContract
import Foundation
import Kafka
import Logging
import Metrics
import Postgres
import ServiceLifecycle
import ServiceSupport
import Synchronization

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
            let rows = try connection!.query(
                "SELECT topic, partition, next_offset FROM consumer_offsets WHERE topic = ANY($1::text[])",
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
        var lastBatchAt: Timestamp?
        /// When the consumer began: with nothing applied yet, progress is counted from then.
        var startedAt: Timestamp
        /// The partitions' high watermarks as the consumer last saw them.
        var highWatermarks: [TopicPartition: Int64] = [:]
        /// When the consume loop stopped on an error and started again (the last hour's), and the last error.
        var restarts: [Timestamp] = []
        var restartCount = 0
        var lastError: String?
        var lastErrorAt: Timestamp?
        /// Why the consumer counts as stalled, as `StallWatch` last judged it.
        var stall: StallWatch.Stall?
    }

    let clock: WallClock
    let snapshot: Mutex<Snapshot>

    init(clock: WallClock = .system) {
        self.clock = clock
        snapshot = Mutex(Snapshot(startedAt: clock.now()))
    }

    func applied() {
        let now = clock.now()
        snapshot.withLock { $0.lastBatchAt = now }
    }

    func assigned(_ partitions: Set<TopicPartition>) {
        snapshot.withLock { $0.assignment = partitions.sorted() }
    }

    func polled(highWatermarks: [TopicPartition: Int64]) {
        snapshot.withLock { $0.highWatermarks.merge(highWatermarks) { _, new in new } }
    }

    func restarted(after error: any Error) {
        let now = clock.now()
        snapshot.withLock { s in
            s.restarts = s.restarts.filter { now - $0 < .seconds(3_600) } + [now]
            s.restartCount += 1
            s.lastError = String("\(error)".prefix(1_000))
            s.lastErrorAt = now
        }
    }
}
