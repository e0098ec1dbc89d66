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

/// Every refusal is the right 4xx as problem+json, and writes nothing: no record, no history,
/// no outbox row (so nothing can reach the topic), no identity.
@Suite struct PetitionRefusalTests {
    struct Case: CustomStringConvertible, Sendable {
        let description: String
        let status: HTTPResponse.Status
        let detail: String
        let token: String?
        let body: @Sendable (PetitionsFixture) -> ByteBuffer
        var contentType = "application/json"

        init(
            _ description: String, _ status: HTTPResponse.Status, _ detail: String, token: String? = DepartmentHarness.petitionsClerk,
            contentType: String = "application/json", body: @escaping @Sendable (PetitionsFixture) -> ByteBuffer
        ) {
            self.description = description
            self.status = status
            self.detail = detail
            self.token = token
            self.contentType = contentType
            self.body = body
        }
    }

    static let cases: [Case] = [
        Case("malformed JSON", .badRequest, "not valid JSON") { _ in ByteBuffer(string: "{\"subject\": ") },
        Case("missing field", .unprocessableContent, "persons: is required") { $0.petition(["persons": nil]) },
        Case("wrong type", .unprocessableContent, "persons: must be a whole number, got a string") { $0.petition(["persons": "2"]) },
        Case("unknown enum value", .unprocessableContent, "channel: \"fax\" is not one of") { $0.petition(["channel": "fax"]) },
        Case("unknown field", .unprocessableContent, "petitionerAge: is not a field") { $0.petition(["petitionerAge": 40]) },
        Case("malformed subject code", .unprocessableContent, "subject: subject code \"14040300100\" must be") { $0.petition(["subject": "14040300100"]) },
        Case("bad check character", .unprocessableContent, "wrong check character") { $0.petition(["subject": "9114040373922853X1"]) },
        Case("subject not on the roster", .unprocessableContent, "is not on the roster") { _ in
            PetitionsFixture.bodyFor(subject: TestRoster.villageCode().rawValue)
        },
        Case("subject deactivated", .unprocessableContent, "is no longer active") { $0.petition(["subject": $0.inactiveSubject.rawValue]) },
        Case("bad ID number", .unprocessableContent, "petitioner.idNumber: has a wrong check digit") {
            $0.petition(["petitioner": ["name": "张三", "idNumber": "110105194912310021"]])
        },
        Case("missing petitioner", .unprocessableContent, "petitioner: is required") { $0.petition(["petitioner": nil]) },
        Case("time without offset", .unprocessableContent, "time: \"2026-03-01T09:30:00\" is not an RFC 3339 time") {
            $0.petition(["time": "2026-03-01T09:30:00"])
        },
        Case("id chosen by the client", .unprocessableContent, "petitionId: is assigned by the service") {
            $0.petition(["petitionId": "0195a3c2-7d4e-7f00-8a11-3c5d2e1f0a9b"])
        },
        Case("no token", .unauthorized, "a bearer token is required", token: nil) { $0.petition() },
        Case("wrong token", .unauthorized, "not valid", token: "guess") { $0.petition() },
        Case("reader may not write", .forbidden, "the role reader may not do this", token: DepartmentHarness.reader) { $0.petition() },
        Case("another department's clerk", .forbidden, "hazards_clerk", token: DepartmentHarness.hazardsClerk) { $0.petition() },
        Case("oversized body", .contentTooLarge, "limit") { $0.petition(["category": String(repeating: "x", count: 70_000)]) },
        Case("not JSON", .unsupportedMediaType, "must be application/json", contentType: "text/plain") { $0.petition() },
    ]

    @Test func everyRefusalIsAProblemAndWritesNothing() async throws {
        let fixture = try await PetitionsFixture()
        let app = try await fixture.application()
        try await fixture.test(app) { client in
            for refusal in Self.cases {
                try await expectRefusal(refusal, fixture: fixture, client: client)
            }
        }
    }

    func expectRefusal(_ refusal: Case, fixture: PetitionsFixture, client: any TestClientProtocol) async throws {
        let before = try await fixture.counts()
        var headers = DepartmentHarness.headers(token: refusal.token)
        headers[.contentType] = refusal.contentType
        let response = try await client.execute(uri: "/api/v1/petitions", method: .post, headers: headers, body: refusal.body(fixture))
        #expect(response.status == refusal.status, "\(refusal)")
        #expect(response.headers[.contentType] == "application/problem+json", "\(refusal)")
        let problem = DepartmentHarness.json(response)
        #expect(problem["status"] as? Int == refusal.status.code, "\(refusal)")
        let detail = problem["detail"] as? String ?? ""
        #expect(detail.contains(refusal.detail), "\(refusal): detail was: \(detail)")
        // Personal data is never echoed back.
        #expect(!detail.contains("110105194912310021"), "\(refusal)")
        #expect(try await fixture.counts() == before, "\(refusal) wrote something")
    }

    @Test func actionsOnUnknownRecordsAndUnknownActionsAre404() async throws {
        let fixture = try await PetitionsFixture()
        let app = try await fixture.application()
        let clerk = DepartmentHarness.headers(token: DepartmentHarness.petitionsClerk)
        try await fixture.test(app) { client in
            let missing = try await client.execute(
                uri: "/api/v1/petitions/0195a3c2-7d4e-7f00-8a11-3c5d2e1f0a9b/resolve", method: .post,
                headers: clerk, body: fixture.body(["time": "2026-03-05T10:00:00+08:00", "outcome": "closed"]))
            #expect(missing.status == .notFound)
            let id = try await fixture.register(client)
            let unknown = try await client.execute(
                uri: "/api/v1/petitions/\(id)/escalate", method: .post, headers: clerk,
                body: fixture.body(["time": "2026-03-05T10:00:00+08:00"]))
            #expect(unknown.status == .notFound)
            let early = try await client.execute(
                uri: "/api/v1/petitions/\(id)/resolve", method: .post, headers: clerk,
                body: fixture.body(["time": "2026-02-01T10:00:00+08:00", "outcome": "closed"]))
            #expect(early.status == .unprocessableContent)
            #expect((DepartmentHarness.json(early)["detail"] as? String ?? "").contains("before the petition's own time"))
        }
    }
}

extension PetitionsFixture {
    static func bodyFor(subject: String) -> ByteBuffer {
        ByteBuffer(
            bytes: try! JSONSerialization.data(
                withJSONObject: [
                    "subject": subject, "time": "2026-03-01T09:30:00+08:00", "channel": "online", "persons": 1, "lodgedLevel": "unit",
                    "collective": false, "origin": "self_found", "category": "x", "petitioner": identity,
                ] as [String: Any]))
    }
}
