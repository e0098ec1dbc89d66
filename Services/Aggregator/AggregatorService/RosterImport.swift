import EventContract
import Geography
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

        mutating func count(_ change: RosterBook.Change) {
            switch change {
            case .added: added += 1
            case .changed: changed += 1
            case .unchanged: unchanged += 1
            }
        }
    }

    public struct Refusal: Sendable, Encodable {
        public let line: Int
        public let reason: String
    }

    /// Imports `text`; `progress` hears after each chunk how many rows of how many are done.
    /// A location outside `city` (the map's county boundaries) is refused.
    static func run(
        _ text: String, db: PostgresClient, by actor: RosterActor, city: Boundaries?, chunkSize: Int = 1_000,
        progress: @Sendable (_ done: Int, _ total: Int) -> Void = { _, _ in }
    ) async throws -> Summary {
        var (rows, refused) = RosterCSV.parse(text)
        // A township must be one of the directory's (a village's is its code's, whatever the directory says).
        let townships = try await db.withConnection { try DivisionBook.townships(on: $0) }
        rows.removeAll { row in
            guard row.subject.type.codeKind != .division, let township = row.subject.township, !townships.contains(township) else { return false }
            refused.append(Refusal(line: row.line, reason: RosterBook.unknownTownship(township)))
            return true
        }
        rows.removeAll { row in
            guard let reason = RosterBook.outsideCity(row.subject, city: city) else { return false }
            refused.append(Refusal(line: row.line, reason: reason))
            return true
        }
        refused.sort { $0.line < $1.line }
        var summary = Summary(rows: rows.count + refused.count, refused: refused)
        progress(refused.count, summary.rows)
        for start in stride(from: 0, to: rows.count, by: chunkSize) {
            let chunk = rows[start..<min(start + chunkSize, rows.count)].map(\.subject)
            for change in try await db.withTransaction({ conn in try RosterBook.upsert(chunk, by: actor, on: conn) }) { summary.count(change) }
            progress(refused.count + start + chunk.count, summary.rows)
        }
        return summary
    }
}
