import EventContract
import Foundation
import Postgres

/// The figures of DESIGN.md section 5 as they stood at `asOf` (facts by their own time) and as
/// they were known at `knownAt` (facts by the time they were recorded).
///
/// The usual question — this year up to now, as known now — is answered from the maintained
/// counters (`figures`), which hold every year's figures as of the newest fact. Any other window
/// is recomputed from the facts; the conservation checks compare the two continuously.
struct ComplianceQueries: Sendable {
    struct Window: Sendable {
        var from: Timestamp
        var asOf: Timestamp
        /// Figures as known then (facts recorded by then); nil for everything known now.
        var knownAt: Timestamp?
        /// The county to restrict to, or nil for the city.
        var county: String?
    }

    /// Targets per group and the deadline of problems that have none.
    struct Settings: Sendable {
        var ruralTarget = 0.80
        var enterpriseInstitutionTarget = 0.90
        var religiousSiteTarget = 0.90
        var defaultDeadlineDays = 30
    }

    let settings: Settings

    // MARK: - Figures per county

    /// The figures of the window per county: maintained when the window allows, else recomputed.
    func figures(_ w: Window, on conn: PostgresConnection) throws -> [String: Figures] {
        try maintained(w, on: conn) ?? recomputed(w, on: conn)
    }

    /// The maintained counters answer for a whole year so far, as known now, once every known
    /// fact lies at or before `asOf`; nil for any other window.
    func maintained(_ w: Window, on conn: PostgresConnection) throws -> [String: Figures]? {
        let year = RecordState.chinaYear(w.asOf)
        guard w.knownAt == nil, w.from.unixMicros == Self.startOfYear(year).unixMicros else { return nil }
        let newest = try conn.query("SELECT (extract(epoch FROM max(newest_fact)) * 1000000)::bigint FROM feeds")[0].decode(0, as: Int64?.self)
        guard (newest ?? .min) <= w.asOf.unixMicros else { return nil }
        // Overdue: open problems due in the months before asOf's (counters), and those due in its
        // month before asOf (the index of open problems by due time).
        let monthStart = RecordState.startOfChinaMonth(w.asOf)
        let thisMonth = RecordState.chinaMonth(w.asOf)
        let rows = try conn.query("""
            SELECT county, metric, value FROM figures WHERE year IN (0, $1) AND ($2::text IS NULL OR county = $2)
            UNION ALL
            SELECT county, 'overdue.' || entity, count(*) FROM record_state
            WHERE entity IN ('dispute', 'hazard', 'security_problem') AND resolved_at IS NULL AND voided_at IS NULL
                AND year = $1 AND due_at >= $3 AND due_at < $4 AND ($2::text IS NULL OR county = $2)
            GROUP BY county, entity
            """, [year, w.county, monthStart.description, w.asOf.description])
        var counties: [String: Figures] = [:]
        for row in rows {
            let (county, metric, value): (String, String, Int64) = (try row.decode(0), try row.decode(1), try row.decode(2))
            if metric.hasPrefix("open_due.") {
                // open_due.<kind>.<YYYY-MM>
                let parts = metric.split(separator: ".")
                if parts.count == 3, parts[2] < thisMonth { counties[county, default: Figures()].add("overdue.\(parts[1])", value) }
            } else {
                counties[county, default: Figures()].add(metric, value)
            }
        }
        return counties
    }

