import Postgres
import TestSupport
import Testing

@Suite struct PostgresBatchTests {
    @Test func copiesTenThousandRowsExactly() async throws {
        let db = try await TestStack.freshDatabase()
        try await db.withConnection { try $0.execute("CREATE TABLE facts (id bigint PRIMARY KEY, subject text NOT NULL, note text, raw bytea)") }
        // Values COPY's text format must escape: tabs, newlines, backslashes; and NULLs.
        let tricky = ["tab\there", "line\nbreak", "back\\slash", "\\N", "中文 信访件", "cr\rlf"]
        let rows: [[(any PostgresEncodable)?]] = (0..<10_000).map { i in
            [Int64(i), "14040300\(i % 10)001", i % 7 == 0 ? nil : tricky[i % tricky.count], Bytea([UInt8(i % 256), 9, 10])]
        }
        try await db.withTransaction { try $0.copy(into: "facts", columns: ["id", "subject", "note", "raw"], rows: rows) }

        #expect(try await db.query("SELECT count(*) FROM facts")[0].decode(0, as: Int.self) == 10_000)
        let back = try await db.query("SELECT id, note, raw FROM facts ORDER BY id")
        for (i, row) in back.enumerated() {
            #expect(try row.decode(0, as: Int64.self) == Int64(i))
            #expect(try row.decode(1, as: String?.self) == (i % 7 == 0 ? nil : tricky[i % tricky.count]))
            #expect(try row.decode(2, as: Bytea.self).bytes == [UInt8(i % 256), 9, 10])
        }
        await db.shutdown()
    }

    @Test func aFailedCopyWritesNothing() async throws {
        let db = try await TestStack.freshDatabase()
        try await db.withConnection { try $0.execute("CREATE TABLE facts (id bigint PRIMARY KEY)") }
        let rows: [[(any PostgresEncodable)?]] = (0..<1_000).map { [Int64($0 == 999 ? 0 : $0)] }
        await #expect(throws: PostgresError.self) {
            try await db.withTransaction { try $0.copy(into: "facts", columns: ["id"], rows: rows) }
        }
        #expect(try await db.query("SELECT count(*) FROM facts")[0].decode(0, as: Int.self) == 0)
        await db.shutdown()
    }

    @Test func multiRowInsertThroughUnnestSkipsDuplicates() async throws {
        let db = try await TestStack.freshDatabase()
        try await db.withConnection { try $0.execute("CREATE TABLE events (id text PRIMARY KEY, n bigint)") }
        let ids = (0..<5_000).map { "e\($0)" }
        let sql = "INSERT INTO events (id, n) SELECT * FROM unnest($1::text[], $2::bigint[]) ON CONFLICT (id) DO NOTHING"
        let first = try await db.withConnection { try $0.update(sql, [PostgresArray(ids), PostgresArray((0..<5_000).map { Int64($0) })]) }
        let again = try await db.withConnection { try $0.update(sql, [PostgresArray(ids), PostgresArray((0..<5_000).map { Int64($0) })]) }
        #expect(first == 5_000)
        #expect(again == 0)
        await db.shutdown()
    }
}
