import Postgres
import TestSupport
import Testing

@Suite struct MigrationTests {
    let migrations = [
        Migration(1, "records", "CREATE TABLE records (id uuid PRIMARY KEY, subject text NOT NULL)"),
        Migration(
            2, "outbox",
            """
            CREATE TABLE outbox (seq bigserial PRIMARY KEY, payload bytea NOT NULL);
            CREATE INDEX outbox_unpublished ON outbox (seq);
            """),
    ]

    @Test func applyingTwiceIsANoOp() async throws {
        let db = try await TestStack.freshDatabase()
        #expect(try await db.migrate(migrations) == [1, 2])
        #expect(try await db.migrate(migrations) == [])
        #expect(try await db.query("SELECT version FROM schema_migrations ORDER BY version").map { try $0.decode(0, as: Int.self) } == [1, 2])
        // A later release adds a migration: only it is applied.
        #expect(try await db.migrate(migrations + [Migration(3, "index", "CREATE INDEX records_subject ON records (subject)")]) == [3])
        await db.shutdown()
    }

    @Test func instancesStartingTogetherApplyEachMigrationOnce() async throws {
        let db = try await TestStack.freshDatabase(poolSize: 4)
        let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
            for _ in 0..<4 { group.addTask { try await db.migrate(migrations) } }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(applied.sorted() == [1, 2])
        await db.shutdown()
    }

    @Test func aFailingMigrationLeavesTheSchemaAsItWas() async throws {
        let db = try await TestStack.freshDatabase()
        try await db.migrate(migrations)
        await #expect(throws: PostgresError.self) {
            try await db.migrate(migrations + [Migration(3, "broken", "CREATE TABLE ok (id int); CREATE TABLE records (id int)")])
        }
        #expect(try await db.query("SELECT to_regclass('ok') IS NULL")[0].decode(0, as: Bool.self))
        #expect(try await db.query("SELECT max(version) FROM schema_migrations")[0].decode(0, as: Int.self) == 2)
        await db.shutdown()
    }
}
