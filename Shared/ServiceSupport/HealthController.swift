import Hummingbird
import NIOCore

/// `/health/live` (the process answers) and `/health/ready` (its dependencies do).
public struct HealthController: Sendable {
    /// A named check: whether it is healthy, and a word on its state ("ok", "backlog 12", ...).
    public struct Check: Sendable {
        public var name: String
        public var probe: @Sendable () async -> (healthy: Bool, detail: String)

        public init(_ name: String, probe: @escaping @Sendable () async -> (healthy: Bool, detail: String)) {
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
                let (healthy, detail) = await check.probe()
                ready = ready && healthy
                results[check.name] = detail
            }
            let report = Report(status: ready ? "ready" : "not ready", checks: results)
            return EditedResponse(status: ready ? .ok : .serviceUnavailable, response: report)
        }
    }
}
