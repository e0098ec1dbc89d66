import ComplianceRules
import Divisions
import EventContract
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Mustache
import Postgres
import ServiceRuntime
import ServiceSupport

/// The pages of records: a subject, the problem ledger (问题台账), data quality (数据质量).
extension DashboardController {
    func subject(_ page: PageContext) async throws -> (title: String, template: String, values: [String: Any]) {
        let subject = try await api.subjectPage(try page.context.parameters.require("code"), window: page.window)
        let names = try await db.withConnection { try DivisionBook.load(on: $0) }
        let township = subject.township ?? DivisionLevel.unassignedTownship(of: subject.county)
        let zeros = Zero.allCases.map { zero -> [String: Any] in
            let state = subject.zeros[zero]
            let breached = state?.breached ?? false
            return [
                "label": zero.label, "status": breached ? "未达标" : "达标", "tone": breached ? "bad" : "good",
                "events": (state?.events ?? []).map { ["time": Display.time($0.time), "type": $0.type, "eventId": $0.eventId] },
            ]
        }
        return (
            subject.name, "subject",
            [
                "name": subject.name, "code": subject.code, "typeLabel": Display.subjectType(subject.type),
                "countyName": names.name(subject.county), "township": names.name(township),
                "crumbs": Self.crumbs(township, subject: (subject.code, subject.name), names: names, query: page.query),
                "active": subject.active, "verdict": subject.compliant ? "达标" : "未达标", "tone": subject.compliant ? "good" : "bad", "zeros": zeros,
                "changes": subject.changes.map { c -> [String: Any] in
                    [
                        "at": Display.time(c.at), "by": c.by ?? "（未记录）", "via": c.via.flatMap { Self.rosterVia[$0] } ?? "（未记录）",
                        "name": c.name ?? "", "township": c.township ?? "", "state": c.active ? "在册" : "停用",
                    ]
                },
            ]
        )
    }

    /// How a roster change was made, as the subject page names it.
    static let rosterVia = ["api": "接口修改", "import": "名册导入", "command_line": "命令行导入", "system": "系统"]

    func ledger(_ page: PageContext) async throws -> (title: String, template: String, values: [String: Any]) {
        // Empty filters (the form's "全部") mean no filter.
        var cleaned: [(key: Substring, value: Substring)] = []
        for (key, value) in page.request.uri.queryParameters
        where !value.isEmpty && ["kind", "county", "township", "status", "overdue", "asOf", "from", "page"].contains(String(key)) {
            cleaned.append((key, value))
        }
        // A township of another county than the one chosen is left out (the county was changed).
        if let county = cleaned.first(where: { $0.key == "county" })?.value { cleaned.removeAll { $0.key == "township" && !$0.value.hasPrefix(county) } }
        let ledger = try await api.problemLedger(try ProblemLedger.Query.parse(cleaned))
        let names = try await db.withConnection { try DivisionBook.load(on: $0) }
        let selected = Dictionary(cleaned.map { (String($0.key), String($0.value)) }, uniquingKeysWith: { a, _ in a })
        let pages = Swift.max(1, (ledger.total + ledger.pageSize - 1) / ledger.pageSize)
        func link(_ page: Int) -> String {
            (cleaned.filter { $0.key != "page" }.map { (String($0.key), String($0.value)) } + [("page", String(page))])
                .map { "\($0.0)=\(Self.percentEncoded($0.1))" }.joined(separator: "&")
        }
        return (
            "问题台账", "ledger",
            [
                "period": Self.period(page.window), "asOf": Self.present(selected["asOf"]),
                "kinds": ProblemKind.allCases.map { ["value": $0.rawValue, "label": $0.label, "selected": selected["kind"] == $0.rawValue] },
                "counties": names.counties.map { ["value": $0.code, "label": $0.name, "selected": selected["county"] == $0.code] },
                "townshipFilter": selected["county"] != nil,
                "townships": selected["county"].map { county in
                    (names.townships(of: county).map { ($0.code, $0.name) } + [(DivisionLevel.unassignedTownship(of: county), DivisionLevel.unassignedName)]).map {
                        ["value": $0.0, "label": $0.1, "selected": selected["township"] == $0.0]
                    }
                } ?? [],
                "statuses": [("open", "未解决"), ("resolved", "已解决")].map { ["value": $0.0, "label": $0.1, "selected": selected["status"] == $0.0] },
                "overdueOnly": selected["overdue"] == "true",
                "total": Display.count(ledger.total), "page": ledger.page, "pages": pages,
                "previous": ledger.page > 1 ? link(ledger.page - 1) : false, "next": ledger.page < pages ? link(ledger.page + 1) : false,
                "items": ledger.items.map { item -> [String: Any] in
                    let open = item.status == ProblemLedger.Status.open
                    return [
                        "kind": item.kind.rawValue, "kindLabel": item.kind.label, "county": item.county, "countyName": names.name(item.county),
                        "townshipName": names.name(item.township),
                        "subject": item.subject, "registered": Display.time(item.registeredAt), "due": Display.date(item.due),
                        "status": item.status.rawValue, "overdue": item.overdue,
                        "statusLabel": open ? (item.overdue ? "逾期未解决" : "未解决") : "已解决", "tone": open ? (item.overdue ? "bad" : "pending") : "good",
                    ]
                },
            ]
        )
    }

