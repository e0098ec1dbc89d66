import EventContract
import Foundation
import Kafka
import Simulation
import TestSupport
import Testing

/// Petitioners' identities never leave the petitions service: after a simulated month sent
/// through the APIs (every petition with a name, a resident ID number and a phone), none of them
/// is on any topic or in any service's log — logged at the most talkative level.
@Suite struct PersonalDataTests {
    @Test func noPetitionerIdentityInAnyTopicOrLog() async throws {
        let cluster = try await Cluster(logLevel: "trace")
        defer { cluster.stopAll() }
        let (from, until) = (Cluster.daysAgo(30), Cluster.daysAgo(1))
        let result = try await cluster.simulate(subjects: 600, from: from, until: until, importRoster: true)
        #expect(result.status == 0, "\(result.printed)")

        // The identities the simulator sent: the same activity, generated again from the same seed.
        let city = City(size: 600, seed: 7)
        var activity = Activity(
            city: city, start: Timestamp(rfc3339: from + "T00:00:00+08:00")!,
            end: Timestamp(unixMicros: Timestamp(rfc3339: until + "T00:00:00+08:00")!.unixMicros + 86_400_000_000), seed: 7)
        var secrets: Set<String> = []
        var petitions: Set<Int> = []
        while let action = activity.next() {
            if action.kind == .petition { if action.action == nil { petitions.insert(action.record) } else if action.action == "void" { petitions.remove(action.record) } }
            guard action.kind == .petition, action.action == nil, case .object(let person)? = action.fields["petitioner"] else { continue }
            for field in ["idNumber", "phone"] { if case .string(let value)? = person[field] { secrets.insert(value) } }
            if case .string(let name)? = person["name"], name.count == 3 { secrets.insert(name) }
        }
        // How many petitions a month brings depends on the dates (the window ends yesterday, China
        // time): from 11 to over 20 identities were seen. At least one petitioner's ID number and
        // phone keep the checks below from being empty.
        #expect(secrets.count >= 2, "the month had petitions with petitioners")
        // The regenerated activity is the one sent: its live petitions are the batches the simulator counted.
        let expected = try #require(result.expectation)
        #expect(petitions.count == expected.overview.petitions.batches)

        // Everything on the topics, once the aggregator has read it all.
        #expect(try await cluster.overviewDifferences(expected).isEmpty)
        let read = try await KafkaConsumer.readAll(
            EventSource.allCases.map(\.topic) + ["threezero.aggregator.dlq.v1"], bootstrapServers: cluster.broker.bootstrapServers)
        let messages = read.count
        let published = read.map { message in
            String(decoding: message.value, as: UTF8.self) + "\n"
                + message.headers.map { "\($0.key)=\(String(decoding: $0.value ?? [], as: UTF8.self))" }.joined(separator: " ")
        }.joined(separator: "\n")
        #expect(messages > 600, "every event and the roster were read")
        let logs = Cluster.names.map { name in (name, (try? String(contentsOf: cluster.services[name]!.log, encoding: .utf8)) ?? "") }
        #expect(logs.allSatisfy { !$0.1.isEmpty }, "the services logged")
        for secret in secrets {
            #expect(!published.contains(secret), "a petitioner's identity is on a topic")
            for (name, log) in logs { #expect(!log.contains(secret), "a petitioner's identity is in the \(name) log") }
        }
    }
}
