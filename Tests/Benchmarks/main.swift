// Raw-path benchmarks of the foundation: produce, consume, encode/decode, and three ways to write
// rows to Postgres, against the embedded stack. Run with `deploy/local/bench.sh [events]`.
// Prints figures; asserts nothing: speed is read, not tested.
import EventContract
import Foundation
import Kafka
import Postgres

let count = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 200_000
let environment = ProcessInfo.processInfo.environment
guard let bootstrap = environment["KAFKA_BOOTSTRAP_SERVERS"], let databaseURL = environment["DATABASE_URL"] else {
    print("KAFKA_BOOTSTRAP_SERVERS and DATABASE_URL must be set: run deploy/local/bench.sh")
    exit(2)
}

func measure(_ label: String, items: Int, unit: String = "events", _ body: () async throws -> Void) async rethrows {
    let clock = ContinuousClock()
    let elapsed = try await clock.measure { try await body() }
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let rate = Double(items) / seconds
    let padded = label.padding(toLength: 56, withPad: " ", startingAt: 0)
    print(padded + String(format: "%9d %@ in %7.2f s  = %10.0f %@/s", items, unit as NSString, seconds, rate, unit as NSString))
}

print("librdkafka \(Librdkafka.version); \(count) events\n")

// MARK: - The contract

let subjects = (0..<1000).map { try! SubjectCode(validating: String(format: "1404030%02d%03d", $0 / 100, $0 % 1000)) }
let events = (0..<count).map { i in
    CloudEvent(
        source: .petitions, subject: subjects[i % subjects.count], time: Timestamp(unixMicros: 1_772_328_600_000_000 + Int64(i) * 1_000_000),
        sequence: UInt64(i + 1),
        data: .petitionRegistered(
            .init(
                petitionId: UUIDv7.generate(), channel: .online, persons: 1 + Int64(i % 3),
                lodgedLevel: .unit, collective: false, origin: .selfFound, category: "劳动社保")))
}
var encoded: [[UInt8]] = []
await measure("encode CloudEvent (JSON)", items: count) { encoded = events.map { $0.encoded() } }
print("    mean event size \(encoded.reduce(0) { $0 + $1.count } / count) bytes")
await measure("reference: Foundation JSONDecoder into JSONValue", items: count) {
    for bytes in encoded { _ = try! JSONDecoder().decode(JSONValue.self, from: Data(bytes)) }
}
await measure("decode + validate CloudEvent", items: count) {
    for bytes in encoded { _ = try! CloudEvent.decode(bytes) }
}

// Array parameters (`= ANY($1)`, `unnest($1)`) travel as text: the aggregator sends tens of
// thousands of elements a batch (record ids, counters' keys).
let idChunks = stride(from: 0, to: events.count, by: 5_000).map { events[$0..<min($0 + 5_000, events.count)].map(\.id) }
await measure("encode array parameters (PostgresArray, 5,000 ids)", items: count, unit: "elements") {
    for ids in idChunks { _ = PostgresArray(ids).postgresText }
}
await measure("reference: the same by string interpolation", items: count, unit: "elements") {
    for ids in idChunks { _ = "{" + ids.map { "\"\($0)\"" }.joined(separator: ",") + "}" }
}

// MARK: - Kafka

let topic = "bench.raw.\(UUID().uuidString.prefix(8))"
try await KafkaAdmin(configuration: .init(bootstrapServers: [bootstrap])).createTopics([.init(name: topic, partitions: 12)])
let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(bootstrapServers: [bootstrap]))
try await measure("produce (idempotent, acks=all, awaited acks)", items: count) {
    let records = zip(events, encoded).map { event, bytes in
        ProducerRecord(topic: topic, key: event.subject.rawValue, value: bytes, headers: [KafkaHeader(key: "content-type", value: CloudEvent.contentType)])
    }
    for chunk in stride(from: 0, to: records.count, by: 20_000) {
        for result in await producer.sendAll(Array(records[chunk..<min(chunk + 20_000, records.count)])) { _ = try result.get() }
    }
}
await producer.close()

let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(bootstrapServers: [bootstrap], groupID: "bench-\(UUID())"))
try consumer.subscribe(topics: [topic])
var consumed = 0
while consumer.assignment.isEmpty { consumed += try await consumer.poll(maxMessages: 1, timeout: .milliseconds(100)).count }
try await measure("consume (group, manual offsets)", items: count) {
    while consumed < count { consumed += try await consumer.poll(maxMessages: 5_000).count }
}
await consumer.close()

// MARK: - Postgres

let database = "bench_\(UUID().uuidString.prefix(8).lowercased())"
try await PostgresClient.createDatabaseIfMissing(database, server: PostgresConfiguration(connectionString: databaseURL))
let db = PostgresClient(configuration: PostgresConfiguration(connectionString: databaseURL).database(database))
for table in ["copy_rows", "unnest_rows", "single_rows"] {
    try await db.withConnection { try $0.execute("CREATE TABLE \(table) (id text PRIMARY KEY, subject text NOT NULL, payload bytea NOT NULL)") }
}
let rows: [[(any PostgresEncodable)?]] = zip(events, encoded).map { [$0.id, $0.subject.rawValue, Bytea($1)] }
try await measure("insert rows: COPY, 5,000 per transaction", items: count, unit: "rows") {
    for chunk in stride(from: 0, to: rows.count, by: 5_000) {
        let slice = Array(rows[chunk..<min(chunk + 5_000, rows.count)])
        try await db.withTransaction { try $0.copy(into: "copy_rows", columns: ["id", "subject", "payload"], rows: slice) }
    }
}
try await measure("insert rows: unnest arrays, 5,000 per transaction", items: count, unit: "rows") {
    for chunk in stride(from: 0, to: events.count, by: 5_000) {
        let range = chunk..<min(chunk + 5_000, events.count)
        let ids = PostgresArray(events[range].map(\.id))
        let codes = PostgresArray(events[range].map(\.subject.rawValue))
        let payloads = PostgresArray(encoded[range].map { Bytea($0) })
        _ = try await db.withConnection {
            try $0.update("INSERT INTO unnest_rows SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[]) ON CONFLICT DO NOTHING", [ids, codes, payloads])
        }
    }
}
let singles = min(count, 10_000)
try await measure("reference: one row per transaction (first \(singles))", items: singles, unit: "rows") {
    try await db.withConnection { conn in
        for row in rows.prefix(singles) { try conn.query("INSERT INTO single_rows VALUES ($1, $2, $3)", row) }
    }
}
await db.shutdown()
