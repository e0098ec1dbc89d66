import Divisions
import EventContract
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Mustache
import Postgres
import ServiceSupport

/// The command center's dashboard (指挥中心): server-rendered pages in Chinese over the same
/// queries the API answers, live updates over server-sent events, the ranking notice as CSV and as
/// a printable page with its restatement, the roster import for the office — behind a sign-in.
struct DashboardController: Sendable {
    let api: CommandCenterController
    let sessions: DashboardSessions
    let resources: DashboardResources
    let live: LiveUpdates
    /// The map's divisions (`MAP_BOUNDARIES`, `MAP_TOWNSHIP_BOUNDARIES`), if the operator gave them.
    let maps: DivisionMaps?
    let throttle = SignInThrottle()

    var db: PostgresClient { api.db }
    var library: MustacheLibrary { resources.library }
    var queries: ComplianceQueries { api.queries }

    func addRoutes(to router: Router<ServiceRequestContext>) {
        let pages = router.group().add(middleware: SecurityHeadersMiddleware())
        pages.get("/") { request, context in try await page(request, context, nav: "navOverview", render: overview) }
        pages.get("map") { request, context in try await page(request, context, nav: "navMap", render: map) }
        pages.get("ranking") { request, context in try await page(request, context, nav: "navRanking", render: ranking) }
        pages.get("county/:code") { request, context in try await page(request, context, nav: "navRanking", render: county) }
        pages.get("township/:code") { request, context in try await page(request, context, nav: "navRanking", render: township) }
        pages.get("subject/:code") { request, context in try await page(request, context, nav: "", render: subject) }
        pages.get("ledger") { request, context in try await page(request, context, nav: "navLedger", render: ledger) }
        pages.get("quality") { request, context in try await page(request, context, nav: "navQuality", picker: false, render: quality) }
        pages.get("reports") { request, context in try await page(request, context, nav: "navReports", picker: false, render: reports) }
        pages.get("reports/ranking.csv") { request, context in try await signedIn(request, context) { try await currentRankingCSV(request) } }
        pages.get("reports/:id") { request, context in try await page(request, context, nav: "navReports", picker: false, render: report) }
        pages.get("reports/:id/ranking.csv") { request, context in try await signedIn(request, context) { try await savedRankingCSV(context) } }
        pages.post("reports") { request, context in try await saveRanking(request, context) }
        pages.get("roster") { request, context in try await page(request, context, nav: "navRoster", picker: false, office: true, render: roster) }
        pages.post("roster") { request, context in try await importRoster(request, context) }
        pages.post("divisions") { request, context in try await importDivisions(request, context) }
        pages.get("login") { request, _ in try signInPage(next: request.uri.queryParameters["next"].map(String.init) ?? "/", failed: false) }
        pages.post("login") { request, context in try await signIn(request, context) }
        pages.post("logout") { request, context in try await signOut(request, context) }
        pages.get("live") { request, context in try await signedIn(request, context) { try live.stream() } }
        router.get("assets/dashboard.js") { _, _ in Self.asset(resources.script, type: "text/javascript; charset=utf-8") }
        router.get("assets/dashboard.css") { _, _ in Self.asset(resources.style, type: "text/css; charset=utf-8") }
    }

    // MARK: - Pages

    struct PageContext {
        let request: Request
        let context: ServiceRequestContext
        let session: DashboardSessions.Session
        let window: ComplianceQueries.Window
        /// `?asOf=…` when the page looks at a past date, else empty.
        let query: String
        var historical: Bool { !query.isEmpty }
    }

    typealias Renderer = @Sendable (PageContext) async throws -> (title: String, template: String, values: [String: Any])

    func page(
        _ request: Request, _ context: ServiceRequestContext, nav: String, picker: Bool = true, office: Bool = false,
        render: Renderer
    ) async throws -> Response {
        guard let session = sessions.session(of: request) else {
            return Response(status: .seeOther, headers: [.location: "/login?next=\(Self.percentEncoded(request.uri.path))"])
        }
        if office && !session.isOffice { return try errorPage(.forbidden, "无权访问", "名册导入仅限创建办(office admin)使用。") }
        var context = context
        context.principal = session.principal
        let window: ComplianceQueries.Window
        do { window = try QueryWindow.parse(request.uri.queryParameters) } catch let problem as Problem {
            return try errorPage(.badRequest, "参数有误", problem.detail)
        }
        let asOf = request.uri.queryParameters["asOf"].map(String.init)
        let pageContext = PageContext(
            request: request, context: context, session: session, window: window,
            query: asOf.map { "?asOf=\(Self.percentEncoded($0))" } ?? "")
        let rendered: (title: String, template: String, values: [String: Any])
        do { rendered = try await render(pageContext) } catch let problem as Problem {
            return try errorPage(problem.status, problem.status == .notFound ? "未找到" : "请求有误", problem.detail)
        }
        var values = rendered.values
        values["query"] = pageContext.query
        values["csrf"] = session.csrf
        values["isOffice"] = session.isOffice
        let body = library.render(values, withTemplate: rendered.template) ?? ""
        if request.headers[HTTPField.Name("X-Partial")!] == "main" { return Self.html(body) }
        let today = Display.date(WallClock.system.now())
        var keep: [[String: String]] = []
        for (key, value) in request.uri.queryParameters where key != "asOf" && key != "page" { keep.append(["name": String(key), "value": String(value)]) }
        let layout: [String: Any] = [
            "title": rendered.title, "body": body, "bodyClass": rendered.template, "query": pageContext.query,
            "crumbs": rendered.values["crumbs"].map { ["steps": $0] as [String: Any] } ?? false,
            "session": [
                "name": session.principal.name, "roleLabel": session.isOffice ? "创建办" : "查阅", "csrf": session.csrf,
                "isOffice": session.isOffice, nav: true,
            ] as [String: Any],
            "picker": picker
                ? [
                    "keep": keep, "asOfDate": Display.date(window.asOf), "today": today, "historical": pageContext.historical,
                    "keepQuery": keep.map { "\($0["name"]!)=\(Self.percentEncoded($0["value"]!))" }.joined(separator: "&"),
                ] as [String: Any] : false,
            "live": !pageContext.historical && picker, "updated": Display.time(WallClock.system.now()),
            "stalled": live.status().stalled, "lastApplied": live.status().lastApplied,
            "asOfLabel": pageContext.historical ? Display.date(window.asOf) : "现在",
        ]
        return Self.html(library.render(layout, withTemplate: "layout") ?? "")
    }

