// The aggregator at province scale: fills the department topics with a year of a province,
// replays them into an empty view with the real `aggregator` binary, and prints events/s, its
// peak memory, the same figure for a straightforward reference consumer, query latency at that
// size, and end-to-end freshness under steady load. Run with `deploy/local/bench-aggregator.sh`.
// Prints figures; asserts nothing: speed is read, not tested.
import Divisions
import EventContract
import Foundation
import Geography
import Kafka
import Postgres
import Simulation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

let arguments = CommandLine.arguments.dropFirst().compactMap(Int.init)
let subjectCount = arguments.first ?? 600_000
let eventCount = arguments.dropFirst().first ?? 1_000_000
let environment = ProcessInfo.processInfo.environment
guard let bootstrap = environment["KAFKA_BOOTSTRAP_SERVERS"], let databaseURL = environment["DATABASE_URL"],
    let aggregatorBinary = environment["AGGREGATOR_BIN"]
else {
    say("KAFKA_BOOTSTRAP_SERVERS, DATABASE_URL and AGGREGATOR_BIN must be set: run deploy/local/bench-aggregator.sh")
    exit(2)
}
let run = UUID().uuidString.prefix(8).lowercased()
let databaseName = "bench_aggregator_\(run)"
let port = 18_080
let token = "bench-reader"

/// Prints a line at once (unbuffered), so figures appear as they are measured, also through a pipe.
func say(_ text: String) { FileHandle.standardOutput.write(Data((text + "\n").utf8)) }
func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
func now() -> Timestamp { Timestamp(unixMicros: Int64(Date().timeIntervalSince1970 * 1_000_000)) }
func line(_ label: String, _ value: String) { say(label.padding(toLength: max(60, label.count + 2), withPad: " ", startingAt: 0) + value) }
func grouped(_ n: Int) -> String {
    let digits = String(n)
    return digits.enumerated().map { i, c in (i > 0 && (digits.count - i) % 3 == 0 ? "," : "") + String(c) }.joined()
}

// MARK: - A province: counties, subjects with valid codes, a year of records

/// BENCH_MAP=1, the map's benchmark: the subjects in the city of the boundary file (MAP_BOUNDARIES:
/// Changzhi's 12 counties), each placed inside its county, and the map's pages timed after the replay.
let mapBoundaries = try environment["BENCH_MAP"] == "1" ? Boundaries(geoJSON: Data(contentsOf: URL(fileURLWithPath: environment["MAP_BOUNDARIES"] ?? ""))) : nil
/// 11 prefectures of 10 or 11 counties each (Shanxi has 117); or the map's city.
let counties =
    mapBoundaries == nil
    ? (1...11).flatMap { city in (1...(city % 2 == 0 ? 10 : 11)).map { City.County(code: String(format: "14%02d%02d", city, $0), name: "第\($0)县") } }
    : City.changzhi
let province = City(size: subjectCount, counties: counties, seed: 20_261_129)
let subjects = province.subjects
var random = SplitMix64(seed: 20_261_129)

let yearStart = Timestamp(rfc3339: "2026-01-01T00:00:00+08:00")!.unixMicros
let yearSpan = min(now().unixMicros - 3_600_000_000, Timestamp(rfc3339: "2026-12-31T00:00:00+08:00")!.unixMicros) - yearStart
var sequences: [EventSource: UInt64] = [:]
@MainActor func event(_ source: EventSource, _ subject: SubjectCode, _ micros: Int64, _ data: EventData) -> CloudEvent {
    sequences[source, default: 0] += 1
    return CloudEvent(source: source, subject: subject, time: Timestamp(unixMicros: micros), sequence: sequences[source]!, data: data)
}

