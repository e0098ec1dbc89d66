@testable import AggregatorService
import EventContract
import Kafka
import Postgres
import TestSupport
import Testing

/// The consumer reads a batch's roster entries ahead of its transaction; a roster change that
/// lands in between must still decide how the batch counts.
@Suite struct RosterAheadTests {
    let village = TestRoster.villageCode()
    let late = TestRoster.villageCode()

    func accident(_ subject: SubjectCode, offset: Int64) -> KafkaMessage {
        let event = CloudEvent(source: .hazards, subject: subject, time: Timestamp(rfc3339: "2026-03-02T10:00:00+08:00")!, sequence: UInt64(offset + 1),
                               data: .accidentReported(.init(accidentId: UUIDv7.generate(), kind: "traffic", deaths: 0, injuries: 2)))
        return KafkaMessage(topic: EventSource.hazards.topic, partition: 0, offset: offset, key: Array(subject.rawValue.utf8), value: event.encoded())
    }

    func figure(_ metric: String, _ db: PostgresClient) async throws -> Int64 {
        try await db.query("SELECT coalesce(sum(value), 0)::bigint FROM figures WHERE year = 2026 AND metric = $1", [metric])[0].decode(0)
    }

    @Test func aRosterChangeBetweenReadAheadAndTransactionCounts() async throws {
        let db = try await TestStack.freshDatabase()
        _ = try await db.migrate(AggregatorSchema.migrations)
        try await db.withTransaction { conn in
            _ = try RosterBook.upsert(SubjectUpserted(code: village, name: "一村", type: .village, county: village.county, active: true), on: conn)
        }
        var batch = BatchApplier.prepare([accident(village, offset: 0), accident(late, offset: 1)])
        let subjects = batch.subjects
        batch.roster = try await db.withConnection { try ViewMaintenance.RosterAhead.read(subjects, on: $0) }
        #expect(batch.roster?.entries[village.rawValue]?.type == "village")
        #expect(batch.roster?.entries[late.rawValue] == nil)

        // Meanwhile the office makes the village a community and adds the other subject.
        try await db.withTransaction { conn in
            _ = try RosterBook.upsert([
                SubjectUpserted(code: village, name: "一村", type: .community, county: village.county, active: true),
                SubjectUpserted(code: late, name: "二村", type: .village, county: late.county, active: true),
            ], on: conn)
        }
        let prepared = batch
        let result = try await db.withTransaction { try BatchApplier.apply(prepared, on: $0) }

        #expect(result.applied == 2)
        #expect(result.quarantined.isEmpty)
        #expect(try await figure("breach.accident.community", db) == 1)
        #expect(try await figure("breach.accident.village", db) == 1)
        #expect(try await db.query("SELECT count(*) FROM quarantine")[0].decode(0, as: Int.self) == 0)
        await db.shutdown()
    }

    @Test func anUnchangedRosterIsNotReadAgain() async throws {
        let db = try await TestStack.freshDatabase()
        _ = try await db.migrate(AggregatorSchema.migrations)
        try await db.withTransaction { conn in
            _ = try RosterBook.upsert(SubjectUpserted(code: village, name: "一村", type: .village, county: village.county, active: true), on: conn)
        }
        var batch = BatchApplier.prepare([accident(village, offset: 0)])
        let subjects = batch.subjects
        let ahead = try await db.withConnection { try ViewMaintenance.RosterAhead.read(subjects, on: $0) }
        // What was read ahead is what counts while the roster's version stands (here: a deliberately
        // different type, to see which one was used).
        let entry = ahead.entries[village.rawValue]!
        batch.roster = ViewMaintenance.RosterAhead(
            entries: [village.rawValue: .init(code: entry.code, county: entry.county, type: "religious_site", active: true)], version: ahead.version)
        let prepared = batch
        _ = try await db.withTransaction { try BatchApplier.apply(prepared, on: $0) }
        #expect(try await figure("breach.accident.religious_site", db) == 1)
        #expect(try await figure("breach.accident.village", db) == 0)
        await db.shutdown()
    }
}
