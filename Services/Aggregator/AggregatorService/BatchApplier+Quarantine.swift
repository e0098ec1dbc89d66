import EventContract
import Foundation
import Kafka
import Postgres
import Synchronization

extension BatchApplier {
    /// Keeps `messages` in the quarantine, each once: a message is known by its topic and the
    /// SHA-256 of its bytes, so an event delivered again is kept once, and a different message at
    /// an offset the broker gave out again (after it lost its log) is kept beside the first.
    static func quarantine(_ messages: [Quarantined], on conn: PostgresConnection) throws {
        guard !messages.isEmpty else { return }
        try conn.query(
            """
            INSERT INTO quarantine (topic, partition, "offset", reason, kind, subject, event_id, raw, digest)
            SELECT topic, partition, "offset", reason, kind, subject, event_id, raw, sha256(raw)
            FROM unnest($1::text[], $2::int[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bytea[])
                AS q(topic, partition, "offset", reason, kind, subject, event_id, raw)
            ON CONFLICT (topic, digest) DO NOTHING
            """,
            [
                PostgresArray(messages.map(\.message.topic)), PostgresArray(messages.map { Int64($0.message.partition) }),
                PostgresArray(messages.map(\.message.offset)), PostgresArray(messages.map(\.storedReason)),
                PostgresArray(messages.map(\.kind.rawValue)), PostgresArray(messages.map(\.subject)),
                PostgresArray(messages.map { $0.eventId ?? Self.eventId(in: $0.message.value) }),
                PostgresArray(messages.map { Bytea($0.message.value) }),
            ])
    }

    /// The `id` of a message that could not be decoded as an event, when it has a readable one.
    static func eventId(in bytes: [UInt8]) -> String? {
        guard bytes.count <= 1_048_576, case .object(let fields)? = try? JSONParser.parse(bytes), case .string(let id)? = fields["id"],
            id.utf8.count <= 100
        else { return nil }
        return id
    }

    /// Runs `work` under a savepoint. When the database refuses it for the data it was given
    /// (`PostgresError.isCausedByData`), its writes are undone and the answer is nil; any other
    /// error (a lost connection, a deadlock) is thrown, and the whole batch is tried again.
    static func refusingNothing<T>(on conn: PostgresConnection, _ work: () throws -> T) throws -> T? {
        try conn.execute("SAVEPOINT content")
        do {
            let value = try work()
            try conn.execute("RELEASE SAVEPOINT content")
            return value
        } catch let error as PostgresError where error.isCausedByData {
            try conn.execute("ROLLBACK TO SAVEPOINT content")
            try conn.execute("RELEASE SAVEPOINT content")
            return nil
        }
    }
}
