import EventContract
import Foundation
import HazardsService
import Hummingbird
import HummingbirdTesting
import Intake
import Kafka
import Logging
import NIOCore
import Postgres
import TestSupport
import Testing

/// Two instances of a department on one database: one relay publishes at a time (the lease), so
/// every outbox row reaches the topic once, with gap-free sequence numbers.
@Suite struct TwoInstancesTests {
    @Test func twoInstancesOnOneDatabasePublishEachEventOnce() async throws {
        let broker = try PrivateBroker()
        let fixture = try await DepartmentFixture(HazardsDepartment.department, bootstrapServers: broker.bootstrapServers)
        let first = try await fixture.application()
        let second = try await fixture.department.buildApplication(configuration: fixture.configuration, logger: Logger(label: "test.hazards.2"))
        let ids = try await fixture.test(first) { one in
            try await second.test(.router) { two in
                var ids: [String] = []
                for i in 0..<20 {
                    let client = i % 2 == 0 ? one : two
                    ids.append(
                        try await fixture.create(
                            client, "/api/v1/hazards", token: DepartmentHarness.hazardsClerk,
                            [
                                "subject": fixture.village.rawValue, "time": "2026-03-01T09:00:00+08:00", "category": "隐患\(i)",
                                "severity": "general", "deadline": "2026-03-31T00:00:00+08:00",
                            ]))
                }
                #expect(try await DepartmentHarness.eventually { try await fixture.unpublished() == 0 })
                return ids
            }
        }
        let events = try await DepartmentHarness.events(
            on: "threezero.hazards.v1", about: [fixture.village.rawValue], count: 20,
            bootstrapServers: broker.bootstrapServers)
        #expect(events.count == 20)
        #expect(Set(events.map(\.event.data.recordId)) == Set(ids))
        #expect(events.map(\.event.sequence).sorted() == Array(1...20))
        broker.stop()
    }
}
