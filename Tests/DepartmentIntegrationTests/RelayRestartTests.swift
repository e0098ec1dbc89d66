import EventContract
import Foundation
import Kafka
import Logging
import Postgres
import TestSupport
import Testing

@testable import Intake
@testable import Publishing

/// A relay that starts after the broker lost its data, and publishes a new event before its
/// first idle check: the topic is not empty any more, but the partitions the relay's earlier life
/// published to are. It remembers them (`outbox_partitions`), notices, and publishes the outbox again.
@Suite struct RelayRestartTests {
    @Test func aRestartedRelayRemembersWhereItPublished() async throws {
        let broker = try PrivateBroker()
        defer { broker.stop() }
        let db = try await TestStack.freshDatabase()
        try await db.migrate(IntakeSchema.migrations)
        let topic = TestStack.unique("test.relay")
        let kafka = KafkaClientConfiguration(bootstrapServers: broker.bootstrapServers)
        func relay() -> OutboxRelay {
            var configuration = OutboxRelay.Configuration(source: .hazards, topic: topic)
            configuration.partitions = 4
            configuration.leaseSeconds = 0  // the next relay (a restarted process) takes over at once
            return OutboxRelay(configuration: configuration, db: db, admin: KafkaAdmin(configuration: kafka), logger: Logger(label: "test.relay")) {
                try KafkaProducer(configuration: KafkaProducerConfiguration(bootstrapServers: broker.bootstrapServers))
            }
        }
        func append(_ subject: SubjectCode) async throws {
            try await db.withTransaction { conn in
                let found = HazardFound(
                    hazardId: UUID().uuidString.lowercased(), category: "消防安全", severity: .general,
                    deadline: Timestamp(rfc3339: "2026-03-11T09:00:00+08:00")!)
                try Outbox.append(.hazardFound(found), subject: subject, time: Timestamp(rfc3339: "2026-03-01T09:00:00+08:00")!, on: conn)
            }
        }

        // A first life: 20 events for 20 subjects, spread over the four partitions.
        let subjects = (0..<20).map { _ in TestRoster.villageCode() }
        for subject in subjects { try await append(subject) }
        try await KafkaAdmin(configuration: kafka).createTopics([.init(name: topic, partitions: 4)])
        #expect(try await relay().publishBatch() == 20)

        // The broker restarts empty; a second life publishes one new event, then looks.
        broker.stop()
        try broker.start()
        try await KafkaAdmin(configuration: kafka).createTopics([.init(name: topic, partitions: 4)])
        try await append(subjects[0])
        let second = relay()
        #expect(try await second.publishBatch() == 1)
        try await second.republishIfTopicLostEvents()
        while try await second.publishBatch() > 0 {}

        let events = try await DepartmentHarness.events(
            on: topic, about: Set(subjects.map(\.rawValue)), count: 21,
            bootstrapServers: broker.bootstrapServers)
        #expect(Set(events.map(\.event.id)).count == 21, "events lost with the broker's data were not published again")
        await db.shutdown()
    }
}
