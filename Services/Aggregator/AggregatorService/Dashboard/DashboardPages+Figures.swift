import ComplianceRules
import Divisions
import EventContract
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Mustache
import Postgres
import ServiceSupport

/// The pages of figures, city → county → township: the overview (总览) with its counties, the county
/// ranking (排名), a county's page with its townships ranked, a township's page with its subjects.
extension DashboardController {
    func overview(_ page: PageContext) async throws -> (title: String, template: String, values: [String: Any]) {
        let queries = queries
        let window = page.window
        let (o, feeds, counties, names) = try await api.snapshot { conn in
            (try queries.overview(window, on: conn), try Self.feeds(on: conn), try queries.counties(window, on: conn), try DivisionBook.load(on: conn))
        }
        let groups = [o.compliance.overall, o.compliance.rural, o.compliance.enterpriseInstitution, o.compliance.religiousSite]
        let yoy = [("信访", o.yearOnYear.petitions), ("安全事故", o.yearOnYear.accidents), ("刑事案件", o.yearOnYear.criminalCases)]
        return (
            "总览", "overview",
            [
                "period": Self.period(window),
                "zeros": Zero.allCases.map { ["key": $0.rawValue, "label": $0.label, "count": Display.count(o.breaches[$0])] },
                "subjects": Display.count(o.subjects.total),
                "subjectTypes": Display.subjectTypes.map { "\($0.1) \(Display.count(o.subjects.byType[$0.0] ?? 0))" }.joined(separator: " · "),
                "complianceChart": Charts.rates(zip(Display.groups, groups).map { ($0.label, $1.rate, $1.target) }),
                "compliance": zip(Display.groups, groups).map { group, r in
                    [
                        "key": group.key, "label": group.label, "compliant": Display.count(r.compliant), "total": Display.count(r.total),
                        "rate": Display.percent(r.rate), "target": r.target.map(Display.percent) ?? "—",
                        "gap": r.gap.map { $0 > 0 ? "差 " + Display.percent($0) : "已达标" } ?? "—", "gapTone": (r.gap ?? 0) > 0 ? "bad" : "good",
                    ]
                },
                "ledgerChart": Self.ledgerChart(o.problems),
                "problems": (ProblemKind.allCases.map { (ComplianceQueries.Problems.key($0), $0.label, o.problems[$0]) } + [("total", "合计", o.problems.total)]).map {
                    key, label, l in
                    [
                        "key": key, "label": label, "found": Display.count(l.found), "resolved": Display.count(l.resolved), "open": Display.count(l.open),
                        "overdue": Display.count(l.overdue), "overdueTone": l.overdue > 0 ? "bad" : "", "rate": Display.percent(l.rate),
                    ]
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
                "counties": counties.sorted { $0.county < $1.county }.map { Self.divisionRow($0, query: page.query) },
                "mapCard": maps.map { maps -> Any in
                    let sorted = counties.sorted { $0.county < $1.county }
                    let legend = MapFigure.rural.legend(sorted, settings: queries.settings)
                    return Self.mapDrawing(maps.counties, sorted, figure: .rural, legend: legend, names: names, query: page.query, width: 640, height: 480)
                } ?? false,
                "crumbs": Self.crumbs(nil, names: names, query: page.query),
            ]
        )
    }

    func ranking(_ page: PageContext) async throws -> (title: String, template: String, values: [String: Any]) {
        let queries = queries
        let window = page.window
        let (counties, saved) = try await api.snapshot { conn in (try queries.counties(window, on: conn), try SavedRankings.list(on: conn).first) }
        return (
            "县区排名", "ranking",
            [
                "period": Self.period(window), "savedAt": Self.present(saved.map { Display.time($0.savedAt) }),
                "counties": counties.map { Self.divisionRow($0, query: page.query) },
            ]
        )
    }

    func county(_ page: PageContext) async throws -> (title: String, template: String, values: [String: Any]) {
        let code = try page.context.parameters.require("code")
        let queries = queries
        let window = page.window
        guard DivisionLevel(code: code) == .county else { throw Problem.notFound("\(code) 不是县(区)代码") }
        var inCounty = window
        inCounty.county = code
        let scope = inCounty
        let (counties, townships, names) = try await api.snapshot { conn in
            (try queries.counties(scope, on: conn), try queries.townships(scope, on: conn), try DivisionBook.load(on: conn))
        }
        guard let c = counties.first(where: { $0.county == code }) else { throw Problem.notFound("没有县(区) \(code) 的创建主体") }
        var values = Self.figureValues(c, window: window, query: page.query)
        values["townships"] = townships.map { Self.divisionRow($0, query: page.query) }
        values["hasTownships"] = !townships.isEmpty
        values["townshipMap"] = maps?.townships(of: code) != nil
        values["crumbs"] = Self.crumbs(code, names: names, query: page.query)
        values["asOfValue"] = Display.date(window.asOf)
        return (names.name(code), "county", values)
    }

    func township(_ page: PageContext) async throws -> (title: String, template: String, values: [String: Any]) {
        let code = try page.context.parameters.require("code")
        guard DivisionLevel(code: code) == .township || DivisionLevel.isUnassigned(code) else { throw Problem.notFound("\(code) 不是乡镇(街道)代码") }
        let queries = queries
        var inCounty = page.window
        (inCounty.county, inCounty.township) = (String(code.prefix(6)), nil)
        let scope = inCounty
        let pageNumber = Int(page.request.uri.queryParameters["page"] ?? "1").map { Swift.max(1, $0) } ?? 1
        let (townships, subjects, names) = try await api.snapshot { conn in
            var township = scope
            township.township = code
            return (
                try queries.townships(scope, on: conn), try SubjectList.page(township, breaching: nil, page: pageNumber, pageSize: 100, on: conn),
                try DivisionBook.load(on: conn)
            )
        }
        guard let t = townships.first(where: { $0.township == code }) else { throw Problem.notFound("没有乡镇(街道) \(code) 的创建主体") }
        var values = Self.figureValues(t, window: page.window, query: page.query)
        values["of"] = townships.count
        values["countyName"] = names.name(String(code.prefix(6)))
        values["crumbs"] = Self.crumbs(code, names: names, query: page.query)
        let pages = Swift.max(1, (subjects.total + 99) / 100)
        values["subjectTotal"] = Display.count(subjects.total)
        values["pageNumber"] = pageNumber
        values["pages"] = pages
        values["previous"] = pageNumber > 1 ? "page=\(pageNumber - 1)" : false
        values["next"] = pageNumber < pages ? "page=\(pageNumber + 1)" : false
        values["subjectRows"] = subjects.items.map { s -> [String: Any] in
            [
                "code": s.code, "name": s.name, "typeLabel": Display.subjectType(s.type), "query": page.query,
                "zeros": [("petition", s.petition), ("accident", s.accident), ("case", s.case)].map { ["breached": $0.1, "key": $0.0] },
                "verdict": s.compliant ? "达标" : "未达标", "tone": s.compliant ? "good" : "bad", "open": Display.count(s.openProblems),
            ]
        }
        return (names.name(code), "township", values)
    }

    /// What a county's and a township's pages show of their own figures.
    static func figureValues(_ c: ComplianceQueries.DivisionFigures, window: ComplianceQueries.Window, query: String) -> [String: Any] {
        let groups = [c.compliance.overall, c.compliance.rural, c.compliance.enterpriseInstitution, c.compliance.religiousSite]
        let change = Display.rankChange(c.rankChange)
        return [
            "name": c.name ?? c.code, "code": c.code, "county": c.county, "period": Self.period(window), "rank": c.rank,
            "rankChange": change.text, "rankTone": change.tone, "subjects": Display.count(c.subjects.total),
            "ampQuery": query.isEmpty ? "" : "&" + query.dropFirst(),
            "complianceChart": Charts.rates(zip(Display.groups, groups).map { ($0.label, $1.rate, $1.target) }),
            "ledgerChart": Self.ledgerChart(c.problems),
            "resolution": Display.percent(c.problems.total.rate), "compliance": Display.percent(c.compliance.overall.rate),
            "zeros": Zero.allCases.map { ["label": $0.label, "count": Display.count(c.breaches[$0])] },
        ]
    }

    /// Resolved, open and overdue per problem kind, as bars.
    static func ledgerChart(_ problems: ComplianceQueries.Problems) -> String {
        Charts.ledger(
            ProblemKind.allCases.map { kind in
                let l = problems[kind]
                return (kind.label, l.resolved, l.open, l.overdue)
            })
    }
}
