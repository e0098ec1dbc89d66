import EventContract
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Intake
import Kafka
import NIOCore
import Postgres
import ServiceSupport
import Synchronization

/// The command center's API (DESIGN.md section 6): figures, subjects, the roster, data quality.
struct CommandCenterController: Sendable {
    let db: PostgresClient
    let queries: ComplianceQueries
    let consumer: ConsumerState

    func addRoutes(to router: Router<ServiceRequestContext>) {
        router.get("api/v1/overview") { request, context in try await overview(request, context) }
        router.get("api/v1/counties") { request, context in try await counties(request, context) }
        router.get("api/v1/subjects/:code") { request, context in try await subject(request, context) }
        router.put("api/v1/subjects/:code") { request, context in try await putSubject(request, context) }
        router.post("api/v1/subjects:import") { request, context in try await importRoster(request, context) }
        router.get("api/v1/problems") { request, context in try await problems(request, context) }
        router.get("api/v1/quality") { request, context in try await quality(request, context) }
        router.get("api/v1/rankings") { request, context in try await rankings(request, context) }
        router.post("api/v1/rankings") { request, context in try await saveRanking(request, context) }
    }

    // MARK: - Figures

    func overview(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        try context.require(.reader, .officeAdmin)
        let window = try QueryWindow.parse(request.uri.queryParameters)
        let queries = queries
        return try Self.json(try await snapshot { try queries.overview(window, on: $0) })
    }

    func counties(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        try context.require(.reader, .officeAdmin)
        let window = try QueryWindow.parse(request.uri.queryParameters)
        let queries = queries
        let counties = try await snapshot { try queries.counties(window, on: $0) }
        return try Self.json(CountiesResponse(from: window.from.description, asOf: window.asOf.description, counties: counties))
    }

    struct CountiesResponse: Encodable {
        let from: String
        let asOf: String
        let counties: [ComplianceQueries.CountyFigures]
    }

    // MARK: - The problem ledger (问题台账)

    /// `GET /api/v1/problems?kind=&county=&status=&overdue=&from=&asOf=&page=&pageSize=`: the
    /// disputes, hazards and public-security problems registered in the window and not voided,
    /// newest first, with whether each was open and overdue at `asOf`.
    func problems(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        try context.require(.reader, .officeAdmin)
        return try Self.json(try await problemList(request.uri.queryParameters))
    }