    /// The figures recomputed from the facts: the registering facts of the period not voided by
    /// `asOf`, as known at `knownAt`; resolutions and proxies up to `asOf`.
    func recomputed(_ w: Window, on conn: PostgresConnection) throws -> [String: Figures] {
        let rows = try conn.query("""
            WITH f AS (
                SELECT * FROM facts
                WHERE occurred_at <= $2 AND ($3::timestamptz IS NULL OR recorded_at <= $3) AND ($4::text IS NULL OR county = $4)
            ),
            voided AS (SELECT DISTINCT record_id FROM f WHERE type LIKE '%.voided'),
            registered AS (
                SELECT * FROM f
                WHERE type IN ('petition.registered', 'dispute.found', 'hazard.found', 'accident.reported', 'case.filed', 'security_problem.found')
                  AND occurred_at >= $1 AND record_id NOT IN (SELECT record_id FROM voided)
            ),
            resolved AS (SELECT DISTINCT record_id FROM f WHERE type IN ('dispute.resolved', 'hazard.rectified', 'security_problem.resolved')),
            proxied AS (
                SELECT record_id, max(CASE level WHEN 'village' THEN 1 WHEN 'township' THEN 2 WHEN 'county' THEN 3 ELSE 4 END) AS level
                FROM f WHERE type = 'petition.proxied' GROUP BY record_id
            ),
            breaching AS (
                SELECT subject,
                    bool_or(entity = 'petition' AND (lodged_level <> 'unit' OR collective)) AS petition,
                    bool_or(entity = 'accident' AND deaths + injuries >= 1) AS accident,
                    bool_or(entity = 'case' AND (kind = 'criminal' OR (kind = 'public_order' AND major_impact))) AS "case"
                FROM registered GROUP BY subject
            ),
            roster AS (
                SELECT s.county, s.type, coalesce(b.petition, false) AS petition, coalesce(b.accident, false) AS accident,
                    coalesce(b."case", false) AS "case"
                FROM \(w.knownAt == nil ? "subjects" : Self.rosterKnownAt) s LEFT JOIN breaching b ON b.subject = s.code
                WHERE s.active AND ($4::text IS NULL OR s.county = $4)
            ),
            problems AS (
                SELECT r.county, r.entity, x.record_id IS NOT NULL AS resolved,
                    x.record_id IS NULL AND coalesce(r.deadline, r.occurred_at + make_interval(days => $5)) < $2::timestamptz AS overdue
                FROM registered r LEFT JOIN resolved x ON x.record_id = r.record_id
                WHERE r.entity IN ('dispute', 'hazard', 'security_problem')
            ),
            petitions AS (
                SELECT r.*, coalesce(p.level, 0) AS proxy_level FROM registered r LEFT JOIN proxied p ON p.record_id = r.record_id
                WHERE r.entity = 'petition'
            )
            SELECT county, m.metric, count(*) FILTER (WHERE m.counted)
            FROM roster CROSS JOIN LATERAL (VALUES ('subjects.' || type, true), ('breach.petition.' || type, petition),
                ('breach.accident.' || type, accident), ('breach.case.' || type, "case"),
                ('breach.any.' || type, petition OR accident OR "case")) AS m(metric, counted)
            GROUP BY county, m.metric
            UNION ALL
            SELECT county, m.metric, count(*) FILTER (WHERE m.counted)
            FROM problems CROSS JOIN LATERAL (VALUES ('found.' || entity, true), ('resolved.' || entity, resolved),
                ('overdue.' || entity, overdue)) AS m(metric, counted)
            GROUP BY county, m.metric
            UNION ALL
            SELECT county, m.metric, sum(m.value)
            FROM petitions CROSS JOIN LATERAL (VALUES ('petition.batches', 1), ('petition.persons', persons),
                ('petition.online', CASE WHEN channel = 'online' THEN 1 ELSE 0 END), ('petition.origin.' || origin, 1),
                ('petition.proxy.' || proxy_level, CASE WHEN proxy_level > 0 THEN 1 ELSE 0 END)) AS m(metric, value)
            GROUP BY county, m.metric
            UNION ALL
            SELECT county, 'accident.count', count(*) FROM registered WHERE entity = 'accident' GROUP BY county
            UNION ALL
            SELECT county, 'case.criminal', count(*) FROM registered WHERE entity = 'case' AND kind = 'criminal' GROUP BY county
            """, [w.from.description, w.asOf.description, w.knownAt?.description, w.county, settings.defaultDeadlineDays])
        return Figures.byCounty(try rows.map { (try $0.decode(0), try $0.decode(1), try $0.decode(2)) })
    }

    /// The roster as it was known at `knownAt` ($3): each subject's latest version recorded by then.
    static let rosterKnownAt = """
        (SELECT DISTINCT ON (code) code, county, type, active FROM subject_versions WHERE recorded_at <= $3 ORDER BY code, recorded_at DESC, id DESC)
        """

