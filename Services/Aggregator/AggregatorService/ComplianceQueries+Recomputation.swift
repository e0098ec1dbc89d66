import ComplianceRules
import Divisions
import EventContract
import Postgres

extension ComplianceQueries {
    /// The figures recomputed from the facts, per division of `level`: the registering facts of the
    /// period not voided by `asOf`, as known at `knownAt`, each under its subject's township when it
    /// was registered; resolutions and proxies up to `asOf`; the roster as known at `knownAt`.
    func recomputed(_ w: Window, by level: DivisionLevel = .county, on conn: PostgresConnection) throws -> [String: Figures] {
        let rows = try conn.query(
            """
            WITH f AS (
                SELECT * FROM facts
                WHERE occurred_at <= $2 AND ($3::timestamptz IS NULL OR recorded_at <= $3) AND ($4::text IS NULL OR county = left($4, 6))
            ),
            voided AS (SELECT DISTINCT record_id FROM f WHERE type LIKE '%.voided'),
            registered_anywhere AS (
                SELECT f.*, coalesce(
                    (SELECT m.township_after FROM township_moves m
                     WHERE m.code = f.subject AND m.moved_at <= f.occurred_at AND ($3::timestamptz IS NULL OR m.moved_at <= $3)
                     ORDER BY m.moved_at DESC LIMIT 1),
                    (SELECT m.township_before FROM township_moves m WHERE m.code = f.subject ORDER BY m.moved_at LIMIT 1),
                    (SELECT coalesce(s.township, s.county || '000') FROM subjects s WHERE s.code = f.subject),
                    f.county || '000') AS township
                FROM f
                WHERE type IN \(Self.registrationsSQL)
                  AND occurred_at >= $1 AND record_id NOT IN (SELECT record_id FROM voided)
            ),
            registered AS (SELECT * FROM registered_anywhere WHERE \(Self.within("township", "$4"))),
            resolved AS (SELECT DISTINCT record_id FROM f WHERE type IN \(ProblemKind.resolutionsSQL)),
            proxied AS (
                SELECT record_id, max(CASE level WHEN 'village' THEN 1 WHEN 'township' THEN 2 WHEN 'county' THEN 3 ELSE 4 END) AS level
                FROM f WHERE type = 'petition.proxied' GROUP BY record_id
            ),
            breaching AS (
                SELECT subject, \(Zero.allCases.map { "bool_or(\($0.factSQL)) AS \($0.column)" }.joined(separator: ", "))
                FROM registered GROUP BY subject
            ),
            roster AS (
                SELECT s.township, s.type, \(Zero.allCases.map { "coalesce(b.\($0.column), false) AS \($0.column)" }.joined(separator: ", "))
                FROM \(w.knownAt == nil ? Self.roster : Self.rosterKnownAt) s LEFT JOIN breaching b ON b.subject = s.code
                WHERE s.active AND \(Self.within("s.township", "$4"))
            ),
            problems AS (
                SELECT r.township, r.entity, x.record_id IS NOT NULL AS resolved,
                    x.record_id IS NULL AND \(ProblemKind.dueSQL(deadline: "r.deadline", registered: "r.occurred_at", days: "$5")) < $2::timestamptz AS overdue
                FROM registered r LEFT JOIN resolved x ON x.record_id = r.record_id
                WHERE r.entity IN \(ProblemKind.entitiesSQL)
            ),
            petitions AS (
                SELECT r.*, coalesce(p.level, 0) AS proxy_level FROM registered r LEFT JOIN proxied p ON p.record_id = r.record_id
                WHERE r.entity = 'petition'
            )
            SELECT left(township, $6), m.metric, count(*) FILTER (WHERE m.counted)
            FROM roster CROSS JOIN LATERAL (VALUES (\(Metric.subjectsSQL(type: "type")), true),
                \(Zero.allCases.map { "(\(Metric.breachingSQL($0, type: "type")), \($0.column))," }.joined(separator: " "))
                (\(Metric.breachingSQL(nil, type: "type")), \(Zero.allCases.map(\.column).joined(separator: " OR ")))) AS m(metric, counted)
            GROUP BY 1, m.metric
            UNION ALL
            SELECT left(township, $6), m.metric, count(*) FILTER (WHERE m.counted)
            FROM problems CROSS JOIN LATERAL (VALUES (\(Metric.problemSQL("found", entity: "entity")), true),
                (\(Metric.problemSQL("resolved", entity: "entity")), resolved), (\(Metric.problemSQL("overdue", entity: "entity")), overdue)) AS m(metric, counted)
            GROUP BY 1, m.metric
            UNION ALL
            SELECT left(township, $6), m.metric, sum(m.value)
            FROM petitions CROSS JOIN LATERAL (VALUES ('petition.batches', 1), ('petition.persons', persons),
                ('petition.online', CASE WHEN channel = 'online' THEN 1 ELSE 0 END), ('petition.origin.' || origin, 1),
                ('petition.proxy.' || proxy_level, CASE WHEN proxy_level > 0 THEN 1 ELSE 0 END)) AS m(metric, value)
            GROUP BY 1, m.metric
            UNION ALL
            SELECT left(township, $6), 'accident.count', count(*) FROM registered WHERE entity = 'accident' GROUP BY 1
            UNION ALL
            SELECT left(township, $6), 'case.criminal', count(*) FROM registered WHERE entity = 'case' AND kind = 'criminal' GROUP BY 1
            """,
            [
                w.from.description, w.asOf.description, w.knownAt?.description, w.division, settings.defaultDeadlineDays,
                Self.keyLength(level),
            ])
        return Figures.byCounty(try rows.map { (try $0.decode(0), try $0.decode(1), try $0.decode(2)) })
    }

    /// The roster as it stands, each subject with the township it counts under.
    static let roster = "(SELECT code, coalesce(township, county || '000') AS township, type, active FROM subjects)"

    /// The roster as it was known at `knownAt` ($3): each subject's latest version recorded by then.
    static let rosterKnownAt = """
        (SELECT DISTINCT ON (code) code, township, type, active FROM subject_versions WHERE recorded_at <= $3 ORDER BY code, recorded_at DESC, id DESC)
        """

    /// Every registering type: the zeros' and the problem kinds'.
    static let registrationsSQL = SQL.list(Zero.allCases.map(\.registration.rawValue) + ProblemKind.allCases.map(\.registration.rawValue))
}
