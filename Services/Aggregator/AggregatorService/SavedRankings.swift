import ComplianceRules
import Crypto
import Divisions
import EventContract
import Foundation
import Postgres
import ServiceSupport

/// Rankings the office saved (排名通报) — of the counties in the city, or of the townships in a county
/// or across the city: frozen with a SHA-256 of their content, and the reference the next ranking
/// of the same level and scope measures its change in rank against.
enum SavedRankings {
    struct Saved: Sendable, Encodable {
        let id: Int64
        let level: DivisionLevel
        /// The county whose townships it ranks (null: the city's counties, or every township).
        @Null var county: String?
        let asOf: String
        let savedAt: String
        let savedBy: String
        let contentHash: String
    }

    /// Saves `counties` (or townships, of `county` or all) as the ranking as of `asOf`.
    static func save(
        _ counties: [ComplianceQueries.DivisionFigures], level: DivisionLevel = .county, county: String? = nil, asOf: Timestamp, by name: String,
        on conn: PostgresConnection
    ) throws -> Saved {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let content = try encoder.encode(counties)
        let hash = SHA256.hash(data: content).map { String(format: "%02x", $0) }.joined()
        let row = try conn.query(
            """
            INSERT INTO saved_rankings (as_of, saved_by, content_hash, ranking, level, county) VALUES ($1, $2, $3, $4::jsonb, $5, $6)
            RETURNING id, (extract(epoch FROM saved_at) * 1000000)::bigint
            """, [asOf.description, name, hash, String(decoding: content, as: UTF8.self), level.rawValue, county])[0]
        return Saved(
            id: try row.decode(0), level: level, county: county, asOf: asOf.description, savedAt: Timestamp(unixMicros: try row.decode(1)).description,
            savedBy: name, contentHash: hash)
    }

    static func list(on conn: PostgresConnection) throws -> [Saved] {
        try conn.query(
            """
            SELECT id, (extract(epoch FROM as_of) * 1000000)::bigint, (extract(epoch FROM saved_at) * 1000000)::bigint, saved_by, content_hash,
                level, county
            FROM saved_rankings ORDER BY id DESC LIMIT 100
            """
        ).map { row in
            Saved(
                id: try row.decode(0), level: DivisionLevel(rawValue: try row.decode(5)) ?? .county, county: try row.decode(6),
                asOf: Timestamp(unixMicros: try row.decode(1)).description,
                savedAt: Timestamp(unixMicros: try row.decode(2)).description, savedBy: try row.decode(3), contentHash: try row.decode(4))
        }
    }

    /// Each division's rank in the latest saved ranking of `level` and scope (`county`: the
    /// county whose townships it ranks), or nil when none was saved.
    static func latestRanks(level: DivisionLevel = .county, county: String? = nil, on conn: PostgresConnection) throws -> [String: Int]? {
        let rows = try conn.query(
            """
            SELECT coalesce(e->>'township', e->>'county'), (e->>'rank')::int
            FROM (SELECT ranking FROM saved_rankings WHERE level = $1 AND county IS NOT DISTINCT FROM $2 ORDER BY id DESC LIMIT 1) r,
                jsonb_array_elements(r.ranking) e
            """, [level.rawValue, county])
        guard !rows.isEmpty else { return nil }
        return Dictionary(try rows.map { (try $0.decode(0, as: String.self), try $0.decode(1, as: Int.self)) }, uniquingKeysWith: { a, _ in a })
    }

    /// A saved ranking as it was frozen.
    static func frozen(_ id: Int64, on conn: PostgresConnection) throws -> (Saved, [ComplianceQueries.DivisionFigures])? {
        guard
            let row = try conn.query(
                """
                SELECT id, (extract(epoch FROM as_of) * 1000000)::bigint, (extract(epoch FROM saved_at) * 1000000)::bigint, saved_by, content_hash,
                    ranking::text, level, county
                FROM saved_rankings WHERE id = $1
                """, [id]
            ).first
        else { return nil }
        let saved = Saved(
            id: try row.decode(0), level: DivisionLevel(rawValue: try row.decode(6)) ?? .county, county: try row.decode(7),
            asOf: Timestamp(unixMicros: try row.decode(1)).description,
            savedAt: Timestamp(unixMicros: try row.decode(2)).description, savedBy: try row.decode(3), contentHash: try row.decode(4))
        let counties = try JSONDecoder().decode([ComplianceQueries.DivisionFigures].self, from: Data(try row.decode(5, as: String.self).utf8))
        return (saved, counties.sorted { $0.rank < $1.rank })
    }

    /// A saved notice against the same period as known now: the events of the period that arrived
    /// after it was saved, and each county figure and rank they changed.
    struct Restatement {
        let saved: Saved
        let from: Timestamp
        let frozen: [ComplianceQueries.DivisionFigures]
        let lateEvents: Int
        /// "潞州区:排名 3 → 2,排查 120 → 121" — empty when nothing changed.
        let changes: [String]
    }

    static func restatement(_ id: Int64, queries: ComplianceQueries, on conn: PostgresConnection) throws -> Restatement? {
        guard let (saved, frozen) = try frozen(id, on: conn), let asOf = Timestamp(rfc3339: saved.asOf) else { return nil }
        let window = ComplianceQueries.Window(
            from: ChinaCalendar.startOfYear(ChinaCalendar.year(asOf)), asOf: asOf, knownAt: nil, county: saved.level == .township ? saved.county : nil)
        let late: Int = try conn.query(
            """
            SELECT count(*) FROM facts WHERE occurred_at BETWEEN $1 AND $2 AND recorded_at > (SELECT saved_at FROM saved_rankings WHERE id = $3)
            """, [window.from.description, asOf.description, id])[0].decode(0)
        let now = Dictionary(uniqueKeysWithValues: try queries.ranked(window, level: saved.level, on: conn).map { ($0.code, $0) })
        let names = try DivisionBook.load(on: conn)
        var changes: [String] = []
        for then in frozen {
            guard let current = now[then.code] else { continue }
            var parts: [String] = []
            func compare(_ label: String, _ a: Int, _ b: Int) { if a != b { parts.append("\(label) \(a) → \(b)") } }
            func compareRate(_ label: String, _ a: Double, _ b: Double) {
                if abs(a - b) > 1e-12 { parts.append("\(label) \(Display.percent(a)) → \(Display.percent(b))") }
            }
            compare("排名", then.rank, current.rank)
            compareRate("问题解决率", then.problems.total.rate, current.problems.total.rate)
            compareRate("达标率", then.compliance.overall.rate, current.compliance.overall.rate)
            compare("排查", then.problems.total.found, current.problems.total.found)
            compare("解决", then.problems.total.resolved, current.problems.total.resolved)
            compare("逾期", then.problems.total.overdue, current.problems.total.overdue)
            compare("信访批次", then.petitions.batches, current.petitions.batches)
            if !parts.isEmpty { changes.append("\(names.name(then.code)):" + parts.joined(separator: ",")) }
        }
        return Restatement(saved: saved, from: window.from, frozen: frozen, lateEvents: late, changes: changes)
    }
}