/// One record's life: its registration, and what followed (in time order).
@MainActor func record(_ random: inout SplitMix64) -> [CloudEvent] {
    let subject = subjects[random.int(0..<subjects.count)].code
    let at = yearStart + Int64(random.int(0..<Int(yearSpan / 1_000_000))) * 1_000_000
    // Follow-ups come days later, never after the present.
    let later = { (random: inout SplitMix64) in min(at + Int64(random.int(3_600..<40 * 86_400)) * 1_000_000, yearStart + yearSpan) }
    let id = UUIDv7.generate()
    var events: [CloudEvent] = []
    switch random.int(0..<100) {
    case 0..<30:
        let lodged: LodgedLevel = random.chance(0.08) ? .township : .unit
        events.append(
            event(
                .petitions, subject, at,
                .petitionRegistered(
                    .init(
                        petitionId: id, channel: random.chance(0.6) ? .online : .visit, persons: Int64(random.int(1..<4)), lodgedLevel: lodged,
                        collective: random.chance(0.03), origin: random.chance(0.8) ? .selfFound : .superiorAssigned, category: "劳动社保"))))
        if random.chance(0.3) { events.append(event(.petitions, subject, later(&random), .petitionProxied(.init(petitionId: id, level: .village)))) }
        if random.chance(0.7) { events.append(event(.petitions, subject, later(&random), .petitionResolved(.init(petitionId: id, outcome: .resolved)))) }
        if random.chance(0.02) { events.append(event(.petitions, subject, later(&random), .voided(.init(entity: .petition, recordId: id, reason: "录入错误")))) }
    case 30..<50:
        events.append(event(.petitions, subject, at, .disputeFound(.init(disputeId: id, category: "邻里纠纷"))))
        if random.chance(0.8) { events.append(event(.petitions, subject, later(&random), .disputeResolved(.init(disputeId: id, method: .mediation)))) }
    case 50..<75:
        events.append(
            event(
                .hazards, subject, at,
                .hazardFound(
                    .init(
                        hazardId: id, category: "消防", severity: .general,
                        deadline: Timestamp(unixMicros: at + 30 * 86_400_000_000)))))
        if random.chance(0.85) { events.append(event(.hazards, subject, later(&random), .hazardRectified(.init(hazardId: id)))) }
    case 75..<77:
        events.append(
            event(
                .hazards, subject, at,
                .accidentReported(
                    .init(
                        accidentId: id, kind: "交通", deaths: 0,
                        injuries: Int64(random.int(0..<3))))))
    case 77..<90:
        let kind: CaseKind = random.chance(0.4) ? .criminal : .publicOrder
        events.append(event(.cases, subject, at, .caseFiled(.init(caseId: id, kind: kind, category: .fraud, majorImpact: random.chance(0.05)))))
        if random.chance(0.5) { events.append(event(.cases, subject, later(&random), .caseSolved(.init(caseId: id)))) }
    default:
        events.append(event(.cases, subject, at, .securityProblemFound(.init(problemId: id, category: "治安隐患"))))
        if random.chance(0.75) { events.append(event(.cases, subject, later(&random), .securityProblemResolved(.init(problemId: id)))) }
    }
    return events
}

// MARK: - Processes and HTTP

/// The `aggregator` binary on the benchmark's database, with a consumer group of its own.
final class AggregatorProcess {
    let process = Process()

    init(binary: String, group: String) throws {
        process.executableURL = URL(fileURLWithPath: binary)
        var env = environment
        env["DATABASE_NAME"] = databaseName
        env["HTTP_PORT"] = String(port)
        env["KAFKA_GROUP_ID"] = group
        env["AUTH_TOKENS"] = "bench:reader:\(token)"
        env["LOG_LEVEL"] = environment["BENCH_AGGREGATOR_LOG_LEVEL"] ?? "warning"
        if let trace = environment["TRACE_FILE"].flatMap(FileHandle.init(forWritingAtPath:)) { (process.standardError, process.standardOutput) = (trace, trace) }
        env["AGGREGATOR_CHECK_INTERVAL_SECONDS"] = "3600"
        if let size = environment["AGGREGATOR_BATCH_SIZE"] { env["AGGREGATOR_BATCH_SIZE"] = size }
        // The recomputation from the facts is measured, not refused: at province size it takes
        // longer than a reader may hold a connection by default (10 s).
        env["DATABASE_STATEMENT_TIMEOUT_SECONDS"] = "600"
        process.environment = env
        try process.run()
    }

    /// Resident memory now and at its peak (kB), from /proc.
    func memory() -> (current: Int, peak: Int) {
        let status = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)) ?? ""
        func field(_ name: String) -> Int {
            status.split(separator: "\n").first { $0.hasPrefix(name) }.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
        }
        return (field("VmRSS:"), field("VmHWM:"))
    }

    /// Asks it to stop (SIGTERM) and waits until it is gone; SIGKILL after 30 s.
    func stop() async {
        let pid = process.processIdentifier
        kill(pid, SIGTERM)
        for _ in 0..<300 {
            if !process.isRunning { return }
            try? await Task.sleep(for: .milliseconds(100))
        }
        kill(pid, SIGKILL)
        process.waitUntilExit()
    }
}

