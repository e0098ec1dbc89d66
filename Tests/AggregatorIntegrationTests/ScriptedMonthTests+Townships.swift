import Divisions
import EventContract
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Kafka
import NIOCore
import Postgres
import TestSupport
import Testing

@testable import AggregatorService

/// The four levels in the scripted month: the directory the office imports, every township's
/// figures against the script, townships adding up to their county, a township notice restated
/// by a late event, and a subject moved between townships.
extension ScriptedMonthTests {
    /// The office renames a township through the API; bad lines are refused by number and change nothing.
    static func importDirectory(_ city: ScriptedCity, client: any TestClientProtocol) async throws {
        let csv = "code,name\n140403001,东街街道(新)\n140403000,未划分\n1404X3,坏县\n140499001,无县之乡\n"
        let response = try await client.execute(
            uri: "/api/v1/divisions:import", method: .post,
            headers: [.authorization: "Bearer \(admin)", .contentType: "text/csv"], body: ByteBuffer(string: csv))
        #expect(response.status == .ok)
        let summary = DepartmentHarness.json(response)
        #expect(summary["changed"] as? Int == 1 && summary["added"] as? Int == 0)
        #expect((summary["refused"] as? [[String: Any]] ?? []).map { $0["line"] as? Int } == [3, 4, 5])
        let divisions = try #require(try await get("/api/v1/divisions", client)["divisions"] as? [[String: Any]])
        #expect(divisions.first { $0["code"] as? String == "140403001" }?["name"] as? String == "东街街道(新)")
        #expect(divisions.first { $0["code"] as? String == "140403001" }?["parent"] as? String == "140403")
        #expect(divisions.count == DivisionNames.demo.divisions.count)
    }