    // MARK: - Helpers

    /// Only a path of this dashboard: one leading `/`, no second `/` or `\\` after it, no control
    /// character or space anywhere (browsers drop a TAB and go to `//host`), at most 2,000 bytes.
    /// Anything else — a scheme, `//host`, `/\\host`, an encoded `%2F%2F` decoded on the way — goes to `/`.
    static func safeNext(_ next: String) -> String {
        let bytes = Array(next.utf8)
        guard bytes.count <= 2_000, bytes.first == UInt8(ascii: "/"),
            bytes.count == 1 || (bytes[1] != UInt8(ascii: "/") && bytes[1] != UInt8(ascii: "\\")),
            !bytes.contains(where: { $0 <= 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "\\") }),
            !next.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0.properties.generalCategory == .format })
        else { return "/" }
        return next
    }

    static func form(_ request: Request, _ context: ServiceRequestContext) async throws -> [String: String] {
        let buffer = try await request.body.collect(upTo: 16 * 1024)
        let text = String(buffer: buffer)
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (s: Substring) in String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            fields[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return fields
    }

    /// A row of a ranking table: a county (linking to its page) or a township (to its own).
    static func divisionRow(_ c: ComplianceQueries.DivisionFigures, query: String) -> [String: Any] {
        let change = Display.rankChange(c.rankChange)
        return [
            "code": c.code, "name": c.name ?? c.code, "rank": c.rank, "query": query, "page": c.township == nil ? "county" : "township",
            "rankChange": change.text, "rankTone": change.tone, "rankChangeValue": c.rankChange ?? 0,
            "resolution": Display.percent(c.problems.total.rate), "resolutionValue": c.problems.total.rate,
            "compliance": Display.percent(c.compliance.overall.rate), "complianceValue": c.compliance.overall.rate,
            "rural": Display.percent(c.compliance.rural.rate), "ruralValue": c.compliance.rural.rate,
            "ei": Display.percent(c.compliance.enterpriseInstitution.rate), "eiValue": c.compliance.enterpriseInstitution.rate,
            "found": Display.count(c.problems.total.found), "foundValue": c.problems.total.found,
            "resolved": Display.count(c.problems.total.resolved), "resolvedValue": c.problems.total.resolved,
            "overdue": Display.count(c.problems.total.overdue), "overdueValue": c.problems.total.overdue,
            "batches": Display.count(c.petitions.batches), "batchesValue": c.petitions.batches,
        ]
    }

    /// The way down from the city to `code` (a county, a township, or a subject's township), each
    /// step a link but the last: 长治市 › 潞州区 › 东街街道 [› a subject].
    static func crumbs(_ code: String?, subject: (code: String, name: String)? = nil, names: DivisionNames, query: String) -> [[String: Any]] {
        let city = names.divisions.first { $0.level == .city }
        var steps: [[String: Any]] = [["name": city?.name ?? "全市", "href": "/\(query)"]]
        if let code {
            for division in names.chain(code) where division.level != .city {
                steps.append(["name": division.name, "href": "/\(division.code.count == 6 ? "county" : "township")/\(division.code)\(query)"])
            }
        }
        if let subject { steps.append(["name": subject.name, "href": "/subject/\(subject.code)\(query)"]) }
        steps[steps.count - 1]["current"] = true
        return steps
    }

    /// A value for a mustache section: the value, or false (which hides the section) — never "nil".
    static func present(_ value: String?) -> Any { value.map { $0 as Any } ?? false }

    static func period(_ w: ComplianceQueries.Window) -> String {
        "\(Display.date(w.from)) 至 \(Display.date(w.asOf))"
    }

    func errorPage(_ status: HTTPResponse.Status, _ title: String, _ detail: String) throws -> Response {
        let body = library.render(["title": title, "detail": detail], withTemplate: "error") ?? ""
        var response = Self.html(library.render(["title": title, "body": body, "bodyClass": "error"], withTemplate: "layout") ?? "")
        response.status = status
        return response
    }

    static func html(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func asset(_ text: String, type: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: type, .cacheControl: "public, max-age=300", .xContentTypeOptions: "nosniff"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func percentEncoded(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~/"))) ?? ""
    }
}