func get(_ path: String) async throws -> (Data, Duration) {
    var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
    request.timeoutInterval = 600
    request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
    let clock = ContinuousClock()
    let start = clock.now
    let (data, response) = try await URLSession.shared.data(for: request)
    let elapsed = clock.now - start
    guard (response as? HTTPURLResponse)?.statusCode == 200 else { throw CocoaError(.fileReadUnknown) }
    return (data, elapsed)
}

func waitForHTTP() async {
    for _ in 0..<600 {
        if (try? await get("/health/ready")) != nil { return }
        try? await Task.sleep(for: .milliseconds(100))
    }
}

func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
}

// MARK: - 1. The roster

let server = PostgresConfiguration(connectionString: databaseURL)
try await PostgresClient.createDatabaseIfMissing(databaseName, server: server)
let db = PostgresClient(configuration: server.database(databaseName))
say("province: \(counties.count) counties, \(grouped(subjectCount)) subjects, \(grouped(eventCount)) events; database \(databaseName)\n")

// The province's division directory first: the roster's townships must be in it.
let directoryPath = FileManager.default.temporaryDirectory.appendingPathComponent("province-divisions-\(run).csv").path
try province.directoryCSV.write(toFile: directoryPath, atomically: false, encoding: String.Encoding.utf8)
let directoryImporter = Process()
directoryImporter.executableURL = URL(fileURLWithPath: aggregatorBinary)
directoryImporter.arguments = ["import-divisions", directoryPath]
directoryImporter.environment = environment.merging(["DATABASE_NAME": databaseName]) { _, new in new }
directoryImporter.standardError = FileHandle.nullDevice
directoryImporter.standardOutput = FileHandle.nullDevice
try directoryImporter.run()
directoryImporter.waitUntilExit()
try? FileManager.default.removeItem(atPath: directoryPath)
let townshipCount = province.counties.map(\.townships.count).reduce(0, +)
line("division directory (aggregator import-divisions)", "\(counties.count) counties, \(grouped(townshipCount)) townships")

let csvPath = FileManager.default.temporaryDirectory.appendingPathComponent("province-\(run).csv").path
try province.rosterCSV(placedOn: mapBoundaries).write(toFile: csvPath, atomically: false, encoding: String.Encoding.utf8)
let importer = Process()
importer.executableURL = URL(fileURLWithPath: aggregatorBinary)
importer.arguments = ["import-roster", csvPath]
importer.environment = environment.merging(["DATABASE_NAME": databaseName]) { _, new in new }
importer.standardError = FileHandle.nullDevice
importer.standardOutput = FileHandle.nullDevice
let importTime = try ContinuousClock().measure {
    try importer.run()
    importer.waitUntilExit()
}
try? FileManager.default.removeItem(atPath: csvPath)
line(
    "roster import (aggregator import-roster)",
    "\(grouped(subjectCount)) rows in \(String(format: "%.1f", seconds(importTime))) s = \(grouped(Int(Double(subjectCount) / seconds(importTime)))) rows/s")

// The roster topic is published once, before the replay is timed.
do {
    let aggregator = try AggregatorProcess(binary: aggregatorBinary, group: "bench-roster-\(run)")
    await waitForHTTP()
    while try await db.query("SELECT count(*) FROM outbox WHERE published_at IS NULL")[0].decode(0, as: Int.self) > 0 {
        try await Task.sleep(for: .milliseconds(500))
    }
    await aggregator.stop()
}

// MARK: - 2. The topics: a province-sized year

