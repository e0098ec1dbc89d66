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
    let library: MustacheLibrary
    let live: LiveUpdates
    let throttle = SignInThrottle()

    var db: PostgresClient { api.db }
    var queries: ComplianceQueries { api.queries }

    func addRoutes(to router: Router<ServiceRequestContext>) {
        let pages = router.group().add(middleware: SecurityHeadersMiddleware())
        pages.get("/") { request, context in try await page(request, context, nav: "navOverview", render: overview) }
        pages.get("ranking") { request, context in try await page(request, context, nav: "navRanking", render: ranking) }
        pages.get("county/:code") { request, context in try await page(request, context, nav: "navRanking", render: county) }
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
        pages.get("login") { request, _ in try signInPage(next: request.uri.queryParameters["next"].map(String.init) ?? "/", failed: false) }
        pages.post("login") { request, context in try await signIn(request, context) }
        pages.post("logout") { request, context in try await signOut(request, context) }
        pages.get("live") { request, context in try await signedIn(request, context) { try live.stream() } }
        router.get("assets/dashboard.js") { _, _ in Self.asset(DashboardAssets.script, type: "text/javascript; charset=utf-8") }
        router.get("assets/dashboard.css") { _, _ in Self.asset(DashboardAssets.style, type: "text/css; charset=utf-8") }
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

    func page(_ request: Request, _ context: ServiceRequestContext, nav: String, picker: Bool = true, office: Bool = false,
              render: Renderer) async throws -> Response {
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
        let pageContext = PageContext(request: request, context: context, session: session, window: window,
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
        let today = Display.date(Timestamp(unixMicros: Int64(Date().timeIntervalSince1970 * 1_000_000)).description)
        var keep: [[String: String]] = []
        for (key, value) in request.uri.queryParameters where key != "asOf" && key != "page" { keep.append(["name": String(key), "value": String(value)]) }
        let layout: [String: Any] = [
            "title": rendered.title, "body": body, "bodyClass": rendered.template, "query": pageContext.query,
            "session": ["name": session.principal.name, "roleLabel": session.isOffice ? "创建办" : "查阅", "csrf": session.csrf,
                        "isOffice": session.isOffice, nav: true] as [String: Any],
            "picker": picker ? ["keep": keep, "asOfDate": Display.date(window.asOf.description), "today": today, "historical": pageContext.historical,
                                "keepQuery": keep.map { "\($0["name"]!)=\(Self.percentEncoded($0["value"]!))" }.joined(separator: "&")] as [String: Any] : false,
            "live": !pageContext.historical && picker, "updated": Display.time(Timestamp(unixMicros: Int64(Date().timeIntervalSince1970 * 1_000_000)).description),
            "stalled": live.status().stalled, "lastApplied": live.status().lastApplied,
            "asOfLabel": pageContext.historical ? Display.date(window.asOf.description) : "现在",
        ]
        return Self.html(library.render(layout, withTemplate: "layout") ?? "")
    }

    func overview(_ page: PageContext) async throws -> (title: String, template: String, values: [String: Any]) {
        let queries = queries
        let window = page.window
        let (o, feeds) = try await api.snapshot { conn in (try queries.overview(window, on: conn), try Self.feeds(on: conn)) }
        let groups = [o.compliance.overall, o.compliance.rural, o.compliance.enterpriseInstitution, o.compliance.religiousSite]
        let ledgers = [o.problems.dispute, o.problems.hazard, o.problems.security]
        let yoy = [("信访", o.yearOnYear.petitions), ("安全事故", o.yearOnYear.accidents), ("刑事案件", o.yearOnYear.criminalCases)]
        return ("总览", "overview", [
            "period": Self.period(window),
            "zeros": Display.zeros.map { zero in
                ["key": zero.key, "label": zero.label,
                 "count": Display.count(zero.key == "petition" ? o.breaches.petition : zero.key == "accident" ? o.breaches.accident : o.breaches.case)]
            },
            "subjects": Display.count(o.subjects.total),
            "subjectTypes": Display.subjectTypes.map { "\($0.1) \(Display.count(o.subjects.byType[$0.0] ?? 0))" }.joined(separator: " · "),
            "complianceChart": Charts.rates(zip(Display.groups, groups).map { ($0.label, $1.rate, $1.target) }),
            "compliance": zip(Display.groups, groups).map { group, r in
                ["key": group.key, "label": group.label, "compliant": Display.count(r.compliant), "total": Display.count(r.total),
                 "rate": Display.percent(r.rate), "target": r.target.map(Display.percent) ?? "—",
                 "gap": r.gap.map { $0 > 0 ? "差 " + Display.percent($0) : "已达标" } ?? "—", "gapTone": (r.gap ?? 0) > 0 ? "bad" : "good"]
            },
            "ledgerChart": Charts.ledger(zip(Display.problemKinds, ledgers).map { kind, l in (kind.label, l.resolved, l.open, l.overdue) }),
            "problems": zip(Display.problemKinds.map { ($0.key, $0.label) } + [("total", "合计")], ledgers + [o.problems.total]).map { kind, l in
                ["key": kind.0, "label": kind.1, "found": Display.count(l.found), "resolved": Display.count(l.resolved), "open": Display.count(l.open),
                 "overdue": Display.count(l.overdue), "overdueTone": l.overdue > 0 ? "bad" : "", "rate": Display.percent(l.rate)]
            },
            "petitions": [
                "batches": Display.count(o.petitions.batches), "persons": Display.count(o.petitions.persons),
                "onlineShare": Display.percent(o.petitions.onlineShare), "selfFound": Display.count(o.petitions.origin["selfFound"] ?? 0),
                "superiorAssigned": Display.count(o.petitions.origin["superiorAssigned"] ?? 0),
            ],
            "proxy": Display.proxyLevels.map { ["label": $0.1, "count": Display.count(o.petitions.proxy[$0.0] ?? 0)] },
            "yoy": yoy.map { label, c in
                let change = Display.change(c.change)
                return ["label": label, "current": Display.count(c.current), "previous": Display.count(c.previous), "change": change.text, "tone": change.tone]
            },
            "feeds": feeds,
        ])
    }

    func ranking(_ page: PageContext) async throws -> (title: String, template: String, values: [String: Any]) {
        let queries = queries
        let window = page.window
        let (counties, saved) = try await api.snapshot { conn in (try queries.counties(window, on: conn), try SavedRankings.list(on: conn).first) }
        return ("县区排名", "ranking", ["period": Self.period(window), "savedAt": Self.present(saved.map { Display.time($0.savedAt) }),
                                       "counties": counties.map { Self.countyRow($0, query: page.query) }])
    }

    func county(_ page: PageContext) async throws -> (title: String, template: String, values: [String: Any]) {
        let code = try page.context.parameters.require("code")
        let queries = queries
        let window = page.window
        let counties = try await api.snapshot { conn in try queries.counties(window, on: conn) }
        guard let c = counties.first(where: { $0.county == code }) else { throw Problem.notFound("没有县(区) \(code) 的创建主体") }
        let groups = [c.compliance.overall, c.compliance.rural, c.compliance.enterpriseInstitution, c.compliance.religiousSite]
        let ledgers = [c.problems.dispute, c.problems.hazard, c.problems.security]
        return (Counties.name(code), "county", [
            "name": Counties.name(code), "code": code, "period": Self.period(window), "rank": c.rank, "subjects": Display.count(c.subjects.total),
            "ampQuery": page.query.isEmpty ? "" : "&" + page.query.dropFirst(),
            "complianceChart": Charts.rates(zip(Display.groups, groups).map { ($0.label, $1.rate, $1.target) }),
            "ledgerChart": Charts.ledger(zip(Display.problemKinds, ledgers).map { kind, l in (kind.label, l.resolved, l.open, l.overdue) }),
            "zeros": [("零上访", c.breaches.petition), ("零事故", c.breaches.accident), ("零案件", c.breaches.case)].map { ["label": $0.0, "count": Display.count($0.1)] },
        ])
    }

    func subject(_ page: PageContext) async throws -> (title: String, template: String, values: [String: Any]) {
        let code = try page.context.parameters.require("code")
        let detail = try await api.subjectDetail(code, window: page.window)
        let zeros = Display.zeros.map { zero -> [String: Any] in
            let entry = detail["zeros"][zero.key]
            let breached = entry["breached"].bool
            return ["label": zero.label, "status": breached ? "未达标" : "达标", "tone": breached ? "bad" : "good",
                    "events": entry["events"].array.map { e in
                        ["time": Display.time(e["time"].string), "type": e["type"].string ?? "", "eventId": e["eventId"].string ?? ""]
                    }]
        }
        let compliant = detail["compliant"].bool
        return (detail["name"].string ?? code, "subject", [
            "name": detail["name"].string ?? code, "code": code, "typeLabel": Display.subjectType(detail["type"].string ?? ""),
            "countyName": Counties.name(detail["county"].string ?? ""), "township": Self.present(detail["township"].string),
            "active": detail["active"].bool, "verdict": compliant ? "达标" : "未达标", "tone": compliant ? "good" : "bad", "zeros": zeros,
            "changes": detail["changes"].array.map { c -> [String: Any] in
                ["at": Display.time(c["at"].string), "by": c["by"].string ?? "（未记录）", "via": Self.rosterVia[c["via"].string ?? ""] ?? "（未记录）",
                 "name": c["name"].string ?? "", "township": c["township"].string ?? "", "state": c["active"].bool ? "在册" : "停用"]
            },
        ])
    }

    /// How a roster change was made, as the subject page names it.
    static let rosterVia = ["api": "接口修改", "import": "名册导入", "command_line": "命令行导入", "system": "系统"]

    func ledger(_ page: PageContext) async throws -> (title: String, template: String, values: [String: Any]) {
        let query = page.request.uri.queryParameters
        // Empty filters (the form's "全部") mean no filter.
        var cleaned: [(String, String)] = []
        for (key, value) in query where !value.isEmpty && ["kind", "county", "status", "overdue", "asOf", "from", "page"].contains(String(key)) {
            cleaned.append((String(key), String(value)))
        }
        let encoded = cleaned.map { "\($0.0)=\(Self.percentEncoded($0.1))" }.joined(separator: "&")
        let list = try await api.problemList(URI("/?" + encoded).queryParameters)
        let selected = Dictionary(cleaned, uniquingKeysWith: { a, _ in a })
        let total: Int = list["total"].int, pageSize: Int = Swift.max(1, list["pageSize"].int), pageNumber: Int = list["page"].int
        let pages = Swift.max(1, (total + pageSize - 1) / pageSize)
        func link(_ page: Int) -> String {
            (cleaned.filter { $0.0 != "page" } + [("page", String(page))]).map { "\($0.0)=\(Self.percentEncoded($0.1))" }.joined(separator: "&")
        }
        return ("问题台账", "ledger", [
            "period": Self.period(page.window), "asOf": Self.present(selected["asOf"]),
            "kinds": Display.problemKinds.map { ["value": $0.api, "label": $0.label, "selected": selected["kind"] == $0.api] },
            "counties": Counties.changzhi.map { ["value": $0.code, "label": $0.name, "selected": selected["county"] == $0.code] },
            "statuses": [("open", "未解决"), ("resolved", "已解决")].map { ["value": $0.0, "label": $0.1, "selected": selected["status"] == $0.0] },
            "overdueOnly": selected["overdue"] == "true",
            "total": Display.count(total), "page": pageNumber, "pages": pages,
            "previous": pageNumber > 1 ? link(pageNumber - 1) : false, "next": pageNumber < pages ? link(pageNumber + 1) : false,
            "items": list["items"].array.map { item -> [String: Any] in
                let open = item["status"].string == "open", overdue = item["overdue"].bool
                return ["kind": item["kind"].string ?? "", "kindLabel": Display.problemKind(item["kind"].string ?? ""),
                        "county": item["county"].string ?? "", "countyName": Counties.name(item["county"].string ?? ""),
                        "subject": item["subject"].string ?? "", "registered": Display.time(item["registeredAt"].string),
                        "due": Display.date(item["due"].string), "status": item["status"].string ?? "", "overdue": overdue,
                        "statusLabel": open ? (overdue ? "逾期未解决" : "未解决") : "已解决", "tone": open ? (overdue ? "bad" : "pending") : "good"]
            },
        ])
    }

    func quality(_ page: PageContext) async throws -> (title: String, template: String, values: [String: Any]) {
        let report = try await api.qualityReport()
        let offsets = report["offsets"].array
        let feeds = try await db.withConnection { try Self.feeds(on: $0) }
        return ("数据质量", "quality", [
            "checks": report["conservationChecks"].array.map { c in
                ["name": c["name"].string ?? "", "result": c["ok"].bool ? "通过" : "未通过", "tone": c["ok"].bool ? "good" : "bad",
                 "detail": c["detail"].string ?? "", "checkedAt": Display.time(c["checkedAt"].string)]
            },
            "quarantineCount": Display.count(report["quarantine"].array.count),
            "quarantine": report["quarantine"].array.map { q in
                ["receivedAt": Display.time(q["receivedAt"].string), "topic": q["topic"].string ?? "", "partition": q["partition"].int,
                 "offset": q["offset"].int, "reason": q["reason"].string ?? "", "subject": q["subject"].string ?? "",
                 "state": q["released"].bool ? "已放行" : "隔离中"] as [String: Any]
            },
            "gaps": report["sequenceGaps"].array.map { g in
                ["source": g["source"].string ?? "", "missing": Display.count(g["missing"].int), "highest": g["highest"].int,
                 "ranges": g["ranges"].array.prefix(5).map { "\($0["from"].int)–\($0["to"].int)" }.joined(separator: ", ")] as [String: Any]
            },
            "totalLag": Display.count(offsets.map { $0["lag"].int }.reduce(0, +)),
            "offsets": offsets.map { o in
                ["topic": o["topic"].string ?? "", "partition": o["partition"].int, "nextOffset": Display.count(o["nextOffset"].int),
                 "highWatermark": Display.count(o["highWatermark"].int), "lag": Display.count(o["lag"].int)] as [String: Any]
            },
            "feeds": feeds,
        ])
    }

    static func feeds(on conn: PostgresConnection) throws -> [[String: String]] {
        let labels = ["/departments/petitions": "信访局", "/departments/hazards": "应急管理局", "/departments/cases": "公安局"]
        return try conn.query("""
            SELECT source, (extract(epoch FROM last_applied_at) * 1000000)::bigint, (extract(epoch FROM newest_fact) * 1000000)::bigint, facts
            FROM feeds ORDER BY source
            """).map { row in
            let source: String = try row.decode(0)
            return ["label": labels[source] ?? source, "lastApplied": Display.time(Timestamp(unixMicros: try row.decode(1)).description),
                    "newestFact": Display.time(Timestamp(unixMicros: try row.decode(2)).description), "facts": Display.count(try row.decode(3))]
        }
    }

    // MARK: - Ranking notices (排名通报)

    func reports(_ page: PageContext) async throws -> (title: String, template: String, values: [String: Any]) {
        let saved = try await db.withConnection { try SavedRankings.list(on: $0) }
        return ("排名通报", "reports", [
            "today": Display.date(Timestamp(unixMicros: Int64(Date().timeIntervalSince1970 * 1_000_000)).description),
            "saved": saved.map { ["id": $0.id, "asOf": Display.date($0.asOf), "savedAt": Display.time($0.savedAt), "savedBy": $0.savedBy,
                                  "hash": String($0.contentHash.prefix(16)) + "…"] as [String: Any] },
        ])
    }

    /// A saved notice as frozen, and — when late events changed its period since — what changed.
    func report(_ page: PageContext) async throws -> (title: String, template: String, values: [String: Any]) {
        guard let id = Int64(try page.context.parameters.require("id")) else { throw Problem.notFound("没有这份排名通报") }
        let queries = queries
        let restatement = try await api.snapshot { conn in try SavedRankings.restatement(id, queries: queries, on: conn) }
        guard let restatement else { throw Problem.notFound("没有这份排名通报") }
        return ("排名通报", "report", [
            "id": id, "period": "\(Display.date(restatement.from.description)) 至 \(Display.date(restatement.saved.asOf))",
            "savedAt": Display.time(restatement.saved.savedAt), "savedBy": restatement.saved.savedBy, "hash": restatement.saved.contentHash,
            "counties": restatement.frozen.map { Self.countyRow($0, query: "") },
            "restated": !restatement.changes.isEmpty, "changes": restatement.changes,
            "lateEvents": restatement.lateEvents > 0 ? Display.count(restatement.lateEvents) : false,
        ])
    }

    func saveRanking(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        guard let session = sessions.session(of: request) else { return try errorPage(.unauthorized, "请先登录", "会话已过期,请重新登录。") }
        let form = try await Self.form(request, context)
        guard DashboardSessions.csrfMatches(form["csrf"], session) else { return try errorPage(.forbidden, "请求无效", "表单已过期,请刷新页面后重试。") }
        guard session.isOffice else { return try errorPage(.forbidden, "无权操作", "保存排名通报仅限创建办(office admin)。") }
        let window: ComplianceQueries.Window
        do { window = try QueryWindow.parse(form.filter { $0.key == "asOf" }.map { (key: Substring($0.key), value: Substring($0.value)) }) } catch let problem as Problem {
            return try errorPage(.badRequest, "参数有误", problem.detail)
        }
        let saved = try await api.saveRanking(window, by: session.principal.name)
        return Response(status: .seeOther, headers: [.location: "/reports/\(saved.id)"])
    }

    static let csvHeader = "排名,县(区),县(区)代码,排名变化,问题解决率,达标率,村(社区)达标率,企事业单位达标率,排查,解决,未解决,逾期,零上访未达标,零事故未达标,零案件未达标,信访批次,信访人次"

    static func csv(_ counties: [ComplianceQueries.CountyFigures], name: String) -> Response {
        var text = "\u{FEFF}" + csvHeader + "\r\n"
        for c in counties {
            let cells: [String] = [
                String(c.rank), Counties.name(c.county), c.county, c.rankChange.map { $0 > 0 ? "+\($0)" : String($0) } ?? "",
                Display.percent(c.problems.total.rate), Display.percent(c.compliance.overall.rate), Display.percent(c.compliance.rural.rate),
                Display.percent(c.compliance.enterpriseInstitution.rate), String(c.problems.total.found), String(c.problems.total.resolved),
                String(c.problems.total.open), String(c.problems.total.overdue), String(c.breaches.petition), String(c.breaches.accident),
                String(c.breaches.case), String(c.petitions.batches), String(c.petitions.persons),
            ]
            text += cells.joined(separator: ",") + "\r\n"
        }
        return Response(status: .ok, headers: [
            .contentType: "text/csv; charset=utf-8",
            .contentDisposition: "attachment; filename=\"ranking.csv\"; filename*=UTF-8''\(percentEncoded(name))",
        ], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    func currentRankingCSV(_ request: Request) async throws -> Response {
        let window = try QueryWindow.parse(request.uri.queryParameters)
        let queries = queries
        let counties = try await api.snapshot { try queries.counties(window, on: $0) }
        return Self.csv(counties, name: "排名通报-\(Display.date(window.asOf.description)).csv")
    }

    func savedRankingCSV(_ context: ServiceRequestContext) async throws -> Response {
        guard let id = Int64(try context.parameters.require("id")),
            let (saved, frozen) = try await db.withConnection({ try SavedRankings.frozen(id, on: $0) })
        else { throw Problem.notFound("no saved ranking with this id") }
        return Self.csv(frozen, name: "排名通报-\(Display.date(saved.asOf)).csv")
    }

    // MARK: - The roster (office only)

    func roster(_ page: PageContext) async throws -> (title: String, template: String, values: [String: Any]) {
        ("名册导入", "roster", [:])
    }

    /// The CSV the page's script posts, with the session's CSRF token in `X-CSRF-Token`.
    func importRoster(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        guard let session = sessions.session(of: request) else { throw Problem.unauthorized("sign in first") }
        guard DashboardSessions.csrfMatches(request.headers[HTTPField.Name("X-CSRF-Token")!], session) else {
            throw Problem.forbidden("the form's CSRF token is missing or wrong; reload the page")
        }
        var context = context
        context.principal = session.principal
        return try await api.importRoster(request, context)
    }

    // MARK: - Sign-in

    func signInPage(next: String, failed: Bool) throws -> Response {
        let body = library.render(["failed": failed, "next": Self.safeNext(next)], withTemplate: "signin") ?? ""
        var response = Self.html(library.render(["title": "登录", "body": body, "bodyClass": "signin"], withTemplate: "layout") ?? "")
        if failed { response.status = .unauthorized }
        return response
    }

    func signIn(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let form = try await Self.form(request, context)
        let name = form["name"] ?? "", address = context.remoteAddress?.ipAddress ?? "unknown"
        if let wait = throttle.wait(name: name, address: address) {
            var problem = Problem(.tooManyRequests, "登录失败次数过多，请 \(wait) 秒后再试", title: "登录受限")
            problem.headers[.retryAfter] = String(wait)
            throw problem
        }
        guard let principal = sessions.signIn(name: name, token: form["token"] ?? "") else {
            throttle.failed(name: name, address: address)
            return try signInPage(next: form["next"] ?? "/", failed: true)
        }
        throttle.succeeded(name: name, address: address)
        return Response(status: .seeOther, headers: [.location: Self.safeNext(form["next"] ?? "/"), .setCookie: sessions.cookie(for: principal)])
    }

    func signOut(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let form = try await Self.form(request, context)
        guard let session = sessions.session(of: request), DashboardSessions.csrfMatches(form["csrf"], session) else {
            return Response(status: .seeOther, headers: [.location: "/login"])
        }
        return Response(status: .seeOther, headers: [.location: "/login", .setCookie: sessions.expiredCookie])
    }

    /// For the dashboard's downloads and stream: a session, or a reading bearer token (the CSV is also for scripts).
    func signedIn(_ request: Request, _ context: ServiceRequestContext, _ body: () async throws -> Response) async throws -> Response {
        if sessions.session(of: request) == nil { try context.require(.reader, .officeAdmin) }
        return try await body()
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

    static func countyRow(_ c: ComplianceQueries.CountyFigures, query: String) -> [String: Any] {
        let change = Display.rankChange(c.rankChange)
        return [
            "code": c.county, "name": Counties.name(c.county), "rank": c.rank, "query": query,
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

    /// A value for a mustache section: the value, or false (which hides the section) — never "nil".
    static func present(_ value: String?) -> Any { value.map { $0 as Any } ?? false }

    static func period(_ w: ComplianceQueries.Window) -> String {
        "\(Display.date(w.from.description)) 至 \(Display.date(w.asOf.description))"
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
        Response(status: .ok, headers: [.contentType: type, .cacheControl: "public, max-age=300", .xContentTypeOptions: "nosniff"],
                 body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func percentEncoded(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~/"))) ?? ""
    }
}

extension JSONValue {
    subscript(_ key: String) -> JSONValue {
        if case .object(let fields) = self { return fields[key] ?? .null }
        return .null
    }

    var string: String? { if case .string(let s) = self { s } else { nil } }
    var bool: Bool { if case .bool(let b) = self { b } else { false } }
    var array: [JSONValue] { if case .array(let a) = self { a } else { [] } }
    var int: Int {
        switch self {
        case .integer(let n): Int(n)
        case .number(let d): Int(d)
        default: 0
        }
    }
}
