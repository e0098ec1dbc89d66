import EventContract
import Postgres

/// Keeps the maintained view current, in the caller's transaction: record states merged with
/// what new facts say, live breaches per subject and year, and the counters of `figures` moved
/// by exactly the difference each change makes (old contribution out, new one in).
///
/// Writers of the view take one transaction-level advisory lock first: counters are rows every
/// batch touches, so batches apply one after another anyway, and under the lock each statement
/// reads the state the previous batch left (what makes the differences exact).
enum ViewMaintenance {
    static func lock(_ conn: PostgresConnection) throws {
        try conn.query("SELECT pg_advisory_xact_lock(hashtext('threezero.aggregator.view'))")
    }

    /// The figures one record contributes, while it is registered and not voided.
    static let recordFigures = """
        SELECT c.year, c.county, m.metric, c.sign * m.value AS delta
        FROM changes c CROSS JOIN LATERAL (VALUES
            ('found.' || c.entity, CASE WHEN c.entity IN ('dispute', 'hazard', 'security_problem') THEN 1 ELSE 0 END),
            ('resolved.' || c.entity, CASE WHEN c.entity IN ('dispute', 'hazard', 'security_problem') AND c.resolved_at IS NOT NULL THEN 1 ELSE 0 END),
            ('petition.batches', CASE WHEN c.entity = 'petition' THEN 1 ELSE 0 END),
            ('petition.persons', CASE WHEN c.entity = 'petition' THEN c.persons ELSE 0 END),
            ('petition.online', CASE WHEN c.entity = 'petition' AND c.online THEN 1 ELSE 0 END),
            ('petition.origin.' || c.origin, CASE WHEN c.entity = 'petition' THEN 1 ELSE 0 END),
            ('petition.proxy.' || c.proxy_level, CASE WHEN c.entity = 'petition' AND c.proxy_level > 0 THEN 1 ELSE 0 END),
            ('accident.count', CASE WHEN c.entity = 'accident' THEN 1 ELSE 0 END),
            ('case.criminal', CASE WHEN c.entity = 'case' AND c.criminal THEN 1 ELSE 0 END)
        ) AS m(metric, value)
        WHERE m.value <> 0
        """

    /// The compliance counters one subject-year contributes (`sides`: sign, county, type, and
    /// its breach counts).
    static let subjectFigures = """
        SELECT s.year, s.county, m.metric, s.sign * m.value AS delta
        FROM sides s CROSS JOIN LATERAL (VALUES
            ('breach.petition.' || s.type, CASE WHEN s.petition > 0 THEN 1 ELSE 0 END),
            ('breach.accident.' || s.type, CASE WHEN s.accident > 0 THEN 1 ELSE 0 END),
            ('breach.case.' || s.type, CASE WHEN s."case" > 0 THEN 1 ELSE 0 END),
            ('breach.any.' || s.type, CASE WHEN s.petition + s.accident + s."case" > 0 THEN 1 ELSE 0 END)
        ) AS m(metric, value)
        WHERE m.value <> 0
        """

    static let addToFigures = """
        INSERT INTO figures AS g (year, county, metric, value)
        SELECT year, county, metric, sum(delta) FROM deltas GROUP BY year, county, metric HAVING sum(delta) <> 0
        ORDER BY year, county, metric
        ON CONFLICT (year, county, metric) DO UPDATE SET value = g.value + excluded.value
        """

