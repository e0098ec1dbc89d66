import EventContract
import Foundation
import Kafka
import Logging
import Metrics
import Postgres
import ServiceLifecycle
import Synchronization

/// Says when this instance's consumer stopped moving the view: nothing applied for
/// `stallAfter` while events wait on its partitions, or the consume loop restarting more than
/// `maxRestartsPerMinute` times a minute (a batch failing again and again). Readiness, the gauge
/// `aggregator_consumer_stalled{reason}`, `/quality` and the dashboard's live indicator read its
/// verdict, judged every few seconds.
final class StallWatch: Service, Sendable {
    struct Configuration: Sendable {
        var stallAfter = Duration.seconds(60)
        var maxRestartsPerMinute = 3
        var interval = Duration.seconds(2)
    }

    /// Why the consumer counts as stalled.
    struct Stall: Sendable, Equatable {
        enum Reason: String, Sendable, CaseIterable {
            case noProgress = "no_progress"
            case restarting
        }

        var reason: Reason
        var detail: String
    }

    let configuration: Configuration
    let db: PostgresClient
    let state: ConsumerState
    let logger: Logger
    let gauges = Dictionary(uniqueKeysWithValues: Stall.Reason.allCases.map { ($0, Gauge(label: "aggregator_consumer_stalled", dimensions: [("reason", $0.rawValue)])) })

    init(configuration: Configuration, db: PostgresClient, state: ConsumerState, logger: Logger) {
        self.configuration = configuration
        self.db = db
        self.state = state
        self.logger = logger
    }

    func run() async throws {
        for gauge in gauges.values { gauge.record(0) }
        try? await cancelWhenGracefulShutdown { [self] in
            while !Task.isCancelled {
                await judge()
                try await Task.sleep(for: configuration.interval)
            }
        }
    }

    func judge() async {
        let snapshot = state.snapshot.withLock { $0 }
        var stall: Stall?
        let now = state.clock.now()
        let lastMinute = snapshot.restarts.filter { now - $0 < .seconds(60) }.count
        if lastMinute > configuration.maxRestartsPerMinute {
            stall = Stall(reason: .restarting, detail: "the consumer restarted \(lastMinute) times in the last minute; last error: \(snapshot.lastError ?? "none")")
        } else if let waiting = try? await lag(snapshot), waiting > 0 {
            let since = snapshot.lastBatchAt ?? snapshot.startedAt
            let idle = now - since
            if idle >= configuration.stallAfter {
                stall = Stall(
                    reason: .noProgress,
                    detail: "nothing applied for \(idle.components.seconds) s while \(waiting) events wait"
                        + (snapshot.lastError.map { "; last error: \($0)" } ?? ""))
            }
        }
        let before = state.snapshot.withLock { s in
            defer { s.stall = stall }
            return s.stall
        }
        for (reason, gauge) in gauges { gauge.record(stall?.reason == reason ? 1 : 0) }
        if stall != before {
            if let stall {
                logger.error("the consumer is stalled", metadata: ["reason": "\(stall.reason.rawValue)", "detail": "\(stall.detail)"])
            } else if before != nil {
                logger.notice("the consumer moves again")
            }
        }
    }

    /// Events waiting on this instance's partitions: the high watermarks it last saw, less the stored offsets.
    func lag(_ snapshot: ConsumerState.Snapshot) async throws -> Int64 {
        guard !snapshot.assignment.isEmpty else { return 0 }
        let stored = try await db.withConnection { conn in
            try conn.query(
                "SELECT topic, partition, next_offset FROM consumer_offsets WHERE topic = ANY($1::text[])",
                [PostgresArray(Array(Set(snapshot.assignment.map(\.topic))))]
            )
            .map { (TopicPartition(try $0.decode(0), try $0.decode(1)), try $0.decode(2, as: Int64.self)) }
        }
        let next = Dictionary(stored) { first, _ in first }
        return snapshot.assignment.reduce(0) { sum, tp in
            guard let high = snapshot.highWatermarks[tp] else { return sum }
            return sum + max(0, high - (next[tp] ?? 0))
        }
    }
}
