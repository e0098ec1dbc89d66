import EventContract
import Foundation
import Kafka
import Logging
import Postgres
import TestSupport
import Testing

@testable import AggregatorService

/// No single event stops the view: a batch the database refuses for one event's content is
/// applied without exactly that event, which goes to the quarantine with the database's reason;
/// a type this version does not know waits there and is tried again on start; the quarantine
/// keeps every distinct message, also two at one offset.
@Suite struct PoisonBatchTests {
    let village = TestRoster.villageCode()

    func hazard(offset: Int64, category: String = "消防", partition: Int32 = 0, id: String = UUIDv7.generate()) -> KafkaMessage {
        let event = CloudEvent(
            id: id, source: .hazards, subject: village, time: Timestamp(rfc3339: "2026-03-02T10:00:00+08:00")!, sequence: UInt64(offset + 1),
            data: .hazardFound(
                .init(
                    hazardId: UUIDv7.generate(), category: category, severity: .general,
                    deadline: Timestamp(rfc3339: "2026-04-02T10:00:00+08:00")!)))
        return KafkaMessage(topic: EventSource.hazards.topic, partition: partition, offset: offset, key: Array(village.rawValue.utf8), value: event.encoded())
    }

    func setUp() async throws -> PostgresClient { try await ViewDatabase.fresh(withVillage: village) }

    func count(_ sql: String, _ db: PostgresClient) async throws -> Int {
        try await db.query(sql)[0].decode(0, as: Int.self)
    }

    @Test(arguments: [1, 2, 3])
    func theEventsTheDatabaseRefusesAloneGoToTheQuarantine(poisoned: Int) async throws {
        let db = try await setUp()
        // A value the contract allows but this database refuses: what a future column limit, or a
        // rule the contract missed, would do. The view's own tables see it through the facts.
        try await db.query("ALTER TABLE facts ADD CONSTRAINT no_poison CHECK (category IS DISTINCT FROM 'poison')")
        let poisonAt = Set((0..<poisoned).map { Int64(17 + 61 * $0) })
        let messages = (0..<200).map { hazard(offset: Int64($0), category: poisonAt.contains(Int64($0)) ? "poison" : "消防") }
        let result = try await db.withTransaction { try BatchApplier.apply(BatchApplier.prepare(messages), on: $0) }

        #expect(result.applied == 200 - poisoned)
        #expect(Set(result.quarantined.map(\.message.offset)) == poisonAt)
        #expect(result.quarantined.allSatisfy { $0.kind == .refused && $0.reason.contains("23514") })
        #expect(try await count("SELECT count(*) FROM facts", db) == 200 - poisoned)
        #expect(try await count("SELECT count(*) FROM record_state", db) == 200 - poisoned)
        #expect(try await count("SELECT coalesce(sum(value), 0)::int FROM figures WHERE level = 'city' AND metric = 'found.hazard'", db) == 200 - poisoned)
        #expect(try await count("SELECT count(*) FROM quarantine WHERE kind = 'refused'", db) == poisoned)
        // The offsets moved past the whole batch: the consumer goes on after it.
        #expect(try await count("SELECT next_offset::int FROM consumer_offsets", db) == 200)
        await db.shutdown()
    }

    @Test func aBatchOfOnlyPoisonMovesItsOffsetsAndAppliesNothing() async throws {
        let db = try await setUp()
        try await db.query("ALTER TABLE facts ADD CONSTRAINT no_poison CHECK (category IS DISTINCT FROM 'poison')")
        let result = try await db.withTransaction { try BatchApplier.apply(BatchApplier.prepare([self.hazard(offset: 0, category: "poison")]), on: $0) }
        #expect(result.applied == 0 && result.quarantined.count == 1)
        #expect(try await count("SELECT count(*) FROM facts", db) == 0)
        #expect(try await count("SELECT next_offset::int FROM consumer_offsets", db) == 1)
        await db.shutdown()
    }

    @Test func twoDifferentMessagesAtOneOffsetAreBothKept() async throws {
        let db = try await setUp()
        // A broker that lost its log gives offset 5 out again, to another message.
        let first = KafkaMessage(topic: EventSource.hazards.topic, partition: 0, offset: 5, key: nil, value: Array("{not json".utf8))
        let again = KafkaMessage(topic: EventSource.hazards.topic, partition: 0, offset: 5, key: nil, value: Array("{still not json".utf8))
        try await db.withTransaction { conn in
            try BatchApplier.quarantine([BatchApplier.Quarantined(message: first, reason: "not valid JSON", kind: .invalid, subject: nil)], on: conn)
            try BatchApplier.quarantine([BatchApplier.Quarantined(message: again, reason: "not valid JSON", kind: .invalid, subject: nil)], on: conn)
            // The first one delivered once more: kept once.
            try BatchApplier.quarantine([BatchApplier.Quarantined(message: first, reason: "not valid JSON", kind: .invalid, subject: nil)], on: conn)
        }
        #expect(try await count("SELECT count(*) FROM quarantine", db) == 2)
        // A reason that quotes a field name of any length, or a NUL, is kept short and clean.
        let long = BatchApplier.Quarantined(message: hazard(offset: 9), reason: String(repeating: "字", count: 5_000) + "\u{0}", kind: .invalid, subject: nil)
        try await db.withTransaction { try BatchApplier.quarantine([long], on: $0) }
        #expect(try await count("SELECT max(length(reason)) FROM quarantine", db) <= 2_001)
        await db.shutdown()
    }

    @Test func anUnknownTypeWaitsAndIsAppliedByAVersionThatKnowsIt() async throws {
        let db = try await setUp()
        let unknown = KafkaMessage(
            topic: EventSource.hazards.topic, partition: 0, offset: 0, key: nil,
            value: Array(
                String(decoding: hazard(offset: 0).value, as: UTF8.self)
                    .replacingOccurrences(of: "cn.threezero.hazard.found.v1", with: "cn.threezero.inspection.recorded.v1").utf8))
        let result = try await db.withTransaction { try BatchApplier.apply(BatchApplier.prepare([unknown]), on: $0) }
        #expect(result.quarantined.map(\.kind) == [.unknownType])
        #expect(try await count("SELECT count(*) FROM quarantine WHERE kind = 'unknown_type'", db) == 1)
        // Tried again on start: this version does not know it either, so it keeps waiting.
        #expect(try await QuarantineRelease.retryUnknownTypes(db: db, logger: Logger(label: "test")) == 0)
        #expect(try await count("SELECT count(*) FROM quarantine WHERE kind = 'unknown_type' AND released_at IS NULL", db) == 1)

        // What an older version held as unknown, this one knows: applied on start, counted once.
        let known = hazard(offset: 1)
        try await db.query(
            """
            INSERT INTO quarantine (topic, partition, "offset", reason, kind, raw, digest) VALUES ($1, 0, 1, 'unknown type', 'unknown_type', $2, sha256($2))
            """, [known.topic, Bytea(known.value)])
        #expect(try await QuarantineRelease.retryUnknownTypes(db: db, logger: Logger(label: "test")) == 1)
        #expect(try await count("SELECT count(*) FROM facts", db) == 1)
        #expect(try await count("SELECT coalesce(sum(value), 0)::int FROM figures WHERE level = 'city' AND metric = 'found.hazard'", db) == 1)
        #expect(try await QuarantineRelease.retryUnknownTypes(db: db, logger: Logger(label: "test")) == 0)
        #expect(try await count("SELECT count(*) FROM facts", db) == 1)
        await db.shutdown()
    }
}
