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
        try conn.query(
            """
            WITH located AS (
                SELECT code, name, lon, lat FROM subjects
                WHERE active AND lon IS NOT NULL AND \(ComplianceQueries.within("coalesce(township, county || '000')", "$3"))
            ),
            breaches AS (
                SELECT subject, \(Zero.allCases.map { "bool_or(breach = \(SQL.literal($0.rawValue))) AS \($0.column)" }.joined(separator: ", "))
                FROM record_state
                WHERE breach IS NOT NULL AND subject IN (SELECT code FROM located)
                    AND registered_at BETWEEN $1 AND $2 AND (voided_at IS NULL OR voided_at > $2)
                GROUP BY subject
            ),
            overdue AS (
                SELECT subject, count(*) AS overdue FROM record_state
                WHERE entity IN \(ProblemKind.entitiesSQL) AND voided_at IS NULL AND registered_at BETWEEN $1 AND $2
                    AND (resolved_at IS NULL OR resolved_at > $2) AND \(ProblemKind.dueSQL(registered: "registered_at", days: "$4")) < $2
                    AND subject IN (SELECT code FROM located)
                GROUP BY subject
            )
            SELECT l.code, l.name, l.lon, l.lat, \(Zero.allCases.map { "coalesce(b.\($0.column), false)" }.joined(separator: ", ")), coalesce(o.overdue, 0)
            FROM located l LEFT JOIN breaches b ON b.subject = l.code LEFT JOIN overdue o ON o.subject = l.code
            WHERE b.subject IS NOT NULL OR o.subject IS NOT NULL
            ORDER BY l.code
            """, [w.from, w.asOf, w.division, days]
        ).map { row in
            let flags: [Bool] = try Zero.allCases.indices.map { try row.decode(4 + $0) }
            return Point(
                code: try row.decode(0), name: try row.decode(1), lon: try row.decode(2), lat: try row.decode(3),
                breached: zip(Zero.allCases, flags).filter(\.1).map(\.0), overdue: try row.decode(4 + Zero.allCases.count))
        }
    }
}
