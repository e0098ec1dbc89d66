import CasesService
import EventContract
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Intake
import Kafka
import NIOCore
import Postgres
import TestSupport
import Testing

@Suite struct CasesTests {
    static let clerk = DepartmentHarness.casesClerk

    static func criminalCase(_ subject: SubjectCode) -> [String: Any?] {
        ["subject": subject.rawValue, "time": "2026-03-02T22:10:00+08:00", "kind": "criminal", "category": "robbery_theft", "majorImpact": false]
    }

    @Test func everyCasesEventTypeReachesItsTopicAsAValidCloudEvent() async throws {
        let fixture = try await DepartmentFixture(CasesDepartment.department)
        let app = try await fixture.application()
        let ids = try await fixture.test(app) { client in
            let theft = try await fixture.create(client, "/api/v1/cases", token: Self.clerk, Self.criminalCase(fixture.village))
            var r = try await fixture.post(client, "/api/v1/cases/\(theft)/solve", token: Self.clerk, ["time": "2026-03-09T10:00:00+08:00", "suspects": 2])
            #expect(DepartmentHarness.json(r)["status"] as? String == "solved")
            let wrong = try await fixture.create(
                client, "/api/v1/cases", token: Self.clerk,
                [
                    "subject": fixture.village.rawValue, "time": "2026-03-03T08:00:00+08:00", "kind": "public_order",
                    "category": "other", "majorImpact": true,
                ])
            r = try await fixture.post(client, "/api/v1/cases/\(wrong)/void", token: Self.clerk, ["time": "2026-03-04T08:00:00+08:00", "reason": "非本辖区"])
            #expect(r.status == .ok)
            let problem = try await fixture.create(
                client, "/api/v1/security-problems", token: Self.clerk,
                [
                    "subject": fixture.village.rawValue, "time": "2026-03-05T08:00:00+08:00", "category": "治安乱点",
                    "deadline": "2026-04-05T23:59:59+08:00",
                ])
            r = try await fixture.post(client, "/api/v1/security-problems/\(problem)/resolve", token: Self.clerk, ["time": "2026-03-20T08:00:00+08:00"])
            #expect(r.status == .ok)
            let otherProblem = try await fixture.create(
                client, "/api/v1/security-problems", token: Self.clerk,
                ["subject": fixture.village.rawValue, "time": "2026-03-06T08:00:00+08:00", "category": "重复"])
            r = try await fixture.post(client, "/api/v1/security-problems/\(otherProblem)/void", token: Self.clerk, ["time": "2026-03-06T09:00:00+08:00", "reason": "重复"])
            #expect(r.status == .ok)
            let dispute = try await fixture.create(
                client, "/api/v1/disputes", token: Self.clerk,
                ["subject": fixture.village.rawValue, "time": "2026-03-07T08:00:00+08:00", "category": "邻里纠纷"])
            r = try await fixture.post(client, "/api/v1/disputes/\(dispute)/resolve", token: Self.clerk, ["time": "2026-03-08T08:00:00+08:00", "method": "mediation"])
            #expect(r.status == .ok)
            let otherDispute = try await fixture.create(
                client, "/api/v1/disputes", token: Self.clerk,
                ["subject": fixture.village.rawValue, "time": "2026-03-07T09:00:00+08:00", "category": "x"])
            r = try await fixture.post(client, "/api/v1/disputes/\(otherDispute)/void", token: Self.clerk, ["time": "2026-03-07T10:00:00+08:00", "reason": "误录"])
            #expect(r.status == .ok)
            // A solved case cannot be solved again; a voided case cannot be solved.
            r = try await fixture.post(client, "/api/v1/cases/\(theft)/solve", token: Self.clerk, ["time": "2026-03-10T10:00:00+08:00"])
            #expect(r.status == .conflict)
            r = try await fixture.post(client, "/api/v1/cases/\(wrong)/solve", token: Self.clerk, ["time": "2026-03-10T10:00:00+08:00"])
            #expect(r.status == .conflict)
            return [theft, wrong, problem, otherProblem, dispute, otherDispute]
        }
        let events = try await DepartmentHarness.events(on: "threezero.cases.v1", about: [fixture.village.rawValue], count: 12)
        #expect(
            events.map(\.event.type) == [
                .caseFiled, .caseSolved, .caseFiled, .caseVoided, .securityProblemFound, .securityProblemResolved,
                .securityProblemFound, .securityProblemVoided, .disputeFound, .disputeResolved, .disputeFound, .disputeVoided,
            ])
        #expect(events.allSatisfy { $0.event.source == .cases })
        #expect(Set(events.map(\.event.data.recordId)) == Set(ids))
        if case .caseSolved(let solved) = events[1].event.data { #expect(solved.suspects == 2) } else { Issue.record("not a solved case") }
    }

    @Test func aRetriedPostIsIdempotentAndAHazardsTokenCannotWriteCases() async throws {
        let fixture = try await DepartmentFixture(CasesDepartment.department)
        let app = try await fixture.application()
        try await fixture.test(app) { client in
            let first = try await fixture.post(client, "/api/v1/cases", token: Self.clerk, Self.criminalCase(fixture.village), idempotencyKey: "k-1")
            let again = try await fixture.post(client, "/api/v1/cases", token: Self.clerk, Self.criminalCase(fixture.village), idempotencyKey: "k-1")
            #expect(first.status == .created && again.status == .created)
            #expect(DepartmentHarness.json(first)["id"] as? String == DepartmentHarness.json(again)["id"] as? String)
            let before = try await fixture.counts()
            let foreign = try await fixture.post(client, "/api/v1/cases", token: DepartmentHarness.hazardsClerk, Self.criminalCase(fixture.village))
            #expect(foreign.status == .forbidden)
            var badCategory = Self.criminalCase(fixture.village)
            badCategory["category"] = "jaywalking"
            let refused = try await fixture.post(client, "/api/v1/cases", token: Self.clerk, badCategory)
            #expect(refused.status == .unprocessableContent)
            #expect(try await fixture.counts() == before)
        }
        #expect(try await fixture.counts()[0] == 1)
    }
}
