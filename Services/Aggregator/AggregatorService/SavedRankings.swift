import Crypto
import EventContract
import Foundation
import Postgres

/// County rankings the office saved (排名通报): frozen with a SHA-256 of their content, and the
/// reference the next ranking's change in rank is measured against.
enum SavedRankings {
    struct Saved: Sendable, Encodable {
        let id: Int64
        let asOf: String
        let savedAt: String
        let savedBy: String
        let contentHash: String
    }

    /// Saves `counties` as the ranking as of `asOf`.
    static func save(_ counties: [ComplianceQueries.CountyFigures], asOf: Timestamp, by name: String, on conn: PostgresConnection) throws -> Saved {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let content = try encoder.encode(counties)
        let hash = SHA256.hash(data: content).map { String(format: "%02x", $0) }.joined()
        let row = try conn.query("""
            INSERT INTO saved_rankings (as_of, saved_by, content_hash, ranking) VALUES ($1, $2, $3, $4::jsonb)
            RETURNING id, (extract(epoch FROM saved_at) * 1000000)::bigint
            """, [asOf.description, name, hash, String(decoding: content, as: UTF8.self)])[0]
        return Saved(id: try row.decode(0), asOf: asOf.description, savedAt: Timestamp(unixMicros: try row.decode(1)).description,
                     savedBy: name, contentHash: hash)
    }

    static func list(on conn: PostgresConnection) throws -> [Saved] {
        try conn.query("""
            SELECT id, (extract(epoch FROM as_of) * 1000000)::bigint, (extract(epoch FROM saved_at) * 1000000)::bigint, saved_by, content_hash
            FROM saved_rankings ORDER BY id DESC LIMIT 100
            """).map { row in
            Saved(id: try row.decode(0), asOf: Timestamp(unixMicros: try row.decode(1)).description,
                  savedAt: Timestamp(unixMicros: try row.decode(2)).description, savedBy: try row.decode(3), contentHash: try row.decode(4))
        }
    }

    /// Each county's rank in the latest saved ranking, or nil when none was saved.
    static func latestRanks(on conn: PostgresConnection) throws -> [String: Int]? {
        let rows = try conn.query("""
            SELECT e->>'county', (e->>'rank')::int
            FROM (SELECT ranking FROM saved_rankings ORDER BY id DESC LIMIT 1) r, jsonb_array_elements(r.ranking) e
            """)
        guard !rows.isEmpty else { return nil }
        return Dictionary(try rows.map { (try $0.decode(0, as: String.self), try $0.decode(1, as: Int.self)) }, uniquingKeysWith: { a, _ in a })
    }
}