    static func townships(_ city: ScriptedCity, client: any TestClientProtocol, database: PostgresClient, broker: PrivateBroker) async throws {
        let yearStart = Timestamp(rfc3339: "2026-01-01T00:00:00+08:00")!
        let yearEnd = Timestamp(rfc3339: "2026-12-31T23:59:59.999999+08:00")!
        let townships = Set((city.subjects + [city.lateSubject]).map(\.countsUnder)).sorted()
        #expect(townships.contains { $0.hasSuffix("000") }, "some subjects count under 未划分乡镇")

        // Every township's figures equal the script's, for the year so far (the maintained counters)
        // and for March (recomputed from the facts).
        for township in townships {
            try compare(try await get("/api/v1/overview?asOf=2026-12-31&township=\(township)", client), city.expected(from: yearStart, asOf: yearEnd, within: township))
            try compare(try await get("/api/v1/overview?from=2026-03-01&asOf=2026-03-31&township=\(township)", client), city.expected(within: township))
        }
        // Townships add up to their county, metric by metric, and are ranked within it.
        let counties = try #require(try await get("/api/v1/counties?from=2026-03-01&asOf=2026-03-31", client)["counties"] as? [[String: Any]])
        for county in counties {
            let code = try #require(county["county"] as? String)
            let ranked = try #require(try await get("/api/v1/townships?county=\(code)&from=2026-03-01&asOf=2026-03-31", client)["townships"] as? [[String: Any]])
            #expect(Set(ranked.compactMap { $0["township"] as? String }) == Set(townships.filter { $0.hasPrefix(code) }))
            #expect(ranked.map { $0["rank"] as? Int } == ranked.indices.map { $0 + 1 })
            #expect(ranked.allSatisfy { ($0["name"] as? String)?.isEmpty == false })
            for path in [
                ["subjects", "total"], ["compliance", "overall", "compliant"], ["breaches", "petition"], ["breaches", "case"], ["problems", "total", "found"],
                ["problems", "total", "resolved"], ["problems", "total", "overdue"], ["problems", "hazard", "open"], ["petitions", "batches"],
                ["petitions", "persons"],
            ] {
                #expect(ranked.map { value($0, path) }.reduce(0, +) == value(county, path), "\(code) \(path)")
            }
        }
        let everywhere = try #require(try await get("/api/v1/townships?from=2026-03-01&asOf=2026-03-31", client)["townships"] as? [[String: Any]])
        #expect(everywhere.count == townships.count)

        // The village level: a township's subjects, breaching ones first.
        let township = try #require(townships.first { !$0.hasSuffix("000") })
        let listed = try await get("/api/v1/subjects?township=\(township)&from=2026-03-01&asOf=2026-03-31", client)
        let items = try #require(listed["items"] as? [[String: Any]])
        let expected = city.subjects.filter { $0.active && $0.countsUnder == township }
        #expect(listed["total"] as? Int == expected.count && items.count == expected.count)
        #expect(items.filter { $0["compliant"] as? Bool == false }.count == city.expected(within: township).breachingSubjects)
        let compliantFlags = items.map { $0["compliant"] as? Bool == true }
        #expect(compliantFlags == compliantFlags.sorted { !$0 && $1 }, "breaching subjects first")

        // A township notice: frozen, measured against, and restated by a late event.
        let county = String(township.prefix(6))
        let saved = try await client.execute(
            uri: "/api/v1/rankings?level=township&county=\(county)&from=2026-03-01&asOf=2026-03-31", method: .post,
            headers: [.authorization: "Bearer \(admin)"])
        #expect(saved.status == .created)
        let notice = DepartmentHarness.json(saved)
        #expect(notice["level"] as? String == "township" && notice["county"] as? String == county)
        let after = try #require(try await get("/api/v1/townships?county=\(county)&from=2026-03-01&asOf=2026-03-31", client)["townships"] as? [[String: Any]])
        #expect(after.allSatisfy { $0["rankChange"] as? Int == 0 })
        let subject = try #require(city.subjects.first { $0.active && $0.countsUnder == township })
        var sequence = city.sequences[.hazards, default: 0]
        func hazard(at time: Timestamp, on code: SubjectCode) -> CloudEvent {
            sequence += 1
            return CloudEvent(
                source: .hazards, subject: code, time: time, sequence: sequence,
                data: .hazardFound(.init(hazardId: UUIDv7.generate(), category: "迟报隐患", severity: .general, deadline: Timestamp(unixMicros: time.unixMicros + 7 * 86_400_000_000))))
        }
        let facts = try await database.query("SELECT count(*) FROM facts")[0].decode(0, as: Int.self)
        try await publish([hazard(at: ScriptedCity.time(day: 20, hour: 9), on: subject.code)], broker: broker)
        #expect(try await DepartmentHarness.eventually(within: .seconds(60)) { try await database.query("SELECT count(*) FROM facts")[0].decode(0, as: Int.self) == facts + 1 })
        let id = try #require(notice["id"] as? Int)
        let restated = try await database.withConnection { conn in
            try SavedRankings.restatement(Int64(id), queries: ComplianceQueries(settings: .init()), on: conn)
        }
        #expect(restated?.lateEvents == 1)
        #expect(restated?.changes.contains { $0.contains("排查") } == true, "\(restated?.changes ?? [])")

        // A subject moved to another township takes its subject count along from the move; its
        // records registered before stay in the old township, those after count in the new one.
        let mover = try #require(city.subjects.first { $0.active && $0.type == .enterprise && $0.township != nil })
        let (from, to) = (mover.countsUnder, try #require(DivisionNames.demo.townships(of: mover.code.county).prefix(3).map(\.code).first { $0 != mover.countsUnder }))
        let beforeMove = try await get("/api/v1/overview?asOf=2026-12-31&township=\(from)", client)
        let knownBefore = Timestamp(unixMicros: Int64(Date().timeIntervalSince1970 * 1_000_000)).description.replacingOccurrences(of: "+", with: "%2B")
        try await Task.sleep(for: .milliseconds(20))
        let moved = try await client.execute(
            uri: "/api/v1/subjects/\(mover.code)", method: .put, headers: [.authorization: "Bearer \(admin)", .contentType: "application/json"],
            body: ByteBuffer(string: #"{"name":"迁移企业","type":"enterprise","county":"\#(mover.code.county)","township":"\#(to)","active":true}"#))
        #expect(moved.status == .ok)
        try await Task.sleep(for: .milliseconds(20))
        try await publish([hazard(at: WallClock.system.now(), on: mover.code)], broker: broker)
        #expect(try await DepartmentHarness.eventually(within: .seconds(60)) { try await database.query("SELECT count(*) FROM facts")[0].decode(0, as: Int.self) == facts + 2 })
        let oldAfter = try await get("/api/v1/overview?asOf=2026-12-31&township=\(from)", client)
        let newAfter = try await get("/api/v1/overview?asOf=2026-12-31&township=\(to)", client)
        let newBefore = try await get("/api/v1/overview?asOf=2026-12-31&township=\(to)&knownAt=\(knownBefore)", client)
        #expect(value(oldAfter, ["subjects", "total"]) == value(beforeMove, ["subjects", "total"]) - 1)
        #expect(value(newAfter, ["subjects", "total"]) == value(newBefore, ["subjects", "total"]) + 1)
        #expect(value(oldAfter, ["problems", "hazard", "found"]) == value(beforeMove, ["problems", "hazard", "found"]), "earlier records stay")
        #expect(value(newAfter, ["problems", "hazard", "found"]) == value(newBefore, ["problems", "hazard", "found"]) + 1, "the new record counts in the new township")
        // As known before the move, the old township is what it was.
        let oldKnownBefore = try await get("/api/v1/overview?asOf=2026-12-31&township=\(from)&knownAt=\(knownBefore)", client)
        #expect(value(oldKnownBefore, ["subjects", "total"]) == value(beforeMove, ["subjects", "total"]))
        #expect(try await conservationChecksHold(client))

        // Each level keeps its own counters: a county's that drifts from its townships' is caught,
        // metric by metric, and so is the city's that no longer adds up.
        let thisYear = Int(WallClock.system.now().description.prefix(4))!
        let drift = "UPDATE figures SET value = value + $1 WHERE level = 'county' AND division = $2 AND year = $3 AND metric = 'found.hazard'"
        let moverCounty = mover.code.county
        let outcomes = try await database.withConnection { conn in
            #expect(try conn.update(drift, [1, moverCounty, thisYear]) == 1)
            defer { _ = try? conn.update(drift, [-1, moverCounty, thisYear]) }
            return try ConservationChecks.check(ComplianceQueries(settings: .init()), on: conn)
        }
        let failed = Dictionary(uniqueKeysWithValues: outcomes.map { ($0.name, $0.problems) })
        #expect(failed["townships_sum_to_county"]?.contains { $0.hasPrefix("\(moverCounty) found.hazard: townships add up to") } == true, "\(failed)")
        #expect(failed["counties_sum_to_city"]?.contains { $0.hasPrefix("city found.hazard: counties add up to") } == true, "\(failed)")
        #expect(failed["maintained_equals_recomputed"] == [], "the townships themselves are right")

        // The BI views per township give the numbers the API gives, township by township.
        let current = try #require(try await get("/api/v1/townships", client)["townships"] as? [[String: Any]])
        #expect(current.count >= townships.count)
        for t in current {
            let code = try #require(t["township"] as? String)
            let row = try await database.query(
                """
                SELECT c.subjects, c.compliant, c.breaching_petition, p.batches, l.found, l.open
                FROM bi_compliance_by_township c JOIN bi_petitions_by_township p USING (year, county, township)
                    JOIN bi_problem_ledger_by_township l USING (year, county, township)
                WHERE year = $1 AND township = $2 AND l.kind = 'hazard'
                """, [thisYear, code])
            let api = [
                value(t, ["subjects", "total"]), value(t, ["compliance", "overall", "compliant"]), value(t, ["breaches", "petition"]),
                value(t, ["petitions", "batches"]), value(t, ["problems", "hazard", "found"]), value(t, ["problems", "hazard", "open"]),
            ]
            #expect(try row.first.map { r in try (0..<6).map { try r.decode($0, as: Int.self) } } == api, "township \(code)")
        }
    }

    /// The integer at `path` in a JSON object (0 when absent).
    static func value(_ object: [String: Any], _ path: [String]) -> Int {
        var node: Any? = object
        for key in path { node = (node as? [String: Any])?[key] }
        return node as? Int ?? 0
    }

    static func publish(_ events: [CloudEvent], broker: PrivateBroker) async throws {
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(bootstrapServers: broker.bootstrapServers))
        for result in await producer.sendAll(
            events.map {
                ProducerRecord(
                    topic: $0.source.topic, key: $0.subject.rawValue, value: $0.encoded(),
                    headers: [KafkaHeader(key: "content-type", value: CloudEvent.contentType)])
            })
        { _ = try result.get() }
        await producer.close()
    }
}
