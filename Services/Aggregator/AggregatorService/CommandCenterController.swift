import ComplianceRules
import Divisions
import EventContract
import Foundation
import Geography
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
    /// The city's boundaries (the map's counties), which a subject's location must lie inside.
    let city: Boundaries?

    func addRoutes(to router: Router<ServiceRequestContext>) {
        router.get("api/v1/overview") { request, context in try await overview(request, context) }
        router.get("api/v1/counties") { request, context in try await counties(request, context) }
        router.get("api/v1/townships") { request, context in try await townships(request, context) }
        router.get("api/v1/subjects") { request, context in try await subjects(request, context) }
        router.get("api/v1/divisions") { request, context in try await divisions(request, context) }
        router.post("api/v1/divisions:import") { request, context in try await importDivisions(request, context) }
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
        let counties: [ComplianceQueries.DivisionFigures]
    }

    /// `GET /api/v1/townships?county=`: the county's townships ranked (every township of the city
    /// without `county`), with their change in rank since the township notice of that scope last saved.
    func townships(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        try context.require(.reader, .officeAdmin)
        let window = try QueryWindow.parse(request.uri.queryParameters)
        return try Self.json(try await townshipRanking(window))
    }

    struct TownshipsResponse: Encodable {
        let from: String
        let asOf: String
        @Null var county: String?
        let townships: [ComplianceQueries.DivisionFigures]
    }

    func townshipRanking(_ window: ComplianceQueries.Window) async throws -> TownshipsResponse {
        let queries = queries
        let townships = try await snapshot { try queries.townships(window, on: $0) }
        return TownshipsResponse(from: window.from.description, asOf: window.asOf.description, county: window.county, townships: townships)
    }

    /// `GET /api/v1/subjects?county=&township=&breaching=&page=&pageSize=`: the village level.
    func subjects(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        try context.require(.reader, .officeAdmin)
        let parameters = request.uri.queryParameters
        let window = try QueryWindow.parse(parameters)
        let breaching = try parameters["breaching"].map { b in
            guard b == "true" || b == "false" else { throw Problem(.badRequest, "breaching: must be true or false", field: "breaching") }
            return b == "true"
        }
        let page = try Self.number(parameters, "page", default: 1, in: 1...1_000_000)
        let pageSize = try Self.number(parameters, "pageSize", default: 50, in: 1...500)
        return try Self.json(try await subjectList(window, breaching: breaching, page: page, pageSize: pageSize))
    }

    func subjectList(_ window: ComplianceQueries.Window, breaching: Bool?, page: Int, pageSize: Int) async throws -> SubjectList.Page {
        try await snapshot { try SubjectList.page(window, breaching: breaching, page: page, pageSize: pageSize, on: $0) }
    }

    static func number(_ parameters: Parameters, _ name: String, default value: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let text = parameters[name[...]] else { return value }
        guard let n = Int(text), range.contains(n) else {
            throw Problem(.badRequest, "\(name): must be a whole number from \(range.lowerBound) to \(range.upperBound)", field: name)
        }
        return n
    }

    // MARK: - The division directory (区划目录)

    /// `GET /api/v1/divisions?knownAt=`: the directory as it stands, or as it was known then.
    func divisions(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        try context.require(.reader, .officeAdmin)
        let knownAt = try request.uri.queryParameters["knownAt"].map { try QueryWindow.instant(String($0), name: "knownAt", endOfDay: true) }
        let directory = try await db.withConnection { try DivisionBook.load(knownAt: knownAt, on: $0) }
        return try Self.json(DivisionsResponse(divisions: directory.divisions.map { .init(code: $0.code, name: $0.name, level: $0.level, parent: $0.parent) }))
    }

    struct DivisionsResponse: Encodable {
        struct Item: Encodable {
            let code: String
            let name: String
            let level: DivisionLevel
            @Null var parent: String?
        }
        let divisions: [Item]
    }

    /// `POST /api/v1/divisions:import`: a directory CSV (`code,name`).
    func importDivisions(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let principal = try context.require(.officeAdmin)
        return try Self.json(try await importDivisions(request, by: principal.name))
    }

    /// Imports the directory CSV in the body of `request` (the API's and the dashboard's way).
    func importDivisions(_ request: Request, by name: String) async throws -> RosterImport.Summary {
        let text = try await Self.csvBody(request, limit: 4 << 20)
        let summary = try await DivisionBook.importCSV(text, db: db, by: RosterActor(name: name, via: .import))
        if let refusal = summary.refused.first, refusal.line == 1 { throw Problem(.unprocessableContent, "line 1: \(refusal.reason)") }
        return summary
    }

    /// The body of `request` as UTF-8 text of at most `limit` bytes.
    static func csvBody(_ request: Request, limit: Int) async throws -> String {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw Problem(.contentTooLarge, "the CSV is \(length) bytes; the limit is \(limit)")
        }
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: limit) } catch { throw Problem(.contentTooLarge, "the CSV is larger than \(limit) bytes") }
        guard let text = String(validating: buffer.readableBytesView, as: UTF8.self) else { throw Problem(.badRequest, "the CSV must be UTF-8") }
        return text
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

    /// `POST /api/v1/rankings?asOf=&level=county|township&county=`: saves the ranking of the
    /// counties (or of a county's townships, every township without `county`) as of that date —
    /// the office's notice; later rankings of the same level and scope show the change since it.
    func saveRanking(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        try context.require(.officeAdmin)
        let level = try request.uri.queryParameters["level"].map { l in
            guard let level = DivisionLevel(rawValue: String(l)), level != .city else {
                throw Problem(.badRequest, "level: must be county or township", field: "level")
            }
            return level
        }
        let saved = try await saveRanking(
            try QueryWindow.parse(request.uri.queryParameters), level: level ?? .county, by: context.principal?.name ?? "unknown")
        var response = try Self.json(saved)
        response.status = .created
        return response
    }

    /// Saves the ranking of `level` in `window` as the office's notice (the API's and the dashboard's way).
    func saveRanking(_ window: ComplianceQueries.Window, level: DivisionLevel = .county, by name: String) async throws -> SavedRankings.Saved {
        let queries = queries
        let scope = level == .township ? window.county : nil
        return try await db.withConnection { conn in
            try conn.transaction { conn in
                let ranked = level == .township ? try queries.townships(window, on: conn) : try queries.counties(window, on: conn)
                return try SavedRankings.save(ranked, level: level, county: scope, asOf: window.asOf, by: name, on: conn)
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
        if let reason = RosterBook.outsideCity(subject, city: city) { throw ContractViolation("lon", reason) }
        let change = try await db.withTransaction { conn in
            try RosterBook.checkTownship(subject, on: conn)
            return try RosterBook.upsert(subject, by: RosterActor(name: principal.name, via: .api), on: conn)
        }
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
        let text = try await Self.csvBody(request, limit: 32 << 20)
        let summary = try await RosterImport.run(text, db: db, by: RosterActor(name: name, via: .import), city: city)
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
/// +08:00, or an RFC 3339 time), `county`, `township`.
enum QueryWindow {
    static func parse(
        _ query: some Sequence<(key: Substring, value: Substring)>, now: Timestamp = WallClock.system.now()
    ) throws
        -> ComplianceQueries.Window
    {
        var values: [String: String] = [:]
        // An empty value (a form's "全部") is no value.
        for (key, value) in query where !value.isEmpty { values[String(key)] = String(value) }
        let asOf = try values["asOf"].map { try instant($0, name: "asOf", endOfDay: true) } ?? now
        let knownAt = try values["knownAt"].map { try instant($0, name: "knownAt", endOfDay: true) }
        let from =
            try values["from"].map { try instant($0, name: "from", endOfDay: false) }
            ?? ChinaCalendar.startOfYear(ChinaCalendar.year(asOf))
        guard from <= asOf else { throw Problem(.badRequest, "from: must not be after asOf", field: "from") }
        var county: String?
        if let c = values["county"] {
            guard DivisionLevel(code: c) == .county else { throw Problem(.badRequest, "county: must be a 6-digit county code", field: "county") }
            county = c
        }
        var township: String?
        if let t = values["township"] {
            guard DivisionLevel(code: t) == .township || (DivisionLevel.isUnassigned(t) && DivisionLevel(code: String(t.prefix(6))) == .county) else {
                throw Problem(.badRequest, "township: must be a 9-digit township code (its county's 6 digits and 3; 000 for 未划分乡镇)", field: "township")
            }
            if let county, !t.hasPrefix(county) { throw Problem(.badRequest, "township: \(t) is not in the county \(county)", field: "township") }
            township = t
        }
        return .init(from: from, asOf: asOf, knownAt: knownAt, county: county, township: township)
    }

    static func instant(_ text: String, name: String, endOfDay: Bool) throws -> Timestamp {
        if text.count == 10, let day = Timestamp(rfc3339: "\(text)T\(endOfDay ? "23:59:59.999999" : "00:00:00")+08:00") { return day }
        if let time = Timestamp(rfc3339: text) { return time }
        throw Problem(.badRequest, "\(name): \"\(text)\" is neither a date (2026-03-31) nor an RFC 3339 time", field: name)
    }
}
