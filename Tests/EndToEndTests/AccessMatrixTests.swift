import Foundation
import TestSupport
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Every role against every endpoint of every service, on the running binaries: a caller without a
/// token or with an unknown one gets 401, a role that may not gets 403, and a role that may gets
/// past the door (whatever the request then earns: 200, 201, 404, 422 …).
@Suite struct AccessMatrixTests {
    enum Caller: String, CaseIterable {
        case anonymous, unknown, petitionsClerk, hazardsClerk, casesClerk, reader, office

        var token: String? {
            switch self {
            case .anonymous: nil
            case .unknown: "not-a-token"
            case .petitionsClerk: DepartmentHarness.petitionsClerk
            case .hazardsClerk: DepartmentHarness.hazardsClerk
            case .casesClerk: DepartmentHarness.casesClerk
            case .reader: DepartmentHarness.reader
            case .office: "office-token"
            }
        }
    }

    struct Endpoint {
        let service: String
        let method: String
        let path: String
        let allowed: Set<Caller>
        var body: String = "{}"
        var contentType = "application/json"
    }

    static let record = "01936f4e-0000-7000-8000-000000000000"
    static let subject = "140403001001"

    static var endpoints: [Endpoint] {
        var list: [Endpoint] = []
        for (service, clerk, collections) in [
            ("petitions", Caller.petitionsClerk, ["petitions", "disputes"]), ("hazards", .hazardsClerk, ["hazards", "accidents"]),
            ("cases", .casesClerk, ["cases", "security-problems", "disputes"]),
        ] {
            for collection in collections {
                list.append(Endpoint(service: service, method: "POST", path: "/api/v1/\(collection)", allowed: [clerk]))
                list.append(Endpoint(service: service, method: "GET", path: "/api/v1/\(collection)", allowed: [clerk, .reader]))
                list.append(Endpoint(service: service, method: "GET", path: "/api/v1/\(collection)/\(record)", allowed: [clerk, .reader]))
                list.append(Endpoint(service: service, method: "POST", path: "/api/v1/\(collection)/\(record)/void", allowed: [clerk]))
            }
        }
        list.append(Endpoint(service: "petitions", method: "DELETE", path: "/api/v1/petitions/\(record)/petitioner", allowed: [.petitionsClerk]))
        for path in ["overview", "counties", "problems", "quality", "rankings", "subjects/\(subject)"] {
            list.append(Endpoint(service: "aggregator", method: "GET", path: "/api/v1/\(path)", allowed: [.reader, .office]))
        }
        list.append(Endpoint(service: "aggregator", method: "GET", path: "/reports/ranking.csv", allowed: [.reader, .office]))
        list.append(
            Endpoint(
                service: "aggregator", method: "PUT", path: "/api/v1/subjects/\(subject)", allowed: [.office],
                body: #"{"name":"村","type":"village","county":"140403","active":true}"#))
        list.append(
            Endpoint(
                service: "aggregator", method: "POST", path: "/api/v1/subjects:import", allowed: [.office],
                body: "code,name,type,county,township,active\n", contentType: "text/csv"))
        list.append(Endpoint(service: "aggregator", method: "POST", path: "/api/v1/rankings", allowed: [.office]))
        return list
    }

    @Test func everyRoleAgainstEveryEndpoint() async throws {
        let cluster = try await Cluster()
        defer { cluster.stopAll() }
        var wrong: [String] = []
        for endpoint in Self.endpoints {
            for caller in Caller.allCases {
                var request = URLRequest(url: URL(string: cluster.base(endpoint.service) + endpoint.path)!)
                request.httpMethod = endpoint.method
                if let token = caller.token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
                if endpoint.method != "GET" {
                    request.setValue(endpoint.contentType, forHTTPHeaderField: "Content-Type")
                    request.httpBody = Data(endpoint.body.utf8)
                }
                let (_, response) = try await URLSession.shared.data(for: request)
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                let expected: String
                let ok: Bool
                switch caller {
                case .anonymous, .unknown:
                    expected = "401"
                    ok = status == 401
                default:
                    expected = endpoint.allowed.contains(caller) ? "past the door" : "403"
                    ok = endpoint.allowed.contains(caller) ? (status != 401 && status != 403 && status < 500) : status == 403
                }
                if !ok { wrong.append("\(endpoint.service) \(endpoint.method) \(endpoint.path) as \(caller): \(status), expected \(expected)") }
            }
        }
        #expect(wrong.isEmpty, "\(wrong.joined(separator: "\n"))")
        // The open endpoints answer anyone without a token.
        for service in Cluster.names {
            for path in ["/health/live", "/health/ready", "/metrics", "/openapi.yaml"] {
                let (data, response) = try await URLSession.shared.data(from: URL(string: cluster.base(service) + path)!)
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                // Readiness may say "not yet" (503), but never asks who is calling.
                #expect((status == 200 || (path == "/health/ready" && status == 503)) && !data.isEmpty, "\(service) \(path): \(status)")
            }
        }
    }
}
