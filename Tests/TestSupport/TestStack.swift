import Foundation
import Kafka
import Logging
import Postgres

/// The real broker and Postgres that `deploy/local/test.sh` started, found through the
/// environment it exports (`.local/stack.env`).
public enum TestStack {
    public struct Missing: Error, CustomStringConvertible {
        let variable: String
        public var description: String {
            "\(variable) is not set: run the tests with deploy/local/test.sh, which starts the broker and Postgres"
        }
    }

    static func variable(_ name: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { throw Missing(variable: name) }
        return value
    }

    public static func bootstrapServers() throws -> [String] {
        try variable("KAFKA_BOOTSTRAP_SERVERS").split(separator: ",").map(String.init)
    }

    public static func postgres() throws -> PostgresConfiguration {
        PostgresConfiguration(connectionString: try variable("DATABASE_URL"))
    }

    /// A name no other test (or earlier run) uses.
    public static func unique(_ prefix: String) -> String {
        "\(prefix)_\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// A new topic with `partitions` partitions.
    public static func topic(_ prefix: String, partitions: Int32) async throws -> String {
        let name = unique("test.\(prefix)")
        try await KafkaAdmin(configuration: KafkaClientConfiguration(bootstrapServers: try bootstrapServers()))
            .createTopics([.init(name: name, partitions: partitions)])
        return name
    }

    /// A client of a new, empty database on the stack's Postgres server.
    public static func freshDatabase(poolSize: Int = 4) async throws -> PostgresClient {
        let server = try postgres()
        let name = unique("test")
        try await PostgresClient.createDatabaseIfMissing(name, server: server)
        var configuration = server.database(name)
        configuration.poolSize = poolSize
        return PostgresClient(configuration: configuration)
    }

    public static func producer() throws -> KafkaProducer {
        try KafkaProducer(configuration: KafkaProducerConfiguration(bootstrapServers: try bootstrapServers()))
    }

    public static func consumer(group: String, rebalance: RebalanceListener = RebalanceListener()) throws -> KafkaConsumer {
        try KafkaConsumer(configuration: KafkaConsumerConfiguration(bootstrapServers: try bootstrapServers(), groupID: group), rebalance: rebalance)
    }
}

extension KafkaConsumer {
    /// Polls until `count` messages arrived or `deadline` passed; returns what arrived.
    public func collect(_ count: Int, within deadline: Duration = .seconds(30)) async throws -> [KafkaMessage] {
        let clock = ContinuousClock()
        let end = clock.now + deadline
        var messages: [KafkaMessage] = []
        while messages.count < count, clock.now < end {
            messages += try await poll(maxMessages: count - messages.count, timeout: .milliseconds(200))
        }
        return messages
    }
}

extension KafkaConsumer {
    /// Every message on `topics` from the start, as they stand when this is called: read by a
    /// new group until each partition's position reaches the high watermark it had then. Waits
    /// up to `deadline` — joining a group on a broker that many parallel tests keep busy has
    /// taken over 30 s — and fails rather than return a part.
    public static func readAll(
        _ topics: [String], bootstrapServers: [String], logger: Logger = Logger(label: "test.read-all"),
        within deadline: Duration = .seconds(120)
    ) async throws -> [KafkaMessage] {
        let admin = KafkaAdmin(configuration: KafkaClientConfiguration(bootstrapServers: bootstrapServers))
        var remaining: [TopicPartition: Int64] = [:]
        for topic in topics {
            for (partition, high) in try await admin.highWatermarks(topic: topic) where high > 0 {
                remaining[TopicPartition(topic, partition)] = high
            }
        }
        let consumer = try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(bootstrapServers: bootstrapServers, groupID: "read-all-\(UUID())"),
            logger: logger)
        try consumer.subscribe(topics: topics)
        var messages: [KafkaMessage] = []
        let clock = ContinuousClock()
        let end = clock.now + deadline
        while !remaining.isEmpty, clock.now < end {
            for message in try await consumer.poll(maxMessages: 1_000, timeout: .milliseconds(200)) {
                messages.append(message)
                let partition = TopicPartition(message.topic, message.partition)
                if let high = remaining[partition], message.offset + 1 >= high { remaining[partition] = nil }
            }
        }
        await consumer.close()
        guard remaining.isEmpty else { throw Unread(partitions: remaining.keys.sorted(), within: deadline) }
        return messages
    }

    public struct Unread: Error, CustomStringConvertible {
        let partitions: [TopicPartition]
        let within: Duration
        public var description: String { "not read to their high watermarks within \(within): \(partitions)" }
    }
}
