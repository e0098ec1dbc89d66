import ComplianceRules
import Divisions
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
        /// The township to restrict to (within `county` when both are given).
        var township: String? = nil

        /// The division the window is restricted to: its township, its county, or nil for the city.
        var division: String? { township ?? county }
    }

    /// SQL: whether the division in `column` (a township's code, or a code of `length` digits) lies
    /// within the division of parameter `parameter` (a county's 6 digits, a township's 9, or null
    /// for the city) — a range of an index's key.
    static func within(_ column: String, _ parameter: String, length: Int = 9) -> String {
        "(\(parameter)::text IS NULL OR \(column) BETWEEN \(parameter)::text AND \(parameter)::text || repeat('9', \(length) - length(\(parameter)::text)))"
    }

    /// The code length of a level's key in `figures.division`: 0 for the city, 6 a county, 9 a township.
    static func keyLength(_ level: DivisionLevel) -> Int {
        switch level {
        case .city: 0
        case .county: 6
        case .township: 9
        }
    }

    /// Targets per group and the deadline of problems that have none.
    struct Settings: Sendable {
        var ruralTarget = 0.80
        var enterpriseInstitutionTarget = 0.90
        var religiousSiteTarget = 0.90
        var defaultDeadlineDays = 30
    }

    let settings: Settings

    // MARK: - Figures per division

    /// The figures of the window per division of `level` (the city's under ""): maintained when
    /// the window allows, else recomputed.
    func figures(_ w: Window, by level: DivisionLevel = .county, on conn: PostgresConnection) throws -> [String: Figures] {
        try maintained(w, by: level, on: conn) ?? recomputed(w, by: level, on: conn)
    }

    /// The window's figures for its division (the city without one).
    func figures(of w: Window, on conn: PostgresConnection) throws -> Figures {
        let level: DivisionLevel = w.township != nil ? .township : w.county != nil ? .county : .city
        return try figures(w, by: level, on: conn).values.reduce(Figures(), +)
    }

    /// The maintained counters answer for a whole year so far, as known now, once every known
    /// fact lies at or before `asOf`; nil for any other window. Each level reads its own counters;
    /// the window's division must not lie below `level`.
    func maintained(_ w: Window, by level: DivisionLevel = .county, on conn: PostgresConnection) throws -> [String: Figures]? {
        let year = ChinaCalendar.year(w.asOf)
        guard w.knownAt == nil, w.from.unixMicros == ChinaCalendar.startOfYear(year).unixMicros else { return nil }
        let newest = try conn.query("SELECT (extract(epoch FROM max(newest_fact)) * 1000000)::bigint FROM feeds")[0].decode(0, as: Int64?.self)
        guard (newest ?? .min) <= w.asOf.unixMicros else { return nil }
        // Overdue: open problems due in the months before asOf's (counters), and those due in its
        // month before asOf (the index of open problems by due time).
        let monthStart = ChinaCalendar.startOfMonth(w.asOf)
        let inDivision = Self.within("division", "$2", length: Self.keyLength(level))
        let rows = try conn.query(
            """
            SELECT division, metric, value FROM figures
            WHERE year IN (0, $1) AND level = $6 AND \(inDivision) AND NOT \(Metric.isOpenDueSQL("metric"))
            UNION ALL
            SELECT division, \(Metric.overdueOfOpenDueSQL("metric")), sum(value)::bigint FROM figures
            WHERE year = $1 AND level = $6 AND \(inDivision) AND \(Metric.isOpenDueSQL("metric")) AND \(Metric.openDueMonthSQL("metric")) < $7
            GROUP BY 1, 2
            UNION ALL
            SELECT left(township, $5), \(Metric.problemSQL("overdue", entity: "entity")), count(*) FROM record_state
            WHERE entity IN \(ProblemKind.entitiesSQL) AND resolved_at IS NULL AND voided_at IS NULL
                AND year = $1 AND due_at >= $3 AND due_at < $4 AND \(Self.within("township", "$2"))
            GROUP BY 1, entity
            """,
            [year, w.division, monthStart.description, w.asOf.description, Self.keyLength(level), level.rawValue, ChinaCalendar.month(w.asOf)])
        // A division's roster counters (year 0) and the year's add up here.
        var counties: [String: Figures] = [:]
        for row in rows {
            let (county, metric, value): (String, String, Int64) = (try row.decode(0), try row.decode(1), try row.decode(2))
            counties[county, default: Figures()].add(metric, value)
        }
        return counties
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
            let row = try conn.query(
                """
                SELECT count(*) FILTER (WHERE entity = 'petition'), count(*) FILTER (WHERE entity = 'accident'),
                    count(*) FILTER (WHERE entity = 'case')
                FROM record_state
                WHERE (entity = 'petition' OR entity = 'accident' OR (entity = 'case' AND criminal))
                    AND registered_at BETWEEN $1 AND $2 AND (voided_at IS NULL OR voided_at > $2) AND \(Self.within("township", "$3"))
                """, [earlier.from.description, earlier.asOf.description, w.division])[0]
            previous = Figures(values: ["petition.batches": try row.decode(0), "accident.count": try row.decode(1), "case.criminal": try row.decode(2)])
        } else {
            previous = try recomputed(earlier, by: .city, on: conn).values.reduce(Figures(), +)
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

    func overview(_ w: Window, on conn: PostgresConnection) throws -> Overview {
        let city = try figures(of: w, on: conn)
        let freshness = try conn.query("SELECT (extract(epoch FROM max(last_applied_at)) * 1000000)::bigint FROM feeds")[0].decode(0, as: Int64?.self)
        return Overview(
            from: w.from.description, asOf: w.asOf.description, knownAt: w.knownAt?.description, county: w.county ?? w.township.map { String($0.prefix(6)) },
            township: w.township, subjects: city.subjectCounts(), compliance: city.compliance(settings), breaches: city.breaches(), problems: city.problems(),
            petitions: city.petitions(), yearOnYear: try yearOnYear(w, current: city, on: conn),
            freshness: freshness.map { Timestamp(unixMicros: $0).description })
    }

    // MARK: - Counties (排名通报)

    /// Every county with active subjects, ranked by problem resolution rate, then compliance rate
    /// (ties by code), with each county's change in rank since the ranking the office last saved.
    func counties(_ w: Window, on conn: PostgresConnection) throws -> [DivisionFigures] {
        var city = w
        (city.county, city.township) = (nil, nil)
        return try ranked(city, level: .county, on: conn)
    }

    /// The townships of the window's county (every county's without one), ranked by the counties'
    /// rule, each with its change in rank since the township ranking of the same scope last saved.
    /// A county's 未划分乡镇 is listed when it has subjects.
    func townships(_ w: Window, on conn: PostgresConnection) throws -> [DivisionFigures] {
        var scope = w
        scope.township = nil
        return try ranked(scope, level: .township, on: conn)
    }

    func ranked(_ w: Window, level: DivisionLevel, on conn: PostgresConnection) throws -> [DivisionFigures] {
        var figures = try figures(w, by: level, on: conn).filter { $0.value.subjectCounts().total > 0 }.map { code, f in
            DivisionFigures(
                county: String(code.prefix(6)), township: level == .township ? code : nil, rank: 0, rankChange: nil,
                subjects: f.subjectCounts(), compliance: f.compliance(settings), breaches: f.breaches(), problems: f.problems(),
                petitions: f.petitions())
        }
        figures.sort { $0.rankingKey.ranksAbove($1.rankingKey) }
        let names = try DivisionBook.load(knownAt: w.knownAt, on: conn)
        for i in figures.indices { figures[i].name = names.name(figures[i].code) }
        let saved = try SavedRankings.latestRanks(level: level, county: level == .township ? w.county : nil, on: conn)
        for i in figures.indices {
            figures[i].rank = i + 1
            figures[i].rankChange = saved?[figures[i].code].map { $0 - figures[i].rank }
        }
        return figures
    }
}
