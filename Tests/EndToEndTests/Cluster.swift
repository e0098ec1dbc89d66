import EventContract
import Foundation
import Postgres
import Simulation
import TestSupport
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The four service binaries on a private broker and the stack's Postgres (databases of their
/// own), and the simulator binary driving them: what the end-to-end and fault tests share.
final class Cluster: @unchecked Sendable {
    // @unchecked: used by the owning test only, one call at a time.
    static let binaries = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(".build/debug")

    /// A service binary running with its own database, stopped with SIGTERM at the end.
    final class ServiceProcess: @unchecked Sendable {
        // @unchecked: used by the owning test only.
        let process = Process()
        let port: Int
        let log: URL

        init(_ name: String, port: Int, environment: [String: String]) throws {
            self.port = port
            log = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-\(name)-\(port).log")
            FileManager.default.createFile(atPath: log.path, contents: nil)
            process.executableURL = Cluster.binaries.appendingPathComponent(name)
            process.environment = ProcessInfo.processInfo.environment.merging(environment.merging(["HTTP_PORT": String(port)]) { $1 }) { $1 }
            process.standardOutput = try FileHandle(forWritingTo: log)
            process.standardError = process.standardOutput
            try process.run()
        }

        var base: String { "http://127.0.0.1:\(port)" }

        func stop() {
            process.terminate()
            process.waitUntilExit()
        }

