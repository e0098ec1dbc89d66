import Hummingbird
import NIOCore

/// `/health/live` (the process answers) and `/health/ready` (its dependencies do).
public struct HealthController: Sendable {
    /// A named check: nil when healthy, otherwise what is wrong.
    public struct Check: Sendable {
        public var name: String
        public var probe: @Sendable () async -> String?

        public init(_ name: String, probe: @escaping @Sendable () async -> String?) {
            self.name = name
            self.probe = probe
        }
    }

    let checks: [Check]

    public init(checks: [Check]) { self.checks = checks }

    struct Report: ResponseEncodable {
        let status: String
        let checks: [String: String]
    }

    public func addRoutes(to router: Router<ServiceRequestContext>) {
        router.get("/health/live") { _, _ in Report(status: "live", checks: [:]) }
        router.get("/health/ready") { _, _ in
            var results: [String: String] = [:]
            var ready = true
            for check in checks {
                if let problem = await check.probe() {
                    ready = false
                    results[check.name] = problem
                } else {
                    results[check.name] = "ok"
                }
            }
            let report = Report(status: ready ? "ready" : "not ready", checks: results)
            return EditedResponse(status: ready ? .ok : .serviceUnavailable, response: report)
        }
    }
}
