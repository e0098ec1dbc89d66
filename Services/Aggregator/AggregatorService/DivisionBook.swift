import Divisions
import EventContract
import Foundation
import Postgres

/// The division directory the command center keeps (区划目录: the city, its counties and townships),
/// versioned like the roster: every change is stored with who made it, so names as known at a past
/// time are the names of then. Level and parent follow from the code (`DivisionLevel`).
enum DivisionBook {
    /// The directory as it stands, or as it was known at `knownAt`.
    static func load(knownAt: Timestamp? = nil, on conn: PostgresConnection) throws -> DivisionNames {
        let rows =
            if let knownAt {
                try conn.query(
                    """
                    SELECT DISTINCT ON (code) code, name FROM division_versions WHERE recorded_at <= $1 ORDER BY code, recorded_at DESC, id DESC
                    """, [knownAt])
            } else {
                try conn.query("SELECT code, name FROM divisions ORDER BY code")
            }
        return DivisionNames(try rows.map { DivisionNames.Division(code: try $0.decode(0), name: try $0.decode(1)) })
    }

    /// The townships of the directory (a roster row's township must be one of them).
    static func townships(on conn: PostgresConnection) throws -> Set<String> {
        Set(try conn.query("SELECT code FROM divisions WHERE length(code) = 9").map { try $0.decode(0, as: String.self) })
    }

    /// Adds or renames divisions in the caller's transaction; each change is a version.
    static func upsert(_ divisions: [DivisionNames.Division], by actor: RosterActor, on conn: PostgresConnection) throws -> [RosterBook.Change] {
        guard !divisions.isEmpty else { return [] }
        var stored: [String: String] = [:]
        for row in try conn.query("SELECT code, name FROM divisions WHERE code = ANY($1::text[])", [PostgresArray(divisions.map(\.code))]) {
            stored[try row.decode(0)] = try row.decode(1)
        }
        let changes = divisions.map { d -> RosterBook.Change in stored[d.code].map { $0 == d.name ? .unchanged : .changed } ?? .added }
        let changed = zip(divisions, changes).filter { $0.1 != .unchanged }.map(\.0)
        guard !changed.isEmpty else { return changes }
        try conn.query(
            """
            INSERT INTO divisions (code, name) SELECT * FROM unnest($1::text[], $2::text[])
            ON CONFLICT (code) DO UPDATE SET name = excluded.name, updated_at = now()
            """, [PostgresArray(changed.map(\.code)), PostgresArray(changed.map(\.name))])
        try conn.query(
            "INSERT INTO division_versions (code, name, changed_by, changed_via) SELECT c, n, $3, $4 FROM unnest($1::text[], $2::text[]) AS u(c, n)",
            [PostgresArray(changed.map(\.code)), PostgresArray(changed.map(\.name)), actor.name, actor.via.rawValue])
        return changes
    }

    /// Imports a directory CSV (`code,name`) in one transaction: good lines added or renamed, bad
    /// lines refused with their numbers; a second import of the same file changes nothing.
    static func importCSV(
        _ text: String, db: PostgresClient, by actor: RosterActor, progress: @escaping @Sendable (_ done: Int, _ total: Int) -> Void = { _, _ in }
    ) async throws -> RosterImport.Summary {
        try await db.withTransaction { conn in
            let known = Set(try conn.query("SELECT code FROM divisions").map { try $0.decode(0, as: String.self) })
            let (rows, refused) = DivisionNames.parse(text, known: known)
            var summary = RosterImport.Summary(rows: rows.count + refused.count, refused: refused.map { .init(line: $0.line, reason: $0.reason) })
            progress(refused.count, summary.rows)
            for change in try upsert(rows.map(\.division), by: actor, on: conn) { summary.count(change) }
            progress(summary.rows, summary.rows)
            return summary
        }
    }

    /// Seeds an empty directory (the demo's, or an operator's file) at start; a directory the
    /// office has already imported is left as it is.
    static func seed(_ directory: DivisionNames, on conn: PostgresConnection) throws {
        try conn.query("SELECT pg_advisory_xact_lock(hashtext('threezero.aggregator.divisions'))")
        guard try conn.query("SELECT count(*) FROM divisions")[0].decode(0, as: Int.self) == 0 else { return }
        _ = try upsert(directory.divisions, by: .system, on: conn)
    }
}
