import ComplianceRules
import EventContract
import HTTPTypes
import Postgres
import ServiceRuntime
import ServiceSupport

/// The problem ledger (问题台账): the disputes, hazards and public-security problems registered in
/// a window and not voided, newest first, with whether each was open and overdue at `asOf`. Read
/// by `GET /api/v1/problems` and by the dashboard's ledger page alike.
enum ProblemLedger {
    enum Status: String, Sendable, Encodable { case open, resolved }

    struct Query: Sendable {
        var window: ComplianceQueries.Window
        var kind: ProblemKind?
        var status: Status?
        var overdue: Bool?
        var page = 1
        var pageSize = 50

        /// `kind`, `county`, `township`, `status`, `overdue`, `from`, `asOf`, `page`, `pageSize`; a bad value is a 400 naming the parameter.
        static func parse(_ parameters: some Sequence<(key: Substring, value: Substring)>) throws -> Query {
            var query: [Substring: Substring] = [:]
            for (key, value) in parameters where query[key] == nil { query[key] = value }
            var parsed = Query(window: try QueryWindow.parse(parameters))
            parsed.kind = try query["kind"].map { k in
                guard let kind = ProblemKind(rawValue: String(k)) else {
                    throw Problem(.badRequest, "kind: must be one of \(ProblemKind.allCases.map(\.rawValue).joined(separator: ", "))", field: "kind")
                }
                return kind
            }
            parsed.status = try query["status"].map { s in
                guard let status = Status(rawValue: String(s)) else { throw Problem(.badRequest, "status: must be open or resolved", field: "status") }
                return status
            }
            parsed.overdue = try query["overdue"].map { o in
                guard o == "true" || o == "false" else { throw Problem(.badRequest, "overdue: must be true or false", field: "overdue") }
                return o == "true"
            }
            func number(_ name: String, default value: Int, in range: ClosedRange<Int>) throws -> Int {
                guard let text = query[Substring(name)] else { return value }
                guard let n = Int(text), range.contains(n) else {
                    throw Problem(.badRequest, "\(name): must be a whole number from \(range.lowerBound) to \(range.upperBound)", field: name)
                }
                return n
            }
            parsed.page = try number("page", default: 1, in: 1...1_000_000)
            parsed.pageSize = try number("pageSize", default: 50, in: 1...200)
            return parsed
        }
    }

    struct Item: Sendable, Encodable {
        var recordId: String
        var kind: ProblemKind
        var subject: String
        var county: String
        /// The township the record counts under (its subject's when it was registered).
        var township: String
        var eventId: String
        var registeredAt: Timestamp
        var due: Timestamp
        /// When it was resolved, if by `asOf` (null while open).
        @Null var resolvedAt: Timestamp?
        var status: Status
        var overdue: Bool
    }

    struct Page: Sendable, Encodable {
        var from: Timestamp
        var asOf: Timestamp
        var page: Int
        var pageSize: Int
        var total: Int
        var items: [Item]
    }

    static func page(_ q: Query, defaultDeadlineDays days: Int, on conn: PostgresConnection) throws -> Page {
        let w = q.window
        let rows = try conn.query(
            """
            WITH ledger AS (
                SELECT *, resolved_at IS NULL OR resolved_at > $2 AS open, \(ProblemKind.dueSQL(registered: "registered_at", days: "$3")) AS due
                FROM record_state
                WHERE entity IN \(ProblemKind.entitiesSQL) AND voided_at IS NULL AND registered_at BETWEEN $1 AND $2
                    AND ($4::text IS NULL OR entity = $4) AND \(ComplianceQueries.within("township", "$5"))
            )
            SELECT record_id::text, entity, subject, township, registered_event::text, registered_at, due, resolved_at, open,
                open AND due < $2 AS overdue, count(*) OVER ()
            FROM ledger
            WHERE ($6::text IS NULL OR open = ($6 = 'open')) AND ($7::boolean IS NULL OR (open AND due < $2) = $7)
            ORDER BY registered_at DESC, record_id LIMIT $8 OFFSET $9
            """,
            [
                w.from, w.asOf, days, q.kind?.rawValue, w.division, q.status?.rawValue, q.overdue,
                q.pageSize, (q.page - 1) * q.pageSize,
            ])
        var total = 0
        let items = try rows.map { row in
            total = try row.decode(10)
            let open: Bool = try row.decode(8)
            return Item(
                recordId: try row.decode(0), kind: ProblemKind(rawValue: try row.decode(1))!, subject: try row.decode(2),
                county: String(try row.decode(3, as: String.self).prefix(6)), township: try row.decode(3), eventId: try row.decode(4), registeredAt: try row.decode(5),
                due: try row.decode(6),
                resolvedAt: open ? nil : try row.decode(7), status: open ? .open : .resolved, overdue: try row.decode(9))
        }
        if rows.isEmpty && q.page > 1 {
            total = try conn.query(
                """
                SELECT count(*) FROM record_state WHERE entity IN \(ProblemKind.entitiesSQL) AND voided_at IS NULL
                    AND registered_at BETWEEN $1 AND $2 AND ($3::text IS NULL OR entity = $3) AND \(ComplianceQueries.within("township", "$4"))
                """, [w.from, w.asOf, q.kind?.rawValue, w.division])[0].decode(0)
        }
        return Page(from: w.from, asOf: w.asOf, page: q.page, pageSize: q.pageSize, total: total, items: items)
    }
}
