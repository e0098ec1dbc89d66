import EventContract
import Kafka
import Postgres
import TestSupport
import Testing

@testable import AggregatorService

/// Two batches in Postgres at once: the newer one stores its facts once the older one holds the
/// view lock, and takes the lock after it. The view must be what one batch after the other
/// gives: each fact counted once, offsets in order, nothing from a batch whose predecessor failed.
@Suite struct PipelinedBatchTests {
    let village = TestRoster.villageCode()

    func accident(_ subject: SubjectCode, offset: Int64, id: String = UUIDv7.generate()) -> KafkaMessage {
        let event = CloudEvent(
            id: id, source: .hazards, subject: subject, time: Timestamp(rfc3339: "2026-03-02T10:00:00+08:00")!, sequence: UInt64(offset + 1),
            data: .accidentReported(.init(accidentId: UUIDv7.generate(), kind: "traffic", deaths: 0, injuries: 1)))
        return KafkaMessage(topic: EventSource.hazards.topic, partition: 0, offset: offset, key: Array(subject.rawValue.utf8), value: event.encoded())
    }

    func setUp() async throws -> PostgresClient { try await ViewDatabase.fresh(withVillage: village) }

    @Test func twoBatchesInFlightCountEachFactOnceAndCommitInOrder() async throws {
        let db = try await setUp()
        let shared = UUIDv7.generate()
        // The second batch continues the first's partition and repeats one of its events.
        let first = (0..<50).map { accident(village, offset: Int64($0), id: $0 == 49 ? shared : UUIDv7.generate()) }
        let second = (50..<100).map { accident(village, offset: Int64($0), id: $0 == 50 ? shared : UUIDv7.generate()) }
        let (older, newer) = (BatchApplier.prepare(first), BatchApplier.prepare(second))
        let olderLocked = Baton(partitions: Set(older.ranges.keys))
        // The newer batch starts first: it waits until the older one holds the lock.
        async let newerResult = BatchApplier.apply(newer, db: db, after: olderLocked, locked: Baton())
        try await Task.sleep(for: .milliseconds(200))
        let olderResult = try await db.withTransaction { try BatchApplier.apply(older, on: $0, locked: olderLocked) }
        let newerApplied = try await newerResult

        #expect(olderResult.applied + newerApplied.applied == 99)
        #expect(olderResult.duplicates + newerApplied.duplicates == 1)
        #expect(try await db.query("SELECT count(*) FROM facts")[0].decode(0, as: Int.self) == 99)
        #expect(try await db.query("SELECT count(*) FROM record_state")[0].decode(0, as: Int.self) == 99)
        #expect(
            try await db.query("SELECT next_offset FROM consumer_offsets WHERE topic = $1 AND partition = 0", [EventSource.hazards.topic])[0]
                .decode(0, as: Int64.self) == 100)
        await db.shutdown()
    }

    @Test func aBatchWhosePredecessorFailedIsFencedAndLeavesNothing() async throws {
        let db = try await setUp()
        let older = BatchApplier.prepare((0..<20).map { accident(village, offset: Int64($0)) })
        let newer = BatchApplier.prepare((20..<40).map { accident(village, offset: Int64($0)) })
        let olderLocked = Baton(partitions: Set(older.ranges.keys))
        async let newerOutcome: Result<BatchApplier.Result, any Error> = {
            do { return .success(try await BatchApplier.apply(newer, db: db, after: olderLocked, locked: Baton())) } catch { return .failure(error) }
        }()
        // The older batch gives up inside its transaction (after taking the lock): it rolls back.
        struct GaveUp: Error {}
        await #expect(throws: GaveUp.self) {
            try await db.withTransaction { conn in
                _ = try BatchApplier.apply(older, on: conn, locked: olderLocked)
                throw GaveUp()
            }
        }
        let outcome = await newerOutcome
        guard case .failure(let error) = outcome else { Issue.record("the newer batch committed over a gap"); return }
        #expect(error is BatchApplier.Fenced)
        #expect(try await db.query("SELECT count(*) FROM facts")[0].decode(0, as: Int.self) == 0)
        #expect(try await db.query("SELECT count(*) FROM consumer_offsets")[0].decode(0, as: Int.self) == 0)
        await db.shutdown()
    }
}
