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

/// The department keeps working while its broker is down; when the broker is back, the outbox
/// drains and every event arrives exactly once, in order per subject. (A broker of the test's own,
/// so stopping it disturbs no other test.)
@Suite struct BrokerOutageTests {
    @Test func petitionsAreAcceptedDuringAnOutageAndArriveOnceWhenTheBrokerIsBack() async throws {
        let broker = try PrivateBroker()
        let fixture = try await PetitionsFixture(bootstrapServers: broker.bootstrapServers)
        let app = try await fixture.application()
        let clerk = DepartmentHarness.headers(token: DepartmentHarness.petitionsClerk)
        let duringOutage = try await fixture.test(app) { client in
            broker.stop()
            var ids: [String] = []
            for i in 0..<10 {
                let id = try await fixture.register(client, ["persons": i + 1])
                ids.append(id)
                if i % 3 == 0 {
                    let r = try await client.execute(
                        uri: "/api/v1/petitions/\(id)/resolve", method: .post, headers: clerk,
                        body: fixture.body(["time": "2026-03-02T10:00:00+08:00", "outcome": "resolved"]))
                    #expect(r.status == .ok)
                }
            }
            #expect(try await fixture.database.query("SELECT count(*) FROM outbox WHERE published_at IS NULL")[0].decode(0, as: Int.self) == 14)

            // The broker comes back (empty: its storage is memory); the relay recreates the topic and drains.
            try broker.start()
            #expect(
                try await DepartmentHarness.eventually(within: .seconds(60)) {
                    try await fixture.database.query("SELECT count(*) FROM outbox WHERE published_at IS NULL")[0].decode(0, as: Int.self) == 0
                })
            return ids
        }
        let events = try await DepartmentHarness.events(
            on: "threezero.petitions.v1", about: [fixture.subject.rawValue], count: 14,
            bootstrapServers: broker.bootstrapServers)
        #expect(events.count == 14)
        #expect(Set(events.map(\.event.id)).count == 14)
        // In order: sequences increase along the partition, and each petition's resolution follows its registration.
        let sequences = events.map(\.event.sequence)
        #expect(sequences == sequences.sorted())
        #expect(Set(sequences).count == 14)
        let registered = events.filter { $0.event.type == .petitionRegistered }.map(\.event.data.recordId)
        #expect(registered == duringOutage)
        for (index, event) in events.enumerated() where event.event.type == .petitionResolved {
            let registration = events.firstIndex { $0.event.type == .petitionRegistered && $0.event.data.recordId == event.event.data.recordId }
            #expect(registration != nil && registration! < index)
        }
        broker.stop()
    }
}
