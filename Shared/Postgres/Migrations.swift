/// One versioned change to a service's schema.
public struct Migration: Sendable, Hashable {
    public var version: Int
    public var name: String
    public var sql: String

    public init(_ version: Int, _ name: String, _ sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}

extension PostgresClient {
    /// Applies the migrations not applied yet, in version order, in one transaction under an
    /// advisory lock, so several instances starting at once apply each migration exactly once.
    /// Returns the versions it applied (none on a database already up to date).
    @discardableResult
    public func migrate(_ migrations: [Migration], lockName: String = "threezero.migrations") async throws -> [Int] {
        let sorted = migrations.sorted { $0.version < $1.version }
        precondition(Set(sorted.map(\.version)).count == sorted.count, "migration versions must be unique")
        return try await withTransaction { conn in
            try conn.query("SELECT pg_advisory_xact_lock(hashtext($1))", [lockName])
            try conn.execute(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version integer PRIMARY KEY,
                    name text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now())
                """)
            let applied = Set(try conn.query("SELECT version FROM schema_migrations").map { try $0.decode(0, as: Int.self) })
            var done: [Int] = []
            for migration in sorted where !applied.contains(migration.version) {
                try conn.execute(migration.sql)
                try conn.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [migration.version, migration.name])
                done.append(migration.version)
            }
            return done
        }
    }
}
