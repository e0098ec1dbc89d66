import ComplianceRules
import EventContract
import Postgres
import ServiceRuntime
import ServiceSupport

/// The village level (村级): the active subjects of a county or township, each with its three zeros
/// in the window and its problems open now; breaching subjects first. Read by
/// `GET /api/v1/subjects?county=&township=&breaching=&page=` and the dashboard's township page.
enum SubjectList {
    struct Item: Sendable, Encodable {
        var code: String
        var name: String
        var type: String
        var county: String
        /// The township it counts under (a county's 未划分乡镇 is `<county>000`).
        var township: String
        var petition: Bool
        var accident: Bool
        var `case`: Bool
        var compliant: Bool
        /// Disputes, hazards and public-security problems of the subject open now.
        var openProblems: Int
    }

    struct Page: Sendable, Encodable {
        var from: Timestamp
        var asOf: Timestamp
        @Null var county: String?
        @Null var township: String?
        var page: Int
        var pageSize: Int
        var total: Int
        var items: [Item]
    }

    /// `breaching`: only breaching subjects (true), only compliant ones (false), or all (nil).
    static func page(
        _ w: ComplianceQueries.Window, breaching: Bool?, page: Int, pageSize: Int, on conn: PostgresConnection
    ) throws -> Page {
        let rows = try conn.query(
            """
            WITH s AS (
                SELECT code, name, type, coalesce(township, county || '000') AS township FROM subjects WHERE active
            ),
            listed AS (SELECT * FROM s WHERE \(ComplianceQueries.within("township", "$3"))),
            breaches AS (
                SELECT subject, \(Zero.allCases.map { "bool_or(breach = \(SQL.literal($0.rawValue))) AS \($0.column)" }.joined(separator: ", "))
                FROM record_state
                WHERE breach IS NOT NULL AND subject IN (SELECT code FROM listed)
                    AND registered_at BETWEEN $1 AND $2 AND (voided_at IS NULL OR voided_at > $2)
                GROUP BY subject
            ),
            open AS (
                SELECT subject, count(*) AS open FROM record_state
                WHERE entity IN \(ProblemKind.entitiesSQL) AND resolved_at IS NULL AND voided_at IS NULL
                    AND \(ComplianceQueries.within("township", "$3")) AND year IS NOT NULL
                GROUP BY subject
            ),
            rows AS (
                SELECT l.code, l.name, l.type, l.township, \(Zero.allCases.map { "coalesce(b.\($0.column), false) AS \($0.column)" }.joined(separator: ", ")),
                    coalesce(o.open, 0) AS open
                FROM listed l LEFT JOIN breaches b ON b.subject = l.code LEFT JOIN open o ON o.subject = l.code
            )
            SELECT code, name, type, township, \(Zero.allCases.map(\.column).joined(separator: ", ")), open, count(*) OVER ()
            FROM rows
            WHERE $4::boolean IS NULL OR (\(Zero.allCases.map(\.column).joined(separator: " OR "))) = $4
            ORDER BY (\(Zero.allCases.map(\.column).joined(separator: " OR "))) DESC, open DESC, code
            LIMIT $5 OFFSET $6
            """, [w.from, w.asOf, w.division, breaching, pageSize, (page - 1) * pageSize])
        var total = 0
        let items = try rows.map { row in
            total = try row.decode(8)
            let (petition, accident, `case`): (Bool, Bool, Bool) = (try row.decode(4), try row.decode(5), try row.decode(6))
            let township: String = try row.decode(3)
            return Item(
                code: try row.decode(0), name: try row.decode(1), type: try row.decode(2), county: String(township.prefix(6)), township: township,
                petition: petition, accident: accident, case: `case`, compliant: !(petition || accident || `case`), openProblems: try row.decode(7))
        }
        return Page(
            from: w.from, asOf: w.asOf, county: w.county ?? w.township.map { String($0.prefix(6)) }, township: w.township, page: page,
            pageSize: pageSize, total: total, items: items)
    }
}
