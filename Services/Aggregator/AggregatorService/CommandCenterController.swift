import ComplianceRules
import EventContract
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Kafka
import NIOCore
import Postgres
import Publishing
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

    /// `GET /api/v1/problems?kind=&county=&status=&overdue=&from=&asOf=&page=&pageSize=`: the problem ledger.
    func problems(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        try context.require(.reader, .officeAdmin)
        return try Self.json(try await problemLedger(try ProblemLedger.Query.parse(request.uri.queryParameters)))
    }

    func problemLedger(_ query: ProblemLedger.Query) async throws -> ProblemLedger.Page {
        let days = queries.settings.defaultDeadlineDays
        return try await db.withConnection { try ProblemLedger.page(query, defaultDeadlineDays: days, on: $0) }
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
        return try Self.json(try await subjectPage(try context.parameters.require("code"), window: try QueryWindow.parse(request.uri.queryParameters)))
    }

    func subjectPage(_ code: String, window: ComplianceQueries.Window) async throws -> SubjectPage {
        guard let page = try await db.withConnection({ try SubjectPage.load(code, window: window, on: $0) }) else {
            throw Problem.notFound("no subject \(code) on the roster")
        }
        return page
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
        return try Self.json(try await importRoster(request, by: principal.name))
    }

    /// Imports the roster CSV in the body of `request` (the API's and the dashboard's way).
    func importRoster(_ request: Request, by name: String) async throws -> RosterImport.Summary {
        let limit = 32 << 20
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw Problem(.contentTooLarge, "the CSV is \(length) bytes; the limit is \(limit)")
        }
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: limit) } catch { throw Problem(.contentTooLarge, "the CSV is larger than \(limit) bytes") }
        guard let text = String(validating: buffer.readableBytesView, as: UTF8.self) else { throw Problem(.badRequest, "the CSV must be UTF-8") }
        let summary = try await RosterImport.run(text, db: db, by: RosterActor(name: name, via: .import))
        // Line 1 refused is the header: not a roster file at all (nothing was imported).
        if let refusal = summary.refused.first, refusal.line == 1 { throw Problem(.unprocessableContent, "line 1: \(refusal.reason)") }
        return summary
    }

    // MARK: - Data quality

    func quality(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        try context.require(.reader, .officeAdmin)
        return try Self.json(try await qualityReport())
    }

    func qualityReport() async throws -> QualityReport {
        let (consumer, now) = (consumer.snapshot.withLock { $0 }, consumer.clock.now())
        return try await db.withConnection { try QualityReport.load(consumer: consumer, now: now, on: $0) }
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
        return Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }
}

/// `from` (a date: start of that day, +08:00), `asOf` and `knownAt` (a date: end of that day,
/// +08:00, or an RFC 3339 time), `county`.
enum QueryWindow {
    static func parse(
        _ query: some Sequence<(key: Substring, value: Substring)>, now: Timestamp = WallClock.system.now()
    ) throws
        -> ComplianceQueries.Window
    {
        var values: [String: String] = [:]
        for (key, value) in query { values[String(key)] = String(value) }
        let asOf = try values["asOf"].map { try instant($0, name: "asOf", endOfDay: true) } ?? now
        let knownAt = try values["knownAt"].map { try instant($0, name: "knownAt", endOfDay: true) }
        let from =
            try values["from"].map { try instant($0, name: "from", endOfDay: false) }
            ?? ChinaCalendar.startOfYear(ChinaCalendar.year(asOf))
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
