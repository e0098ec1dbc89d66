import EventContract
import Foundation
import Kafka
import Postgres
import Simulation
import TestSupport
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// No single event stops the city's view. Through the department APIs every bounded field is
/// accepted at its maximum (and counted) and refused one step beyond (422 naming the field); on
/// the raw topics, as another producer would publish them, values that once stopped the view, a
/// megabyte of data, JSON nested 10,000 deep, a type no version knows. After each poison the
/// aggregator goes on applying what follows, within seconds, without a restart; each poison waits
/// in the quarantine with its reason; the figures are those of the valid events alone.
@Suite struct PoisonTests {
    @Test func noEventStopsTheView() async throws {
        let cluster = try await Cluster()
        defer { cluster.stopAll() }
        let aggregator = cluster.base("aggregator")
        let city = City(size: 40, seed: 3)
        let (imported, summary, _) = try await Cluster.send(
            "\(aggregator)/api/v1/subjects:import", method: "POST", token: "office-token",
            body: Data(city.rosterCSV().utf8), contentType: "text/csv")
        #expect(imported == 200, "\(summary)")
        let database = PostgresClient(configuration: try TestStack.postgres().database("\(cluster.run)_aggregator"))
        defer { Task { await database.shutdown() } }
        for department in ["petitions", "hazards", "cases"] {
            let db = PostgresClient(configuration: try TestStack.postgres().database("\(cluster.run)_\(department)"))
            #expect(
                try await DepartmentHarness.eventually(within: .seconds(60)) {
                    (try? await db.query("SELECT count(*) FROM roster")[0].decode(0, as: Int.self)) == 40
                }, "\(department) did not get the roster")
            await db.shutdown()
        }
        let enterprise = city.subjects.first { $0.type == .enterprise }!.code.rawValue
        let village = city.subjects.first { $0.type == .village }!.code.rawValue
        let others = city.subjects.filter { $0.code.rawValue != enterprise && $0.code.rawValue != village }.map(\.code.rawValue)
        // A minute ago, but today in China (the overview below reads the year so far).
        let now = Int64(Date().timeIntervalSince1970 * 1_000_000)
        let time = Timestamp(unixMicros: now - 60_000_000).description

        func post(_ service: String, _ path: String, token: String, _ body: [String: Any]) async throws -> (Int, [String: Any]) {
            let (status, json, _) = try await Cluster.send("\(cluster.base(service))/api/v1/\(path)", method: "POST", token: token, json: body)
            return (status, json)
        }
        func refused(_ service: String, _ path: String, token: String, _ body: [String: Any], field: String) async throws {
            let (status, problem) = try await post(service, path, token: token, body)
            #expect(status == 422, "\(path) with \(field) beyond its range: \(status) \(problem)")
            let detail = problem["detail"] as? String ?? ""
            #expect(detail.contains(field) && detail.contains("between") || detail.contains(field) && detail.contains("2100"), "\(detail)")
        }
        var random = SplitMix64(seed: 5)
        func petitioner() -> [String: Any] {
            let base = "1404031985" + String(format: "%02d%02d", 1 + random.int(0..<12), 1 + random.int(0..<28)) + String(format: "%03d", random.int(0..<999))
            let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
            let sum = zip(base, weights).reduce(0) { $0 + Int(String($1.0))! * $1.1 }
            return ["name": "测试人", "idNumber": base + String(Array("10X98765432")[sum % 11]), "phone": "13800000000"]
        }

        // Every bounded field at its maximum: accepted.
        let accident: [String: Any] = ["subject": enterprise, "time": time, "kind": "生产安全", "deaths": 10_000, "injuries": 10_000, "directLossYuan": 1e12]
        #expect(try await post("hazards", "accidents", token: DepartmentHarness.hazardsClerk, accident).0 == 201)
        let hazard: [String: Any] = ["subject": others[0], "time": time, "category": "消防", "severity": "major", "deadline": "2100-12-31T23:59:59Z"]
        #expect(try await post("hazards", "hazards", token: DepartmentHarness.hazardsClerk, hazard).0 == 201)
        let petition: [String: Any] = [
            "subject": village, "time": time, "channel": "visit", "persons": 100_000, "lodgedLevel": "unit",
            "collective": false, "origin": "self_found", "category": "征地拆迁", "petitioner": petitioner(),
        ]
        #expect(try await post("petitions", "petitions", token: DepartmentHarness.petitionsClerk, petition).0 == 201)
        let (filed, filedCase) = try await post(
            "cases", "cases", token: DepartmentHarness.casesClerk,
            ["subject": others[1], "time": time, "kind": "criminal", "category": "robbery_theft", "majorImpact": false])
        #expect(filed == 201)
        let caseId = try #require(filedCase["id"] as? String)
        #expect(try await post("cases", "cases/\(caseId)/solve", token: DepartmentHarness.casesClerk, ["time": time, "suspects": 10_000]).0 == 200)
        let problem: [String: Any] = ["subject": others[2], "time": time, "category": "治安乱点", "deadline": "2100-12-31T23:59:59+08:00"]
        #expect(try await post("cases", "security-problems", token: DepartmentHarness.casesClerk, problem).0 == 201)

