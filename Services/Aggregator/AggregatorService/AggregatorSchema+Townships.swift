import ComplianceRules

extension AggregatorSchema {
    /// The four levels (DESIGN.md 9.1): the division directory and its versions; every subject in
    /// one township (villages and communities by their code, the others by the roster's township or
    /// the county's 未划分乡镇, `<county>000`); the counters kept per township (since migration 16
    /// also per county and for the city), rebuilt here from the record states and the roster.
    static let townships = """
        CREATE TABLE divisions (
            code text PRIMARY KEY,
            name text NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now()
        );
        -- Every version of the directory, so figures as known at a past time name divisions as they were named then.
        CREATE TABLE division_versions (
            id bigserial PRIMARY KEY,
            code text NOT NULL,
            name text NOT NULL,
            changed_by text NOT NULL,
            changed_via text NOT NULL,
            recorded_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX division_versions_by_code ON division_versions (code, recorded_at);

        -- A subject's township: a village's from its code; another's a 9-digit code of its county, or none.
        UPDATE subjects SET township = CASE
            WHEN type IN ('village', 'community') THEN left(code, 9)
            WHEN township ~ ('^' || county || '[0-9]{3}$') AND right(township, 3) <> '000' THEN township
        END;
        -- The township each version counted under (never null: 未划分乡镇 is <county>000).
        ALTER TABLE subject_versions ADD COLUMN township text;
        UPDATE subject_versions v SET township = coalesce(s.township, s.county || '000') FROM subjects s WHERE s.code = v.code;
        UPDATE subject_versions SET township = county || '000' WHERE township IS NULL;
        ALTER TABLE subject_versions ALTER COLUMN township SET NOT NULL;
        -- A subject moved to another township: its records registered before the move stay where they were.
        CREATE TABLE township_moves (
            code text NOT NULL,
            township_before text NOT NULL,
            township_after text NOT NULL,
            moved_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (code, moved_at)
        );

        -- A record counts under its subject's township when it was registered.
        ALTER TABLE record_state ADD COLUMN township text;
        UPDATE record_state r SET township = coalesce(s.township, s.county || '000') FROM subjects s WHERE s.code = r.subject;
        UPDATE record_state SET township = county || '000' WHERE township IS NULL;
        -- The village level lists each subject's breaches.
        CREATE INDEX record_state_breaching ON record_state (subject) WHERE breach IS NOT NULL;
        DROP INDEX record_state_open_problems;
        CREATE INDEX record_state_open_problems ON record_state (year, due_at) INCLUDE (township, entity)
            WHERE entity IN \(ProblemKind.entitiesSQL) AND resolved_at IS NULL AND voided_at IS NULL;

        -- A saved ranking (排名通报) ranks counties in the city, or townships in a county (or across the city).
        ALTER TABLE saved_rankings ADD COLUMN level text NOT NULL DEFAULT 'county', ADD COLUMN county text;

        -- The counters per year, township and metric; the county is the township's first 6 digits.
        DROP VIEW bi_problem_ledger, bi_petitions_by_county, bi_compliance_by_county, bi_compliance_by_county_type, bi_metrics;
        DELETE FROM figures;
        ALTER TABLE figures RENAME COLUMN county TO township;
        \(rebuiltFigures)
        \(biViewsByTownship)
        """

