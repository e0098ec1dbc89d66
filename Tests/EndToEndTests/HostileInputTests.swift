import EventContract
import Foundation
import Postgres
import Simulation
import TestSupport
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// What an attacker (or a careless script) sends: SQL in every place a value goes, line breaks
/// meant to forge response headers, markup meant to run in the dashboard, bodies and headers far
/// over the limits. Refused with a clear status, or stored as the harmless text it is — and the
/// tables are all still there.
@Suite struct HostileInputTests {
    static let sql = "x'); DROP TABLE records; DROP TABLE subjects; --"

    @Test func injectionAndOversizedInputAreRefusedOrHarmless() async throws {
        let cluster = try await Cluster()
        defer { cluster.stopAll() }
        let subjects = City(size: 40, seed: 7).subjects
        let roster = try await cluster.simulate(subjects: 40, from: Cluster.daysAgo(2), until: Cluster.daysAgo(1), importRoster: true)
        #expect(roster.status == 0, "\(roster.printed)")
        let hazards = cluster.base("hazards"), aggregator = cluster.base("aggregator")
        let hazardsDB = PostgresClient(configuration: try TestStack.postgres().database("\(cluster.run)_hazards"))
        let aggregatorDB = PostgresClient(configuration: try TestStack.postgres().database("\(cluster.run)_aggregator"))
        defer {
            Task {
                await hazardsDB.shutdown(); await aggregatorDB.shutdown()
            }
        }
        func count(_ table: String, _ db: PostgresClient) async throws -> Int64 {
            try await db.query("SELECT count(*) FROM \(table)").first!.decode(0)
        }

        // SQL where an identifier or a filter goes: refused as a bad value, never a 5xx.
        let escaped = Self.sql.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        for (url, token) in [
            ("\(aggregator)/api/v1/subjects/\(escaped)", DepartmentHarness.reader),
            ("\(aggregator)/api/v1/overview?county=\(escaped)", DepartmentHarness.reader),
            ("\(aggregator)/api/v1/problems?kind=\(escaped)", DepartmentHarness.reader),
            ("\(aggregator)/api/v1/overview?asOf=\(escaped)", DepartmentHarness.reader),
            ("\(hazards)/api/v1/hazards?subject=\(escaped)", DepartmentHarness.hazardsClerk),
            ("\(hazards)/api/v1/hazards?status=\(escaped)", DepartmentHarness.hazardsClerk),
            ("\(hazards)/api/v1/hazards/\(escaped)", DepartmentHarness.hazardsClerk),
        ] {
            let (status, body, _) = try await Cluster.send(url, token: token)
            #expect([400, 404].contains(status), "\(url) → \(status)")
            #expect(body["detail"] != nil, "\(url): no problem+json detail")
        }

        // SQL where free text goes: stored verbatim as text, read back verbatim (once the
        // department has the roster).
        #expect(try await DepartmentHarness.eventually(within: .seconds(30)) { try await count("roster", hazardsDB) == 40 })
        let before = try await count("records", hazardsDB)
        let anHourAgo = Int64(Date().timeIntervalSince1970 * 1e6) - 3_600_000_000
        let (created, hazard, _) = try await Cluster.send(
            "\(hazards)/api/v1/hazards", method: "POST", token: DepartmentHarness.hazardsClerk,
            json: [
                "subject": subjects[0].code.rawValue, "time": Timestamp(unixMicros: anHourAgo).description,
                "deadline": Timestamp(unixMicros: anHourAgo + 10 * 86_400_000_000).description, "category": Self.sql, "severity": "general",
            ])
        #expect(created == 201, "\(hazard)")
        let id = try #require(hazard["id"] as? String)
        let (_, readBack, _) = try await Cluster.send("\(hazards)/api/v1/hazards/\(id)", token: DepartmentHarness.hazardsClerk)
        #expect((readBack["fields"] as? [String: Any])?["category"] as? String == Self.sql || readBack["category"] as? String == Self.sql, "\(readBack)")
        #expect(try await count("records", hazardsDB) == before + 1)
        let newCode = subjects[1].code.rawValue
        let (put, _, _) = try await Cluster.send(
            "\(aggregator)/api/v1/subjects/\(newCode)", method: "PUT", token: "office-token",
            json: [
                "name": Self.sql, "type": subjects[1].type.rawValue, "county": subjects[1].county, "active": true,
            ])
        #expect(put == 200 || put == 201)
        #expect(try await aggregatorDB.query("SELECT name FROM subjects WHERE code = $1", [newCode]).first?.decode(0) as String? == Self.sql)
        #expect(try await count("subjects", aggregatorDB) == 40)

        // Line breaks meant to forge headers, markup meant to run: the sign-in's `next` ends up
        // neither as a header of its own nor as markup in the page.
        let forged = "/%0D%0ASet-Cookie:%20forged=1"
        let (_, _, signInPage) = try await Cluster.send("\(aggregator)/login?next=\(forged)%22%3E%3Cscript%3Ealert(1)%3C/script%3E")
        #expect(!signInPage.text.contains("<script>alert(1)"))
        let form = "name=wang&token=reader-token&next=\(forged)"
        let (signedIn, _, redirect) = try await Cluster.send(
            "\(aggregator)/login", method: "POST", body: Data(form.utf8),
            contentType: "application/x-www-form-urlencoded", followRedirects: false)
        #expect(signedIn == 303, "\(redirect.text.prefix(300))")
        #expect(redirect.headers["Location"].map { !$0.contains("\r") && !$0.contains("\n") } ?? false)
        #expect(!redirect.headers.keys.contains { $0.lowercased() == "set-cookie" } || !(redirect.headers["Set-Cookie"] ?? "").contains("forged"))

        // Over the limits: a 100 KB JSON body (limit 64 KB), a 33 MB roster (limit 32 MB), a 100 KB
        // header. Refused, nothing written, the service carries on.
        let large: [String: Any] = [
            "subject": subjects[0].code.rawValue, "time": "2026-01-01T00:00:00+08:00",
            "category": String(repeating: "火", count: 40_000), "severity": "general",
        ]
        let (tooLarge, problem, _) = try await Cluster.send("\(hazards)/api/v1/hazards", method: "POST", token: DepartmentHarness.hazardsClerk, json: large)
        #expect(tooLarge == 413 && problem["status"] as? Int == 413)
        #expect(try await count("records", hazardsDB) == before + 1)
        let csv = Data(("code,name,type,county,township,active\n" + String(repeating: "x", count: 33 << 20)).utf8)
        let (rosterTooLarge, _, _) = try await Cluster.send(
            "\(aggregator)/api/v1/subjects:import", method: "POST", token: "office-token",
            body: csv, contentType: "text/csv")
        #expect(rosterTooLarge == 413)
        let hugeHeader = try? await Cluster.send(
            "\(hazards)/api/v1/hazards", token: DepartmentHarness.hazardsClerk,
            headers: ["X-Padding": String(repeating: "a", count: 100_000)])
        #expect(hugeHeader.map { $0.0 >= 400 && $0.0 < 500 } ?? true, "a 100 KB header was served: \(hugeHeader.map { "\($0.0)" } ?? "")")
        #expect(try await Cluster.send("\(hazards)/health/live").0 == 200)

        // Every table is still there.
        for table in ["records", "outbox", "idempotency_keys", "roster"] { _ = try await count(table, hazardsDB) }
        for table in ["subjects", "facts", "consumer_offsets", "quarantine"] { _ = try await count(table, aggregatorDB) }
    }
}
