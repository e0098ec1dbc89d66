/// Settings shared by producers, consumers and the admin helper.
public struct KafkaClientConfiguration: Sendable {
    /// `host:port` of one or more brokers.
    public var bootstrapServers: [String]
    public var clientID: String = "threezero"
    /// Passed through to librdkafka unchanged: `security.protocol`, `sasl.mechanisms`,
    /// `sasl.username`, `ssl.ca.location`, ... (a production cluster's settings).
    public var extra: [String: String] = [:]

    public init(bootstrapServers: [String]) {
        self.bootstrapServers = bootstrapServers
    }

    var properties: [String: String] {
        var p = ["bootstrap.servers": bootstrapServers.joined(separator: ","), "client.id": clientID]
        p.merge(extra) { _, new in new }
        return p
    }
}

public struct KafkaProducerConfiguration: Sendable {
    public var client: KafkaClientConfiguration
    /// Exactly-once per partition from this producer, even across its own retries.
    public var idempotence = true
    public var acks = "all"
    /// How long to gather messages into one request.
    public var lingerMilliseconds = 5
    /// How long librdkafka keeps retrying a message before reporting it failed.
    public var deliveryTimeoutMilliseconds = 30_000

    public init(bootstrapServers: [String]) {
        client = KafkaClientConfiguration(bootstrapServers: bootstrapServers)
    }

    var properties: [String: String] {
        var p = [
            "enable.idempotence": idempotence ? "true" : "false",
            "acks": acks,
            "linger.ms": String(lingerMilliseconds),
            "message.timeout.ms": String(deliveryTimeoutMilliseconds),
        ]
        p.merge(client.properties) { _, new in new }
        return p
    }
}

public struct KafkaConsumerConfiguration: Sendable {
    public enum AssignmentStrategy: String, Sendable {
        /// Incremental: a rebalance moves only the partitions that change owner.
        case cooperativeSticky = "cooperative-sticky"
        case range
        case roundRobin = "roundrobin"
    }

    public enum OffsetReset: String, Sendable {
        case earliest, latest
    }

    public var client: KafkaClientConfiguration
    public var groupID: String
    public var assignmentStrategy = AssignmentStrategy.cooperativeSticky
    /// Where to start a partition with neither an offset from the application nor a committed one.
    public var offsetReset = OffsetReset.earliest
    /// Tansu answers a member's JoinGroup after half of it (measured: 3.0 s at 6 s, 5.0 s at 10 s;
    /// with a `group.instance.id` the SyncGroup waits as long again), as Kafka holds a new group's
    /// first rebalance 3 s; librdkafka's default 45 s makes forming a group far slower. 6 s is the
    /// lowest a Kafka broker accepts by default (`group.min.session.timeout.ms`).
    public var sessionTimeoutMilliseconds = 6_000
    public var heartbeatIntervalMilliseconds = 1_000
    public var maxPollIntervalMilliseconds = 300_000
    /// How long the broker may hold a fetch that found nothing new. Kafka answers as soon as data
    /// arrives, so this only paces idle fetches; Tansu answers at the end of the wait, so it adds
    /// to every event's delay (librdkafka's 500 ms made `/overview` lag by up to ~1 s).
    public var fetchWaitMaxMilliseconds = 100

    public init(bootstrapServers: [String], groupID: String) {
        client = KafkaClientConfiguration(bootstrapServers: bootstrapServers)
        self.groupID = groupID
    }

    var properties: [String: String] {
        var p = [
            "group.id": groupID,
            "partition.assignment.strategy": assignmentStrategy.rawValue,
            "auto.offset.reset": offsetReset.rawValue,
            "session.timeout.ms": String(sessionTimeoutMilliseconds),
            "heartbeat.interval.ms": String(heartbeatIntervalMilliseconds),
            "max.poll.interval.ms": String(maxPollIntervalMilliseconds),
            "fetch.wait.max.ms": String(fetchWaitMaxMilliseconds),
            // The application decides what is consumed: nothing is committed or stored behind its back.
            "enable.auto.commit": "false",
            "enable.auto.offset.store": "false",
        ]
        p.merge(client.properties) { _, new in new }
        return p
    }
}