        // One step beyond: refused, naming the field and its range, nothing written.
        func with(_ body: [String: Any], _ key: String, _ value: Any) -> [String: Any] { body.merging([key: value]) { $1 } }
        try await refused("hazards", "accidents", token: DepartmentHarness.hazardsClerk, with(accident, "deaths", 10_001), field: "deaths")
        try await refused("hazards", "accidents", token: DepartmentHarness.hazardsClerk, with(accident, "injuries", 10_001), field: "injuries")
        try await refused("hazards", "accidents", token: DepartmentHarness.hazardsClerk, with(accident, "deaths", 2_147_483_647), field: "deaths")
        try await refused("hazards", "accidents", token: DepartmentHarness.hazardsClerk, with(accident, "directLossYuan", 1.000001e12), field: "directLossYuan")
        try await refused("hazards", "hazards", token: DepartmentHarness.hazardsClerk, with(hazard, "deadline", "2101-01-01T00:00:00Z"), field: "deadline")
        try await refused("hazards", "hazards", token: DepartmentHarness.hazardsClerk, with(hazard, "time", "1989-12-31T00:00:00+08:00"), field: "time")
        try await refused(
            "petitions", "petitions", token: DepartmentHarness.petitionsClerk,
            with(with(petition, "persons", 100_001), "petitioner", petitioner()), field: "persons")
        try await refused("cases", "cases/\(caseId)/solve", token: DepartmentHarness.casesClerk, ["time": time, "suspects": 10_001], field: "suspects")
        try await refused(
            "cases", "security-problems", token: DepartmentHarness.casesClerk,
            with(problem, "deadline", "9999-12-31T23:59:59-14:00"), field: "deadline")

