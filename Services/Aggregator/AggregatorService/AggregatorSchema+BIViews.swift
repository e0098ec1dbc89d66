import ComplianceRules
import EventContract

extension AggregatorSchema {
    /// Stable views for BI tools (Grafana, Superset): the maintained figures per year, county,
    /// subject type and problem kind, the same numbers `/counties` gives for a year so far. Their
    /// names and columns are a contract (docs/bi.md); change them only by adding.
    static let biViews = """
        -- Settings the views need, written by the aggregator at start.
        CREATE TABLE view_settings (name text PRIMARY KEY, value text NOT NULL);
        INSERT INTO view_settings VALUES ('problems.default.deadline.days', '30');

        -- The counters per year and county, the roster's counts repeated for every year.
        CREATE VIEW bi_metrics AS
            SELECT year, county, metric, value FROM figures WHERE year > 0
            UNION ALL
            SELECT y.year, r.county, r.metric, r.value
            FROM figures r
            CROSS JOIN (SELECT DISTINCT year FROM figures WHERE year > 0
                        UNION SELECT extract(year FROM now() AT TIME ZONE 'Asia/Shanghai')::int) y
            WHERE r.year = 0;

        CREATE VIEW bi_compliance_by_county_type AS
            SELECT year, county, t.type,
                coalesce(sum(value) FILTER (WHERE metric = 'subjects.' || t.type), 0) AS subjects,
                coalesce(sum(value) FILTER (WHERE metric = 'subjects.' || t.type), 0)
                    - coalesce(sum(value) FILTER (WHERE metric = 'breach.any.' || t.type), 0) AS compliant,
                coalesce(sum(value) FILTER (WHERE metric = 'breach.petition.' || t.type), 0) AS breaching_petition,
                coalesce(sum(value) FILTER (WHERE metric = 'breach.accident.' || t.type), 0) AS breaching_accident,
                coalesce(sum(value) FILTER (WHERE metric = 'breach.case.' || t.type), 0) AS breaching_case
            FROM bi_metrics
            CROSS JOIN (VALUES ('village'), ('community'), ('enterprise'), ('institution'), ('religious_site')) AS t(type)
            GROUP BY year, county, t.type;

        CREATE VIEW bi_compliance_by_county AS
            SELECT year, county, sum(subjects) AS subjects, sum(compliant) AS compliant,
                CASE WHEN sum(subjects) = 0 THEN 1 ELSE round(sum(compliant)::numeric / sum(subjects), 6) END AS compliance_rate,
                sum(breaching_petition) AS breaching_petition, sum(breaching_accident) AS breaching_accident,
                sum(breaching_case) AS breaching_case
            FROM bi_compliance_by_county_type GROUP BY year, county;

        -- Overdue: open past the deadline (or the default) at the time of the query.
        CREATE VIEW bi_problem_ledger AS
            WITH counts AS (
                SELECT year, county, k.kind,
                    coalesce(sum(value) FILTER (WHERE metric = 'found.' || k.kind), 0) AS found,
                    coalesce(sum(value) FILTER (WHERE metric = 'resolved.' || k.kind), 0) AS resolved
                FROM bi_metrics CROSS JOIN (VALUES \(ProblemKind.allCases.map { "(\(SQL.literal($0.rawValue)))" }.joined(separator: ", "))) AS k(kind)
                GROUP BY year, county, k.kind
            ),
            overdue AS (
                SELECT year, county, entity AS kind, count(*) AS overdue FROM record_state
                WHERE entity IN \(ProblemKind.entitiesSQL) AND resolved_at IS NULL AND voided_at IS NULL
                    AND \(ProblemKind.dueSQL(registered: "registered_at", days: "(SELECT value::int FROM view_settings WHERE name = 'problems.default.deadline.days')")) < now()
                GROUP BY year, county, entity
            )
            SELECT c.year, c.county, c.kind, c.found, c.resolved, c.found - c.resolved AS open, coalesce(o.overdue, 0) AS overdue,
                CASE WHEN c.found = 0 THEN 1 ELSE round(c.resolved::numeric / c.found, 6) END AS resolution_rate
            FROM counts c LEFT JOIN overdue o USING (year, county, kind);

        CREATE VIEW bi_petitions_by_county AS
            SELECT year, county,
                coalesce(sum(value) FILTER (WHERE metric = 'petition.batches'), 0) AS batches,
                coalesce(sum(value) FILTER (WHERE metric = 'petition.persons'), 0) AS persons,
                coalesce(sum(value) FILTER (WHERE metric = 'petition.online'), 0) AS online,
                coalesce(sum(value) FILTER (WHERE metric = 'petition.origin.self_found'), 0) AS self_found,
                coalesce(sum(value) FILTER (WHERE metric = 'petition.origin.superior_assigned'), 0) AS superior_assigned,
                coalesce(sum(value) FILTER (WHERE metric = 'petition.proxy.1'), 0) AS proxied_village,
                coalesce(sum(value) FILTER (WHERE metric = 'petition.proxy.2'), 0) AS proxied_township,
                coalesce(sum(value) FILTER (WHERE metric = 'petition.proxy.3'), 0) AS proxied_county,
                coalesce(sum(value) FILTER (WHERE metric = 'petition.proxy.4'), 0) AS proxied_city,
                coalesce(sum(value) FILTER (WHERE metric = 'accident.count'), 0) AS accidents,
                coalesce(sum(value) FILTER (WHERE metric = 'case.criminal'), 0) AS criminal_cases
            FROM bi_metrics GROUP BY year, county;

        CREATE VIEW bi_quarantine AS
            SELECT id, topic, partition, "offset", kind, reason, subject, received_at, released_at FROM quarantine;
        """
}

