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

/// Petitions over HTTP into the service's own database and onto the topic, as CloudEvents.
@Suite struct PetitionIntakeTests {
    @Test func aRegisteredPetitionReachesTheTopicAsAValidCloudEventWithoutPersonalData() async throws {
        let fixture = try await PetitionsFixture()
        let app = try await fixture.application()
        let id = try await fixture.test(app) { client in
            try await fixture.register(client, ["persons": 3, "collective": true])
        }
        let events = try await DepartmentHarness.events(on: "threezero.petitions.v1", about: [fixture.subject.rawValue], count: 1)
        let (message, event) = try #require(events.first)
        #expect(events.count == 1)
        #expect(event.source == .petitions)
        #expect(event.type == .petitionRegistered)
        #expect(event.subject == fixture.subject)
        #expect(event.time.description == "2026-03-01T09:30:00+08:00")
        guard case .petitionRegistered(let petition) = event.data else { Issue.record("wrong payload"); return }
        #expect(petition.petitionId == id)
        #expect(petition.persons == 3 && petition.collective && petition.lodgedLevel == .township && petition.origin == .selfFound)
        #expect(message.key == Array(fixture.subject.rawValue.utf8))
        #expect(message.header("content-type") == Array("application/cloudevents+json".utf8))
        let raw = String(decoding: message.value, as: UTF8.self)
        for secret in ["张三", "11010519491231002X", "13800138000", "petitioner"] {
            #expect(!raw.contains(secret), "the event carries \(secret)")
        }
        // The sequence is the 20-digit publication number.
        #expect(raw.contains("\"sequence\":\"\(event.sequenceText)\""))
    }

    @Test func theWholeLifeOfAPetitionIsPublishedInOrderWithHistory() async throws {
        let fixture = try await PetitionsFixture()
        let app = try await fixture.application()
        let clerk = DepartmentHarness.headers(token: DepartmentHarness.petitionsClerk)
        try await fixture.test(app) { client in
            let id = try await fixture.register(client)
            var r = try await client.execute(
                uri: "/api/v1/petitions/\(id)/proxy", method: .post, headers: clerk,
                body: fixture.body(["time": "2026-03-02T10:00:00+08:00", "level": "township"]))
            #expect(r.status == .ok)
            r = try await client.execute(
                uri: "/api/v1/petitions/\(id)/proxy", method: .post, headers: clerk,
                body: fixture.body(["time": "2026-03-03T10:00:00+08:00", "level": "county"]))
            #expect(DepartmentHarness.json(r)["status"] as? String == "proxied")
            // Down a level: refused, nothing written.
            let before = try await fixture.counts()
            r = try await client.execute(
                uri: "/api/v1/petitions/\(id)/proxy", method: .post, headers: clerk,
                body: fixture.body(["time": "2026-03-04T10:00:00+08:00", "level": "village"]))
            #expect(r.status == .conflict)
            #expect(try await fixture.counts() == before)
            r = try await client.execute(
                uri: "/api/v1/petitions/\(id)/resolve", method: .post, headers: clerk,
                body: fixture.body(["time": "2026-03-05T10:00:00+08:00", "outcome": "closed"]))
            #expect(DepartmentHarness.json(r)["status"] as? String == "closed")
            // A closed petition cannot be proxied.
            r = try await client.execute(
                uri: "/api/v1/petitions/\(id)/proxy", method: .post, headers: clerk,
                body: fixture.body(["time": "2026-03-06T10:00:00+08:00", "level": "city"]))
            #expect(r.status == .conflict)
            r = try await client.execute(
                uri: "/api/v1/petitions/\(id)/void", method: .post, headers: clerk,
                body: fixture.body(["time": "2026-03-06T10:00:00+08:00", "reason": "录入错误"]))
            #expect(DepartmentHarness.json(r)["status"] as? String == "voided")
            // A voided petition cannot be resolved, nor voided again.
            r = try await client.execute(
                uri: "/api/v1/petitions/\(id)/resolve", method: .post, headers: clerk,
                body: fixture.body(["time": "2026-03-07T10:00:00+08:00", "outcome": "resolved"]))
            #expect(r.status == .conflict)
            r = try await client.execute(
                uri: "/api/v1/petitions/\(id)/void", method: .post, headers: clerk,
                body: fixture.body(["time": "2026-03-07T10:00:00+08:00", "reason": "again"]))
            #expect(r.status == .conflict)

            r = try await client.execute(uri: "/api/v1/petitions/\(id)", method: .get, headers: clerk)
            let history = try #require(DepartmentHarness.json(r)["history"] as? [[String: Any]])
            #expect(history.map { $0["action"] as? String } == ["register", "proxy", "proxy", "resolve", "void"])
            #expect(history.allSatisfy { $0["actor"] as? String == "li" })
        }
        let events = try await DepartmentHarness.events(on: "threezero.petitions.v1", about: [fixture.subject.rawValue], count: 5)
        #expect(events.map(\.event.type) == [.petitionRegistered, .petitionProxied, .petitionProxied, .petitionResolved, .petitionVoided])
        let sequences = events.map(\.event.sequence)
        #expect(sequences == Array(sequences[0]..<(sequences[0] + 5)))
    }

    @Test func aRetryWithTheSameIdempotencyKeyRegistersOnce() async throws {
        let fixture = try await PetitionsFixture()
        let app = try await fixture.application()
        try await fixture.test(app) { client in
            let headers = DepartmentHarness.headers(token: DepartmentHarness.petitionsClerk, idempotencyKey: "retry-1")
            let first = try await client.execute(uri: "/api/v1/petitions", method: .post, headers: headers, body: fixture.petition())
            let second = try await client.execute(uri: "/api/v1/petitions", method: .post, headers: headers, body: fixture.petition())
            #expect(first.status == .created && second.status == .created)
            #expect(DepartmentHarness.json(first)["id"] as? String == DepartmentHarness.json(second)["id"] as? String)
            #expect(second.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            // The same key for another request is refused.
            let other = try await client.execute(uri: "/api/v1/petitions", method: .post, headers: headers, body: fixture.petition(["persons": 9]))
            #expect(other.status == .unprocessableContent)
            // Concurrent retries still register once.
            let concurrent = DepartmentHarness.headers(token: DepartmentHarness.petitionsClerk, idempotencyKey: "retry-2")
            let ids = try await withThrowingTaskGroup(of: String?.self) { group in
                for _ in 0..<5 {
                    group.addTask {
                        DepartmentHarness.json(try await client.execute(uri: "/api/v1/petitions", method: .post, headers: concurrent, body: fixture.petition()))["id"] as? String
                    }
                }
                return try await group.reduce(into: Set<String?>()) { $0.insert($1) }
            }
            #expect(ids.count == 1 && ids.first! != nil)
        }
        #expect(try await fixture.counts()[0] == 2)
    }
}
