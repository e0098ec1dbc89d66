import EventContract
import Foundation
import Kafka
import Postgres

/// Applies one batch of consumed messages to the view, in the caller's transaction: the facts,
/// the quarantine, the sequences seen, and the consumed offsets — together or not at all.
enum BatchApplier {
    /// Another instance owns the partition now (its stored offset moved on): nothing is applied.
    struct Fenced: Error, CustomStringConvertible {
        let partition: TopicPartition
        var description: String { "partition \(partition) is fenced: its stored offset is not where this batch starts" }
    }

    struct Quarantined: Sendable {
        let message: KafkaMessage
        let reason: String
        let kind: String
        let subject: String?
    }

    struct Result: Sendable {
        var applied = 0
        var duplicates = 0
        var quarantined: [Quarantined] = []
        /// Next offset per partition, to commit to Kafka after the database commit.
        var offsets: [TopicPartition: Int64] = [:]
    }

    static let sourceOfTopic: [String: EventSource] = Dictionary(uniqueKeysWithValues: [EventSource.petitions, .hazards, .cases].map { ($0.topic, $0) })

    static func apply(_ messages: [KafkaMessage], on conn: PostgresConnection) throws -> Result {
        var result = Result()
        // 1. The guarded offsets: fences out an instance that lost a partition in a rebalance.
        var ranges: [TopicPartition: (first: Int64, last: Int64)] = [:]
        for m in messages {
            let current = ranges[m.topicPartition]
            ranges[m.topicPartition] = (min(current?.first ?? m.offset, m.offset), max(current?.last ?? m.offset, m.offset))
        }
        for (tp, range) in ranges.sorted(by: { $0.key < $1.key }) {
            let moved = try conn.update("""
                UPDATE consumer_offsets SET next_offset = $4, updated_at = now()
                WHERE topic = $1 AND partition = $2 AND next_offset = $3
                """, [tp.topic, tp.partition, range.first, range.last + 1])
            if moved == 0 {
                let exists = try !conn.query("SELECT 1 FROM consumer_offsets WHERE topic = $1 AND partition = $2", [tp.topic, tp.partition]).isEmpty
                guard !exists, try conn.update("""
                    INSERT INTO consumer_offsets (topic, partition, next_offset) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING
                    """, [tp.topic, tp.partition, range.last + 1]) == 1
                else { throw Fenced(partition: tp) }
            }
            result.offsets[tp] = range.last + 1
        }

        // 2. Decode and check every message against the contract.
        var valid: [(KafkaMessage, CloudEvent)] = []
        for m in messages {
            do {
                let event = try CloudEvent.decode(m.value)
                guard sourceOfTopic[m.topic] == event.source else {
                    throw ContractViolation("source", "\(event.source.rawValue) does not publish to \(m.topic)")
                }
                valid.append((m, event))
            } catch {
                result.quarantined.append(Quarantined(message: m, reason: "\(error)", kind: "invalid", subject: nil))
            }
        }

        // 3. Subjects must be on the roster; the others wait in quarantine for it.
        let codes = Array(Set(valid.map(\.1.subject.rawValue)))
        let known = Set(try conn.query("SELECT code FROM subjects WHERE code = ANY($1::text[])", [PostgresArray(codes)]).map { try $0.decode(0, as: String.self) })
        var facts: [CloudEvent] = []
        var seenIds = Set<String>()
        for (m, event) in valid {
            if !known.contains(event.subject.rawValue) {
                result.quarantined.append(Quarantined(message: m, reason: "subject \(event.subject) is not on the roster", kind: "unknown_subject",
                                                      subject: event.subject.rawValue))
            } else if seenIds.insert(event.id).inserted {
                facts.append(event)
            } else {
                result.duplicates += 1
            }
        }
        let inserted = try insertFacts(facts, on: conn)
        result.applied = inserted
        result.duplicates += facts.count - inserted

        try recordSequences(valid.map(\.1), on: conn)
        for q in result.quarantined {
            try conn.query("""
                INSERT INTO quarantine (topic, partition, "offset", reason, kind, subject, raw) VALUES ($1, $2, $3, $4, $5, $6, $7)
                ON CONFLICT (topic, partition, "offset") DO NOTHING
                """, [q.message.topic, q.message.partition, q.message.offset, q.reason, q.kind, q.subject, Bytea(q.message.value)])
        }
        return result
    }

    /// Inserts facts (duplicates by event id are dropped); returns how many were new.
    static func insertFacts(_ events: [CloudEvent], on conn: PostgresConnection) throws -> Int {
        guard !events.isEmpty else { return 0 }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try events.map { String(decoding: try encoder.encode($0.data), as: UTF8.self) }
        return try conn.update("""
            INSERT INTO facts (event_id, source, sequence, type, entity, record_id, subject, county, occurred_at, data)
            SELECT e.id, e.source, e.sequence, e.type, e.entity, e.record_id, e.subject, e.county, e.occurred_at, e.data::jsonb
            FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::uuid[], $7::text[], $8::text[], $9::timestamptz[], $10::text[])
                AS e(id, source, sequence, type, entity, record_id, subject, county, occurred_at, data)
            ON CONFLICT (event_id) DO NOTHING
            """, [
                PostgresArray(events.map(\.id)), PostgresArray(events.map(\.source.rawValue)), PostgresArray(events.map { Int64($0.sequence) }),
                PostgresArray(events.map(\.type.rawValue)), PostgresArray(events.map(\.type.entity.rawValue)),
                PostgresArray(events.map(\.data.recordId)), PostgresArray(events.map(\.subject.rawValue)),
                PostgresArray(events.map(\.subject.county)), PostgresArray(events.map(\.time.description)), PostgresArray(data),
            ])
    }

    static func recordSequences(_ events: [CloudEvent], on conn: PostgresConnection) throws {
        guard !events.isEmpty else { return }
        try conn.update("""
            INSERT INTO seen_sequences (source, sequence) SELECT * FROM unnest($1::text[], $2::bigint[]) ON CONFLICT DO NOTHING
            """, [PostgresArray(events.map(\.source.rawValue)), PostgresArray(events.map { Int64($0.sequence) })])
    }
}