        // Everything accepted is applied.
        #expect(
            try await DepartmentHarness.eventually(within: .seconds(60)) {
                try await database.query("SELECT count(*) FROM facts")[0].decode(0, as: Int.self) == 6
            })
        let pid = try #require(cluster.services["aggregator"]).process.processIdentifier

        // Poison on the raw topics, each followed by a valid dispute through the petitions API.
        let template = try #require(try await database.query("SELECT event FROM facts WHERE type = 'accident.reported'").first?.decode(0, as: String.self))
        func envelope(_ change: (inout [String: Any]) -> Void) throws -> [UInt8] {
            var event = try #require(try JSONSerialization.jsonObject(with: Data(template.utf8)) as? [String: Any])
            event["id"] = UUIDv7.generate()
            change(&event)
            return Array(try JSONSerialization.data(withJSONObject: event))
        }
        func data(_ change: @escaping (inout [String: Any]) -> Void) -> (inout [String: Any]) -> Void {
            { event in
                var payload = event["data"] as? [String: Any] ?? [:]
                change(&payload)
                event["data"] = payload
            }
        }
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        let poison: [(name: String, topic: String, value: [UInt8], reason: String, kind: String)] = [
            (
                "deaths 2147483647 with injuries 1", EventSource.hazards.topic,
                try envelope(
                    data {
                        $0["deaths"] = 2_147_483_647; $0["injuries"] = 1
                    }), "data.deaths", "invalid"
            ),
            (
                "persons 2^62", EventSource.petitions.topic,
                try envelope {
                    $0["type"] = "cn.threezero.petition.registered.v1"; $0["source"] = "/departments/petitions"
                    $0["data"] = [
                        "petitionId": UUIDv7.generate(), "channel": "online", "persons": 4_611_686_018_427_387_904, "lodgedLevel": "unit",
                        "collective": false, "origin": "self_found", "category": "劳资",
                    ]
                }, "data.persons", "invalid"
            ),
            (
                "a deadline in 9999", EventSource.hazards.topic,
                try envelope {
                    $0["type"] = "cn.threezero.hazard.found.v1"
                    $0["data"] = ["hazardId": UUIDv7.generate(), "category": "消防", "severity": "general", "deadline": "9999-12-31T23:59:59-14:00"]
                }, "data.deadline", "invalid"
            ),
            ("sequence 2^64 − 1", EventSource.hazards.topic, try envelope { $0["sequence"] = "18446744073709551615" }, "sequence", "invalid"),
            (
                "a 1 MB data object", EventSource.hazards.topic,
                try envelope(data { $0["notes"] = String(repeating: "很长的备注", count: 65_000) }), "data.notes", "invalid"
            ),
            (
                "JSON nested 10,000 deep", EventSource.cases.topic,
                Array(String(decoding: try envelope { $0["data"] = "DEEP" }, as: UTF8.self).replacingOccurrences(of: "\"DEEP\"", with: deep).utf8),
                "not valid JSON", "invalid"
            ),
            (
                "a type no version knows", EventSource.hazards.topic, try envelope { $0["type"] = "cn.threezero.drill.scheduled.v7" },
                "not an event type", "unknown_type"
            ),
        ]
        var extra = KafkaClientConfiguration(bootstrapServers: cluster.broker.bootstrapServers)
        extra.extra["message.max.bytes"] = "4000000"
        var producerConfiguration = KafkaProducerConfiguration(bootstrapServers: cluster.broker.bootstrapServers)
        producerConfiguration.client = extra
        let producer = try KafkaProducer(configuration: producerConfiguration)
        for (round, p) in poison.enumerated() {
            for result in await producer.sendAll([ProducerRecord(topic: p.topic, key: enterprise, value: p.value)]) { _ = try result.get() }
            let (status, _) = try await post(
                "petitions", "disputes", token: DepartmentHarness.petitionsClerk,
                ["subject": village, "time": time, "category": "邻里纠纷"])
            #expect(status == 201)
            let applied = try await DepartmentHarness.eventually(within: .seconds(20)) {
                try await database.query("SELECT count(*) FROM facts WHERE type = 'dispute.found'")[0].decode(0, as: Int.self) == round + 1
            }
            #expect(applied, "after \(p.name) the view stopped")
            #expect(
                try await DepartmentHarness.eventually(within: .seconds(20)) {
                    try await database.query("SELECT count(*) FROM quarantine")[0].decode(0, as: Int.self) == round + 1
                }, "\(p.name) is not in the quarantine")
        }
        await producer.close()

        let kept = try await database.query("SELECT raw, reason, kind FROM quarantine ORDER BY id")
        #expect(kept.count == poison.count)
        for p in poison {
            let row = try kept.first { try $0.decode(0, as: Bytea.self).bytes == p.value }
            let reason = try row?.decode(1, as: String.self) ?? "(not quarantined)"
            #expect(reason.contains(p.reason), "\(p.name): \(reason)")
            #expect(try row?.decode(2, as: String.self) == p.kind, "\(p.name)")
        }
        // The same process all along, never restarted, ready.
        #expect(cluster.services["aggregator"]?.process.isRunning == true)
        #expect(cluster.services["aggregator"]?.process.processIdentifier == pid)
        let (_, quality) = try await Cluster.get("\(aggregator)/api/v1/quality", token: DepartmentHarness.reader)
        #expect((quality["thisInstance"] as? [String: Any])?["restarts"] as? Int == 0, "\(quality["thisInstance"] ?? "")")
        #expect(try await Cluster.get("\(aggregator)/health/ready").0 == 200)

        // The figures of the valid events, counted here from what the APIs accepted.
        let (_, overview) = try await Cluster.get("\(aggregator)/api/v1/overview", token: DepartmentHarness.reader)
        func number(_ path: String) -> Int? {
            var node: Any? = overview
            for key in path.split(separator: ".") { node = (node as? [String: Any])?[String(key)] }
            return (node as? NSNumber)?.intValue
        }
        let expected = [
            "breaches.accident": 1, "breaches.case": 1, "breaches.petition": 0, "petitions.batches": 1, "petitions.persons": 100_000,
            "problems.hazard.found": 1, "problems.hazard.open": 1, "problems.hazard.overdue": 0, "problems.security.found": 1,
            "problems.dispute.found": poison.count, "problems.total.found": poison.count + 2, "subjects.total": 40,
            "compliance.overall.compliant": 38,
        ]
        for (path, value) in expected { #expect(number(path) == value, "\(path): \(number(path).map(String.init) ?? "missing") ≠ \(value)") }

        // The roster's changes say who made them: the office's import, then a deactivation by PUT
        // (deactivating a breaching subject lifts its county; it leaves a trace on the subject's page).
        let breaching = city.subjects.first { $0.code.rawValue == enterprise }!
        let (put, _, _) = try await Cluster.send(
            "\(aggregator)/api/v1/subjects/\(enterprise)", method: "PUT", token: "office-token",
            json: [
                "name": breaching.name, "type": breaching.type.rawValue, "county": breaching.county, "active": false,
            ])
        #expect(put == 200)
        let (_, detail) = try await Cluster.get("\(aggregator)/api/v1/subjects/\(enterprise)", token: DepartmentHarness.reader)
        let changes = detail["changes"] as? [[String: Any]] ?? []
        #expect(changes.count == 2, "\(changes)")
        #expect(changes.first?["by"] as? String == "sun" && changes.first?["via"] as? String == "api" && changes.first?["active"] as? Bool == false)
        #expect(changes.last?["by"] as? String == "sun" && changes.last?["via"] as? String == "import" && changes.last?["active"] as? Bool == true)
        let cookie = try await StallTests.signIn(aggregator)
        let (_, _, page) = try await Cluster.send("\(aggregator)/subject/\(enterprise)", headers: ["Cookie": cookie])
        #expect(page.text.contains("名册变更记录") && page.text.contains("接口修改") && page.text.contains("名册导入"))
    }
}
