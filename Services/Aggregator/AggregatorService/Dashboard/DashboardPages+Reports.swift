import Divisions
import EventContract
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Mustache
import Postgres
import ServiceSupport

extension DashboardController {
    // MARK: - Ranking notices (排名通报)

    func reports(_ page: PageContext) async throws -> (title: String, template: String, values: [String: Any]) {
        let (saved, names) = try await db.withConnection { (try SavedRankings.list(on: $0), try DivisionBook.load(on: $0)) }
        return (
            "排名通报", "reports",
            [
                "today": Display.date(WallClock.system.now()),
                "saved": saved.map {
                    [
                        "id": $0.id, "asOf": Display.date($0.asOf), "scope": Self.scope($0, names: names), "savedAt": Display.time($0.savedAt), "savedBy": $0.savedBy,
                        "hash": String($0.contentHash.prefix(16)) + "…",
                    ] as [String: Any]
                },
            ]
        )
    }

    /// A saved notice as frozen, and — when late events changed its period since — what changed.
    func report(_ page: PageContext) async throws -> (title: String, template: String, values: [String: Any]) {
        guard let id = Int64(try page.context.parameters.require("id")) else { throw Problem.notFound("没有这份排名通报") }
        let queries = queries
        let (restatement, names) = try await api.snapshot { conn in
            (try SavedRankings.restatement(id, queries: queries, on: conn), try DivisionBook.load(on: conn))
        }
        guard let restatement else { throw Problem.notFound("没有这份排名通报") }
        let township = restatement.saved.level == .township
        return (
            "排名通报", "report",
            [
                "title": Self.title(restatement.saved, names: names), "levelLabel": township ? "乡镇(街道)" : "县(区)",
                "id": id, "period": "\(Display.date(restatement.from)) 至 \(Display.date(restatement.saved.asOf))",
                "savedAt": Display.time(restatement.saved.savedAt), "savedBy": restatement.saved.savedBy, "hash": restatement.saved.contentHash,
                "counties": restatement.frozen.map { Self.divisionRow($0, query: "") },
                "restated": !restatement.changes.isEmpty, "changes": restatement.changes,
                "lateEvents": restatement.lateEvents > 0 ? Display.count(restatement.lateEvents) : false,
            ]
        )
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
        let county = form["county"].flatMap { DivisionLevel(code: $0) == .county ? $0 : nil }
        var scoped = window
        scoped.county = county
        let saved = try await api.saveRanking(scoped, level: form["level"] == "township" ? .township : .county, by: session.principal.name)
        return Response(status: .seeOther, headers: [.location: "/reports/\(saved.id)"])
    }

    /// 长治市 for the counties' notice, 潞州区 for its townships', 长治市(全部乡镇) for every township's.
    static func scope(_ saved: SavedRankings.Saved, names: DivisionNames) -> String {
        let city = names.divisions.first { $0.level == .city }?.name ?? "全市"
        guard saved.level == .township else { return "\(city) · 县(区)" }
        return saved.county.map { "\(names.name($0)) · 乡镇(街道)" } ?? "\(city) · 全部乡镇(街道)"
    }

    static func title(_ saved: SavedRankings.Saved, names: DivisionNames) -> String {
        let city = names.divisions.first { $0.level == .city }?.name ?? ""
        guard saved.level == .township else { return "\(city)“三零”创建县区排名通报" }
        return "\(saved.county.map(names.name) ?? city)“三零”创建乡镇(街道)排名通报"
    }

    static func csvHeader(_ level: DivisionLevel) -> String {
        let label = level == .township ? "乡镇(街道)" : "县(区)"
        return "排名,\(label),\(label)代码,排名变化," + csvFigures
    }

    static let csvFigures = "问题解决率,达标率,村(社区)达标率,企事业单位达标率,排查,解决,未解决,逾期,零上访未达标,零事故未达标,零案件未达标,信访批次,信访人次"

    static func csv(_ counties: [ComplianceQueries.DivisionFigures], level: DivisionLevel = .county, name: String) -> Response {
        var text = "\u{FEFF}" + csvHeader(level) + "\r\n"
        for c in counties {
            let cells: [String] = [
                String(c.rank), c.name ?? c.code, c.code, c.rankChange.map { $0 > 0 ? "+\($0)" : String($0) } ?? "",
                Display.percent(c.problems.total.rate), Display.percent(c.compliance.overall.rate), Display.percent(c.compliance.rural.rate),
                Display.percent(c.compliance.enterpriseInstitution.rate), String(c.problems.total.found), String(c.problems.total.resolved),
                String(c.problems.total.open), String(c.problems.total.overdue), String(c.breaches.petition), String(c.breaches.accident),
                String(c.breaches.case), String(c.petitions.batches), String(c.petitions.persons),
            ]
            text += cells.joined(separator: ",") + "\r\n"
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8",
                .contentDisposition: "attachment; filename=\"ranking.csv\"; filename*=UTF-8''\(percentEncoded(name))",
            ], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    func currentRankingCSV(_ request: Request) async throws -> Response {
        let window = try QueryWindow.parse(request.uri.queryParameters)
        let queries = queries
        let counties = try await api.snapshot { try queries.counties(window, on: $0) }
        return Self.csv(counties, name: "排名通报-\(Display.date(window.asOf)).csv")
    }

    func savedRankingCSV(_ context: ServiceRequestContext) async throws -> Response {
        guard let id = Int64(try context.parameters.require("id")),
            let (saved, frozen) = try await db.withConnection({ try SavedRankings.frozen(id, on: $0) })
        else { throw Problem.notFound("no saved ranking with this id") }
        return Self.csv(frozen, level: saved.level, name: "排名通报-\(Display.date(saved.asOf)).csv")
    }
}
