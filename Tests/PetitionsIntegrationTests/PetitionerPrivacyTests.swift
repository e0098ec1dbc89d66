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

/// The petitioner's identity stays in this service: sealed at rest, shown only to the clerk,
/// erasable on request without touching the statistics.
@Suite struct PetitionerPrivacyTests {
    @Test func identityIsSealedShownOnlyToTheClerkAndErasable() async throws {
        let fixture = try await PetitionsFixture()
        let app = try await fixture.application()
        try await fixture.test(app) { client in
            let id = try await fixture.register(client)

            let asClerk = DepartmentHarness.json(
                try await client.execute(
                    uri: "/api/v1/petitions/\(id)", method: .get,
                    headers: DepartmentHarness.headers(token: DepartmentHarness.petitionsClerk)))
            let petitioner = try #require(asClerk["petitioner"] as? [String: Any])
            #expect(petitioner["name"] as? String == "张三")
            #expect(petitioner["idNumber"] as? String == "11010519491231002X")

            let asReader = try await client.execute(uri: "/api/v1/petitions/\(id)", method: .get, headers: DepartmentHarness.headers(token: DepartmentHarness.reader))
            #expect(asReader.status == .ok)
            #expect(DepartmentHarness.json(asReader)["petitioner"] == nil)
            let list = try await client.execute(
                uri: "/api/v1/petitions?subject=\(fixture.subject)", method: .get,
                headers: DepartmentHarness.headers(token: DepartmentHarness.petitionsClerk))
            #expect(!String(buffer: list.body).contains("张三"))

            // At rest: nothing readable in any table.
            let dump = try await fixture.database.withConnection { conn in
                try ["records", "record_history", "outbox", "petitioners"].map { table in
                    try conn.query("SELECT t::text FROM \(table) t").map { try $0.decode(0, as: String.self) }.joined()
                }.joined()
            }
            for secret in ["张三", "11010519491231002X", "13800138000", "\\u5f20"] { #expect(!dump.contains(secret)) }

            // Erasure (PIPL): the identity is gone, the petition and its event stay.
            let erase = try await client.execute(
                uri: "/api/v1/petitions/\(id)/petitioner", method: .delete,
                headers: DepartmentHarness.headers(token: DepartmentHarness.petitionsClerk))
            #expect(erase.status == .noContent)
            let readerErase = try await client.execute(
                uri: "/api/v1/petitions/\(id)/petitioner", method: .delete,
                headers: DepartmentHarness.headers(token: DepartmentHarness.reader))
            #expect(readerErase.status == .forbidden)
            let after = DepartmentHarness.json(
                try await client.execute(
                    uri: "/api/v1/petitions/\(id)", method: .get,
                    headers: DepartmentHarness.headers(token: DepartmentHarness.petitionsClerk)))
            #expect(after["petitioner"] is NSNull)
            #expect(after["status"] as? String == "registered")
            #expect((after["fields"] as? [String: Any])?["persons"] as? Int == 2)
            #expect((after["history"] as? [[String: Any]])?.last?["action"] as? String == "erase-identity")
        }
        // The statistics (the published event) are intact.
        let events = try await DepartmentHarness.events(on: "threezero.petitions.v1", about: [fixture.subject.rawValue], count: 1)
        #expect(events.count == 1)
    }

    @Test func openAPIDescribesTheRoutesTheServerServes() async throws {
        let fixture = try await PetitionsFixture()
        let app = try await fixture.application()
        try await fixture.test(app) { client in
            let response = try await client.execute(uri: "/openapi.yaml", method: .get)
            #expect(response.status == .ok)
            let yaml = String(buffer: response.body)
            for path in [
                "/api/v1/petitions", "/api/v1/petitions/{id}", "/api/v1/petitions/{id}/proxy", "/api/v1/petitions/{id}/resolve",
                "/api/v1/petitions/{id}/void", "/api/v1/petitions/{id}/petitioner", "/api/v1/disputes/{id}/resolve", "/health/ready",
            ] {
                #expect(yaml.contains("\"\(path)\":"), "\(path) missing")
            }
            #expect(yaml.contains("\"lodgedLevel\":"))
            #expect(try await client.execute(uri: "/metrics", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/health/live", method: .get).status == .ok)
        }
    }
}
