import ComplianceRules
import Divisions
import EventContract
import Postgres

extension ViewMaintenance {
    /// Adds `deltas` (per township) to the counters of every level — the township's, its county's
    /// and the city's — in key order, the same for every writer.
    static func add(_ deltas: [FigureKey: Int64], on conn: PostgresConnection) throws {
        var counters: [Counter: Int64] = [:]
        for (key, delta) in deltas where delta != 0 {
            for level in DivisionLevel.allCases {
                let division = String(key.township.prefix(ComplianceQueries.keyLength(level)))
                counters[Counter(year: key.year, level: level.rawValue, division: division, metric: key.metric), default: 0] += delta
            }
        }
        let keys = counters.filter { $0.value != 0 }.keys.sorted()
        guard !keys.isEmpty else { return }
        try conn.query(
            """
            INSERT INTO figures AS g (year, level, division, metric, value)
            SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::bigint[])
            ON CONFLICT (year, level, division, metric) DO UPDATE SET value = g.value + excluded.value
            """,
            [
                PostgresArray(keys.map(\.year)), PostgresArray(keys.map(\.level)), PostgresArray(keys.map(\.division)),
                PostgresArray(keys.map(\.metric)), PostgresArray(keys.map { counters[$0]! }),
            ])
    }

    /// A row of `figures`: per registration year (0: the roster), level, division ("" for the
    /// city) and metric.
    struct Counter: Hashable, Comparable {
        let year: Int64
        let level: String
        let division: String
        let metric: String
        static func < (a: Counter, b: Counter) -> Bool { (a.year, a.level, a.division, a.metric) < (b.year, b.level, b.division, b.metric) }
    }

    /// The compliance counters one subject-year contributes (`sides`: sign, township, type, and
    /// its breach counts).
    static let subjectFigures = """
        SELECT s.year, s.township, m.metric, s.sign * m.value AS delta
        FROM sides s CROSS JOIN LATERAL (VALUES
            \(Zero.allCases.map { "(\(Metric.breachingSQL($0, type: "s.type")), CASE WHEN s.\($0.column) > 0 THEN 1 ELSE 0 END)," }.joined(separator: "\n    "))
            (\(Metric.breachingSQL(nil, type: "s.type")), CASE WHEN \(Zero.allCases.map { "s.\($0.column)" }.joined(separator: " + ")) > 0 THEN 1 ELSE 0 END)
        ) AS m(metric, value)
        WHERE m.value <> 0
        """

    /// Moves the compliance counters after roster changes: the subjects' old contribution out
    /// (count per type, breaches per year), the new one in.
    static func applyRoster(before: [(code: String, entry: RosterEntry?)], on conn: PostgresConnection) throws {
        guard !before.isEmpty else { return }
        try conn.query(
            """
            WITH changed AS (
                SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bool[]) AS c(code, old_township, old_type, old_active)
            ),
            roster_sides AS (
                SELECT c.code, -1 AS sign, c.old_township AS township, c.old_type AS type FROM changed c WHERE c.old_active
                UNION ALL
                SELECT s.code, 1, coalesce(s.township, s.county || '000'), s.type FROM changed c JOIN subjects s ON s.code = c.code WHERE s.active
            ),
            sides AS (
                SELECT r.sign, y.year, r.township, r.type, y.petition, y.accident, y."case"
                FROM roster_sides r JOIN subject_year y ON y.subject = r.code
            ),
            deltas AS (
                SELECT 0 AS year, township, \(Metric.subjectsSQL(type: "type")) AS metric, sign AS delta FROM roster_sides
                UNION ALL \(subjectFigures)
            )
            INSERT INTO figures AS g (year, level, division, metric, value)
            SELECT d.year, l.level, l.division, d.metric, sum(d.delta) FROM deltas d \(AggregatorSchema.counterLevels(of: "d.township"))
            GROUP BY 1, 2, 3, 4 HAVING sum(d.delta) <> 0
            ORDER BY 1, 2, 3, 4
            ON CONFLICT (year, level, division, metric) DO UPDATE SET value = g.value + excluded.value
            """,
            [
                PostgresArray(before.map(\.code)), PostgresArray(before.map { $0.entry?.township }), PostgresArray(before.map { $0.entry?.type }),
                PostgresArray(before.map { $0.entry?.active ?? false }),
            ])
    }

    /// Notes per feed the newest fact time, the time of this application and the facts added.
    static func touchFeeds(_ facts: [Fact], on conn: PostgresConnection) throws {
        var feeds: [EventSource: (newest: Timestamp, count: Int64)] = [:]
        for fact in facts {
            let current = feeds[fact.event.source]
            feeds[fact.event.source] = (max(current?.newest ?? fact.event.time, fact.event.time), (current?.count ?? 0) + 1)
        }
        let sources = feeds.keys.sorted { $0.rawValue < $1.rawValue }
        try conn.query(
            """
            INSERT INTO feeds AS f (source, newest_fact, last_applied_at, facts)
            SELECT source, newest, now(), count FROM unnest($1::text[], $2::timestamptz[], $3::bigint[]) AS u(source, newest, count)
            ON CONFLICT (source) DO UPDATE
                SET newest_fact = greatest(f.newest_fact, excluded.newest_fact), last_applied_at = now(), facts = f.facts + excluded.facts
            """, [PostgresArray(sources.map(\.rawValue)), PostgresArray(sources.map { feeds[$0]!.newest.description }), PostgresArray(sources.map { feeds[$0]!.count })])
    }
}
