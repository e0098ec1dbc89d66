import Foundation
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

    @Test func binaryCopyWritesEveryTypeAsGiven() async throws {
        let db = try await TestStack.freshDatabase()
        try await db.withConnection {
            try $0.execute("CREATE TABLE facts (id uuid PRIMARY KEY, n bigint, small integer, flag boolean, at timestamptz, note text)")
        }
        let notes = ["tab\there", "back\\slash", "\\N", "中文 信访件", "", "cr\rlf"]
        // Times before and after Postgres's epoch (2000-01-01), with microseconds.
        let times: [Int64] = [-1_000_000_000_123_456, 0, 946_684_799_999_999, 946_684_800_000_000, 1_780_000_000_000_001]
        var data = BinaryCopyData(columns: 6)
        for i in 0..<1_000 {
            data.startRow()
            try data.uuid(String(format: "01%06X-0000-7000-8000-%012x", i, i * 7919))
            data.int8(Int64(i) * -3_000_000_007)
            data.int4(i % 5 == 0 ? nil : Int64(i) - 500)
            data.bool(i % 3 == 0 ? nil : i % 2 == 0)
            data.timestamp(micros: i % 11 == 0 ? nil : times[i % times.count])
            data.text(i % 13 == 0 ? nil : notes[i % notes.count])
        }
        let rows = data
        try await db.withTransaction { try $0.copy(into: "facts", columns: ["id", "n", "small", "flag", "at", "note"], binary: rows) }

        let back = try await db.query(
            """
            SELECT id::text, n, small, flag, (extract(epoch FROM at) * 1000000)::bigint, note FROM facts ORDER BY n DESC
            """)
        #expect(back.count == 1_000)
        for (i, row) in back.enumerated() {
            #expect(try row.decode(0, as: String.self) == String(format: "01%06x-0000-7000-8000-%012x", i, i * 7919))
            #expect(try row.decode(1, as: Int64.self) == Int64(i) * -3_000_000_007)
            #expect(try row.decode(2, as: Int64?.self) == (i % 5 == 0 ? nil : Int64(i) - 500))
            #expect(try row.decode(3, as: Bool?.self) == (i % 3 == 0 ? nil : i % 2 == 0))
            #expect(try row.decode(4, as: Int64?.self) == (i % 11 == 0 ? nil : times[i % times.count]))
            #expect(try row.decode(5, as: String?.self) == (i % 13 == 0 ? nil : notes[i % notes.count]))
        }
        await db.shutdown()
    }

    @Test func binaryCopyRefusesWhatIsNoUUID() {
        var data = BinaryCopyData(columns: 1)
        data.startRow()
        #expect(throws: PostgresError.self) { try data.uuid("01234567-89ab-cdef-0123-456789abcdeg") }
        #expect(throws: PostgresError.self) { try data.uuid("01234567-89ab-cdef-0123-456789abcde") }
        #expect(throws: PostgresError.self) { try data.uuid("01234567-89ab-cdef-0123-456789abcdef0") }
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
