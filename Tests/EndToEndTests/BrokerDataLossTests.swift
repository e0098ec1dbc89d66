import EventContract
import Foundation
import Kafka
import Postgres
import Simulation
import TestSupport
import Testing

/// The embedded broker keeps memory only: restarted, it has lost every topic. Events the
/// departments published but the aggregator had not read yet are gone from Kafka — and must still
/// arrive, once; the roster must be on its topic again for the departments.
@Suite struct BrokerDataLossTests {
    @Test func aBrokerThatLostItsDataLosesNothingAndCountsNothingTwice() async throws {
        let cluster = try await Cluster()
        defer { cluster.stopAll() }
        let subjects = 400

        // 1. A first period, consumed and checked.
        let first = try await cluster.simulate(subjects: subjects, from: Cluster.daysAgo(60), until: Cluster.daysAgo(41), importRoster: true)
        #expect(first.status == 0, "\(first.printed)")
        let firstExpected = try #require(first.expectation)
        #expect(try await cluster.overviewDifferences(firstExpected).isEmpty)

        // 2. The aggregator is down while a second period is published: those events wait on the broker…
        cluster.stop("aggregator")
        let second = try await cluster.simulate(subjects: subjects, from: Cluster.daysAgo(40), until: Cluster.daysAgo(21), importRoster: false)
        #expect(second.status == 0, "\(second.printed)")
        let secondExpected = try #require(second.expectation)
        #expect(secondExpected.overview.problems["total"]!.found > 0)

        // 3. …and the broker restarts empty. Then the aggregator comes back, and a third period follows.
        cluster.broker.stop()
        try cluster.broker.start()
        try await cluster.start("aggregator")
        let third = try await cluster.simulate(subjects: subjects, from: Cluster.daysAgo(20), until: Cluster.daysAgo(1), importRoster: false)
        #expect(third.status == 0, "\(third.printed)")
        let thirdExpected = try #require(third.expectation)

        // Every period exactly as sent: the lost second period arrived (republished from the
        // departments' outboxes), the first was not counted again.
        for (name, expectation) in [("first", firstExpected), ("second", secondExpected), ("third", thirdExpected)] {
            let differences = try await cluster.overviewDifferences(expectation, within: 120)
            #expect(differences.isEmpty, "\(name) period: \(differences.joined(separator: "\n"))")
        }
        // No sequence gaps left, and the roster is on its topic again, every subject on it.
        let (_, quality) = try await Cluster.get("\(cluster.base("aggregator"))/api/v1/quality", token: DepartmentHarness.reader)
        let gaps = try #require(quality["sequenceGaps"] as? [[String: Any]])
        #expect(gaps.count == 3 && gaps.allSatisfy { ($0["missing"] as? Int) == 0 }, "\(gaps)")
        let rosterCodes = try await Self.keys(on: EventSource.roster.topic, bootstrapServers: cluster.broker.bootstrapServers, expecting: subjects)
        #expect(rosterCodes.count == subjects)
    }

    /// The distinct message keys on a topic (read from the start), once `expecting` of them arrived
    /// or 120 s passed (joining a group on a broker that parallel tests keep busy can take over 30 s).
    static func keys(on topic: String, bootstrapServers: [String], expecting: Int) async throws -> Set<String> {
        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(bootstrapServers: bootstrapServers, groupID: "check-\(UUID())"))
        try consumer.subscribe(topics: [topic])
        var keys: Set<String> = []
        let clock = ContinuousClock()
        let end = clock.now + .seconds(120)
        while keys.count < expecting && clock.now < end {
            for message in try await consumer.poll(maxMessages: 1_000, timeout: .milliseconds(200)) {
                if let key = message.key { keys.insert(String(decoding: key, as: UTF8.self)) }
            }
        }
        await consumer.close()
        return keys
    }
}
