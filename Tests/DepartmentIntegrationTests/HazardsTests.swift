import EventContract
import Foundation
import HTTPTypes
import HazardsService
import Hummingbird
import HummingbirdTesting
import Intake
import Kafka
import NIOCore
import Postgres
import TestSupport
import Testing

@Suite struct HazardsTests {
    static let clerk = DepartmentHarness.hazardsClerk

    static func hazard(_ subject: SubjectCode, deadline: String = "2026-04-30T23:59:59+08:00") -> [String: Any?] {
        ["subject": subject.rawValue, "time": "2026-03-01T09:00:00+08:00", "category": "消防通道堵塞", "severity": "major", "deadline": deadline]
    }

    static func accident(_ subject: SubjectCode) -> [String: Any?] {
        ["subject": subject.rawValue, "time": "2026-03-03T15:20:00+08:00", "kind": "机械伤害", "deaths": 0, "injuries": 2, "directLossYuan": 35000.5]
    }

    @Test func everyHazardsEventTypeReachesItsTopicAsAValidCloudEvent() async throws {
        let fixture = try await DepartmentFixture(HazardsDepartment.department)
        let app = try await fixture.application()
        let ids = try await fixture.test(app) { client in
            let hazard = try await fixture.create(client, "/api/v1/hazards", token: Self.clerk, Self.hazard(fixture.enterprise))
            var r = try await fixture.post(
                client, "/api/v1/hazards/\(hazard)/start-rectification", token: Self.clerk,
                ["time": "2026-03-05T09:00:00+08:00", "note": "已安排整改"])
            #expect(DepartmentHarness.json(r)["status"] as? String == "rectifying")
            r = try await fixture.post(client, "/api/v1/hazards/\(hazard)/rectify", token: Self.clerk, ["time": "2026-03-10T09:00:00+08:00"])
            #expect(DepartmentHarness.json(r)["status"] as? String == "rectified")
            let mistaken = try await fixture.create(client, "/api/v1/hazards", token: Self.clerk, Self.hazard(fixture.enterprise))
            r = try await fixture.post(client, "/api/v1/hazards/\(mistaken)/void", token: Self.clerk, ["time": "2026-03-02T09:00:00+08:00", "reason": "重复录入"])
            #expect(r.status == .ok)
            let accident = try await fixture.create(client, "/api/v1/accidents", token: Self.clerk, Self.accident(fixture.enterprise))
            // A correction of casualties: void, then a new report.
            r = try await fixture.post(client, "/api/v1/accidents/\(accident)/void", token: Self.clerk, ["time": "2026-03-04T09:00:00+08:00", "reason": "伤亡人数更正"])
            #expect(r.status == .ok)
            let corrected = try await fixture.create(client, "/api/v1/accidents", token: Self.clerk, Self.accident(fixture.enterprise))
            return [hazard, mistaken, accident, corrected]
        }
        let events = try await DepartmentHarness.events(on: "threezero.hazards.v1", about: [fixture.enterprise.rawValue], count: 7)
        #expect(events.map(\.event.type) == [.hazardFound, .hazardRectified, .hazardFound, .hazardVoided, .accidentReported, .accidentVoided, .accidentReported])
        #expect(events.allSatisfy { $0.event.source == .hazards && $0.event.subject == fixture.enterprise })
        #expect(events.map(\.event.data.recordId) == [ids[0], ids[0], ids[1], ids[1], ids[2], ids[2], ids[3]])
        if case .accidentReported(let report) = events[4].event.data {
            #expect(report.deaths == 0 && report.injuries == 2 && report.directLossYuan == 35000.5)
        } else {
            Issue.record("not an accident report")
        }
    }

