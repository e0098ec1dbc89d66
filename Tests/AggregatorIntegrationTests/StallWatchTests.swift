import EventContract
import Foundation
import Kafka
import Logging
import Postgres
import Synchronization
import TestSupport
import Testing

@testable import AggregatorService

/// The stall watch's verdicts: restarting too often, and no progress while events wait — and
/// neither for a consumer that is merely idle or busy.
@Suite struct StallWatchTests {
    func watch(_ db: PostgresClient, stallAfter: Duration = .seconds(5)) -> (StallWatch, ConsumerState) {
        let state = ConsumerState()
        var configuration = StallWatch.Configuration()
        configuration.stallAfter = stallAfter
        return (StallWatch(configuration: configuration, db: db, state: state, logger: Logger(label: "test")), state)
    }

    @Test func verdicts() async throws {
        let db = try await TestStack.freshDatabase()
        _ = try await db.migrate(AggregatorSchema.migrations)
        let partition = TopicPartition(EventSource.hazards.topic, 3)
        try await db.query("INSERT INTO consumer_offsets (topic, partition, next_offset) VALUES ($1, 3, 40)", [partition.topic])

        // Caught up: idle is not stalled, however long ago the last batch.
        let (idle, idleState) = watch(db)
        idleState.snapshot.withLock {
            $0.assignment = [partition]; $0.highWatermarks = [partition: 40]; $0.startedAt = WallClock.system.now() - .seconds(600)
        }
        await idle.judge()
        #expect(idleState.snapshot.withLock { $0.stall } == nil)

        // Ten events wait, nothing applied for ten minutes: no progress.
        idleState.snapshot.withLock { $0.highWatermarks = [partition: 50] }
        await idle.judge()
        let stall = try #require(idleState.snapshot.withLock { $0.stall })
        #expect(stall.reason == .noProgress)
        #expect(stall.detail.contains("10 events wait"), "\(stall.detail)")

        // The same wait, but a batch applied a moment ago: busy, not stalled.
        idleState.applied()
        await idle.judge()
        #expect(idleState.snapshot.withLock { $0.stall } == nil)

        // Four restarts within a minute: restarting, with the last error.
        struct Refused: Error, CustomStringConvertible { var description: String { "[22003] integer out of range" } }
        let (busy, busyState) = watch(db)
        for _ in 0..<4 { busyState.restarted(after: Refused()) }
        await busy.judge()
        let restarting = try #require(busyState.snapshot.withLock { $0.stall })
        #expect(restarting.reason == .restarting)
        #expect(restarting.detail.contains("4 times") && restarting.detail.contains("integer out of range"), "\(restarting.detail)")
        // Three are within bounds.
        let (few, fewState) = watch(db)
        for _ in 0..<3 { fewState.restarted(after: Refused()) }
        await few.judge()
        #expect(fewState.snapshot.withLock { $0.stall } == nil)
        await db.shutdown()
    }
}
