import Postgres
import TestSupport
import Testing

@Suite struct PostgresClientTests {
    @Test func parametersAreValuesNeverSQL() async throws {
        let db = try await TestStack.freshDatabase()
        try await db.withConnection { try $0.execute("CREATE TABLE notes (id bigint PRIMARY KEY, body text)") }
        let hostile = "x'); DROP TABLE notes; --"
        try await db.query("INSERT INTO notes (id, body) VALUES ($1, $2)", [1, hostile])
        let rows = try await db.query("SELECT body FROM notes WHERE id = $1", [1])
        #expect(try rows[0].decode(0, as: String.self) == hostile)
        await db.shutdown()
    }

    @Test func decodesTypedValuesAndNulls() async throws {
        let db = try await TestStack.freshDatabase()
        let bytes: [UInt8] = [0, 1, 127, 128, 255]
        let rows = try await db.query(
            "SELECT $1::bigint AS n, $2::boolean AS b, $3::bytea AS raw, NULL::text AS missing, $4::double precision AS d, $5::text AS chinese",
            [Int64.max, true, Bytea(bytes), 0.25, "长治市潞州区"])
        let row = rows[0]
        #expect(try row.decode("n", as: Int64.self) == Int64.max)
        #expect(try row.decode("b", as: Bool.self) == true)
        #expect(try row.decode("raw", as: Bytea.self).bytes == bytes)
        #expect(try row.decode("missing", as: String?.self) == nil)
        #expect(try row.decode("d", as: Double.self) == 0.25)
        #expect(try row.decode("chinese", as: String.self) == "长治市潞州区")
        await #expect(throws: PostgresError.self) { try await db.query("SELECT NULL::int").first!.decode(0, as: Int.self) }
        await db.shutdown()
    }

    @Test func arrayParametersWorkWithAny() async throws {
        let db = try await TestStack.freshDatabase()
        let rows = try await db.query(
            "SELECT x FROM unnest($1::text[]) AS x WHERE x = ANY($2::text[]) ORDER BY x",
            [PostgresArray(["a", "b\"q", "c,d", "e\\f", nil]), PostgresArray(["b\"q", "c,d", "e\\f"])])
        #expect(try rows.map { try $0.decode(0, as: String.self) } == ["b\"q", "c,d", "e\\f"])
        await db.shutdown()
    }

    @Test func aTransactionThatThrowsLeavesNothing() async throws {
        struct Refused: Error {}
        let db = try await TestStack.freshDatabase()
        try await db.withConnection { try $0.execute("CREATE TABLE petitions (id bigint PRIMARY KEY)") }
        await #expect(throws: Refused.self) {
            try await db.withTransaction { conn in
                try conn.query("INSERT INTO petitions (id) VALUES ($1)", [1])
                throw Refused()
            }
        }
        // A failing statement rolls the whole transaction back too.
        await #expect(throws: PostgresError.self) {
            try await db.withTransaction { conn in
                try conn.query("INSERT INTO petitions (id) VALUES ($1)", [2])
                try conn.query("INSERT INTO petitions (id) VALUES ($1)", [2])
            }
        }
        #expect(try await db.query("SELECT count(*) FROM petitions")[0].decode(0, as: Int.self) == 0)
        // The connection is usable afterwards.
        try await db.query("INSERT INTO petitions (id) VALUES ($1)", [3])
        #expect(try await db.query("SELECT count(*) FROM petitions")[0].decode(0, as: Int.self) == 1)
        await db.shutdown()
    }

    @Test func serverErrorsCarryTheirSQLState() async throws {
        let db = try await TestStack.freshDatabase()
        try await db.withConnection { try $0.execute("CREATE TABLE t (id int PRIMARY KEY)") }
        try await db.query("INSERT INTO t VALUES ($1)", [1])
        do {
            try await db.query("INSERT INTO t VALUES ($1)", [1])
            Issue.record("duplicate key accepted")
        } catch let error as PostgresError {
            #expect(error.isUniqueViolation)
            #expect(error.message.contains("duplicate key"))
        }
        await db.shutdown()
    }

    @Test func aKilledConnectionIsReplaced() async throws {
        let db = try await TestStack.freshDatabase(poolSize: 1)
        let pid = try await db.query("SELECT pg_backend_pid()")[0].decode(0, as: Int.self)
        // Kill our own pooled connection from another one, as a Postgres restart would.
        let admin = PostgresClient(configuration: try TestStack.postgres())
        try await admin.query("SELECT pg_terminate_backend($1)", [pid])
        await admin.shutdown()
        await #expect(throws: PostgresError.self) { try await db.query("SELECT 1") }
        let newPid = try await db.query("SELECT pg_backend_pid()")[0].decode(0, as: Int.self)
        #expect(newPid != pid)
        await db.shutdown()
    }

    @Test func anUnreachableServerIsAConnectionError() async throws {
        let db = PostgresClient(configuration: PostgresConfiguration(connectionString: "postgresql://postgres@127.0.0.1:1/postgres?connect_timeout=2", poolSize: 1))
        do {
            try await db.query("SELECT 1")
            Issue.record("connected to nothing")
        } catch let error as PostgresError {
            #expect(error.code == .connection)
        }
        await db.shutdown()
    }

    @Test func databaseURLsSwapTheirDatabase() {
        let base = PostgresConfiguration(connectionString: "postgresql://postgres@127.0.0.1:5432/postgres?sslmode=disable")
        #expect(base.database("petitions").connectionString == "postgresql://postgres@127.0.0.1:5432/petitions?sslmode=disable")
        #expect(PostgresConfiguration(connectionString: "postgresql://u:p@h:1").database("x").connectionString == "postgresql://u:p@h:1/x")
    }
}
