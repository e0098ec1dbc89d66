import CRdKafka
import NIOPosix

/// Topic management for scripts, tests and start-up: create topics if they are missing.
public struct KafkaAdmin: Sendable {
    public struct TopicSpec: Sendable, Hashable {
        public var name: String
        public var partitions: Int32
        /// -1 takes the broker's default (production: 3, with `min.insync.replicas=2` in `config`).
        public var replicationFactor: Int32 = -1
        /// e.g. `["cleanup.policy": "compact"]` for the roster topic.
        public var config: [String: String] = [:]

        public init(name: String, partitions: Int32, replicationFactor: Int32 = -1, config: [String: String] = [:]) {
            self.name = name
            self.partitions = partitions
            self.replicationFactor = replicationFactor
            self.config = config
        }
    }

    public var configuration: KafkaClientConfiguration

    public init(configuration: KafkaClientConfiguration) {
        self.configuration = configuration
    }

    /// Creates the topics that do not exist yet (existing ones are left as they are) and returns
    /// the names of those it created.
    @discardableResult
    public func createTopics(_ topics: [TopicSpec], timeout: Duration = .seconds(30)) async throws -> Set<String> {
        let properties = configuration.properties
        let millis = Int32(timeout.components.seconds * 1000)
        return try await NIOThreadPool.singleton.runIfActive {
            let client = try RdKafkaHandle(type: RD_KAFKA_PRODUCER, properties: properties)
            return try Self.create(topics, on: client.pointer, timeoutMillis: millis)
        }
    }

    private static func create(_ topics: [TopicSpec], on rk: OpaquePointer, timeoutMillis: Int32) throws(KafkaError) -> Set<String> {
        var errstr = [CChar](repeating: 0, count: 512)
        var newTopics: [OpaquePointer?] = []
        defer { for t in newTopics { rd_kafka_NewTopic_destroy(t) } }
        for spec in topics {
            guard let t = rd_kafka_NewTopic_new(spec.name, spec.partitions, spec.replicationFactor, &errstr, errstr.count) else {
                throw KafkaError(.admin, message: "topic \(spec.name): \(errstr.text)")
            }
            newTopics.append(t)
            for (key, value) in spec.config { rd_kafka_NewTopic_set_config(t, key, value) }
        }
        let queue = rd_kafka_queue_new(rk)
        defer { rd_kafka_queue_destroy(queue) }
        let options = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS)
        defer { rd_kafka_AdminOptions_destroy(options) }
        rd_kafka_AdminOptions_set_operation_timeout(options, timeoutMillis, &errstr, errstr.count)
        newTopics.withUnsafeMutableBufferPointer { rd_kafka_CreateTopics(rk, $0.baseAddress, $0.count, options, queue) }

        guard let event = rd_kafka_queue_poll(queue, timeoutMillis + 5000) else {
            throw KafkaError(.timeout, message: "no answer to CreateTopics")
        }
        defer { rd_kafka_event_destroy(event) }
        if rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(.admin, rd_kafka_event_error(event), context: "creating topics")
        }
        let result = rd_kafka_event_CreateTopics_result(event)
        var count = 0
        guard let results = rd_kafka_CreateTopics_result_topics(result, &count) else { return [] }
        var created: Set<String> = []
        for i in 0..<count {
            let err = rd_kafka_topic_result_error(results[i])
            let name = String(cString: rd_kafka_topic_result_name(results[i]))
            if err == RD_KAFKA_RESP_ERR_NO_ERROR {
                created.insert(name)
            } else if err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS {
                let message = rd_kafka_topic_result_error_string(results[i]).map { String(cString: $0) } ?? ""
                throw KafkaError(.admin, rdkafkaCode: err.rawValue, message: "creating topic \(name): \(message)")
            }
        }
        return created
    }

    /// Each partition's high watermark as the broker answers a ListOffsets request (empty when the
    /// topic does not exist). An empty partition answers 0.
    public func highWatermarks(topic: String, timeout: Duration = .seconds(10)) async throws -> [Int32: Int64] {
        let properties = configuration.properties
        let millis = Int32(timeout.components.seconds * 1000)
        return try await NIOThreadPool.singleton.runIfActive {
            let client = try RdKafkaHandle(type: RD_KAFKA_PRODUCER, properties: properties)
            let rk = client.pointer
            guard let handle = rd_kafka_topic_new(rk, topic, nil) else { throw KafkaError(.admin, message: "topic \(topic): no handle") }
            defer { rd_kafka_topic_destroy(handle) }
            var metadata: UnsafePointer<rd_kafka_metadata>?
            let err = rd_kafka_metadata(rk, 0, handle, &metadata, millis)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else { throw KafkaError(.admin, err, context: "reading the metadata of \(topic)") }
            defer { rd_kafka_metadata_destroy(metadata) }
            guard metadata.pointee.topic_cnt == 1, metadata.pointee.topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR else { return [:] }
            var watermarks: [Int32: Int64] = [:]
            for i in 0..<Int(metadata.pointee.topics[0].partition_cnt) {
                var low: Int64 = 0
                var high: Int64 = 0
                let partition = metadata.pointee.topics[0].partitions[i].id
                let err = rd_kafka_query_watermark_offsets(rk, topic, partition, &low, &high, millis)
                guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(.admin, err, context: "querying the watermarks of \(topic)[\(partition)]") }
                watermarks[partition] = high
            }
            return watermarks
        }
    }
}
