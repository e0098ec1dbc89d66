import EventContract
import Foundation
import Kafka
import Logging
import Postgres
import TestSupport
import Testing

@testable import Intake
@testable import Publishing

/// Two relays of one department, the leader able to reach Postgres but not the broker: it gives
/// its lease up after a bounded time, reports not ready with the reason, and the other instance
/// publishes everything — each event once.
@Suite struct RelayLeaseTests {
    @Test func aLeaderThatCannotPublishLetsTheOtherPublishEverythingOnce() async throws {
        let db = try await TestStack.freshDatabase()
        try await db.migrate(IntakeSchema.migrations)
        let topic = TestStack.unique("test.lease")
        let kafka = KafkaClientConfiguration(bootstrapServers: try TestStack.bootstrapServers())
        try await KafkaAdmin(configuration: kafka).createTopics([.init(name: topic, partitions: 3)])
        // Only the cut-off relay gives up quickly: the healthy one keeps the defaults, so a slow
        // moment of a loaded machine does not make it give up too.
        func relay(producerTo servers: [String], givingUpAfter giveUp: Duration? = nil) -> OutboxRelay {
            var configuration = OutboxRelay.Configuration(source: .hazards, topic: topic)
            configuration.partitions = 3
            var producer = KafkaProducerConfiguration(bootstrapServers: servers)
            if let giveUp {
                configuration.giveUpAfter = giveUp
                producer.deliveryTimeoutMilliseconds = 1_000
            }
            return OutboxRelay(configuration: configuration, db: db, admin: KafkaAdmin(configuration: kafka), logger: Logger(label: "test.relay")) {
                [producer] in try KafkaProducer(configuration: producer)
            }
        }
        let subjects = (0..<30).map { _ in TestRoster.villageCode() }
        try await db.withTransaction { conn in
            for subject in subjects {
                let found = HazardFound(
                    hazardId: UUID().uuidString.lowercased(), category: "消防安全", severity: .general,
                    deadline: Timestamp(rfc3339: "2026-03-11T09:00:00+08:00")!)
                try Outbox.append(.hazardFound(found), subject: subject, time: Timestamp(rfc3339: "2026-03-01T09:00:00+08:00")!, on: conn)
            }
        }

        // The leader's producer points at a port where no broker listens.
        let cutOff = relay(producerTo: ["127.0.0.1:9"], givingUpAfter: .seconds(2))
        let cutOffRun = Task { try await cutOff.run() }
        #expect(
            try await DepartmentHarness.eventually(within: .seconds(20)) {
                try await db.query("SELECT leader FROM outbox_relay WHERE id = 1")[0].decode(0, as: String?.self) == cutOff.instance
            }, "the cut-off relay never took the lease")
        let healthy = relay(producerTo: try TestStack.bootstrapServers())
        let healthyRun = Task { try await healthy.run() }

        #expect(
            try await DepartmentHarness.eventually(within: .seconds(60)) {
                try await db.query("SELECT count(*) FROM outbox WHERE published_at IS NULL")[0].decode(0, as: Int.self) == 0
            }, "the healthy relay did not take over")
        let events = try await DepartmentHarness.events(on: topic, about: Set(subjects.map(\.rawValue)), count: 30)
        #expect(events.count == 30, "each event published once")
        #expect(Set(events.map(\.event.id)).count == 30)
        #expect(Set(events.map(\.event.sequence)) == Set((1...30).map(UInt64.init)))
        #expect(
            try await DepartmentHarness.eventually(within: .seconds(30)) { await !cutOff.readiness().ready },
            "the cut-off relay stays ready while another one publishes")
        let readiness = await cutOff.readiness()
        #expect(readiness.detail.contains("lease given up"), "\(readiness.detail)")
        #expect(await healthy.readiness().ready)

        cutOffRun.cancel()
        healthyRun.cancel()
        _ = await cutOffRun.result
        _ = await healthyRun.result
        await db.shutdown()
    }
}