    /// The counters kept at every level in the same write (migration 16): a township's, its
    /// county's (`left(division, 6)`) and the city's (division ""), keyed by level and division, so
    /// that reading a level reads its own rows; the conservation checks see that the levels add up.
    static let countersAtEveryLevel = """
        ALTER TABLE figures RENAME COLUMN township TO division;
        ALTER TABLE figures ADD COLUMN level text NOT NULL DEFAULT 'township';
        ALTER TABLE figures ALTER COLUMN level DROP DEFAULT;
        ALTER TABLE figures DROP CONSTRAINT figures_pkey;
        ALTER TABLE figures ADD PRIMARY KEY (year, level, division, metric);
        INSERT INTO figures (year, level, division, metric, value)
            SELECT f.year, l.level, l.division, f.metric, sum(f.value)
            FROM figures f CROSS JOIN LATERAL (VALUES ('county', left(f.division, 6)), ('city', '')) AS l(level, division)
            GROUP BY 1, 2, 3, 4;
        CREATE OR REPLACE VIEW bi_township_metrics AS
            SELECT year, left(division, 6) AS county, division AS township, metric, value FROM figures WHERE year > 0 AND level = 'township'
            UNION ALL
            SELECT y.year, left(r.division, 6), r.division, r.metric, r.value
            FROM figures r
            CROSS JOIN (SELECT DISTINCT year FROM figures WHERE year > 0 AND level = 'city'
                        UNION SELECT extract(year FROM now() AT TIME ZONE 'Asia/Shanghai')::int) y
            WHERE r.year = 0 AND r.level = 'township';
        CREATE OR REPLACE VIEW bi_metrics AS
            SELECT year, division AS county, metric, value FROM figures WHERE year > 0 AND level = 'county'
            UNION ALL
            SELECT y.year, r.division, r.metric, r.value
            FROM figures r
            CROSS JOIN (SELECT DISTINCT year FROM figures WHERE year > 0 AND level = 'city'
                        UNION SELECT extract(year FROM now() AT TIME ZONE 'Asia/Shanghai')::int) y
            WHERE r.year = 0 AND r.level = 'county';
        """

    /// SQL: the counters a township's delta moves — its own, its county's and the city's — as
    /// `l.level` and `l.division`, for the township in `column`.
    static func counterLevels(of column: String) -> String {
        "CROSS JOIN LATERAL (VALUES ('township', \(column)), ('county', left(\(column), 6)), ('city', '')) AS l(level, division)"
    }

    /// Fills `figures` from the record states and the roster: what applying every fact and roster
    /// change again would leave (the migration's way to key the counters by township).
    static let rebuiltFigures = """
        INSERT INTO figures (year, township, metric, value)
        SELECT year, township, metric, sum(value) FROM (
            SELECT 0 AS year, coalesce(township, county || '000') AS township, \(Metric.subjectsSQL(type: "type")) AS metric, 1::bigint AS value
            FROM subjects WHERE active
            UNION ALL
            SELECT y.year, coalesce(s.township, s.county || '000'), m.metric, 1
            FROM subject_year y JOIN subjects s ON s.code = y.subject AND s.active
            CROSS JOIN LATERAL (VALUES
                \(Zero.allCases.map { "(\(Metric.breachingSQL($0, type: "s.type")), y.\($0.column) > 0)," }.joined(separator: " "))
                (\(Metric.breachingSQL(nil, type: "s.type")), \(Zero.allCases.map { "y.\($0.column) > 0" }.joined(separator: " OR ")))
            ) AS m(metric, counted)
            WHERE m.counted
            UNION ALL
            SELECT r.year, r.township, m.metric, m.value
            FROM record_state r CROSS JOIN LATERAL (VALUES
                (\(Metric.problemSQL("found", entity: "r.entity")), 1::bigint, r.entity IN \(ProblemKind.entitiesSQL)),
                (\(Metric.problemSQL("resolved", entity: "r.entity")), 1, r.entity IN \(ProblemKind.entitiesSQL) AND r.resolved_at IS NOT NULL),
                (\(Metric.openDueSQL(entity: "r.entity", due: "r.due_at")), 1, r.entity IN \(ProblemKind.entitiesSQL) AND r.resolved_at IS NULL),
                ('petition.batches', 1, r.entity = 'petition'),
                ('petition.persons', r.persons::bigint, r.entity = 'petition'),
                ('petition.origin.' || r.origin, 1, r.entity = 'petition' AND r.origin IS NOT NULL),
                ('petition.online', 1, r.entity = 'petition' AND r.online),
                ('petition.proxy.' || r.proxy_level, 1, r.entity = 'petition' AND r.proxy_level > 0),
                ('accident.count', 1, r.entity = 'accident'),
                ('case.criminal', 1, r.entity = 'case' AND r.criminal)
            ) AS m(metric, value, counted)
            WHERE r.entity IS NOT NULL AND r.voided_at IS NULL AND r.year IS NOT NULL AND m.counted
        ) counters
        GROUP BY year, township, metric HAVING sum(value) <> 0;
        """
}
