import EventContract
import Foundation
import Kafka
import Postgres
import TestSupport
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The aggregator killed with SIGKILL in the middle of applying, again and again, and restarted:
/// the view ends exactly as the script says — nothing lost, nothing counted twice.
@Suite struct CrashRecoveryTests {
    static let binary = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(".build/debug/aggregator")

    final class AggregatorProcess: @unchecked Sendable {
        // @unchecked: used by the owning test only.
        let process = Process()

        init(environment: [String: String]) throws {
            process.executableURL = CrashRecoveryTests.binary
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
        }

        func kill9() {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    static func get(_ url: String, token: String? = nil) async throws -> (Int, [String: Any]) {
        var request = URLRequest(url: URL(string: url)!)
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        return try await send(request)
    }

    static func send(_ request: URLRequest) async throws -> (Int, [String: Any]) {
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:])
    }

    @Test func killedWithSIGKILLMidBatchAndRestartedTheViewIsExact() async throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.binary.path), "build the aggregator first (swift build)")
        let broker = try PrivateBroker()
        let city = ScriptedCity(seed: 20_260_304)
        let (_, databaseConfiguration) = try DepartmentHarness.configuration(service: "aggregator", bootstrapServers: broker.bootstrapServers)
        let database = PostgresClient(configuration: databaseConfiguration)
        let port = TestPorts.block()
        let environment = [
            "HTTP_PORT": String(port), "DATABASE_URL": try TestStack.postgres().connectionString,
            "DATABASE_NAME": String(databaseConfiguration.connectionString.split(separator: "/").last!),
            "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrapServers.joined(separator: ","), "AUTH_TOKENS": DepartmentHarness.tokens,
            "AGGREGATOR_BATCH_SIZE": "2", "LOG_LEVEL": "error",
        ]
        let base = "http://127.0.0.1:\(port)"
        func start() async throws -> AggregatorProcess {
            let process = try AggregatorProcess(environment: environment)
            #expect(try await DepartmentHarness.eventually(within: .seconds(60)) { ((try? await Self.get("\(base)/health/ready"))?.0 ?? 0) == 200 })
            return process
        }

        var aggregator = try await start()
        // The whole roster, the late subject included.
        for s in city.subjects + [city.lateSubject] {
            var put = URLRequest(url: URL(string: "\(base)/api/v1/subjects/\(s.code)")!)
            put.httpMethod = "PUT"
            put.setValue("Bearer office-token", forHTTPHeaderField: "Authorization")
            put.setValue("application/json", forHTTPHeaderField: "Content-Type")
            put.httpBody = try JSONSerialization.data(withJSONObject: ["name": "主体", "type": s.type.rawValue, "county": s.code.county, "active": s.active])
            #expect(try await Self.send(put).0 == 201)
        }
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(bootstrapServers: broker.bootstrapServers))
        let published = city.events + city.duplicates
        for result in await producer.sendAll(
            published.map {
                ProducerRecord(topic: $0.source.topic, key: $0.subject.rawValue, value: $0.encoded())
            })
        { _ = try result.get() }
        await producer.close()

        func consumed() async throws -> Int {
            try await database.query("SELECT coalesce(sum(next_offset), 0) FROM consumer_offsets")[0].decode(0, as: Int.self)
        }
        // Kill it while it applies, three times, each time after it made some progress.
        var kills = 0
        for _ in 0..<3 {
            let before = try await consumed()
            _ = try await DepartmentHarness.eventually(within: .seconds(30)) { try await consumed() > before }
            if try await consumed() >= published.count { break }
            aggregator.kill9()
            kills += 1
            aggregator = try await start()
        }
        #expect(kills >= 1)
        #expect(try await DepartmentHarness.eventually(within: .seconds(90)) { try await consumed() == published.count })
        #expect(try await database.query("SELECT count(*) FROM facts")[0].decode(0, as: Int.self) == Set(city.events.map(\.id)).count)

        let (status, overview) = try await Self.get("\(base)/api/v1/overview?from=2026-03-01&asOf=2026-03-31", token: DepartmentHarness.reader)
        #expect(status == 200)
        try ScriptedMonthTests.compare(overview, city.expected())
        // The maintained counters, moved batch by batch, survived the kills too.
        let (_, year) = try await Self.get("\(base)/api/v1/overview?asOf=2026-12-31", token: DepartmentHarness.reader)
        try ScriptedMonthTests.compare(
            year,
            city.expected(
                from: Timestamp(rfc3339: "2026-01-01T00:00:00+08:00")!,
                asOf: Timestamp(rfc3339: "2026-12-31T23:59:59.999999+08:00")!))

        // Asked to stop, it stops promptly.
        let clock = ContinuousClock()
        let asked = clock.now
        aggregator.process.terminate()
        aggregator.process.waitUntilExit()
        #expect(clock.now - asked < .seconds(15))
        await database.shutdown()
        broker.stop()
    }

    /// `aggregator import-roster FILE`: a progress bar, a summary with the refused lines and why,
    /// and a second import of the same file changes nothing.
    @Test func importingTheRosterFromTheCommandLine() async throws {
        let (_, databaseConfiguration) = try DepartmentHarness.configuration(service: "aggregator", bootstrapServers: ["127.0.0.1:1"])
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("roster-\(UUID()).csv")
        var csv = "code,name,type,county,township,active\n"
        for i in 0..<2_500 { csv += "140403\(String(format: "%06d", i)),村\(i),village,140403,,true\n" }
        csv += "140403999999,坏村,castle,140403,,true\n"  // line 2502: unknown type
        let valid = TestRoster.enterpriseCode(county: "140403").rawValue
        csv += "\(valid.prefix(17))\(valid.hasSuffix("0") ? "1" : "0"),坏企业,enterprise,140403,,true\n"  // line 2503: wrong check character
        try csv.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }

        func importRoster() throws -> (status: Int32, output: String, progress: String) {
            let process = Process()
            process.executableURL = Self.binary
            process.arguments = ["import-roster", file.path]
            process.environment = ProcessInfo.processInfo.environment.merging([
                "DATABASE_URL": try TestStack.postgres().connectionString,
                "DATABASE_NAME": String(databaseConfiguration.connectionString.split(separator: "/").last!),
            ]) { _, new in new }
            let output = Pipe(), progress = Pipe()
            process.standardOutput = output
            process.standardError = progress
            try process.run()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let bar = String(decoding: progress.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationStatus, text, bar)
        }
        let first = try importRoster()
        #expect(first.status == 2, "refused rows make the exit status 2")
        #expect(first.output.contains("2502 rows: 2500 added, 0 changed, 0 unchanged, 2 refused"), "\(first.output)")
        #expect(first.output.contains("line 2502: type"), "\(first.output)")
        #expect(first.output.contains("line 2503:") && first.output.contains("check character"), "\(first.output)")
        #expect(first.progress.contains("100%") && first.progress.contains("2,502 / 2,502 rows"))
        let database = PostgresClient(configuration: databaseConfiguration)
        #expect(try await database.query("SELECT count(*) FROM subjects")[0].decode(0, as: Int.self) == 2_500)
        #expect(
            try await database.query("SELECT value FROM figures WHERE year = 0 AND level = 'township' AND metric = 'subjects.village'")
                .map { try $0.decode(0, as: Int.self) }.reduce(0, +) == 2_500)

        let second = try importRoster()
        #expect(second.output.contains("2502 rows: 0 added, 0 changed, 2500 unchanged, 2 refused"), "\(second.output)")
        #expect(try await database.query("SELECT count(*) FROM outbox")[0].decode(0, as: Int.self) == 2_500)
        await database.shutdown()
    }
}