    @Test func openHazardsPastTheirDeadlineAreListedAsOverdue() async throws {
        let fixture = try await DepartmentFixture(HazardsDepartment.department)
        let app = try await fixture.application()
        try await fixture.test(app) { client in
            let overdue = try await fixture.create(client, "/api/v1/hazards", token: Self.clerk, Self.hazard(fixture.village, deadline: "2026-03-15T23:59:59+08:00"))
            let rectified = try await fixture.create(client, "/api/v1/hazards", token: Self.clerk, Self.hazard(fixture.village, deadline: "2026-03-15T23:59:59+08:00"))
            _ = try await fixture.post(client, "/api/v1/hazards/\(rectified)/rectify", token: Self.clerk, ["time": "2026-03-10T09:00:00+08:00"])
            let notYetDue = try await fixture.create(client, "/api/v1/hazards", token: Self.clerk, Self.hazard(fixture.village, deadline: "2099-12-31T23:59:59+08:00"))
            let list = try await client.execute(
                uri: "/api/v1/hazards?overdue=true&subject=\(fixture.village)", method: .get,
                headers: DepartmentHarness.headers(token: DepartmentHarness.reader))
            let items = try #require(DepartmentHarness.json(list)["items"] as? [[String: Any]])
            #expect(items.compactMap { $0["id"] as? String } == [overdue])
            let open = try await client.execute(
                uri: "/api/v1/hazards?overdue=false&status=found&subject=\(fixture.village)", method: .get,
                headers: DepartmentHarness.headers(token: Self.clerk))
            #expect((DepartmentHarness.json(open)["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [notYetDue])
        }
    }

    @Test func refusalsWriteNothing() async throws {
        let fixture = try await DepartmentFixture(HazardsDepartment.department)
        let app = try await fixture.application()
        try await fixture.test(app) { client in
            let voided = try await fixture.create(client, "/api/v1/hazards", token: Self.clerk, Self.hazard(fixture.village))
            _ = try await fixture.post(client, "/api/v1/hazards/\(voided)/void", token: Self.clerk, ["time": "2026-03-02T09:00:00+08:00", "reason": "误报"])
            var missingDeadline = Self.hazard(fixture.village)
            missingDeadline["deadline"] = nil
            var badSeverity = Self.hazard(fixture.village)
            badSeverity["severity"] = "catastrophic"
            var deathsAsText = Self.accident(fixture.village)
            deathsAsText["deaths"] = "1"
            var negative = Self.accident(fixture.village)
            negative["injuries"] = -1
            let refusals: [(String, String, String?, [String: Any?], HTTPResponse.Status, String)] = [
                ("missing deadline", "/api/v1/hazards", Self.clerk, missingDeadline, .unprocessableContent, "deadline: is required"),
                ("unknown severity", "/api/v1/hazards", Self.clerk, badSeverity, .unprocessableContent, "severity: \"catastrophic\" is not one of: general, major"),
                ("deaths as text", "/api/v1/accidents", Self.clerk, deathsAsText, .unprocessableContent, "deaths: must be a whole number"),
                ("negative injuries", "/api/v1/accidents", Self.clerk, negative, .unprocessableContent, "injuries: must be between 0 and 10000"),
                ("unknown subject", "/api/v1/hazards", Self.clerk, Self.hazard(TestRoster.enterpriseCode()), .unprocessableContent, "is not on the roster"),
                ("inactive subject", "/api/v1/hazards", Self.clerk, Self.hazard(fixture.inactive), .unprocessableContent, "no longer active"),
                ("rectify a voided hazard", "/api/v1/hazards/\(voided)/rectify", Self.clerk, ["time": "2026-03-05T09:00:00+08:00"], .conflict, "voided"),
                (
                    "note on a published action", "/api/v1/hazards/\(voided)/rectify", Self.clerk, ["time": "2026-03-05T09:00:00+08:00", "note": "x"],
                    .unprocessableContent, "note: is not a field"
                ),
                ("cases clerk writing hazards", "/api/v1/hazards", DepartmentHarness.casesClerk, Self.hazard(fixture.village), .forbidden, "cases_clerk"),
                ("reader writing", "/api/v1/accidents", DepartmentHarness.reader, Self.accident(fixture.village), .forbidden, "reader"),
                ("no token", "/api/v1/hazards", nil, Self.hazard(fixture.village), .unauthorized, "bearer token"),
            ]
            for (name, path, token, body, status, detail) in refusals {
                let before = try await fixture.counts()
                let response = try await fixture.post(client, path, token: token, body)
                #expect(response.status == status, "\(name)")
                #expect(response.headers[.contentType] == "application/problem+json", "\(name)")
                #expect((DepartmentHarness.json(response)["detail"] as? String ?? "").contains(detail), "\(name): \(String(buffer: response.body))")
                #expect(try await fixture.counts() == before, "\(name) wrote something")
            }
        }
    }
}