    /// Merges `changes` into the record states and moves the counters by the difference.
    static func applyRecords(_ changes: [RecordChange], on conn: PostgresConnection) throws {
        guard !changes.isEmpty else { return }
        try conn.query("""
            WITH p AS (
                SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::int[], $6::timestamptz[], $7::uuid[],
                    $8::timestamptz[], $9::int[], $10::bool[], $11::text[], $12::text[], $13::bool[], $14::int[], $15::timestamptz[],
                    $16::timestamptz[])
                    AS p(record_id, entity, subject, county, year, registered_at, registered_event, deadline, persons, online, origin,
                        breach, criminal, proxy_level, resolved_at, voided_at)
            ),
            stored AS (SELECT r.* FROM record_state r WHERE r.record_id IN (SELECT record_id FROM p)),
            merged AS (
                INSERT INTO record_state AS r SELECT * FROM p
                ON CONFLICT (record_id) DO UPDATE SET
                    entity = coalesce(r.entity, excluded.entity), year = coalesce(r.year, excluded.year),
                    registered_at = coalesce(r.registered_at, excluded.registered_at),
                    registered_event = coalesce(r.registered_event, excluded.registered_event),
                    deadline = CASE WHEN r.entity IS NULL THEN excluded.deadline ELSE r.deadline END,
                    persons = coalesce(r.persons, excluded.persons), online = coalesce(r.online, excluded.online),
                    origin = coalesce(r.origin, excluded.origin),
                    breach = CASE WHEN r.entity IS NULL THEN excluded.breach ELSE r.breach END,
                    criminal = coalesce(r.criminal, excluded.criminal),
                    proxy_level = greatest(r.proxy_level, excluded.proxy_level),
                    resolved_at = least(r.resolved_at, excluded.resolved_at),
                    voided_at = least(r.voided_at, excluded.voided_at)
                RETURNING r.*
            ),
            changes AS (
                SELECT 1 AS sign, * FROM merged WHERE entity IS NOT NULL AND voided_at IS NULL
                UNION ALL
                SELECT -1, * FROM stored WHERE entity IS NOT NULL AND voided_at IS NULL
            ),
            breach_changes AS (
                SELECT subject, year,
                    coalesce(sum(sign) FILTER (WHERE breach = 'petition'), 0) AS petition,
                    coalesce(sum(sign) FILTER (WHERE breach = 'accident'), 0) AS accident,
                    coalesce(sum(sign) FILTER (WHERE breach = 'case'), 0) AS "case"
                FROM changes WHERE breach IS NOT NULL GROUP BY subject, year
            ),
            subject_old AS (SELECT y.* FROM subject_year y JOIN breach_changes USING (subject, year)),
            subject_new AS (
                INSERT INTO subject_year AS y (subject, year, petition, accident, "case")
                SELECT subject, year, petition, accident, "case" FROM breach_changes ORDER BY subject, year
                ON CONFLICT (subject, year) DO UPDATE
                    SET petition = y.petition + excluded.petition, accident = y.accident + excluded.accident, "case" = y."case" + excluded."case"
                RETURNING y.*
            ),
            sides AS (
                SELECT 1 AS sign, n.year, s.county, s.type, n.petition, n.accident, n."case"
                FROM subject_new n JOIN subjects s ON s.code = n.subject AND s.active
                UNION ALL
                SELECT -1, o.year, s.county, s.type, o.petition, o.accident, o."case"
                FROM subject_old o JOIN subjects s ON s.code = o.subject AND s.active
            ),
            deltas AS (\(recordFigures) UNION ALL \(subjectFigures))
            \(addToFigures)
            """, [
                PostgresArray(changes.map(\.recordId)), PostgresArray(changes.map { $0.entity?.rawValue }),
                PostgresArray(changes.map(\.subject.rawValue)), PostgresArray(changes.map(\.subject.county)), PostgresArray(changes.map(\.year)),
                PostgresArray(changes.map { $0.registeredAt?.description }), PostgresArray(changes.map(\.registeredEvent)),
                PostgresArray(changes.map { $0.deadline?.description }), PostgresArray(changes.map(\.persons)), PostgresArray(changes.map(\.online)),
                PostgresArray(changes.map(\.origin)), PostgresArray(changes.map(\.breach)), PostgresArray(changes.map(\.criminal)),
                PostgresArray(changes.map { Int64($0.proxyLevel) }), PostgresArray(changes.map { $0.resolvedAt?.description }),
                PostgresArray(changes.map { $0.voidedAt?.description }),
            ])
    }

    /// What a subject was on the roster before a change (nil: it was not on it).
    struct RosterEntry: Sendable {
        let code: String
        let county: String
        let type: String
        let active: Bool
    }

    /// Moves the compliance counters after roster changes: the subjects' old contribution out
    /// (count per type, breaches per year), the new one in.
    static func applyRoster(before: [(code: String, entry: RosterEntry?)], on conn: PostgresConnection) throws {
        guard !before.isEmpty else { return }
        try conn.query("""
            WITH changed AS (
                SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bool[]) AS c(code, old_county, old_type, old_active)
            ),
            roster_sides AS (
                SELECT c.code, -1 AS sign, c.old_county AS county, c.old_type AS type FROM changed c WHERE c.old_active
                UNION ALL
                SELECT s.code, 1, s.county, s.type FROM changed c JOIN subjects s ON s.code = c.code WHERE s.active
            ),
            sides AS (
                SELECT r.sign, y.year, r.county, r.type, y.petition, y.accident, y."case"
                FROM roster_sides r JOIN subject_year y ON y.subject = r.code
            ),
            deltas AS (
                SELECT 0 AS year, county, 'subjects.' || type AS metric, sign AS delta FROM roster_sides
                UNION ALL \(subjectFigures)
            )
            \(addToFigures)
            """, [
                PostgresArray(before.map(\.code)), PostgresArray(before.map { $0.entry?.county }), PostgresArray(before.map { $0.entry?.type }),
                PostgresArray(before.map { $0.entry?.active ?? false }),
            ])
    }

    /// Notes per feed the newest fact time, the time of this application and the facts added.
    static func touchFeeds(_ facts: [Fact], on conn: PostgresConnection) throws {
        var feeds: [String: (newest: Timestamp, count: Int64)] = [:]
        for fact in facts {
            let current = feeds[fact.event.source.rawValue]
            feeds[fact.event.source.rawValue] = (max(current?.newest ?? fact.event.time, fact.event.time), (current?.count ?? 0) + 1)
        }
        let sources = feeds.keys.sorted()
        try conn.query("""
            INSERT INTO feeds AS f (source, newest_fact, last_applied_at, facts)
            SELECT source, newest, now(), count FROM unnest($1::text[], $2::timestamptz[], $3::bigint[]) AS u(source, newest, count)
            ON CONFLICT (source) DO UPDATE
                SET newest_fact = greatest(f.newest_fact, excluded.newest_fact), last_applied_at = now(), facts = f.facts + excluded.facts
            """, [PostgresArray(sources), PostgresArray(sources.map { feeds[$0]!.newest.description }), PostgresArray(sources.map { feeds[$0]!.count })])
    }
}