var events: [CloudEvent] = []
events.reserveCapacity(eventCount + 8)
while events.count < eventCount { events += record(&random) }
events.removeLast(events.count - eventCount)
for source in [EventSource.petitions, .hazards, .cases] {
    // Cut records keep sequences gap-free: the last numbers of each source were the cut ones.
    sequences[source] = events.filter { $0.source == source }.map(\.sequence).max() ?? 0
}
let admin = KafkaAdmin(configuration: .init(bootstrapServers: [bootstrap]))
try await admin.createTopics([EventSource.petitions, .hazards, .cases].map { .init(name: $0.topic, partitions: 12) })
let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(bootstrapServers: [bootstrap]))
let produceTime = try await ContinuousClock().measure {
    for chunk in stride(from: 0, to: events.count, by: 50_000) {
        let records = events[chunk..<min(chunk + 50_000, events.count)].map { e in
            ProducerRecord(
                topic: e.source.topic, key: e.subject.rawValue, value: e.encoded(),
                headers: [KafkaHeader(key: "content-type", value: CloudEvent.contentType)])
        }
        for result in await producer.sendAll(records) { _ = try result.get() }
    }
}
line("topics filled (encode + produce, acks=all)", "\(grouped(eventCount)) events in \(String(format: "%.1f", seconds(produceTime))) s")
let kinds = Dictionary(grouping: events, by: \.type.entity).mapValues(\.count).sorted { $0.key.rawValue < $1.key.rawValue }
say("    " + kinds.map { "\($0.key.rawValue) \(grouped($0.value))" }.joined(separator: ", "))
events = []
// The roster was imported moments ago: its tables are vacuumed and analysed now, as autovacuum
// would have done long before a real replay, so that this work does not land inside the timing.
let settling = try await ContinuousClock().measure { _ = try await db.query("VACUUM ANALYZE") }
line("database settled after the import (VACUUM ANALYZE)", "\(String(format: "%.1f", seconds(settling))) s")

// MARK: - 3. The replay into the empty view

func appliedOffsets() async throws -> Int {
    try await db.query("SELECT coalesce(sum(next_offset), 0)::bigint FROM consumer_offsets")[0].decode(0, as: Int.self)
}
let appliedBefore = try await appliedOffsets()
precondition(appliedBefore == 0, "nothing may be applied before the replay starts")
let aggregator = try AggregatorProcess(binary: aggregatorBinary, group: "bench-replay-\(run)")
let clock = ContinuousClock()
let replayStart = clock.now
var peakAtTenth = 0
var peakRSS = 0
var tenthReached = false
/// When the first batch had been applied (the process started and the group formed before it).
var firstApplied: (at: ContinuousClock.Instant, events: Int)?
while true {
    let done = try await appliedOffsets()
    if firstApplied == nil && done > 0 { firstApplied = (clock.now, done) }
    let memory = aggregator.memory()
    peakRSS = max(peakRSS, memory.current)
    if !tenthReached && done >= eventCount / 10 {
        tenthReached = true
        peakAtTenth = memory.peak
    }
    if done >= eventCount { break }
    try await Task.sleep(for: .milliseconds(200))
}
let replay = seconds(clock.now - replayStart)
let replayRate = Double(eventCount) / replay
let finalPeak = aggregator.memory().peak
line(
    "replay into the empty view (aggregator, batches of \(environment["AGGREGATOR_BATCH_SIZE"].flatMap(Int.init).map(grouped) ?? "5,000"))",
    "\(grouped(eventCount)) events in \(String(format: "%.1f", replay)) s = \(grouped(Int(replayRate))) events/s")
if let (at, events) = firstApplied, at < clock.now {
    let steady = Double(eventCount - events) / seconds(clock.now - at)
    line("    from the first applied batch on (group formed)", "\(grouped(Int(steady))) events/s (first batch after \(String(format: "%.1f", seconds(at - replayStart))) s)")
}
line("    peak resident memory after the first \(grouped(eventCount / 10))", "\(peakAtTenth / 1024) MB")
line("    peak resident memory after all \(grouped(eventCount))", "\(finalPeak / 1024) MB (\(String(format: "%.2f", Double(finalPeak) / Double(max(peakAtTenth, 1))))x)")
let sizes = try await db.query("SELECT (SELECT count(*) FROM facts), (SELECT count(*) FROM record_state), pg_size_pretty(pg_database_size(current_database()))")[0]
say("    view: \(grouped(try sizes.decode(0))) facts, \(grouped(try sizes.decode(1))) records, database \(try sizes.decode(2, as: String.self))")

// MARK: - 4. Query latency at that size

/// The benchmark's database is dropped at the end, unless BENCH_KEEP_DATABASE=1 (to read its plans).
func dropDatabase() async throws {
    await db.shutdown()
    if environment["BENCH_KEEP_DATABASE"] == "1" { say("database \(databaseName) kept") } else { try await PostgresClient.dropDatabase(databaseName, server: server) }
}

if environment["BENCH_REPLAY_ONLY"] == "1" {
    await aggregator.stop()
    try await dropDatabase()
    exit(0)
}

// MARK: - 4a. The map's pages (BENCH_MAP=1)

