import EventContract
import Postgres

/// A roster CSV imported in chunks of 1,000 rows, each chunk one transaction: valid rows are
/// added or changed, bad rows refused with their line numbers, and a second import of the same
/// file changes nothing.
public enum RosterImport {
    public struct Summary: Sendable, Encodable {
        public var rows = 0
        public var added = 0
        public var changed = 0
        public var unchanged = 0
        public var refused: [Refusal] = []
    }

    public struct Refusal: Sendable, Encodable {
        public let line: Int
        public let reason: String
    }

    /// Imports `text`; `progress` hears after each chunk how many rows of how many are done.
    static func run(
        _ text: String, db: PostgresClient, by actor: RosterActor, chunkSize: Int = 1_000,
        progress: @Sendable (_ done: Int, _ total: Int) -> Void = { _, _ in }
    ) async throws -> Summary {
        let (rows, refused) = RosterCSV.parse(text)
        var summary = Summary(rows: rows.count + refused.count, refused: refused)
        progress(refused.count, summary.rows)
        for start in stride(from: 0, to: rows.count, by: chunkSize) {
            let chunk = rows[start..<min(start + chunkSize, rows.count)].map(\.subject)
            for change in try await db.withTransaction({ conn in try RosterBook.upsert(chunk, by: actor, on: conn) }) {
                switch change {
                case .added: summary.added += 1
                case .changed: summary.changed += 1
                case .unchanged: summary.unchanged += 1
                }
            }
            progress(refused.count + start + chunk.count, summary.rows)
        }
        return summary
    }
}
