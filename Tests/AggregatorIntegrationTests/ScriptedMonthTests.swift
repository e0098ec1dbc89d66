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
import TestSupport
import Testing

/// A scripted month of a small city, published to a broker of the test's own, gives exactly the
/// figures computed from the script; the event about a subject the roster learns of later counts
/// once the subject is added.
@Suite struct ScriptedMonthTests {
    static let admin = "office-token"

    @Test func aScriptedMonthGivesTheFiguresComputedFromTheScript() async throws {
        let broker = try PrivateBroker()
        let city = ScriptedCity(seed: 20_260_301)
        let (configuration, databaseConfiguration) = try DepartmentHarness.configuration(service: "aggregator", bootstrapServers: broker.bootstrapServers)
        let database = PostgresClient(configuration: databaseConfiguration)
        let reader = ConfigReader(provider: EnvironmentVariablesProvider(environmentVariables: [:]))
        let app = try await Aggregator.buildApplication(configuration: configuration, reader: reader, logger: Logger(label: "test.aggregator"))

        try await app.test(.router) { client in
            // The roster, as the office imports it (without the subject it learns of later).
            var csv = "code,name,type,county,township,active\n"
            for s in city.subjects { csv += "\(s.code),主体\(s.code.rawValue.suffix(4)),\(s.type.rawValue),\(s.code.county),,\(s.active)\n" }
            let imported = try await client.execute(uri: "/api/v1/subjects:import", method: .post,
                                                    headers: [.authorization: "Bearer \(Self.admin)", .contentType: "text/csv"], body: ByteBuffer(string: csv))
            #expect(imported.status == .ok)
            #expect(DepartmentHarness.json(imported)["added"] as? Int == city.subjects.count)

            // The departments' events, some twice.
            let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(bootstrapServers: broker.bootstrapServers))
            let published = city.events + city.duplicates
            for result in await producer.sendAll(published.map { event in
                ProducerRecord(topic: event.source.topic, key: event.subject.rawValue, value: event.encoded(),
                               headers: [KafkaHeader(key: "content-type", value: CloudEvent.contentType)])
            }) { _ = try result.get() }
            await producer.close()
            #expect(try await DepartmentHarness.eventually(within: .seconds(60)) {
                try await database.query("SELECT coalesce(sum(next_offset), 0) FROM consumer_offsets")[0].decode(0, as: Int.self) == published.count
            })
            let waiting = try await database.query("SELECT count(*) FROM quarantine WHERE kind = 'unknown_subject' AND released_at IS NULL")[0].decode(0, as: Int.self)
            #expect(waiting == city.events.filter { $0.subject == city.lateSubject.code }.count + city.duplicates.filter { $0.subject == city.lateSubject.code }.count)

            // The roster learns of the last subject: its waiting events count now.
            let put = try await client.execute(uri: "/api/v1/subjects/\(city.lateSubject.code)", method: .put,
                                               headers: [.authorization: "Bearer \(Self.admin)", .contentType: "application/json"],
                                               body: ByteBuffer(string: #"{"name":"新增村","type":"village","county":"\#(city.lateSubject.code.county)","active":true}"#))
            #expect(put.status == .created)

            let response = try await client.execute(uri: "/api/v1/overview?from=2026-03-01&asOf=2026-03-31", method: .get,
                                                    headers: [.authorization: "Bearer \(DepartmentHarness.reader)"])
            #expect(response.status == .ok)
            let overview = DepartmentHarness.json(response)
            let expected = city.expected()
            try Self.compare(overview, expected)

            // The late subject's breach is explained down to the event.
            let subject = DepartmentHarness.json(try await client.execute(uri: "/api/v1/subjects/\(city.lateSubject.code)?from=2026-03-01&asOf=2026-03-31",
                                                                          method: .get, headers: [.authorization: "Bearer \(DepartmentHarness.reader)"]))
            #expect(subject["compliant"] as? Bool == false)
            let petitionZero = (subject["zeros"] as? [String: Any])?["petition"] as? [String: Any]
            #expect(petitionZero?["breached"] as? Bool == true)
            let ids = Set((petitionZero?["events"] as? [[String: Any]] ?? []).compactMap { $0["eventId"] as? String })
            #expect(ids.contains(city.events.last!.id))

            // As of an earlier date, later facts do not count.
            let early = DepartmentHarness.json(try await client.execute(uri: "/api/v1/overview?from=2026-03-01&asOf=2026-03-01", method: .get,
                                                                        headers: [.authorization: "Bearer \(DepartmentHarness.reader)"]))
            let earlyBatches = city.records.values.filter { r in
                if case .petitionRegistered = r.registered.data { r.registered.time <= ScriptedCity.time(day: 1, hour: 23) && (r.voidedAt.map { $0 > ScriptedCity.time(day: 1, hour: 23) } ?? true) } else { false }
            }.count
            #expect((early["petitions"] as? [String: Any])?["batches"] as? Int == earlyBatches)
        }
        await database.shutdown()
        broker.stop()
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
