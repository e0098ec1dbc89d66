import EventContract
import Foundation
import Postgres
import Simulation
import TestSupport
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A consumer that stops moving the view is seen: while events wait and nothing is applied for
/// `AGGREGATOR_STALL_SECONDS`, the aggregator is not ready (with the reason), the gauge says
/// why, `/quality` says it, and the dashboard's live indicator says 停滞 instead of 实时 — and all
/// of it turns back once the view moves again. The stall is made by holding the view's lock.
@Suite struct StallTests {
    @Test func aStalledConsumerIsNotReadyAndTheDashboardSaysSo() async throws {
        let cluster = try await Cluster(environment: [
            "AGGREGATOR_STALL_SECONDS": "3", "DATABASE_STATEMENT_TIMEOUT_SECONDS": "2",
            "DASHBOARD_LIVE_MAX_STREAMS": "1",
        ])
        defer { cluster.stopAll() }
        let aggregator = cluster.base("aggregator")
        let city = City(size: 12, seed: 4)
        #expect(
            try await Cluster.send(
                "\(aggregator)/api/v1/subjects:import", method: "POST", token: "office-token",
                body: Data(city.rosterCSV().utf8), contentType: "text/csv"
            ).0 == 200)
        let hazardsDB = PostgresClient(configuration: try TestStack.postgres().database("\(cluster.run)_hazards"))
        #expect(
            try await DepartmentHarness.eventually(within: .seconds(60)) {
                (try? await hazardsDB.query("SELECT count(*) FROM roster")[0].decode(0, as: Int.self)) == 12
            })
        await hazardsDB.shutdown()
        #expect(try await Cluster.get("\(aggregator)/health/ready").0 == 200)

        // Someone holds the view's lock (a stuck migration, a runaway script): nothing can be applied.
        let holder = try PostgresConnection(connectionString: try TestStack.postgres().database("\(cluster.run)_aggregator").connectionString)
        try holder.query("SELECT pg_advisory_lock(hashtext('threezero.aggregator.view'))")
        let time = Timestamp(unixMicros: Int64(Date().timeIntervalSince1970 * 1_000_000) - 60_000_000).description
        let (created, _, _) = try await Cluster.send(
            "\(cluster.base("hazards"))/api/v1/hazards", method: "POST", token: DepartmentHarness.hazardsClerk,
            json: [
                "subject": city.subjects[0].code.rawValue, "time": time, "category": "消防", "severity": "general", "deadline": "2026-12-31T00:00:00+08:00",
            ])
        #expect(created == 201)

        var ready: (Int, [String: Any]) = (0, [:])
        #expect(
            try await DepartmentHarness.eventually(within: .seconds(40)) {
                ready = try await Cluster.get("\(aggregator)/health/ready")
                return ready.0 == 503
            }, "still ready while stalled: \(ready)")
        let consumer = (ready.1["checks"] as? [String: Any])?["consumer"] as? String ?? ""
        #expect(consumer.contains("stalled (no_progress)") && consumer.contains("events wait"), "\(consumer)")
        let (_, _, metrics) = try await Cluster.send("\(aggregator)/metrics")
        #expect(metrics.text.contains("aggregator_consumer_stalled{reason=\"no_progress\"} 1"), "\(metrics.text.split(separator: "\n").filter { $0.contains("stalled") })")
        let (_, quality) = try await Cluster.get("\(aggregator)/api/v1/quality", token: DepartmentHarness.reader)
        #expect(((quality["thisInstance"] as? [String: Any])?["stalled"] as? [String: Any])?["reason"] as? String == "no_progress")
        let cookie = try await Self.signIn(aggregator)
        let (_, _, page) = try await Cluster.send("\(aggregator)/", headers: ["Cookie": cookie])
        #expect(page.text.contains("data-state=\"stalled\"") && page.text.contains("停滞 · 最后入库"), "the dashboard does not say 停滞")

        // The lock goes: the batch is applied, and everything says so again.
        try holder.query("SELECT pg_advisory_unlock(hashtext('threezero.aggregator.view'))")
        #expect(try await DepartmentHarness.eventually(within: .seconds(30)) { try await Cluster.get("\(aggregator)/health/ready").0 == 200 })
        let (_, _, again) = try await Cluster.send("\(aggregator)/", headers: ["Cookie": cookie])
        #expect(again.text.contains("data-state=\"live\"") && again.text.contains("实时"))
        let (_, _, metricsAgain) = try await Cluster.send("\(aggregator)/metrics")
        #expect(metricsAgain.text.contains("aggregator_consumer_stalled{reason=\"no_progress\"} 0"))

        // Readers cannot hold connections: a query that cannot finish (its table locked) answers
        // 503 once the statement timeout passes, not when the lock goes.
        try holder.execute("BEGIN")
        try holder.execute("LOCK TABLE figures IN ACCESS EXCLUSIVE MODE")
        let asked = ContinuousClock.now
        let (slow, problem, slowAnswer) = try await Cluster.send("\(aggregator)/api/v1/overview", token: DepartmentHarness.reader)
        let waited = ContinuousClock.now - asked
        try holder.execute("ROLLBACK")
        #expect(slow == 503, "\(problem)")
        #expect(slowAnswer.headers["Retry-After"] != nil && (problem["detail"] as? String ?? "").contains("longer"), "\(slowAnswer.headers) \(problem)")
        #expect(waited < .seconds(15), "the query held its connection \(waited)")
        #expect(try await Cluster.get("\(aggregator)/api/v1/overview", token: DepartmentHarness.reader).0 == 200)

        // One open /live stream is this instance's cap here: the next page is told to come back later.
        let stream = Process()
        stream.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        stream.arguments = ["-s", "-N", "--max-time", "30", "-H", "Cookie: \(cookie)", "\(aggregator)/live"]
        stream.standardOutput = FileHandle.nullDevice
        try stream.run()
        defer { stream.terminate() }
        try await Task.sleep(for: .seconds(3))  // curl has its stream open by then
        let (second, _, secondAnswer) = try await Cluster.send("\(aggregator)/live", headers: ["Cookie": cookie])
        #expect(second == 503, "a second /live stream was admitted beyond the cap")
        #expect(secondAnswer.headers["Retry-After"] != nil)
        stream.terminate()
        stream.waitUntilExit()
    }

    /// The session cookie of the reader's sign-in.
    static func signIn(_ aggregator: String) async throws -> String {
        let (status, _, answer) = try await Cluster.send(
            "\(aggregator)/login", method: "POST", body: Data("name=wang&token=reader-token&next=/".utf8),
            contentType: "application/x-www-form-urlencoded", followRedirects: false)
        #expect(status == 303)
        return String((answer.headers["Set-Cookie"] ?? "").prefix { $0 != ";" })
    }
}