if mapBoundaries != nil {
    await waitForHTTP()
    // Signed in as the dashboard's users are (the session cookie is kept by URLSession).
    var signIn = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/login")!)
    (signIn.httpMethod, signIn.httpBody) = ("POST", Data("name=bench&token=\(token)&next=%2F".utf8))
    signIn.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
    _ = try await URLSession.shared.data(for: signIn)
    let located = try await db.query("SELECT count(*) FROM subjects WHERE lon IS NOT NULL")[0].decode(0, as: Int.self)
    line("located subjects on the roster", grouped(located))
    let busiest = try await db.query("SELECT county FROM subjects GROUP BY county ORDER BY count(*) DESC, county LIMIT 1")[0].decode(0, as: String.self)
    for (path, label) in [
        ("/map?figure=overdue", "GET /map (the city: \(counties.count) counties, marks in a grid)"),
        ("/map?county=\(busiest)&figure=overdue", "GET /map?county= (\(busiest): a point per marked subject)"),
    ] {
        let (page, _) = try await get(path)
        let html = String(decoding: page, as: UTF8.self)
        guard html.contains("<svg class=\"map\"") else {
            say("\(path): no map on the page (not signed in?)")
            exit(1)
        }
        for _ in 0..<10 { _ = try await get(path) }
        var latencies: [Double] = []
        for _ in 0..<100 { latencies.append(seconds(try await get(path).1) * 1000) }
        let marks = html.components(separatedBy: "class=\"mark\"").count - 1, bins = html.components(separatedBy: "class=\"bin\"").count - 1
        line(
            "\(label), 100 requests",
            String(format: "p50 %.1f ms, p99 %.1f ms, ", percentile(latencies, 0.5), percentile(latencies, 0.99))
                + "\(grouped(page.count)) bytes, \(marks > 0 ? "\(grouped(marks)) points" : "\(grouped(bins)) cells")")
    }
    let (overview, _) = try await get("/api/v1/overview")
    line("    for comparison: GET /overview (JSON), one request", "\(grouped(overview.count)) bytes")
    await aggregator.stop()
    try await dropDatabase()
    exit(0)
}

await waitForHTTP()
let (someCounty, someTownship) = (province.counties[0].code, province.counties[0].townships[0].code)
for (path, label) in [
    ("/api/v1/overview", "GET /overview"), ("/api/v1/counties", "GET /counties (\(counties.count) counties)"),
    ("/api/v1/townships?county=\(someCounty)", "GET /townships?county= (\(province.counties[0].townships.count) townships)"),
    ("/api/v1/overview?township=\(someTownship)", "GET /overview?township="),
] {
    for _ in 0..<20 { _ = try await get(path) }
    var latencies: [Double] = []
    for _ in 0..<300 { latencies.append(seconds(try await get(path).1) * 1000) }
    line("\(label), 300 requests, one at a time", String(format: "p50 %.1f ms, p99 %.1f ms", percentile(latencies, 0.5), percentile(latencies, 0.99)))
}
let (overviewData, _) = try await get("/api/v1/overview")
let overview = try JSONSerialization.jsonObject(with: overviewData) as! [String: Any]
let reference = try await get(
    "/api/v1/overview?from=2026-01-01&asOf=\(now().description.replacingOccurrences(of: "+", with: "%2B"))&knownAt=\(now().description.replacingOccurrences(of: "+", with: "%2B"))"
).1
line("    for comparison: the same figures recomputed from the facts", String(format: "%.0f ms", seconds(reference) * 1000))

// MARK: - 5. Freshness under a steady 1,000 events/s