extension AggregatorSchema {
    /// The BI views once the counters are kept per township (migration 15): the county views with
    /// their columns as before, and the same views per township (`…_by_township`, with `county`
    /// and `township` columns) — the numbers `/counties` and `/townships` give for a year so far.
    static let biViewsByTownship = """
        CREATE VIEW bi_township_metrics AS
            SELECT year, left(township, 6) AS county, township, metric, value FROM figures WHERE year > 0
            UNION ALL
            SELECT y.year, left(r.township, 6), r.township, r.metric, r.value
            FROM figures r
            CROSS JOIN (SELECT DISTINCT year FROM figures WHERE year > 0
                        UNION SELECT extract(year FROM now() AT TIME ZONE 'Asia/Shanghai')::int) y
            WHERE r.year = 0;
        CREATE VIEW bi_metrics AS
            SELECT year, county, metric, sum(value)::bigint AS value FROM bi_township_metrics GROUP BY year, county, metric;
        \(biLevelViews(suffix: "county", source: "bi_metrics", keys: "county"))
        \(biLevelViews(suffix: "township", source: "bi_township_metrics", keys: "county, township"))
        """

    /// Compliance by type, compliance, the problem ledger and petitions, grouped by `keys` (the
    /// county, or the county and the township) over the counters of `source`.
    static func biLevelViews(suffix: String, source: String, keys: String) -> String {
        let ledger = suffix == "county" ? "bi_problem_ledger" : "bi_problem_ledger_by_township"
        return """
            CREATE VIEW bi_compliance_by_\(suffix)_type AS
                SELECT year, \(keys), t.type,
                    coalesce(sum(value) FILTER (WHERE metric = 'subjects.' || t.type), 0) AS subjects,
                    coalesce(sum(value) FILTER (WHERE metric = 'subjects.' || t.type), 0)
                        - coalesce(sum(value) FILTER (WHERE metric = 'breach.any.' || t.type), 0) AS compliant,
                    coalesce(sum(value) FILTER (WHERE metric = 'breach.petition.' || t.type), 0) AS breaching_petition,
                    coalesce(sum(value) FILTER (WHERE metric = 'breach.accident.' || t.type), 0) AS breaching_accident,
                    coalesce(sum(value) FILTER (WHERE metric = 'breach.case.' || t.type), 0) AS breaching_case
                FROM \(source)
                CROSS JOIN (VALUES \(SubjectType.allCases.map { "(\(SQL.literal($0.rawValue)))" }.joined(separator: ", "))) AS t(type)
                GROUP BY year, \(keys), t.type;

            CREATE VIEW bi_compliance_by_\(suffix) AS
                SELECT year, \(keys), sum(subjects) AS subjects, sum(compliant) AS compliant,
                    CASE WHEN sum(subjects) = 0 THEN 1 ELSE round(sum(compliant)::numeric / sum(subjects), 6) END AS compliance_rate,
                    sum(breaching_petition) AS breaching_petition, sum(breaching_accident) AS breaching_accident,
                    sum(breaching_case) AS breaching_case
                FROM bi_compliance_by_\(suffix)_type GROUP BY year, \(keys);

            -- Overdue: open past the deadline (or the default) at the time of the query.
            CREATE VIEW \(ledger) AS
                WITH counts AS (
                    SELECT year, \(keys), k.kind,
                        coalesce(sum(value) FILTER (WHERE metric = 'found.' || k.kind), 0) AS found,
                        coalesce(sum(value) FILTER (WHERE metric = 'resolved.' || k.kind), 0) AS resolved
                    FROM \(source) CROSS JOIN (VALUES \(ProblemKind.allCases.map { "(\(SQL.literal($0.rawValue)))" }.joined(separator: ", "))) AS k(kind)
                    GROUP BY year, \(keys), k.kind
                ),
                overdue AS (
                    SELECT year, left(township, 6) AS county, township, entity AS kind, count(*) AS overdue FROM record_state
                    WHERE entity IN \(ProblemKind.entitiesSQL) AND resolved_at IS NULL AND voided_at IS NULL
                        AND \(ProblemKind.dueSQL(registered: "registered_at", days: "(SELECT value::int FROM view_settings WHERE name = 'problems.default.deadline.days')")) < now()
                    GROUP BY year, township, entity
                ),
                overdue_by_key AS (SELECT year, \(keys), kind, sum(overdue) AS overdue FROM overdue GROUP BY year, \(keys), kind)
                SELECT c.year, \(keys.split(separator: ", ").map { "c.\($0)" }.joined(separator: ", ")), c.kind, c.found, c.resolved,
                    c.found - c.resolved AS open, coalesce(o.overdue, 0)::bigint AS overdue,
                    CASE WHEN c.found = 0 THEN 1 ELSE round(c.resolved::numeric / c.found, 6) END AS resolution_rate
                FROM counts c LEFT JOIN overdue_by_key o USING (year, \(keys), kind);

            CREATE VIEW bi_petitions_by_\(suffix) AS
                SELECT year, \(keys),
                    coalesce(sum(value) FILTER (WHERE metric = 'petition.batches'), 0) AS batches,
                    coalesce(sum(value) FILTER (WHERE metric = 'petition.persons'), 0) AS persons,
                    coalesce(sum(value) FILTER (WHERE metric = 'petition.online'), 0) AS online,
                    coalesce(sum(value) FILTER (WHERE metric = 'petition.origin.self_found'), 0) AS self_found,
                    coalesce(sum(value) FILTER (WHERE metric = 'petition.origin.superior_assigned'), 0) AS superior_assigned,
                    coalesce(sum(value) FILTER (WHERE metric = 'petition.proxy.1'), 0) AS proxied_village,
                    coalesce(sum(value) FILTER (WHERE metric = 'petition.proxy.2'), 0) AS proxied_township,
                    coalesce(sum(value) FILTER (WHERE metric = 'petition.proxy.3'), 0) AS proxied_county,
                    coalesce(sum(value) FILTER (WHERE metric = 'petition.proxy.4'), 0) AS proxied_city,
                    coalesce(sum(value) FILTER (WHERE metric = 'accident.count'), 0) AS accidents,
                    coalesce(sum(value) FILTER (WHERE metric = 'case.criminal'), 0) AS criminal_cases
                FROM \(source) GROUP BY year, \(keys);
            """
    }
}
