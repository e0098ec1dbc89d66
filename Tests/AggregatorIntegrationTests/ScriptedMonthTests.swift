import AggregatorService
import Configuration
import EventContract
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Kafka
import Logging
import NIOCore
import Postgres
import Simulation
import TestSupport
import Testing

/// A scripted month of a small city, published to a broker of the test's own, gives exactly the
/// figures computed from the script; the event about a subject the roster learns of later counts
/// once the subject is added.
@Suite struct ScriptedMonthTests {
    static let admin = "office-token"

    @Test func aScriptedMonthGivesTheFiguresComputedFromTheScript() async throws {
        try await Self.run(ScriptedCity(seed: 20_260_301), order: .asScripted, instances: 1)
    }

    /// Nothing is ordered across subjects: any interleaving gives the same view.
    @Test func anotherInterleavingOfSubjectsGivesTheSameFigures() async throws {
        try await Self.run(ScriptedCity(seed: 20_260_302), order: .interleaved(seed: 7), instances: 1)
    }

    /// Two aggregator instances in one consumer group split the partitions and give the view one gives.
    @Test func twoInstancesInOneGroupGiveTheSameFigures() async throws {
        try await Self.run(ScriptedCity(seed: 20_260_303), order: .asScripted, instances: 2)
    }

    enum Order {
        case asScripted
        /// Each subject's events in their order, subjects interleaved at random.
        case interleaved(seed: UInt64)
    }

