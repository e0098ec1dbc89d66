import ComplianceRules
import EventContract
import Postgres

extension ViewMaintenance {
    /// The roster entries a batch is applied with, and the roster's version they are as of: the
    /// newest `subject_versions` id. Every roster change is made under the view lock and adds a
    /// version, so under the lock an unchanged version means the entries are still what the roster says.
    ///
    /// The consumer keeps one for the whole roster, so that a batch's subjects are looked up
    /// without a query (reading them cost Postgres as much per batch as the record states), and
    /// brings it up to date before each batch from the versions added since (the first time it reads
    /// the roster as it stands, from `subjects`).
    struct RosterAhead: Sendable {
        var entries = RosterEntries()
        /// The newest version applied; -1 before the first update.
        private(set) var version: Int64 = -1

        init() {}

        init(entries: RosterEntries, version: Int64) {
            self.entries = entries
            self.version = version
        }

        /// The entries if the roster has not changed since they were read; the caller holds the view lock.
        func unchanged(on conn: PostgresConnection) throws -> RosterEntries? {
            let now = try conn.query("SELECT coalesce(max(id), 0) FROM subject_versions")[0].decode(0, as: Int64.self)
            return now == version ? entries : nil
        }

        /// Brings the entries up to the roster's newest version, reading `page` versions at a time
        /// (one query that finds nothing when the roster has not changed); the first time, the
        /// roster as it stands.
        mutating func update(from db: PostgresClient, page: Int = 50_000) async throws {
            guard version >= 0 else {
                self = try await db.withTransaction { try Self.whole(on: $0, page: page) }
                return
            }
            while true {
                let since = version
                let versions = try await db.withConnection { try Self.versions(after: since, limit: page, on: $0) }
                for (id, entry, at) in versions {
                    if let old = entries[entry.code], old.township != entry.township {
                        entries.moved(entry.code, Move(at: at, before: old.township, after: entry.township))
                    }
                    entries.set(entry)
                    version = id
                }
                if versions.count < page { return }
            }
        }

        /// The whole roster and its version, as one snapshot, read `page` subjects at a time (the
        /// caller's transaction has just begun).
        static func whole(on conn: PostgresConnection, page: Int) throws -> RosterAhead {
            try conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            var ahead = RosterAhead(entries: RosterEntries(), version: try conn.query("SELECT coalesce(max(id), 0) FROM subject_versions")[0].decode(0))
            var after = ""
            while true {
                let rows = try conn.query("SELECT \(RosterEntry.columns) FROM subjects WHERE code > $1 ORDER BY code LIMIT $2", [after, page])
                for row in rows {
                    let entry = try RosterEntry(row: row)
                    ahead.entries.set(entry)
                    after = entry.code
                }
                if rows.count < page {
                    try ahead.entries.loadMoves(on: conn)
                    return ahead
                }
            }
        }

        /// The versions after `id`: each with the entry it made and when it was recorded.
        static func versions(after id: Int64, limit: Int, on conn: PostgresConnection) throws -> [(Int64, RosterEntry, Int64)] {
            try conn.query(
                """
                SELECT id, code, township, type, active, (extract(epoch FROM recorded_at) * 1000000)::bigint
                FROM subject_versions WHERE id > $1 ORDER BY id LIMIT $2
                """, [id, limit]
            ).map { row in
                (
                    try row.decode(0), RosterEntry(code: try row.decode(1), township: try row.decode(2), type: try row.decode(3), active: try row.decode(4)),
                    try row.decode(5)
                )
            }
        }
    }
}