    static func startOfYear(_ year: Int64) -> Timestamp {
        Timestamp(rfc3339: String(format: "%04d-01-01T00:00:00+08:00", year))!
    }

    // MARK: - Compliance

    struct Ratio: Sendable, Codable {
        var compliant: Int
        var total: Int
        var rate: Double
        var target: Double?
        var gap: Double?

        init(compliant: Int, total: Int, target: Double? = nil) {
            self.compliant = compliant
            self.total = total
            rate = total == 0 ? 1 : Double(compliant) / Double(total)
            self.target = target
            gap = target.map { max(0, $0 - (total == 0 ? 1 : Double(compliant) / Double(total))) }
        }
    }

    struct SubjectCounts: Sendable, Codable {
        var total: Int
        var byType: [String: Int]
    }

    struct Compliance: Sendable, Codable {
        var overall: Ratio
        var rural: Ratio
        var enterpriseInstitution: Ratio
        var religiousSite: Ratio
        var byType: [String: Ratio]
    }

    struct Breaches: Sendable, Codable {
        var petition: Int
        var accident: Int
        var `case`: Int
    }

    // MARK: - Problem ledger

    struct Ledger: Sendable, Codable {
        var found = 0
        var resolved = 0
        var open = 0
        var overdue = 0
        var rate: Double { found == 0 ? 1 : Double(resolved) / Double(found) }

        init(found: Int = 0, resolved: Int = 0, open: Int = 0, overdue: Int = 0) {
            (self.found, self.resolved, self.open, self.overdue) = (found, resolved, open, overdue)
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(found: try c.decode(Int.self, forKey: .found), resolved: try c.decode(Int.self, forKey: .resolved),
                      open: try c.decode(Int.self, forKey: .open), overdue: try c.decode(Int.self, forKey: .overdue))
        }

        enum CodingKeys: String, CodingKey { case found, resolved, open, overdue, rate }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(found, forKey: .found)
            try c.encode(resolved, forKey: .resolved)
            try c.encode(open, forKey: .open)
            try c.encode(overdue, forKey: .overdue)
            try c.encode(rate, forKey: .rate)
        }

