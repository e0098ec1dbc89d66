import Postgres
import TestSupport
import Testing

/// `timestamptz` goes out and comes back as microseconds, in whatever time zone the session shows it.
@Suite struct TimestampTests {
    static let instants: [Int64] = [
        0, 1_772_326_800_000_000, 1_772_326_800_123_456, -1_000_001, -62_135_596_800_000_000 + 86_400_000_000, 4_133_980_799_999_999,
    ]

    @Test(arguments: ["UTC", "Asia/Shanghai", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu", "Europe/Amsterdam"])
    func aTimeReadsBackAsTheSameInstantInAnySessionTimeZone(zone: String) async throws {
        let db = try await TestStack.freshDatabase()
        let instants = Self.instants
        let read = try await db.withConnection { conn in
            try conn.execute("SET TimeZone = '\(zone)'")
            return try instants.map { micros in
                let row = try conn.query(
                    "SELECT $1::timestamptz, $1::timestamptz::text, (extract(epoch FROM $1::timestamptz) * 1000000)::bigint",
                    [PostgresTimestamp(unixMicros: micros)])[0]
                return (try row.decode(0, as: PostgresTimestamp.self).unixMicros, try row.decode(1, as: String.self), try row.decode(2, as: Int64.self))
            }
        }
        for (micros, (decoded, text, epoch)) in zip(instants, read) {
            #expect(epoch == micros, "Postgres stored \(micros) as \(epoch)")
            #expect(decoded == micros, "\(text) in \(zone) read back as \(decoded), not \(micros)")
        }
        await db.shutdown()
    }

    @Test func whatIsNotATimestampIsRefused() {
        for text in ["", "2026-03-01", "2026-03-01T09:00:00+08", "2026-13-01 09:00:00+08", "2026-03-01 09:00:00 +08", "2026-03-01 09:00:00+8"] {
            #expect(throws: PostgresError.self, "\(text)") { try PostgresTimestamp(postgresText: text) }
        }
    }
}
