import ComplianceRules
import Geography
import Postgres

/// What the map marks (一张图): the located active subjects of a scope (the city, a county or a
/// township) that breach a zero in the window, or have a problem registered in it that is open and
/// overdue at `asOf` — each where it is (a county's map), or counted in the cells of a grid (the
/// city's: a few hundred cells, counted in Postgres, whatever the number of subjects).
enum MapPoints {
    struct Point: Sendable {
        let code: String
        let name: String
        let lon: Double
        let lat: Double
        /// The zeros it breaches in the window (in `Zero` order).
        let breached: [Zero]
        /// Its problems open and overdue at `asOf`.
        let overdue: Int

        /// What it is drawn as: the first zero it breaches, or `overdue`.
        var mark: Mark { breached.first.map(Mark.zero) ?? .overdue }
    }

    enum Mark: Hashable, Comparable {
        case zero(Zero)
        case overdue

        var cssClass: String {
            switch self {
            case .zero(let zero): "z-\(zero.rawValue)"
            case .overdue: "overdue"
            }
        }
        static let all: [Mark] = Zero.allCases.map(Mark.zero) + [.overdue]
    }

    /// One cell of the grid (`size` canvas units square) and the marked subjects in it.
    struct Cell: Sendable {
        let column: Int
        let row: Int
        let count: Int
        /// Per zero, its subjects breaching it.
        let breaching: [Zero: Int]
        /// Its subjects with a problem overdue.
        let overdue: Int
        /// Its subjects per mark; the most common mark colours the cell.
        let marks: [Mark: Int]

        var dominant: Mark { Mark.all.max { (marks[$0] ?? 0, $1) < (marks[$1] ?? 0, $0) }! }
    }

    /// The subjects of `w` to mark, one by one.
    static func load(_ w: ComplianceQueries.Window, defaultDeadlineDays days: Int, on conn: PostgresConnection) throws -> [Point] {
        try conn.query(
            """
            \(marked)
            SELECT s.code, s.name, s.lon, s.lat, \(Zero.allCases.map { "coalesce(m.\($0.column), false)" }.joined(separator: ", ")), m.overdue
            \(located)
            ORDER BY s.code
            """, [w.from, w.asOf, w.division, days]
        ).map { row in
            let flags: [Bool] = try Zero.allCases.indices.map { try row.decode(4 + $0) }
            return Point(
                code: try row.decode(0), name: try row.decode(1), lon: try row.decode(2), lat: try row.decode(3),
                breached: zip(Zero.allCases, flags).filter(\.1).map(\.0), overdue: try row.decode(4 + Zero.allCases.count))
        }
    }

    /// The subjects of `w` to mark, counted per cell of a `size` grid on `projection`'s canvas.
    static func cells(
        _ w: ComplianceQueries.Window, defaultDeadlineDays days: Int, projection: Projection, size: Double, on conn: PostgresConnection
    ) throws -> [Cell] {
        let linear = projection.linear
        // A subject's mark: the first zero it breaches, else overdue.
        let marks = Mark.all.enumerated().map { index, mark in
            let earlier = Zero.allCases.prefix(index).map { "NOT coalesce(m.\($0.column), false)" }
            let own: String =
                switch mark {
                case .zero(let zero): "coalesce(m.\(zero.column), false)"
                case .overdue: "true"
                }
            return "count(*) FILTER (WHERE \((earlier + [own]).joined(separator: " AND ")))"
        }
        return try conn.query(
            """
            \(marked)
            SELECT floor(($5 + s.lon * $6) / $9)::int AS col, floor(($7 - s.lat * $8) / $9)::int AS row, count(*),
                \(Zero.allCases.map { "count(*) FILTER (WHERE m.\($0.column))" }.joined(separator: ", ")), count(*) FILTER (WHERE m.overdue > 0),
                \(marks.joined(separator: ", "))
            \(located)
            GROUP BY 1, 2 ORDER BY 2, 1
            """, [w.from, w.asOf, w.division, days, linear.x0, linear.xPerLon, linear.y0, linear.yPerLat, size]
        ).map { row in
            let zeros = Zero.allCases.count
            return Cell(
                column: try row.decode(0), row: try row.decode(1), count: try row.decode(2),
                breaching: Dictionary(uniqueKeysWithValues: try Zero.allCases.enumerated().map { ($1, try row.decode(3 + $0)) }),
                overdue: try row.decode(3 + zeros),
                marks: Dictionary(uniqueKeysWithValues: try Mark.all.enumerated().map { ($1, try row.decode(4 + zeros + $0)) }))
        }
    }

    /// `points` counted per cell of a `size` grid on `projection`'s canvas, as `cells` counts them.
    static func cells(of points: [Point], projection: Projection, size: Double) -> [Cell] {
        let linear = projection.linear
        let grouped = Dictionary(grouping: points) { p in
            [Int(((linear.x0 + p.lon * linear.xPerLon) / size).rounded(.down)), Int(((linear.y0 - p.lat * linear.yPerLat) / size).rounded(.down))]
        }
        return grouped.map { key, members in
            Cell(
                column: key[0], row: key[1], count: members.count,
                breaching: Dictionary(uniqueKeysWithValues: Zero.allCases.map { zero in (zero, members.filter { $0.breached.contains(zero) }.count) }),
                overdue: members.filter { $0.overdue > 0 }.count, marks: Dictionary(grouping: members, by: \.mark).mapValues(\.count))
        }.sorted { ($0.row, $0.column) < ($1.row, $1.column) }
    }

    /// Per subject with a record to mark it in the window: its breaches and its overdue problems
    /// (driven by the records — a few per marked subject — not by the roster).
    static let marked = {
        let overdue = """
            entity IN \(ProblemKind.entitiesSQL) AND voided_at IS NULL AND (resolved_at IS NULL OR resolved_at > $2)
                AND \(ProblemKind.dueSQL(registered: "registered_at", days: "$4")) < $2
            """
        let live = "breach IS NOT NULL AND (voided_at IS NULL OR voided_at > $2)"
        return """
            WITH marked AS (
                SELECT subject, \(Zero.allCases.map { "bool_or(\(live) AND breach = \(SQL.literal($0.rawValue))) AS \($0.column)" }.joined(separator: ", ")),
                    count(*) FILTER (WHERE \(overdue)) AS overdue
                FROM record_state
                WHERE registered_at BETWEEN $1 AND $2 AND ($3::text IS NULL OR county = left($3::text, 6))
                    AND ((\(live)) OR (\(overdue)))
                GROUP BY subject
            )
            """
    }()

    /// The marked subjects on the roster, active and located, in the window's division.
    static let located = """
        FROM marked m JOIN subjects s ON s.code = m.subject
        WHERE s.active AND s.lon IS NOT NULL AND \(ComplianceQueries.within("coalesce(s.township, s.county || '000')", "$3"))
        """
}
