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

/// The pages of figures: the overview (总览), the county ranking (排名) and a county's page.
extension DashboardController {
    func overview(_ page: PageContext) async throws -> (title: String, template: String, values: [String: Any]) {
        let queries = queries
        let window = page.window
        let (o, feeds) = try await api.snapshot { conn in (try queries.overview(window, on: conn), try Self.feeds(on: conn)) }
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
                "counties": counties.map { Self.countyRow($0, query: page.query) },
            ]
        )
    }

    func county(_ page: PageContext) async throws -> (title: String, template: String, values: [String: Any]) {
        let code = try page.context.parameters.require("code")
        let queries = queries
        let window = page.window
        let counties = try await api.snapshot { conn in try queries.counties(window, on: conn) }
        guard let c = counties.first(where: { $0.county == code }) else { throw Problem.notFound("没有县(区) \(code) 的创建主体") }
        let groups = [c.compliance.overall, c.compliance.rural, c.compliance.enterpriseInstitution, c.compliance.religiousSite]
        return (
            DivisionNames.demo.name(code), "county",
            [
                "name": DivisionNames.demo.name(code), "code": code, "period": Self.period(window), "rank": c.rank, "subjects": Display.count(c.subjects.total),
                "ampQuery": page.query.isEmpty ? "" : "&" + page.query.dropFirst(),
                "complianceChart": Charts.rates(zip(Display.groups, groups).map { ($0.label, $1.rate, $1.target) }),
                "ledgerChart": Self.ledgerChart(c.problems),
                "zeros": Zero.allCases.map { ["label": $0.label, "count": Display.count(c.breaches[$0])] },
            ]
        )
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
