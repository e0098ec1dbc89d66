import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import EventContract
import Postgres
import Simulation
import TestSupport
import Testing

/// The whole system as the run command starts it — the four service binaries on a private broker
/// and the stack's Postgres — driven by the simulator binary through the departments' HTTP APIs.
/// The command center's `/overview` must equal the figures the simulator computed from what the
/// departments accepted.
@Suite struct SimulatedCityTests {
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
            process.executableURL = SimulatedCityTests.binaries.appendingPathComponent(name)
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
    }

    static func get(_ url: String, token: String? = nil) async throws -> (Int, [String: Any]) {
        var request = URLRequest(url: URL(string: url)!)
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:])
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

    @Test func theSimulatedCityReachesTheOverviewExactly() async throws {
        for name in ["petitions", "hazards", "cases", "aggregator", "simulator"] {
            try #require(FileManager.default.isExecutableFile(atPath: Self.binaries.appendingPathComponent(name).path),
                         "build \(name) first (deploy/local/test.sh does)")
        }
        let broker = try PrivateBroker()
        defer { broker.stop() }
        let run = TestStack.unique("e2e")
        var environment = [
            "DATABASE_URL": try TestStack.postgres().connectionString,
            "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrapServers.joined(separator: ","),
            "AUTH_TOKENS": DepartmentHarness.tokens, "LOG_LEVEL": "warning",
            "PETITIONS_IDENTITY_KEY": Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString(),
        ]
        let firstPort = Int.random(in: 20_000..<29_000)
        var services: [String: ServiceProcess] = [:]
        defer { for service in services.values { service.stop() } }
        for (offset, name) in ["aggregator", "petitions", "hazards", "cases"].enumerated() {
            environment["DATABASE_NAME"] = "\(run)_\(name)"
            services[name] = try ServiceProcess(name, port: firstPort + offset, environment: environment)
        }
        for service in services.values {
            #expect(try await DepartmentHarness.eventually(within: .seconds(60)) {
                ((try? await Self.get("\(service.base)/health/live"))?.0 ?? 0) == 200
            }, "\(service.process.executableURL!.lastPathComponent) did not start; see \(service.log.path)")
        }

        // Three months of a 1,000-subject city, ending yesterday (China time), sent as fast as the services take it.
        let day: Int64 = 86_400_000_000
        let today = (Int64(Date().timeIntervalSince1970 * 1_000_000) + 8 * 3_600_000_000) / day * day - 8 * 3_600_000_000
        func date(_ micros: Int64) -> String { String(Timestamp(unixMicros: micros).description.prefix(10)) }
        let expectFile = FileManager.default.temporaryDirectory.appendingPathComponent("\(run)-expected.json")
        let simulator = Process()
        simulator.executableURL = Self.binaries.appendingPathComponent("simulator")
        simulator.arguments = [
            "run", "--subjects", "1000", "--seed", "7", "--from", date(today - 90 * day), "--until", date(today - day),
            "--rate", "400", "--concurrency", "8", "--import-roster", "--expect", expectFile.path,
            "--petitions", services["petitions"]!.base, "--hazards", services["hazards"]!.base, "--cases", services["cases"]!.base,
            "--aggregator", services["aggregator"]!.base,
            "--petitions-token", DepartmentHarness.petitionsClerk, "--hazards-token", DepartmentHarness.hazardsClerk,
            "--cases-token", DepartmentHarness.casesClerk, "--office-token", "office-token",
        ]
        let output = Pipe()
        simulator.standardError = output
        try simulator.run()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        simulator.waitUntilExit()
        #expect(simulator.terminationStatus == 0, "\(printed)")
        let expectation = try JSONDecoder().decode(Expectation.self, from: Data(contentsOf: expectFile))
        let expected = expectation.overview
        // A city that did something of everything.
        #expect(expected.petitions.batches > 10 && (expected.problems["hazard"]?.found ?? 0) > 10 && (expected.problems["total"]?.overdue ?? 0) > 0,
                "\(printed)")
        #expect(printed.contains("0 refused"), "\(printed)")

        // The aggregator catches up: the figures become exactly the simulator's.
        let aggregator = services["aggregator"]!.base
        let query = "\(aggregator)/api/v1/overview?from=\(expectation.from.prefix(10))&asOf=\(expectation.asOf.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"
        var differences: [String] = ["not read yet"]
        _ = try await DepartmentHarness.eventually(within: .seconds(90)) {
            let (status, overview) = try await Self.get(query, token: DepartmentHarness.reader)
            differences = status == 200 ? Self.differences(overview, expected) : ["status \(status)"]
            return differences.isEmpty
        }
        #expect(differences.isEmpty, "\(differences.joined(separator: "\n"))\n\(printed)")
    }

    struct Expectation: Decodable {
        let from: String
        let asOf: String
        let overview: Overview
    }
}
