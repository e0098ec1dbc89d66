import EventContract
import Foundation
import Postgres

/// The outbox: events written in the same transaction as the change they report, published later
/// by `OutboxRelay`. A change and its event are committed together or not at all.
public enum Outbox {
    /// Queues the event of `data` about `subject`, as part of the caller's transaction.
    public static func append(_ data: EventData, subject: SubjectCode, time: Timestamp, tables: OutboxTables = .events, on conn: PostgresConnection) throws {
        try append([(data, subject)], time: time, tables: tables, on: conn)
    }

    /// Queues one event per (data, subject), in that order, as part of the caller's transaction.
    public static func append(
        _ events: [(data: EventData, subject: SubjectCode)], time: Timestamp, tables: OutboxTables = .events, on conn: PostgresConnection
    ) throws {
        guard !events.isEmpty else { return }
        try conn.query(
            """
            INSERT INTO \(tables.outbox) (event_id, type, subject, time, data)
            SELECT id, type, subject, $4::text, data::jsonb FROM unnest($1::uuid[], $2::text[], $3::text[], $5::text[])
                WITH ORDINALITY AS e(id, type, subject, data, n)
            ORDER BY n
            """,
            [
                PostgresArray(events.map { _ in UUIDv7.generate() }), PostgresArray(events.map(\.data.type.rawValue)),
                PostgresArray(events.map(\.subject.rawValue)), time.description, PostgresArray(try events.map { try json($0.data) }),
            ])
    }

    /// How many events wait to be published.
    public static func backlog(tables: OutboxTables = .events, on conn: PostgresConnection) throws -> Int {
        try conn.query("SELECT count(*) FROM \(tables.outbox) WHERE published_at IS NULL")[0].decode(0)
    }

    /// Marks events from `sequence` on as unpublished again, so the relay publishes them anew with
    /// the same ids and sequence numbers (after a broker lost its data). Returns how many.
    public static func republish(fromSequence sequence: Int64, tables: OutboxTables = .events, on conn: PostgresConnection) throws -> Int {
        try conn.update("UPDATE \(tables.outbox) SET published_at = NULL WHERE sequence >= $1 AND published_at IS NOT NULL", [sequence])
    }

    /// An event's payload as the outbox keeps it: JSON with sorted keys.
    public static func json(_ data: EventData) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(data), as: UTF8.self)
    }
}

/// The tables of one outbox: its events, its relay's lease and sequence counter, and the
/// partitions it published to.
public struct OutboxTables: Sendable, Hashable {
    public var outbox: String
    public var relay: String
    public var partitions: String

    /// A database's one outbox: every department's, and the command center's roster.
    public static let events = OutboxTables(outbox: "outbox", relay: "outbox_relay", partitions: "outbox_partitions")
    /// The command center's second outbox, of supervision items (its own topic and sequence).
    public static let supervision = OutboxTables(outbox: "supervision_outbox", relay: "supervision_outbox_relay", partitions: "supervision_outbox_partitions")
}
