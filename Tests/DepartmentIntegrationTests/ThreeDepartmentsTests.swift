import CasesService
import EventContract
import Foundation
import HTTPTypes
import HazardsService
import Hummingbird
import HummingbirdTesting
import Intake
import Kafka
import NIOCore
import PetitionsService
import Postgres
import TestSupport
import Testing

/// The three departments side by side on one broker and one Postgres server (three databases):
/// each publishes only to its own topic; each survives a broker outage and drains exactly once.
@Suite(.serialized) struct ThreeDepartmentsTests {
    static func vault() throws -> IdentityVault {
        try IdentityVault(base64: Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString())
    }

    @Test func eachDepartmentPublishesOnlyToItsOwnTopic() async throws {
        let broker = try PrivateBroker()
        let petitions = try await DepartmentFixture(PetitionsDepartment.department(vault: try Self.vault()), bootstrapServers: broker.bootstrapServers)
        let hazards = try await DepartmentFixture(HazardsDepartment.department, bootstrapServers: broker.bootstrapServers)
        let cases = try await DepartmentFixture(CasesDepartment.department, bootstrapServers: broker.bootstrapServers)
        let (a, b, c) = (try await petitions.application(), try await hazards.application(), try await cases.application())
        let subject = petitions.village
        try await petitions.test(a) { pc in
            try await hazards.test(b) { hc in
                try await cases.test(c) { cc in
                    _ = try await petitions.create(
                        pc, "/api/v1/disputes", token: DepartmentHarness.petitionsClerk,
                        ["subject": petitions.village.rawValue, "time": "2026-03-01T09:00:00+08:00", "category": "土地"])
                    _ = try await hazards.create(
                        hc, "/api/v1/hazards", token: DepartmentHarness.hazardsClerk,
                        [
                            "subject": hazards.village.rawValue, "time": "2026-03-01T09:00:00+08:00", "category": "燃气",
                            "severity": "general", "deadline": "2026-03-31T00:00:00+08:00",
                        ])
                    _ = try await cases.create(
                        cc, "/api/v1/disputes", token: DepartmentHarness.casesClerk,
                        ["subject": cases.village.rawValue, "time": "2026-03-01T09:00:00+08:00", "category": "债务"])
                    for fixture in [petitions, hazards, cases] {
                        #expect(try await DepartmentHarness.eventually { try await fixture.unpublished() == 0 })
                    }
                }
            }
        }
        _ = subject
        let everyone = petitions.subjects.union(hazards.subjects).union(cases.subjects)
        for (topic, source, own) in [
            ("threezero.petitions.v1", EventSource.petitions, petitions.village),
            ("threezero.hazards.v1", .hazards, hazards.village), ("threezero.cases.v1", .cases, cases.village),
        ] {
            let events = try await DepartmentHarness.events(on: topic, about: everyone, count: 1, bootstrapServers: broker.bootstrapServers)
            #expect(events.count == 1, "\(topic)")
            #expect(events.allSatisfy { $0.event.source == source && $0.event.subject == own }, "\(topic)")
        }
        broker.stop()
    }

    @Test(arguments: ["hazards", "cases"])
    func aBrokerOutageDrainsExactlyOnce(service: String) async throws {
        let broker = try PrivateBroker()
        let department = service == "hazards" ? HazardsDepartment.department : CasesDepartment.department
        let fixture = try await DepartmentFixture(department, bootstrapServers: broker.bootstrapServers)
        let app = try await fixture.application()
        let (path, token, topic): (String, String, String) =
            service == "hazards"
            ? ("/api/v1/hazards", DepartmentHarness.hazardsClerk, "threezero.hazards.v1")
            : ("/api/v1/security-problems", DepartmentHarness.casesClerk, "threezero.cases.v1")
        let ids = try await fixture.test(app) { client in
            broker.stop()
            var ids: [String] = []
            for i in 0..<8 {
                ids.append(
                    try await fixture.create(
                        client, path, token: token,
                        [
                            "subject": (i % 2 == 0 ? fixture.village : fixture.enterprise).rawValue, "time": "2026-03-01T09:00:00+08:00",
                            "category": "排查\(i)", "severity": service == "hazards" ? "general" : nil, "deadline": "2026-03-31T00:00:00+08:00",
                        ]))
            }
            #expect(try await fixture.unpublished() == 8)
            try broker.start()
            #expect(try await DepartmentHarness.eventually(within: .seconds(60)) { try await fixture.unpublished() == 0 })
            return ids
        }
        let events = try await DepartmentHarness.events(on: topic, about: fixture.subjects, count: 8, bootstrapServers: broker.bootstrapServers)
        #expect(events.count == 8)
        #expect(Set(events.map(\.event.data.recordId)) == Set(ids))
        let sequences = events.map(\.event.sequence).sorted()
        #expect(sequences == Array(sequences[0]..<(sequences[0] + 8)))
        for subject in [fixture.village, fixture.enterprise] {
            let mine = events.filter { $0.event.subject == subject }
            #expect(mine.map(\.event.data.recordId) == ids.filter { id in mine.contains { $0.event.data.recordId == id } })
        }
        broker.stop()
    }
}