        /// A crash: SIGKILL, no chance to finish anything.
        func kill() {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    static func get(_ url: String, token: String? = nil) async throws -> (Int, [String: Any]) {
        let (status, json, _) = try await send(url, token: token)
        return (status, json)
    }

    struct Answer {
        let text: String
        let headers: [String: String]
    }

    /// One request; the status, the body as JSON (empty if it is not), the raw answer.
    static func send(
        _ url: String, method: String = "GET", token: String? = nil, json: [String: Any]? = nil, body: Data? = nil,
        contentType: String? = nil, headers: [String: String] = [:], followRedirects: Bool = true
    ) async throws -> (Int, [String: Any], Answer) {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let json {
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.setValue(UUID().uuidString, forHTTPHeaderField: "Idempotency-Key")
        }
        if let body { request.httpBody = body }
        if let contentType { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let session = followRedirects ? URLSession.shared : URLSession(configuration: .ephemeral, delegate: NoRedirects(), delegateQueue: nil)
        let (data, response) = try await session.data(for: request)
        let http = response as? HTTPURLResponse
        let fields = (http?.allHeaderFields ?? [:]).reduce(into: [String: String]()) { $0["\($1.key)"] = "\($1.value)" }
        return (
            http?.statusCode ?? 0, (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:],
            Answer(text: String(decoding: data, as: UTF8.self), headers: fields)
        )
    }

    final class NoRedirects: NSObject, URLSessionTaskDelegate, Sendable {
        func urlSession(
            _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
            newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void
        ) {
            completionHandler(nil)
        }
    }

    /// `/overview`'s JSON against the simulator's figures, field by field; returns the differences.
    static func differences(_ actual: [String: Any], _ expected: Overview) -> [String] {
        var found: [String] = []
        func check(_ path: String, _ value: Int) {
            var node: Any? = actual
            for key in path.split(separator: ".") { node = (node as? [String: Any])?[String(key)] }
            let number = (node as? NSNumber)?.intValue
            if number != value { found.append("\(path): \(number.map(String.init) ?? "missing") ≠ \(value) expected") }
        }
        check("subjects.total", expected.subjects.total)
        for (type, count) in expected.subjects.byType { check("subjects.byType.\(type)", count) }
        for group in ["overall", "rural", "enterpriseInstitution", "religiousSite"] {
            check("compliance.\(group).compliant", expected.compliance[group]?.compliant ?? 0)
            check("compliance.\(group).total", expected.compliance[group]?.total ?? 0)
        }
        for kind in ["dispute", "hazard", "security", "total"] {
            let l = expected.problems[kind] ?? Ledger()
            check("problems.\(kind).found", l.found)
            check("problems.\(kind).resolved", l.resolved)
            check("problems.\(kind).open", l.open)
            check("problems.\(kind).overdue", l.overdue)
        }
        check("petitions.batches", expected.petitions.batches)
        check("petitions.persons", expected.petitions.persons)
        let share = ((actual["petitions"] as? [String: Any])?["onlineShare"] as? NSNumber)?.doubleValue ?? -1
        if expected.petitions.batches > 0, Int((share * Double(expected.petitions.batches)).rounded()) != expected.petitions.online {
            found.append("petitions.onlineShare: \(share) ≠ \(expected.petitions.online)/\(expected.petitions.batches) expected")
        }
        for origin in ["selfFound", "superiorAssigned"] { check("petitions.origin.\(origin)", expected.petitions.origin[origin] ?? 0) }
        for level in ["village", "township", "county", "city"] { check("petitions.proxy.\(level)", expected.petitions.proxy[level] ?? 0) }
        for zero in ["petition", "accident", "case"] { check("breaches.\(zero)", expected.breaches[zero] ?? 0) }
        return found
    }

    static let names = ["aggregator", "petitions", "hazards", "cases"]
    let broker: PrivateBroker
    let run = TestStack.unique("e2e")
    var environment: [String: String]
    /// The first of the cluster's ports (each service's, and further instances' 10 apart).
    let firstPort = TestPorts.block()
    var services: [String: ServiceProcess] = [:]
    /// The Postgres server of a service, when not the stack's (outage tests).
    let servers: [String: PostgresConfiguration]

    /// A private broker and the four services, each live; `servers` puts a service's database on
    /// another Postgres server than the stack's, `environment` adds to every service's.
    init(logLevel: String = "warning", servers: [String: PostgresConfiguration] = [:], environment extra: [String: String] = [:]) async throws {
        self.servers = servers
        for name in Self.names + ["simulator"] {
            try #require(
                FileManager.default.isExecutableFile(atPath: Self.binaries.appendingPathComponent(name).path),
                "build \(name) first (deploy/local/test.sh does)")
        }
        broker = try PrivateBroker()
        environment = [
            "DATABASE_URL": try TestStack.postgres().connectionString,
            "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrapServers.joined(separator: ","),
            "AUTH_TOKENS": DepartmentHarness.tokens, "LOG_LEVEL": logLevel,
            "PETITIONS_IDENTITY_KEY": Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString(),
        ].merging(extra) { $1 }
        for name in Self.names { try await start(name) }
    }

    func base(_ name: String) -> String { "http://127.0.0.1:\(firstPort + Self.names.firstIndex(of: name)!)" }

    /// Starts a service (again) on its port and database, and waits until it is live. Further
    /// instances of the aggregator (`instance` 1, 2, …) share its database and group, on ports of their own.
    func start(_ name: String, instance: Int = 0) async throws {
        var environment = environment
        environment["DATABASE_NAME"] = "\(run)_\(name)"
        if let server = servers[name] { environment["DATABASE_URL"] = server.connectionString }
        let port = firstPort + Self.names.firstIndex(of: name)! + 10 * instance
        let service = try ServiceProcess(name, port: port, environment: environment)
        services[Self.key(name, instance)] = service
        #expect(
            try await DepartmentHarness.eventually(within: .seconds(60)) {
                ((try? await Self.get("\(service.base)/health/live"))?.0 ?? 0) == 200
            }, "\(name) did not start; see \(service.log.path)")
    }

    static func key(_ name: String, _ instance: Int) -> String { instance == 0 ? name : "\(name)#\(instance)" }

    func stop(_ name: String, instance: Int = 0) {
        services.removeValue(forKey: Self.key(name, instance))?.stop()
    }