func petitionBatches() async throws -> Int {
    let object = try JSONSerialization.jsonObject(with: try await get("/api/v1/overview").0) as! [String: Any]
    return (object["petitions"] as! [String: Any])["batches"] as! Int
}
let base = try await petitionBatches()
precondition(base == (overview["petitions"] as! [String: Any])["batches"] as! Int)
let rate = 1_000
let duration = 30
var published: [ContinuousClock.Instant] = []
published.reserveCapacity(rate * duration)
let freshnessStart = clock.now
let poller = Task {
    var seen: [(count: Int, at: ContinuousClock.Instant)] = []
    while !Task.isCancelled {
        let count = (try? await petitionBatches()) ?? 0
        seen.append((count - base, clock.now))
        try? await Task.sleep(for: .milliseconds(20))
    }
    return seen
}
for tick in 0..<(duration * 100) {
    let due = freshnessStart + .milliseconds(tick * 10)
    try? await Task.sleep(until: due, clock: clock)
    let batch = (0..<(rate / 100)).map { _ -> ProducerRecord in
        let subject = subjects[random.int(0..<subjects.count)].code
        let e = event(
            .petitions, subject, now().unixMicros,
            .petitionRegistered(
                .init(
                    petitionId: UUIDv7.generate(), channel: .online, persons: 1, lodgedLevel: .unit, collective: false, origin: .selfFound, category: "劳动社保")))
        return ProducerRecord(
            topic: e.source.topic, key: e.subject.rawValue, value: e.encoded(),
            headers: [KafkaHeader(key: "content-type", value: CloudEvent.contentType)])
    }
    let sentAt = clock.now
    published += Array(repeating: sentAt, count: batch.count)
    Task { for result in await producer.sendAll(batch) { _ = try? result.get() } }
}
while try await petitionBatches() - base < published.count { try await Task.sleep(for: .milliseconds(20)) }
try await Task.sleep(for: .milliseconds(100))
poller.cancel()
let seen = await poller.value
var freshness: [Double] = []
var cursor = 0
for (k, sentAt) in published.enumerated() {
    while cursor < seen.count && seen[cursor].count < k + 1 { cursor += 1 }
    guard cursor < seen.count else { break }
    freshness.append(seconds(seen[cursor].at - sentAt) * 1000)
}
line(
    "freshness at 1,000 events/s for \(duration) s (publish → /overview)",
    String(format: "p50 %.0f ms, p99 %.0f ms (over %d events)", percentile(freshness, 0.5), percentile(freshness, 0.99), freshness.count))
await producer.close()
await aggregator.stop()

// MARK: - 6. The reference: one event per transaction, the obvious SQL

let referenceCount = min(20_000, eventCount)
try await db.withConnection { conn in
    try conn.execute(
        """
        CREATE TABLE reference_events (id uuid PRIMARY KEY, type text NOT NULL, subject text NOT NULL, time timestamptz NOT NULL, data jsonb NOT NULL);
        CREATE TABLE reference_offsets (topic text, partition int, next_offset bigint NOT NULL, PRIMARY KEY (topic, partition));
        CREATE TABLE reference_counts (county text, metric text, value bigint NOT NULL, PRIMARY KEY (county, metric));
        """)
}
let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(bootstrapServers: [bootstrap], groupID: "bench-reference-\(run)"))
try consumer.subscribe(topics: [EventSource.petitions.topic, EventSource.hazards.topic, EventSource.cases.topic])
var consumed = 0
let referenceTime = try await clock.measure {
    while consumed < referenceCount {
        let messages = Array(try await consumer.poll(maxMessages: 500).prefix(referenceCount - consumed))
        consumed += messages.count
        try await db.withConnection { conn in
            for m in messages {
                let event = try CloudEvent.decode(m.value)
                let data = try JSONSerialization.jsonObject(with: Data(m.value)) as! [String: Any]
                let payload = String(decoding: try JSONSerialization.data(withJSONObject: data["data"]!), as: UTF8.self)
                try conn.transaction { conn in
                    guard
                        try conn.update(
                            "INSERT INTO reference_events VALUES ($1, $2, $3, $4, $5::jsonb) ON CONFLICT DO NOTHING",
                            [event.id, event.type.rawValue, event.subject.rawValue, event.time.description, payload]) == 1
                    else { return }
                    try conn.query(
                        """
                        INSERT INTO reference_counts VALUES ($1, $2, 1) ON CONFLICT (county, metric) DO UPDATE SET value = reference_counts.value + 1
                        """, [event.subject.county, event.type.rawValue])
                    try conn.query(
                        """
                        INSERT INTO reference_offsets VALUES ($1, $2, $3) ON CONFLICT (topic, partition) DO UPDATE SET next_offset = excluded.next_offset
                        """, [m.topic, m.partition, m.offset + 1])
                }
            }
        }
    }
}
await consumer.close()
let referenceRate = Double(referenceCount) / seconds(referenceTime)
line("reference consumer (one event per transaction, first \(grouped(referenceCount)))", "\(grouped(Int(referenceRate))) events/s")
line("aggregator replay / reference", String(format: "%.1fx", replayRate / referenceRate))

try await dropDatabase()