    func quality(_ page: PageContext) async throws -> (title: String, template: String, values: [String: Any]) {
        let report = try await api.qualityReport()
        let feeds = try await db.withConnection { try Self.feeds(on: $0) }
        return (
            "数据质量", "quality",
            [
                "checks": report.conservationChecks.map { c in
                    ["name": c.name, "result": c.ok ? "通过" : "未通过", "tone": c.ok ? "good" : "bad", "detail": c.detail, "checkedAt": Display.time(c.checkedAt)]
                },
                "quarantineCount": Display.count(report.quarantine.count),
                "quarantine": report.quarantine.map { q in
                    [
                        "receivedAt": Display.time(q.receivedAt), "topic": q.topic, "partition": q.partition, "offset": q.offset, "reason": q.reason,
                        "subject": q.subject ?? "", "state": q.released ? "已放行" : "隔离中",
                    ] as [String: Any]
                },
                "gaps": report.sequenceGaps.map { g in
                    [
                        "source": g.source, "missing": Display.count(Int(g.missing)), "highest": g.highest,
                        "ranges": g.ranges.prefix(5).map { "\($0.from)–\($0.to)" }.joined(separator: ", "),
                    ] as [String: Any]
                },
                "totalLag": Display.count(Int(report.offsets.compactMap(\.lag).reduce(0, +))),
                "offsets": report.offsets.map { o in
                    [
                        "topic": o.topic, "partition": o.partition, "nextOffset": Display.count(Int(o.nextOffset)),
                        "highWatermark": Display.count(Int(o.highWatermark ?? 0)), "lag": Display.count(Int(o.lag ?? 0)),
                    ] as [String: Any]
                },
                "feeds": feeds,
            ]
        )
    }

    static func feeds(on conn: PostgresConnection) throws -> [[String: String]] {
        let labels = ["/departments/petitions": "信访局", "/departments/hazards": "应急管理局", "/departments/cases": "公安局"]
        return try conn.query(
            """
            SELECT source, last_applied_at, newest_fact, facts
            FROM feeds ORDER BY source
            """
        ).map { row in
            let source: String = try row.decode(0)
            return [
                "label": labels[source] ?? source, "lastApplied": Display.time(try row.decode(1, as: Timestamp.self)),
                "newestFact": Display.time(try row.decode(2, as: Timestamp.self)), "facts": Display.count(try row.decode(3)),
            ]
        }
    }
}