    /// SIGKILL, as a crash or an OOM kill would.
    func kill(_ name: String, instance: Int = 0) {
        services.removeValue(forKey: Self.key(name, instance))?.kill()
    }

    func stopAll() {
        for service in services.values { service.stop() }
        services = [:]
        broker.stop()
    }

    /// A simulator run in the background: `finish()` waits for it.
    final class Simulation: @unchecked Sendable {
        // @unchecked: used by the owning test only.
        let process = Process()
        let expectFile: URL
        let log: URL

        init(arguments: [String], expectFile: URL) throws {
            self.expectFile = expectFile
            log = expectFile.deletingPathExtension().appendingPathExtension("log")
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            process.executableURL = Cluster.binaries.appendingPathComponent("simulator")
            process.arguments = arguments
            process.standardError = try FileHandle(forWritingTo: log)
            try process.run()
        }

        /// Waits for the run to end: its exit status, what it printed, what it expects.
        func finish() async -> (status: Int32, printed: String, expectation: Expectation?) {
            while process.isRunning { try? await Task.sleep(for: .milliseconds(100)) }
            process.waitUntilExit()
            let printed = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            let expectation = try? JSONDecoder().decode(Expectation.self, from: Data(contentsOf: expectFile))
            return (process.terminationStatus, printed, expectation)
        }
    }

    /// Starts the simulator over `from`…`until` (dates) for a city of `subjects`, `rate` requests a second.
    func startSimulation(subjects: Int, from: String, until: String, importRoster: Bool, rate: Int = 400) throws -> Simulation {
        let expectFile = FileManager.default.temporaryDirectory.appendingPathComponent("\(run)-\(from)-expected.json")
        try? FileManager.default.removeItem(at: expectFile)
        return try Simulation(
            arguments: [
                "run", "--subjects", String(subjects), "--seed", "7", "--from", from, "--until", until, "--rate", String(rate), "--concurrency", "8",
                "--expect", expectFile.path, "--petitions", base("petitions"), "--hazards", base("hazards"), "--cases", base("cases"),
                "--aggregator", base("aggregator"), "--petitions-token", DepartmentHarness.petitionsClerk,
                "--hazards-token", DepartmentHarness.hazardsClerk, "--cases-token", DepartmentHarness.casesClerk, "--office-token", "office-token",
            ] + (importRoster ? ["--import-roster"] : []), expectFile: expectFile)
    }

    /// Runs the simulator to its end: its exit status, what it printed, what it expects.
    func simulate(subjects: Int, from: String, until: String, importRoster: Bool) async throws -> (status: Int32, printed: String, expectation: Expectation?) {
        try await startSimulation(subjects: subjects, from: from, until: until, importRoster: importRoster).finish()
    }

    /// Waits until `/overview` for the expectation's window equals it; returns the differences left.
    func overviewDifferences(_ expectation: Expectation, within seconds: Int = 90) async throws -> [String] {
        let query =
            "\(base("aggregator"))/api/v1/overview?from=\(expectation.from.prefix(10))&asOf="
            + expectation.asOf.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        var differences: [String] = ["not read yet"]
        _ = try await DepartmentHarness.eventually(within: .seconds(seconds)) {
            let (status, overview) = try await Self.get(query, token: DepartmentHarness.reader)
            differences = status == 200 ? Self.differences(overview, expectation.overview) : ["status \(status)"]
            return differences.isEmpty
        }
        return differences
    }

    /// Days before today (China time) as `YYYY-MM-DD`.
    static func daysAgo(_ days: Int) -> String {
        let day: Int64 = 86_400_000_000
        let today = (Int64(Date().timeIntervalSince1970 * 1_000_000) + 8 * 3_600_000_000) / day * day - 8 * 3_600_000_000
        return String(Timestamp(unixMicros: today - Int64(days) * day).description.prefix(10))
    }

    struct Expectation: Decodable {
        let from: String
        let asOf: String
        let overview: Overview
    }
}