        static func + (a: Ledger, b: Ledger) -> Ledger {
            Ledger(found: a.found + b.found, resolved: a.resolved + b.resolved, open: a.open + b.open, overdue: a.overdue + b.overdue)
        }
    }

    struct Problems: Sendable, Codable {
        var dispute: Ledger
        var hazard: Ledger
        var security: Ledger
        var total: Ledger
    }

    // MARK: - Petitions

    struct Petitions: Sendable, Codable {
        var batches: Int
        var persons: Int
        var onlineShare: Double
        var origin: [String: Int]
        var proxy: [String: Int]
    }

    // MARK: - Year on year (三下降)

    struct Comparison: Sendable, Encodable {
        var current: Int
        var previous: Int
        var change: Int { current - previous }

        enum CodingKeys: String, CodingKey { case current, previous, change }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(current, forKey: .current)
            try c.encode(previous, forKey: .previous)
            try c.encode(change, forKey: .change)
        }
    }

    struct YearOnYear: Sendable, Encodable {
        var petitions: Comparison
        var accidents: Comparison
        var criminalCases: Comparison
    }

    /// Petitions, accidents and criminal cases of the period (from `current`) against the same
    /// period a year earlier, as it stood then.
    func yearOnYear(_ w: Window, current: Figures, on conn: PostgresConnection) throws -> YearOnYear {
        let shift: Int64 = (365 + (Self.spansLeapDay(w) ? 1 : 0)) * 86_400_000_000
        var earlier = w
        earlier.from = Timestamp(unixMicros: w.from.unixMicros - shift, utcOffsetMinutes: w.from.utcOffsetMinutes)
        earlier.asOf = Timestamp(unixMicros: w.asOf.unixMicros - shift, utcOffsetMinutes: w.asOf.utcOffsetMinutes)
        let previous: Figures
        if w.knownAt == nil {
            // Record states know when each record was registered and voided: enough for any asOf.
            let row = try conn.query("""
                SELECT count(*) FILTER (WHERE entity = 'petition'), count(*) FILTER (WHERE entity = 'accident'),
                    count(*) FILTER (WHERE entity = 'case')
                FROM record_state
                WHERE (entity = 'petition' OR entity = 'accident' OR (entity = 'case' AND criminal))
                    AND registered_at BETWEEN $1 AND $2 AND (voided_at IS NULL OR voided_at > $2) AND ($3::text IS NULL OR county = $3)
                """, [earlier.from.description, earlier.asOf.description, w.county])[0]
            previous = Figures(values: ["petition.batches": try row.decode(0), "accident.count": try row.decode(1), "case.criminal": try row.decode(2)])
        } else {
            previous = try recomputed(earlier, on: conn).values.reduce(Figures(), +)
        }
        func compare(_ metric: String) -> Comparison { Comparison(current: current[metric], previous: previous[metric]) }
        return YearOnYear(petitions: compare("petition.batches"), accidents: compare("accident.count"), criminalCases: compare("case.criminal"))
    }

    /// Whether the year before the window's end holds a 29 February (then "a year earlier" is 366 days).
    static func spansLeapDay(_ w: Window) -> Bool {
        let text = w.asOf.description
        guard let year = Int(text.prefix(4)), let month = Int(text.dropFirst(5).prefix(2)) else { return false }
        let leap: (Int) -> Bool = { ($0 % 4 == 0 && $0 % 100 != 0) || $0 % 400 == 0 }
        return month > 2 ? leap(year) : leap(year - 1)
    }

    // MARK: - Overview

    struct Overview: Sendable, Encodable {
        var from: String
        var asOf: String
        var knownAt: String?
        var county: String?
        var subjects: SubjectCounts
        var compliance: Compliance
        var breaches: Breaches
        var problems: Problems
        var petitions: Petitions
        var yearOnYear: YearOnYear
        var freshness: String?
    }

    func overview(_ w: Window, on conn: PostgresConnection) throws -> Overview {
        let city = try figures(w, on: conn).values.reduce(Figures(), +)
        let freshness = try conn.query("SELECT (extract(epoch FROM max(last_applied_at)) * 1000000)::bigint FROM feeds")[0].decode(0, as: Int64?.self)
        return Overview(
            from: w.from.description, asOf: w.asOf.description, knownAt: w.knownAt?.description, county: w.county,
            subjects: city.subjectCounts(), compliance: city.compliance(settings), breaches: city.breaches(), problems: city.problems(),
            petitions: city.petitions(), yearOnYear: try yearOnYear(w, current: city, on: conn),
            freshness: freshness.map { Timestamp(unixMicros: $0).description })
    }

    // MARK: - Counties (排名通报)

    struct CountyFigures: Sendable, Codable {
        var county: String
        var rank: Int
        /// Change since the ranking the office last saved (saved rankings come with the reports).
        var rankChange: Int?
        var subjects: SubjectCounts
        var compliance: Compliance
        var breaches: Breaches
        var problems: Problems
        var petitions: Petitions
    }

    /// Every county with active subjects, ranked by problem resolution rate, then compliance rate
    /// (ties by code), with each county's change in rank since the ranking the office last saved.
    func counties(_ w: Window, on conn: PostgresConnection) throws -> [CountyFigures] {
        var figures = try figures(w, on: conn).filter { $0.value.subjectCounts().total > 0 }.map { county, f in
            CountyFigures(county: county, rank: 0, rankChange: nil, subjects: f.subjectCounts(), compliance: f.compliance(settings),
                          breaches: f.breaches(), problems: f.problems(), petitions: f.petitions())
        }
        figures.sort { a, b in
            if a.problems.total.rate != b.problems.total.rate { return a.problems.total.rate > b.problems.total.rate }
            if a.compliance.overall.rate != b.compliance.overall.rate { return a.compliance.overall.rate > b.compliance.overall.rate }
            return a.county < b.county
        }
        let saved = try SavedRankings.latestRanks(on: conn)
        for i in figures.indices {
            figures[i].rank = i + 1
            figures[i].rankChange = saved?[figures[i].county].map { $0 - figures[i].rank }
        }
        return figures
    }
}
