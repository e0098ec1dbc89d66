import ComplianceRules
import Postgres

/// What the map marks (一张图): the located active subjects of a scope (the city, a county or a
/// township) that breach a zero in the window, or have a problem registered in it that is open and
/// overdue at `asOf` — where each is, and why it is marked.
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
    }

    static func load(_ w: ComplianceQueries.Window, defaultDeadlineDays days: Int, on conn: PostgresConnection) throws -> [Point] {
        // Driven by the records (a few per marked subject), not by the roster (every subject).
        let overdue = """
            entity IN \(ProblemKind.entitiesSQL) AND voided_at IS NULL AND (resolved_at IS NULL OR resolved_at > $2)
                AND \(ProblemKind.dueSQL(registered: "registered_at", days: "$4")) < $2
            """
        let live = "breach IS NOT NULL AND (voided_at IS NULL OR voided_at > $2)"
        return try conn.query(
            """
            WITH marked AS (
                SELECT subject, \(Zero.allCases.map { "bool_or(\(live) AND breach = \(SQL.literal($0.rawValue))) AS \($0.column)" }.joined(separator: ", ")),
                    count(*) FILTER (WHERE \(overdue)) AS overdue
                FROM record_state
                WHERE registered_at BETWEEN $1 AND $2 AND (($3::text IS NULL OR county = left($3::text, 6)))
                    AND ((\(live)) OR (\(overdue)))
                GROUP BY subject
            )
            SELECT s.code, s.name, s.lon, s.lat, \(Zero.allCases.map { "coalesce(m.\($0.column), false)" }.joined(separator: ", ")), m.overdue
            FROM marked m JOIN subjects s ON s.code = m.subject
            WHERE s.active AND s.lon IS NOT NULL AND \(ComplianceQueries.within("coalesce(s.township, s.county || '000')", "$3"))
            ORDER BY s.code
            """, [w.from, w.asOf, w.division, days]
        ).map { row in
            let flags: [Bool] = try Zero.allCases.indices.map { try row.decode(4 + $0) }
            return Point(
                code: try row.decode(0), name: try row.decode(1), lon: try row.decode(2), lat: try row.decode(3),
                breached: zip(Zero.allCases, flags).filter(\.1).map(\.0), overdue: try row.decode(4 + Zero.allCases.count))
        }
    }
}
