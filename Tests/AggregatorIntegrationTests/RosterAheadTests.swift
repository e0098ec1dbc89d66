import EventContract
import Kafka
import Postgres
import TestSupport
import Testing

@testable import AggregatorService

/// The consumer holds the roster in memory and brings it up to date ahead of each batch's
/// transaction; a roster change that lands in between must still decide how the batch counts.
@Suite struct RosterAheadTests {
    let village = TestRoster.villageCode()
    let late = TestRoster.villageCode()

    func accident(_ subject: SubjectCode, offset: Int64) -> KafkaMessage {
        let event = CloudEvent(
            source: .hazards, subject: subject, time: Timestamp(rfc3339: "2026-03-02T10:00:00+08:00")!, sequence: UInt64(offset + 1),
            data: .accidentReported(.init(accidentId: UUIDv7.generate(), kind: "traffic", deaths: 0, injuries: 2)))
        return KafkaMessage(topic: EventSource.hazards.topic, partition: 0, offset: offset, key: Array(subject.rawValue.utf8), value: event.encoded())
    }

    func figure(_ metric: String, _ db: PostgresClient) async throws -> Int64 {
        try await db.query("SELECT coalesce(sum(value), 0)::bigint FROM figures WHERE year = 2026 AND level = 'city' AND metric = $1", [metric])[0].decode(0)
    }

    @Test func aRosterChangeBetweenReadAheadAndTransactionCounts() async throws {
        let db = try await TestStack.freshDatabase()
        _ = try await db.migrate(AggregatorSchema.migrations)
        try await db.withTransaction { conn in
            _ = try RosterBook.upsert(SubjectUpserted(code: village, name: "一村", type: .village, county: village.county, active: true), on: conn)
        }
        var batch = BatchApplier.prepare([accident(village, offset: 0), accident(late, offset: 1)])
        var ahead = ViewMaintenance.RosterAhead()
        try await ahead.update(from: db)
        batch.roster = ahead
        #expect(batch.roster?.entries[village.rawValue]?.type == "village")
        #expect(batch.roster?.entries[late.rawValue] == nil)

        // Meanwhile the office makes the village a community and adds the other subject.
        try await db.withTransaction { conn in
            _ = try RosterBook.upsert(
                [
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
        var ahead = ViewMaintenance.RosterAhead()
        try await ahead.update(from: db)
        // What was read ahead is what counts while the roster's version stands (here: a deliberately
        // different type, to see which one was used).
        let entry = ahead.entries[village.rawValue]!
        ahead.entries.set(.init(code: entry.code, township: entry.township, type: "religious_site", active: true))
        batch.roster = ahead
        let prepared = batch
        _ = try await db.withTransaction { try BatchApplier.apply(prepared, on: $0) }
        #expect(try await figure("breach.accident.religious_site", db) == 1)
        #expect(try await figure("breach.accident.village", db) == 0)
        await db.shutdown()
    }

    @Test func theCacheFollowsEveryRosterChange() async throws {
        let db = try await TestStack.freshDatabase()
        _ = try await db.migrate(AggregatorSchema.migrations)
        let codes = (0..<5).map { _ in TestRoster.villageCode() }
        func upsert(_ subjects: [SubjectUpserted]) async throws {
            try await db.withTransaction { conn in _ = try RosterBook.upsert(subjects, on: conn) }
        }
        try await upsert(codes.prefix(4).map { SubjectUpserted(code: $0, name: "村", type: .village, county: $0.county, active: true) })
        var ahead = ViewMaintenance.RosterAhead()
        // Two subjects or versions per query: every update takes several pages.
        try await ahead.update(from: db, page: 2)
        #expect(ahead.entries.count == 4)
        #expect(ahead.version == (try await db.query("SELECT max(id) FROM subject_versions")[0].decode(0, as: Int64.self)))

        // A type changed, a subject deactivated, one added, one left alone (its import again changes nothing).
        try await upsert([
            SubjectUpserted(code: codes[0], name: "村", type: .community, county: codes[0].county, active: true),
            SubjectUpserted(code: codes[1], name: "村", type: .village, county: codes[1].county, active: false),
            SubjectUpserted(code: codes[2], name: "村", type: .village, county: codes[2].county, active: true),
            SubjectUpserted(code: codes[4], name: "新村", type: .village, county: codes[4].county, active: true),
        ])
        try await ahead.update(from: db, page: 2)
        #expect(ahead.entries.count == 5)
        #expect(ahead.entries[codes[0].rawValue]?.type == "community")
        #expect(ahead.entries[codes[1].rawValue]?.active == false)
        #expect(ahead.entries[codes[2].rawValue]?.active == true)
        #expect(ahead.entries[codes[4].rawValue]?.county == codes[4].county)
        let newest = try await db.query("SELECT max(id) FROM subject_versions")[0].decode(0, as: Int64.self)
        #expect(ahead.version == newest)
        let current = ahead
        let stored = try await db.withConnection { try current.unchanged(on: $0) }
        #expect(stored?.count == 5)
        await db.shutdown()
    }

    /// Codes are held packed into two integers; ones that do not pack are held as they are, and
    /// no two codes may meet under one key (a prefix, a leading zero, the 20-character limit).
    @Test func everyCodeFindsItsOwnEntry() {
        let codes = [
            "A", "0A", "00A", "92140509A60000000H", "92140509A60000000H0", "92140509A60000000H00", "92140509A60000000H000",
            "92140509a60000000h", "9214-0509", "", "ZZZZZZZZZZ", "ZZZZZZZZZZZ",
        ]
        var entries = ViewMaintenance.RosterEntries()
        for (i, code) in codes.enumerated() {
            entries.set(.init(code: code, township: "14010\(i % 3)00\(i % 7)", type: "type\(i)", active: i % 2 == 0))
        }
        #expect(entries.count == codes.count)
        for (i, code) in codes.enumerated() {
            let entry = entries[code]
            #expect(entry?.type == "type\(i)", "\(code)")
            #expect(entry?.township == "14010\(i % 3)00\(i % 7)" && entry?.county == "14010\(i % 3)")
            #expect(entry?.active == (i % 2 == 0))
        }
        #expect(entries["B"] == nil)
        #expect(entries["92140509A60000000J"] == nil)
        // A change replaces the entry.
        entries.set(.init(code: "0A", township: "140199001", type: "community", active: false))
        #expect(entries.count == codes.count)
        #expect(entries["0A"]?.type == "community")
        #expect(entries["A"]?.type == "type0")
    }
}