    /// The ledger page of a query (`kind`, `county`, `status`, `overdue`, `from`, `asOf`, `page`, `pageSize`).
    func problemList(_ query: FlatDictionary<Substring, Substring>) async throws -> JSONValue {
        let window = try QueryWindow.parse(query)
        let kind = try query["kind"].map { k -> String in
            let kinds = ["dispute", "hazard", "security_problem"]
            guard kinds.contains(String(k)) else { throw Problem(.badRequest, "kind: must be one of \(kinds.joined(separator: ", "))", field: "kind") }
            return String(k)
        }
        let status = try query["status"].map { s -> String in
            guard s == "open" || s == "resolved" else { throw Problem(.badRequest, "status: must be open or resolved", field: "status") }
            return String(s)
        }
        let overdue = try query["overdue"].map { o -> Bool in
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
        let page = try number("page", default: 1, in: 1...1_000_000)
        let pageSize = try number("pageSize", default: 50, in: 1...200)
        let days = queries.settings.defaultDeadlineDays
        let rows = try await db.withConnection { conn in
            try conn.query("""
                WITH ledger AS (
                    SELECT *, resolved_at IS NULL OR resolved_at > $2 AS open,
                        coalesce(deadline, registered_at + make_interval(days => $3)) AS due
                    FROM record_state
                    WHERE entity IN ('dispute', 'hazard', 'security_problem') AND voided_at IS NULL AND registered_at BETWEEN $1 AND $2
                        AND ($4::text IS NULL OR entity = $4) AND ($5::text IS NULL OR county = $5)
                )
                SELECT record_id::text, entity, subject, county, registered_event::text,
                    (extract(epoch FROM registered_at) * 1000000)::bigint, (extract(epoch FROM due) * 1000000)::bigint,
                    (extract(epoch FROM resolved_at) * 1000000)::bigint, open, open AND due < $2 AS overdue, count(*) OVER ()
                FROM ledger
                WHERE ($6::text IS NULL OR open = ($6 = 'open')) AND ($7::boolean IS NULL OR (open AND due < $2) = $7)
                ORDER BY registered_at DESC, record_id LIMIT $8 OFFSET $9
                """, [window.from.description, window.asOf.description, days, kind, window.county, status, overdue, pageSize, (page - 1) * pageSize])
        }
        var total = 0
        let items = try rows.map { row -> JSONValue in
            total = try row.decode(10)
            let resolved = try row.decode(7, as: Int64?.self)
            let open: Bool = try row.decode(8)
            return [
                "recordId": .string(try row.decode(0)), "kind": .string(try row.decode(1)), "subject": .string(try row.decode(2)),
                "county": .string(try row.decode(3)), "eventId": .string(try row.decode(4)),
                "registeredAt": .string(Timestamp(unixMicros: try row.decode(5)).description),
                "due": .string(Timestamp(unixMicros: try row.decode(6)).description),
                "resolvedAt": open ? .null : resolved.map { .string(Timestamp(unixMicros: $0).description) } ?? .null,
                "status": .string(open ? "open" : "resolved"), "overdue": .bool(try row.decode(9)),
            ]
        }
        if rows.isEmpty && page > 1 {
            total = try await db.withConnection { conn in
                try conn.query("""
                    SELECT count(*) FROM record_state WHERE entity IN ('dispute', 'hazard', 'security_problem') AND voided_at IS NULL
                        AND registered_at BETWEEN $1 AND $2 AND ($3::text IS NULL OR entity = $3) AND ($4::text IS NULL OR county = $4)
                    """, [window.from.description, window.asOf.description, kind, window.county])[0].decode(0)
            }
        }
        return [
            "from": .string(window.from.description), "asOf": .string(window.asOf.description), "page": .integer(Int64(page)),
            "pageSize": .integer(Int64(pageSize)), "total": .integer(Int64(total)), "items": .array(items),
        ]
    }

    /// The rankings the office saved, newest first.
    func rankings(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        try context.require(.reader, .officeAdmin)
        return try Self.json(try await db.withConnection { try SavedRankings.list(on: $0) })
    }

    /// `POST /api/v1/rankings?asOf=`: saves the county ranking as of that date (the office's notice);
    /// later rankings show each county's change since it.
    func saveRanking(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        try context.require(.officeAdmin)
        let saved = try await saveRanking(try QueryWindow.parse(request.uri.queryParameters), by: context.principal?.name ?? "unknown")
        var response = try Self.json(saved)
        response.status = .created
        return response
    }

    /// Saves the county ranking of `window` as the office's notice (the API's and the dashboard's way).
    func saveRanking(_ window: ComplianceQueries.Window, by name: String) async throws -> SavedRankings.Saved {
        let queries = queries
        return try await db.withConnection { conn in
            try conn.transaction { conn in
                try SavedRankings.save(try queries.counties(window, on: conn), asOf: window.asOf, by: name, on: conn)
            }
        }
    }

    /// One subject: its three zeros and the events behind each breach.
    func subject(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        try context.require(.reader, .officeAdmin)
        return try Self.json(try await subjectDetail(try context.parameters.require("code"), window: try QueryWindow.parse(request.uri.queryParameters)))
    }

    /// One subject's three zeros in a window and the events behind each breach.
    func subjectDetail(_ code: String, window: ComplianceQueries.Window) async throws -> JSONValue {
        let detail = try await db.withConnection { conn -> [String: JSONValue]? in
            guard let row = try conn.query("SELECT code, name, type, county, township, active FROM subjects WHERE code = $1", [code]).first else { return nil }
            let facts = try conn.query("""
                WITH f AS (
                    SELECT * FROM facts
                    WHERE subject = $4 AND \(AggregatorSchema.behindBreaches)
                        AND occurred_at <= $2 AND ($3::timestamptz IS NULL OR recorded_at <= $3)
                )
                SELECT event_id::text, type, (extract(epoch FROM occurred_at) * 1000000)::bigint, event,
                    CASE
                        WHEN entity = 'petition' AND (lodged_level <> 'unit' OR collective) THEN 'petition'
                        WHEN entity = 'accident' AND deaths + injuries >= 1 THEN 'accident'
                        WHEN entity = 'case' AND (kind = 'criminal' OR (kind = 'public_order' AND major_impact)) THEN 'case'
                    END
                FROM f
                WHERE type IN ('petition.registered', 'accident.reported', 'case.filed') AND occurred_at >= $1
                    AND record_id NOT IN (SELECT record_id FROM f WHERE type LIKE '%.voided')
                ORDER BY occurred_at
                """, [window.from.description, window.asOf.description, window.knownAt?.description, code])
            var behind: [String: [JSONValue]] = ["petition": [], "accident": [], "case": []]
            for fact in facts {
                guard let zero = try fact.decode(4, as: String?.self) else { continue }
                behind[zero, default: []].append([
                    "eventId": .string(try fact.decode(0)), "type": .string(try fact.decode(1)),
                    "time": .string(Timestamp(unixMicros: try fact.decode(2)).description),
                    "data": try JSONParser.parse(try fact.decode(3, as: String.self).utf8)["data"],
                ])
            }
            // Every change of the roster entry: who made it, how, when, and what the subject then was.
            let changes = try conn.query("""
                SELECT (extract(epoch FROM v.recorded_at) * 1000000)::bigint, c.changed_by, c.changed_via, c.name, v.type, v.county, c.township, v.active
                FROM subject_versions v LEFT JOIN subject_changes c ON c.version_id = v.id
                WHERE v.code = $1 ORDER BY v.recorded_at DESC, v.id DESC LIMIT 100
                """, [code]).map { v -> JSONValue in
                func text(_ i: Int) throws -> JSONValue { try v.decode(i, as: String?.self).map(JSONValue.string) ?? .null }
                return ["at": .string(Timestamp(unixMicros: try v.decode(0)).description), "by": try text(1), "via": try text(2),
                        "name": try text(3), "type": try text(4), "county": try text(5), "township": try text(6), "active": .bool(try v.decode(7))]
            }
            let zeros: [String: JSONValue] = Dictionary(uniqueKeysWithValues: behind.map { zero, events in
                (zero, ["breached": .bool(!events.isEmpty), "events": .array(events)] as JSONValue)
            })
            return [
                "code": .string(try row.decode(0)), "name": .string(try row.decode(1)), "type": .string(try row.decode(2)),
                "county": .string(try row.decode(3)), "township": try row.decode(4, as: String?.self).map(JSONValue.string) ?? .null,
                "active": .bool(try row.decode(5)), "compliant": .bool(behind.values.allSatisfy(\.isEmpty)), "zeros": .object(zeros),
                "changes": .array(changes),
            ]
        }
        guard let detail else { throw Problem.notFound("no subject \(code) on the roster") }
        return .object(detail)
    }

    // MARK: - Roster

    func putSubject(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let principal = try context.require(.officeAdmin)
        let code = try context.parameters.require("code")
        let body = try await request.jsonBody(context: context)
        guard case .object(var fields) = body else { throw ContractViolation("", "must be a JSON object, got \(body.kind)") }
        if fields["code"] != nil { throw ContractViolation("code", "is given by the URL; leave it out") }
        fields["code"] = .string(code)
        let subject = try SubjectUpserted.read(.object(fields), path: "")
        let change = try await db.withTransaction { try RosterBook.upsert(subject, by: RosterActor(name: principal.name, via: .api), on: $0) }
        var response = try Self.json(["code": .string(code), "change": .string(change.rawValue)] as JSONValue)
        response.status = change == .added ? .created : .ok
        return response
    }

    /// `POST /api/v1/subjects:import`: a roster CSV, up to 32 MB.
    func importRoster(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let principal = try context.require(.officeAdmin)
        let limit = 32 << 20
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw Problem(.contentTooLarge, "the CSV is \(length) bytes; the limit is \(limit)")
        }
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: limit) } catch { throw Problem(.contentTooLarge, "the CSV is larger than \(limit) bytes") }
        guard let text = String(validating: buffer.readableBytesView, as: UTF8.self) else { throw Problem(.badRequest, "the CSV must be UTF-8") }
        let summary = try await RosterImport.run(text, db: db, by: RosterActor(name: principal.name, via: .import))
        // Line 1 refused is the header: not a roster file at all (nothing was imported).
        if let refusal = summary.refused.first, refusal.line == 1 { throw Problem(.unprocessableContent, "line 1: \(refusal.reason)") }
        return try Self.json(summary)
    }


    // MARK: - Data quality

    func quality(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        try context.require(.reader, .officeAdmin)
        return try Self.json(try await qualityReport())
    }

    static func time(_ date: Date) -> String { Timestamp(unixMicros: Int64(date.timeIntervalSince1970 * 1_000_000)).description }

    /// Quarantine, sequence gaps, freshness, offsets and lag, conservation checks, this instance.
    func qualityReport() async throws -> JSONValue {
        let report: JSONValue = try await db.withConnection { conn -> JSONValue in
            let quarantine = try conn.query("""
                SELECT id, topic, partition, "offset", kind, reason, subject, (extract(epoch FROM received_at) * 1000000)::bigint, released_at IS NOT NULL
                FROM quarantine ORDER BY id DESC LIMIT 200
                """).map { row -> JSONValue in
                [
                    "id": .integer(try row.decode(0)), "topic": .string(try row.decode(1)), "partition": .integer(try row.decode(2)),
                    "offset": .integer(try row.decode(3)), "kind": .string(try row.decode(4)), "reason": .string(try row.decode(5)),
                    "subject": try row.decode(6, as: String?.self).map(JSONValue.string) ?? .null,
                    "receivedAt": .string(Timestamp(unixMicros: try row.decode(7)).description), "released": .bool(try row.decode(8)),
                ]
            }
            let gaps = try SequenceRuns.gaps(on: conn).map { gap -> JSONValue in
                ["source": .string(gap.source), "highest": .integer(gap.highest), "missing": .integer(gap.missing),
                 "ranges": .array(gap.ranges.prefix(100).map { ["from": .integer($0.lowerBound), "to": .integer($0.upperBound)] })]
            }
            let freshness = try conn.query("""
                SELECT source, (extract(epoch FROM last_applied_at) * 1000000)::bigint, (extract(epoch FROM newest_fact) * 1000000)::bigint, facts
                FROM feeds ORDER BY source
                """).map { row -> JSONValue in
                ["source": .string(try row.decode(0)), "lastAppliedAt": .string(Timestamp(unixMicros: try row.decode(1)).description),
                 "newestFactTime": .string(Timestamp(unixMicros: try row.decode(2)).description), "facts": .integer(try row.decode(3))]
            }
            let offsets = try conn.query("""
                SELECT topic, partition, next_offset, high_watermark FROM consumer_offsets ORDER BY topic, partition
                """).map { row -> JSONValue in
                let next: Int64 = try row.decode(2)
                let high = try row.decode(3, as: Int64?.self)
                return ["topic": .string(try row.decode(0)), "partition": .integer(try row.decode(1)), "nextOffset": .integer(next),
                        "highWatermark": high.map(JSONValue.integer) ?? .null, "lag": high.map { .integer(max(0, $0 - next)) } ?? .null]
            }
            let checks = try conn.query("""
                SELECT name, ok, detail, (extract(epoch FROM checked_at) * 1000000)::bigint FROM conservation_checks ORDER BY name
                """).map { row -> JSONValue in
                ["name": .string(try row.decode(0)), "ok": .bool(try row.decode(1)), "detail": .string(try row.decode(2)),
                 "checkedAt": .string(Timestamp(unixMicros: try row.decode(3)).description)]
            }
            let unreadable = try conn.query("""
                SELECT topic, partition, from_offset, to_offset, (extract(epoch FROM noticed_at) * 1000000)::bigint
                FROM offsets_unreadable ORDER BY noticed_at DESC LIMIT 200
                """).map { row -> JSONValue in
                ["topic": .string(try row.decode(0)), "partition": .integer(try row.decode(1)), "from": .integer(try row.decode(2)),
                 "to": .integer(try row.decode(3)), "noticedAt": .string(Timestamp(unixMicros: try row.decode(4)).description)]
            }
            return ["quarantine": .array(quarantine), "sequenceGaps": .array(gaps), "freshness": .array(freshness), "offsets": .array(offsets),
                    "conservationChecks": .array(checks), "unreadableOffsets": .array(unreadable)]
        }
        guard case .object(var fields) = report else { return report }
        let snapshot = consumer.snapshot.withLock { $0 }
        fields["thisInstance"] = [
            "assignment": .array(snapshot.assignment.map { .string($0.description) }),
            "lastBatchAt": snapshot.lastBatchAt.map { .string(Self.time($0)) } ?? .null,
            "restarts": .integer(Int64(snapshot.restartCount)),
            "restartsLastHour": .integer(Int64(snapshot.restarts.filter { Date().timeIntervalSince($0) < 3_600 }.count)),
            "lastError": snapshot.lastError.map(JSONValue.string) ?? .null,
            "lastErrorAt": snapshot.lastErrorAt.map { .string(Self.time($0)) } ?? .null,
            "stalled": snapshot.stall.map { ["reason": .string($0.reason.rawValue), "detail": .string($0.detail)] } ?? .null,
        ]
        return .object(fields)
    }

    /// Runs `body` in one read-only snapshot, so every figure of an answer sees the same facts.
    func snapshot<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await db.withConnection { conn in
            try conn.transaction { conn in
                try conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                return try body(conn)
            }
        }
    }

    static func json(_ value: some Encodable) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }
}

