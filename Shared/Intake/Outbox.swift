import EventContract
import Postgres

/// The outbox: events written in the same transaction as the change they report, published later
/// by `OutboxRelay`. A change and its event are committed together or not at all.
public enum Outbox {
    /// Queues the event of `data` about `subject`, as part of the caller's transaction.
    public static func append(_ data: EventData, subject: SubjectCode, time: Timestamp, on conn: PostgresConnection) throws {
        try conn.query(
            "INSERT INTO outbox (event_id, type, subject, time, data) VALUES ($1, $2, $3, $4, $5::jsonb)",
            [UUIDv7.generate(), data.type.rawValue, subject.rawValue, time.description, try RecordStore.json(data)])
    }

    /// Unpublished events, oldest first.
    public static func backlog(on conn: PostgresConnection) throws -> Int {
        try conn.query("SELECT count(*) FROM outbox WHERE published_at IS NULL")[0].decode(0)
    }

    /// Marks events from `sequence` on as unpublished again, so the relay publishes them anew with
    /// the same ids and sequence numbers (after a broker lost its data). Returns how many.
    public static func republish(fromSequence sequence: Int64, on conn: PostgresConnection) throws -> Int {
        try conn.update("UPDATE outbox SET published_at = NULL WHERE sequence >= $1", [sequence])
    }
}