    static func run(_ city: ScriptedCity, order: Order, instances: Int) async throws {
        let broker = try PrivateBroker()
        let (configuration, databaseConfiguration) = try DepartmentHarness.configuration(service: "aggregator", bootstrapServers: broker.bootstrapServers)
        let database = PostgresClient(configuration: databaseConfiguration)
        let reader = ConfigReader(provider: EnvironmentVariablesProvider(environmentVariables: ["AGGREGATOR_CHECK_INTERVAL_SECONDS": "1"]))
        let first = try await Aggregator.buildApplication(configuration: configuration, reader: reader, logger: Logger(label: "test.aggregator.1"))
        let second = try await Aggregator.buildApplication(configuration: configuration, reader: reader, logger: Logger(label: "test.aggregator.2"))

        var published = city.events + city.duplicates
        if case .interleaved(let seed) = order {
            var random = ScriptedCity.Random(seed: seed)
            var queues = Dictionary(grouping: published, by: \.subject.rawValue).mapValues { $0 }
            var keys = queues.keys.sorted()
            published = []
            while !keys.isEmpty {
                let i = random.int(0..<keys.count)
                published.append(queues[keys[i]]!.removeFirst())
                if queues[keys[i]]!.isEmpty { keys.remove(at: i) }
            }
        }
        let toPublish = published

        try await first.test(.router) { client in
            let body: @Sendable () async throws -> Void = {
                try await Self.scriptedMonth(city, publishing: toPublish, client: client, database: database, broker: broker)
            }
            if instances == 2 {
                try await second.test(.router) { other in
                    // Both members hold partitions before anything is published: the split is real.
                    #expect(
                        try await DepartmentHarness.eventually(within: .seconds(60)) {
                            let a = try await Self.assignment(client)
                            let b = try await Self.assignment(other)
                            return !a.isEmpty && !b.isEmpty && a.isDisjoint(with: b) && a.count + b.count == 36
                        })
                    try await body()
                }
            } else {
                try await body()
            }
        }
        await database.shutdown()
        broker.stop()
    }

    static func assignment(_ client: any TestClientProtocol) async throws -> Set<String> {
        let quality = DepartmentHarness.json(
            try await client.execute(
                uri: "/api/v1/quality", method: .get,
                headers: [.authorization: "Bearer \(DepartmentHarness.reader)"]))
        return Set((quality["thisInstance"] as? [String: Any])?["assignment"] as? [String] ?? [])
    }

    static func scriptedMonth(
        _ city: ScriptedCity, publishing published: [CloudEvent], client: any TestClientProtocol,
        database: PostgresClient, broker: PrivateBroker
    ) async throws {
        try await Self.importDirectory(city, client: client)
        // The roster, as the office imports it (without the subject it learns of later), and two
        // rows whose townships are refused.
        var csv = "code,name,type,county,township,active\n"
        for s in city.subjects { csv += "\(s.code),主体\(s.code.rawValue.suffix(4)),\(s.type.rawValue),\(s.code.county),\(s.township ?? ""),\(s.active)\n" }
        csv += "\(TestRoster.enterpriseCode(county: "140403")),无此乡镇企业,enterprise,140403,140403099,true\n"
        csv += "140403001999,错乡镇村,village,140403,140403002,true\n"
        let imported = try await client.execute(
            uri: "/api/v1/subjects:import", method: .post,
            headers: [.authorization: "Bearer \(Self.admin)", .contentType: "text/csv"], body: ByteBuffer(string: csv))
        #expect(imported.status == .ok)
        let summary = DepartmentHarness.json(imported)
        #expect(summary["added"] as? Int == city.subjects.count)
        let refusedRows = summary["refused"] as? [[String: Any]] ?? []
        #expect(refusedRows.map { $0["line"] as? Int } == [city.subjects.count + 2, city.subjects.count + 3])
        #expect((refusedRows.first?["reason"] as? String ?? "").contains("140403099 is not a township of the division directory"))
        #expect((refusedRows.last?["reason"] as? String ?? "").contains("contradicts the code"))

        // The departments' events, some twice, and poison among them.
        let sample = city.events.first { $0.type == .hazardFound }!
        var sampleJSON = try JSONSerialization.jsonObject(with: Data(sample.encoded())) as! [String: Any]
        func variant(_ change: (inout [String: Any]) -> Void) throws -> [UInt8] {
            var copy = sampleJSON
            change(&copy)
            return Array(try JSONSerialization.data(withJSONObject: copy))
        }
        let poison: [(topic: String, value: [UInt8], reason: String)] = [
            (EventSource.hazards.topic, Array("{not json".utf8), "not valid JSON"),
            (EventSource.hazards.topic, try variant { $0["type"] = "cn.threezero.hazard.exploded.v1" }, "not an event type"),
            (EventSource.hazards.topic, try variant { $0["data"] = ["category": "消防"] }, "data."),
            (EventSource.petitions.topic, try variant { $0["id"] = UUIDv7.generate() }, "does not publish to threezero.petitions.v1"),
            (
                EventSource.hazards.topic,
                try variant {
                    $0["id"] = UUIDv7.generate(); $0["time"] = "2099-01-01T00:00:00+08:00"
                }, "ahead of the aggregator's clock"
            ),
        ]
        sampleJSON = [:]
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(bootstrapServers: broker.bootstrapServers))
        for result in await producer.sendAll(
            published.map { event in
                ProducerRecord(
                    topic: event.source.topic, key: event.subject.rawValue, value: event.encoded(),
                    headers: [KafkaHeader(key: "content-type", value: CloudEvent.contentType)])
            } + poison.map { ProducerRecord(topic: $0.topic, key: "poison", value: $0.value) })
        { _ = try result.get() }
        await producer.close()
        #expect(
            try await DepartmentHarness.eventually(within: .seconds(90)) {
                try await database.query("SELECT coalesce(sum(next_offset), 0) FROM consumer_offsets")[0].decode(0, as: Int.self)
                    == published.count + poison.count
            })
        // Each poison event is kept with its reason, bytes, topic, partition and offset, and sent to the dead-letter topic.
        let refused = try await database.query(
            """
            SELECT topic, reason, raw, partition, "offset", kind FROM quarantine WHERE kind IN ('invalid', 'unknown_type') ORDER BY id
            """)
        #expect(refused.count == poison.count)
        for p in poison {
            let row = try refused.first { try $0.decode(2, as: Bytea.self).bytes == p.value }
            #expect(try row?.decode(0, as: String.self) == p.topic)
            let reason = try row?.decode(1, as: String.self) ?? ""
            #expect(reason.contains(p.reason), "\(p.reason): \(reason)")
            #expect(try (row?.decode(4, as: Int64.self) ?? -1) >= 0)
            // A type no version knows waits for one that does; the rest are poison.
            #expect(try row?.decode(5, as: String.self) == (p.reason == "not an event type" ? "unknown_type" : "invalid"), "\(p.reason)")
        }
        let deadLetters = try KafkaConsumer(configuration: KafkaConsumerConfiguration(bootstrapServers: broker.bootstrapServers, groupID: "dlq-check"))
        try deadLetters.subscribe(topics: ["threezero.aggregator.dlq.v1"])
        var lettered: [KafkaMessage] = []
        _ = try await DepartmentHarness.eventually(within: .seconds(30)) {
            lettered += try await deadLetters.poll(maxMessages: 100, timeout: .milliseconds(200))
            return lettered.filter { $0.headers.contains { $0.key == "kind" && ["invalid", "unknown_type"].map { Array($0.utf8) }.contains($0.value) } }.count
                == poison.count
        }
        #expect(
            Set(lettered.filter { $0.headers.contains { $0.key == "kind" && ["invalid", "unknown_type"].map { Array($0.utf8) }.contains($0.value) } }.map(\.value))
                == Set(poison.map(\.value)))
        await deadLetters.close()
        // Nothing counted twice: one fact per distinct event about a known subject.
        let known = Set(city.events.filter { $0.subject != city.lateSubject.code }.map(\.id))
        #expect(try await database.query("SELECT count(*) FROM facts")[0].decode(0, as: Int.self) == known.count)
        let waiting = try await database.query("SELECT count(*) FROM quarantine WHERE kind = 'unknown_subject' AND released_at IS NULL")[0].decode(0, as: Int.self)
        // Each distinct message once: a copy delivered again is the same message.
        #expect(waiting == Set(published.filter { $0.subject == city.lateSubject.code }.map { $0.encoded() }).count)

        // What the command center saw before the roster changed, to reproduce it later as known then.
        let knownAt = Timestamp(unixMicros: Int64(Date().timeIntervalSince1970 * 1_000_000))
        let countiesBefore = try await Self.get("/api/v1/counties?from=2026-03-01&asOf=2026-03-31", client)

        // The roster learns of the last subject: its waiting events count now.
        let put = try await client.execute(
            uri: "/api/v1/subjects/\(city.lateSubject.code)", method: .put,
            headers: [.authorization: "Bearer \(Self.admin)", .contentType: "application/json"],
            body: ByteBuffer(string: #"{"name":"新增村","type":"village","county":"\#(city.lateSubject.code.county)","active":true}"#))
        #expect(put.status == .created)

        let response = try await client.execute(
            uri: "/api/v1/overview?from=2026-03-01&asOf=2026-03-31", method: .get,
            headers: [.authorization: "Bearer \(DepartmentHarness.reader)"])
        #expect(response.status == .ok)
        let overview = DepartmentHarness.json(response)
        try Self.compare(overview, city.expected())
        let yoy = try #require(overview["yearOnYear"] as? [String: [String: Int]])
        #expect(yoy["petitions"]?["previous"] == 1 && yoy["criminalCases"]?["previous"] == 1 && yoy["accidents"]?["previous"] == 0)
        #expect(yoy["petitions"]?["current"] == city.expected().batches)

        // The counties add up to the city, and are ranked by resolution rate, then compliance rate.
        let ranked = DepartmentHarness.json(
            try await client.execute(
                uri: "/api/v1/counties?from=2026-03-01&asOf=2026-03-31", method: .get,
                headers: [.authorization: "Bearer \(DepartmentHarness.reader)"]))
        let counties = try #require(ranked["counties"] as? [[String: Any]])
        #expect(counties.count == 3)
        func sum(_ path: [String]) -> Int {
            counties.map { county in
                var node: Any? = county
                for key in path { node = (node as? [String: Any])?[key] }
                return node as? Int ?? 0
            }.reduce(0, +)
        }
        func cityFigure(_ path: [String]) -> Int? {
            var node: Any? = overview
            for key in path { node = (node as? [String: Any])?[key] }
            return node as? Int
        }
        for path in [
            ["subjects", "total"], ["compliance", "overall", "compliant"], ["problems", "total", "found"],
            ["problems", "total", "resolved"], ["problems", "total", "overdue"], ["petitions", "batches"], ["breaches", "case"],
        ] {
            #expect(sum(path) == cityFigure(path), "\(path)")
        }
        #expect(counties.map { $0["rank"] as? Int } == [1, 2, 3])
        let rates = counties.map { (($0["problems"] as? [String: Any])?["total"] as? [String: Any])?["rate"] as? Double ?? -1 }
        #expect(rates == rates.sorted(by: >))

        // As known before the late subject was added, the ranking is what it was then, to the figure.
        let knownAtText = knownAt.description.replacingOccurrences(of: "+", with: "%2B")
        let reproduced = try await Self.get("/api/v1/counties?from=2026-03-01&asOf=2026-03-31&knownAt=\(knownAtText)", client)
        #expect(NSDictionary(dictionary: ["c": reproduced["counties"] as Any]) == NSDictionary(dictionary: ["c": countiesBefore["counties"] as Any]))
        #expect(NSDictionary(dictionary: ["c": ranked["counties"] as Any]) != NSDictionary(dictionary: ["c": countiesBefore["counties"] as Any]))

        // This year so far, as known now: every fact lies before the asOf, so the maintained
        // counters answer, and give the figures computed from the script for that window.
        let yearEnd = Timestamp(rfc3339: "2026-12-31T23:59:59.999999+08:00")!
        let year = try await Self.get("/api/v1/overview?asOf=2026-12-31", client)
        #expect(year["from"] as? String == "2026-01-01T00:00:00+08:00")
        try Self.compare(year, city.expected(from: Timestamp(rfc3339: "2026-01-01T00:00:00+08:00")!, asOf: yearEnd))
        #expect(try await Self.conservationChecksHold(client))
        // In a month with problems falling due, overdue is the months before from the counters and this one's from the index.
        let april = try await Self.get("/api/v1/overview?asOf=2026-04-20", client)
        try Self.compare(
            april,
            city.expected(
                from: Timestamp(rfc3339: "2026-01-01T00:00:00+08:00")!,
                asOf: Timestamp(rfc3339: "2026-04-20T23:59:59.999999+08:00")!))

        // A breaching subject taken off the roster leaves the counters, and comes back with them.
        let breaching = try #require(
            city.subjects.first { s in
                s.active
                    && city.records.values.contains { r in
                        guard r.subject == s.code, r.voidedAt == nil, case .petitionRegistered(let p) = r.registered.data else { return false }
                        return p.lodgedLevel != .unit || p.collective
                    }
            })
        for active in [false, true] {
            let changed = try await client.execute(
                uri: "/api/v1/subjects/\(breaching.code)", method: .put,
                headers: [.authorization: "Bearer \(Self.admin)", .contentType: "application/json"],
                body: ByteBuffer(
                    string:
                        #"{"name":"主体","type":"\#(breaching.type.rawValue)","county":"\#(breaching.code.county)","active":\#(active)\#(breaching.township.map { #","township":"\#($0)""# } ?? "")}"#
                ))
            #expect(changed.status == .ok)
            let after = try await Self.get("/api/v1/overview?asOf=2026-12-31", client)
            let total = ((after["compliance"] as? [String: Any])?["overall"] as? [String: Any])?["total"] as? Int
            let petitionBreaches = (after["breaches"] as? [String: Int])?["petition"]
            let expected = city.expected(from: Timestamp(rfc3339: "2026-01-01T00:00:00+08:00")!, asOf: yearEnd)
            #expect(total == expected.active.values.reduce(0, +) - (active ? 0 : 1))
            #expect(petitionBreaches == expected.breaches[0] - (active ? 0 : 1))
            #expect(try await Self.conservationChecksHold(client))
        }

        // The views for BI tools give the numbers the API gives, county by county.
        let thisYear = Int(Timestamp(unixMicros: Int64(Date().timeIntervalSince1970 * 1_000_000)).description.prefix(4))!
        let current = try #require(try await Self.get("/api/v1/counties", client)["counties"] as? [[String: Any]])
        #expect(current.count == 3)
        for county in current {
            let code = try #require(county["county"] as? String)
            let row = try await database.query(
                """
                SELECT c.subjects, c.compliant, c.breaching_petition, c.breaching_accident, c.breaching_case, p.batches, p.persons
                FROM bi_compliance_by_county c JOIN bi_petitions_by_county p USING (year, county) WHERE year = $1 AND county = $2
                """, [thisYear, code])[0]
            let compliance = (county["compliance"] as? [String: Any])?["overall"] as? [String: Any]
            let breaches = county["breaches"] as? [String: Int]
            let petitions = county["petitions"] as? [String: Any]
            let api = [
                (county["subjects"] as? [String: Any])?["total"] as? Int, compliance?["compliant"] as? Int, breaches?["petition"],
                breaches?["accident"], breaches?["case"], petitions?["batches"] as? Int, petitions?["persons"] as? Int,
            ]
            #expect(try (0..<7).map { Optional(try row.decode($0, as: Int.self)) } == api, "county \(code)")
            let problems = county["problems"] as? [String: [String: Any]]
            for (key, kind) in [("dispute", "dispute"), ("hazard", "hazard"), ("security", "security_problem")] {
                let ledger = try await database.query(
                    """
                    SELECT found, resolved, open, overdue FROM bi_problem_ledger WHERE year = $1 AND county = $2 AND kind = $3
                    """, [thisYear, code, kind])[0]
                #expect(
                    try (0..<4).map { Optional(try ledger.decode($0, as: Int.self)) }
                        == ["found", "resolved", "open", "overdue"].map { problems?[key]?[$0] as? Int }, "county \(code) \(kind)")
            }
        }

        // The problem ledger lists what the figures count, page by page.
        let yearProblems = try #require(year["problems"] as? [String: [String: Any]])
        let openHazards = try await Self.get("/api/v1/problems?asOf=2026-12-31&kind=hazard&status=open", client)
        #expect(openHazards["total"] as? Int == yearProblems["hazard"]?["open"] as? Int)
        let overdue = try await Self.get("/api/v1/problems?asOf=2026-12-31&overdue=true", client)
        #expect(overdue["total"] as? Int == yearProblems["total"]?["overdue"] as? Int)
        #expect((overdue["items"] as? [[String: Any]] ?? []).allSatisfy { $0["overdue"] as? Bool == true && $0["status"] as? String == "open" })
        var listed = Set<String>()
        for page in 1... {
            let items = try #require(try await Self.get("/api/v1/problems?asOf=2026-12-31&pageSize=7&page=\(page)", client)["items"] as? [[String: Any]])
            if items.isEmpty { break }
            listed.formUnion(items.compactMap { $0["recordId"] as? String })
        }
        #expect(listed.count == yearProblems["total"]?["found"] as? Int)
        let badFilter = try await client.execute(uri: "/api/v1/problems?kind=fire", method: .get, headers: [.authorization: "Bearer \(DepartmentHarness.reader)"])
        #expect(badFilter.status == .badRequest)

        // Consumption has caught up on every partition: no lag.
        let offsets = try #require(try await Self.get("/api/v1/quality", client)["offsets"] as? [[String: Any]])
        #expect(!offsets.isEmpty && offsets.allSatisfy { $0["lag"] as? Int == 0 })

        // A ranking saved by the office is frozen with a hash, and the next ranking is measured against it.
        let saved = try await client.execute(
            uri: "/api/v1/rankings?from=2026-03-01&asOf=2026-03-31", method: .post,
            headers: [.authorization: "Bearer \(Self.admin)"])
        #expect(saved.status == .created)
        #expect((DepartmentHarness.json(saved)["contentHash"] as? String)?.count == 64)
        let readerSaving = try await client.execute(uri: "/api/v1/rankings", method: .post, headers: [.authorization: "Bearer \(DepartmentHarness.reader)"])
        #expect(readerSaving.status == .forbidden)
        let sameRanking = try #require(try await Self.get("/api/v1/counties?from=2026-03-01&asOf=2026-03-31", client)["counties"] as? [[String: Any]])
        #expect(sameRanking.allSatisfy { $0["rankChange"] as? Int == 0 })

        // The late subject's breach is explained down to the event.
        let subject = DepartmentHarness.json(
            try await client.execute(
                uri: "/api/v1/subjects/\(city.lateSubject.code)?from=2026-03-01&asOf=2026-03-31",
                method: .get, headers: [.authorization: "Bearer \(DepartmentHarness.reader)"]))
        #expect(subject["compliant"] as? Bool == false)
        let petitionZero = (subject["zeros"] as? [String: Any])?["petition"] as? [String: Any]
        #expect(petitionZero?["breached"] as? Bool == true)
        let ids = Set((petitionZero?["events"] as? [[String: Any]] ?? []).compactMap { $0["eventId"] as? String })
        #expect(ids.contains(city.events.last!.id))

        // As of an earlier date, later facts do not count.
        let early = DepartmentHarness.json(
            try await client.execute(
                uri: "/api/v1/overview?from=2026-03-01&asOf=2026-03-01", method: .get,
                headers: [.authorization: "Bearer \(DepartmentHarness.reader)"]))
        let endOfDay = ScriptedCity.time(day: 1, hour: 24)
        let earlyBatches = city.records.values.filter { r in
            guard case .petitionRegistered = r.registered.data else { return false }
            return r.registered.time < endOfDay && (r.voidedAt.map { $0 >= endOfDay } ?? true)
        }.count
        #expect((early["petitions"] as? [String: Any])?["batches"] as? Int == earlyBatches)

        try await Self.townships(city, client: client, database: database, broker: broker)
    }

    static func get(_ uri: String, _ client: any TestClientProtocol) async throws -> [String: Any] {
        let response = try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(DepartmentHarness.reader)"])
        #expect(response.status == .ok, "\(uri): \(String(buffer: response.body))")
        return DepartmentHarness.json(response)
    }

    /// Waits for a round of conservation checks that started after now, and tells whether all hold.
    static func conservationChecksHold(_ client: any TestClientProtocol) async throws -> Bool {
        let start = Timestamp(unixMicros: Int64(Date().timeIntervalSince1970 * 1_000_000))
        var checks: [[String: Any]] = []
        _ = try await DepartmentHarness.eventually(within: .seconds(30)) {
            checks = try await Self.get("/api/v1/quality", client)["conservationChecks"] as? [[String: Any]] ?? []
            return checks.count == 5
                && checks.allSatisfy { c in
                    (c["checkedAt"] as? String).flatMap(Timestamp.init(rfc3339:)).map { $0 > start } ?? false
                }
        }
        for check in checks where check["ok"] as? Bool != true { Issue.record("conservation check \(check["name"] ?? "?"): \(check["detail"] ?? "")") }
        return checks.count == 5 && checks.allSatisfy { $0["ok"] as? Bool == true }
    }

    static func compare(_ overview: [String: Any], _ expected: ScriptedCity.Expected) throws {
        let compliance = try #require(overview["compliance"] as? [String: Any])
        let byType = try #require(compliance["byType"] as? [String: [String: Any]])
        for type in SubjectType.allCases {
            #expect(byType[type.rawValue]?["total"] as? Int == expected.active[type, default: 0], "\(type) total")
            #expect(byType[type.rawValue]?["compliant"] as? Int == expected.compliant[type, default: 0], "\(type) compliant")
        }
        let rural = try #require(compliance["rural"] as? [String: Any])
        #expect(rural["compliant"] as? Int == expected.compliant[.village, default: 0] + expected.compliant[.community, default: 0])
        let overall = try #require(compliance["overall"] as? [String: Any])
        #expect(overall["total"] as? Int == expected.active.values.reduce(0, +))
        let breaches = try #require(overview["breaches"] as? [String: Int])
        #expect([breaches["petition"], breaches["accident"], breaches["case"]] == expected.breaches.map { Optional($0) })

        let problems = try #require(overview["problems"] as? [String: [String: Any]])
        for (key, entity) in [("dispute", Entity.dispute), ("hazard", .hazard), ("security", .securityProblem)] {
            let l = expected.ledger[entity] ?? [0, 0, 0, 0]
            let got = ["found", "resolved", "open", "overdue"].map { problems[key]?[$0] as? Int }
            #expect(got == l.map { Optional($0) }, "\(key) ledger")
        }
        let total = ["found", "resolved", "open", "overdue"].map { problems["total"]?[$0] as? Int ?? -1 }
        let sum = (0..<4).map { i in ["dispute", "hazard", "security"].map { problems[$0]?[["found", "resolved", "open", "overdue"][i]] as? Int ?? 0 }.reduce(0, +) }
        #expect(total == sum)

        let petitions = try #require(overview["petitions"] as? [String: Any])
        #expect(petitions["batches"] as? Int == expected.batches)
        #expect(petitions["persons"] as? Int == expected.persons)
        #expect(abs((petitions["onlineShare"] as? Double ?? -1) - (expected.batches == 0 ? 0 : Double(expected.online) / Double(expected.batches))) < 1e-9)
        #expect((petitions["origin"] as? [String: Int])?["selfFound"] == expected.selfFound)
        let proxy = try #require(petitions["proxy"] as? [String: Int])
        for level in ProxyLevel.allCases { #expect(proxy[level.rawValue] == expected.proxy[level, default: 0], "proxy \(level)") }
    }
}
