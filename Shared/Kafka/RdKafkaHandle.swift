import CRdKafka
import Logging

/// Owns one `rd_kafka_t` and destroys it.
///
/// `@unchecked Sendable`: librdkafka handles are thread-safe; this class adds no mutable state.
final class RdKafkaHandle: @unchecked Sendable {
    let pointer: OpaquePointer

    /// Builds a client of `type` from `properties`; `configure` may add callbacks and an opaque.
    init(type: rd_kafka_type_t, properties: [String: String], configure: (OpaquePointer) -> Void = { _ in }) throws(KafkaError) {
        let conf = rd_kafka_conf_new()!
        var errstr = [CChar](repeating: 0, count: 512)
        for (key, value) in properties.sorted(by: { $0.key < $1.key }) {
            if rd_kafka_conf_set(conf, key, value, &errstr, errstr.count) != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                throw KafkaError(.configuration, message: "\(key)=\(value): \(errstr.text)")
            }
        }
        configure(conf)
        // On success rd_kafka_new takes ownership of conf; on failure it is still ours.
        guard let rk = rd_kafka_new(type, conf, &errstr, errstr.count) else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError(.clientCreation, message: errstr.text)
        }
        pointer = rk
    }

    deinit {
        rd_kafka_destroy(pointer)
    }
}

/// The librdkafka actually loaded at run time (which may differ from the headers built against).
public enum Librdkafka {
    public static var version: String { String(cString: rd_kafka_version_str()) }

    /// Logs the loaded version once at start-up; Debian bookworm's 2.0.2 cannot talk to Tansu.
    public static func logVersion(_ logger: Logger) {
        logger.info("librdkafka loaded", metadata: ["version": .string(version)])
    }
}

extension Array where Element == TopicPartition {
    /// A new `rd_kafka_topic_partition_list_t` the caller must destroy; offsets from `offsets`.
    func makeList(offsets: [TopicPartition: Int64] = [:]) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        let list = rd_kafka_topic_partition_list_new(Int32(count))!
        for tp in self {
            let element = rd_kafka_topic_partition_list_add(list, tp.topic, tp.partition)!
            if let offset = offsets[tp] { element.pointee.offset = offset }
        }
        return list
    }
}

extension UnsafeMutablePointer where Pointee == rd_kafka_topic_partition_list_t {
    var elements: UnsafeMutableBufferPointer<rd_kafka_topic_partition_t> {
        UnsafeMutableBufferPointer(start: pointee.elems, count: Int(pointee.cnt))
    }

    var topicPartitions: [TopicPartition] {
        elements.map { TopicPartition(String(cString: $0.topic), $0.partition) }
    }
}

extension [CChar] {
    /// The NUL-terminated text in an error buffer librdkafka filled in.
    var text: String { String(decoding: prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
}