/// `from` (a date: start of that day, +08:00), `asOf` and `knownAt` (a date: end of that day,
/// +08:00, or an RFC 3339 time), `county`.
enum QueryWindow {
    static func parse(_ query: some Sequence<(key: Substring, value: Substring)>) throws -> ComplianceQueries.Window {
        var values: [String: String] = [:]
        for (key, value) in query { values[String(key)] = String(value) }
        let now = Timestamp(unixMicros: Int64(Date().timeIntervalSince1970 * 1_000_000))
        let asOf = try values["asOf"].map { try instant($0, name: "asOf", endOfDay: true) } ?? now
        let knownAt = try values["knownAt"].map { try instant($0, name: "knownAt", endOfDay: true) }
        let from = try values["from"].map { try instant($0, name: "from", endOfDay: false) }
            ?? ComplianceQueries.startOfYear(RecordState.chinaYear(asOf))
        guard from <= asOf else { throw Problem(.badRequest, "from: must not be after asOf", field: "from") }
        var county: String?
        if let c = values["county"] {
            guard c.count == 6, c.allSatisfy(\.isASCII), c.allSatisfy(\.isNumber) else { throw Problem(.badRequest, "county: must be a 6-digit county code", field: "county") }
            county = c
        }
        return .init(from: from, asOf: asOf, knownAt: knownAt, county: county)
    }

    static func instant(_ text: String, name: String, endOfDay: Bool) throws -> Timestamp {
        if text.count == 10, let day = Timestamp(rfc3339: "\(text)T\(endOfDay ? "23:59:59.999999" : "00:00:00")+08:00") { return day }
        if let time = Timestamp(rfc3339: text) { return time }
        throw Problem(.badRequest, "\(name): \"\(text)\" is neither a date (2026-03-31) nor an RFC 3339 time", field: name)
    }
}
