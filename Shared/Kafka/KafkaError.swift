import CRdKafka

/// An error from the Kafka module: what went wrong in our terms, with librdkafka's code and text.
public struct KafkaError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is; extensible without breaking callers.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        let name: String
        public var description: String { name }

        public static let configuration = Code(name: "configuration")
        public static let clientCreation = Code(name: "clientCreation")
        public static let produce = Code(name: "produce")
        public static let delivery = Code(name: "delivery")
        public static let consume = Code(name: "consume")
        public static let subscription = Code(name: "subscription")
        public static let commit = Code(name: "commit")
        public static let assignment = Code(name: "assignment")
        public static let admin = Code(name: "admin")
        public static let timeout = Code(name: "timeout")
        public static let closed = Code(name: "closed")
    }

    public var code: Code
    /// librdkafka's `rd_kafka_resp_err_t`, when it gave one.
    public var rdkafkaCode: Int32?
    public var message: String

    public init(_ code: Code, rdkafkaCode: Int32? = nil, message: String) {
        self.code = code
        self.rdkafkaCode = rdkafkaCode
        self.message = message
    }

    init(_ code: Code, _ err: rd_kafka_resp_err_t, context: String) {
        self.init(code, rdkafkaCode: err.rawValue, message: "\(context): \(String(cString: rd_kafka_err2str(err)))")
    }

    /// Takes ownership of an `rd_kafka_error_t` and destroys it.
    init(_ code: Code, consuming error: OpaquePointer, context: String) {
        self.init(
            code, rdkafkaCode: rd_kafka_error_code(error).rawValue,
            message: "\(context): \(String(cString: rd_kafka_error_string(error)))")
        rd_kafka_error_destroy(error)
    }

    public var description: String {
        if let rdkafkaCode { "Kafka \(code) error (\(rdkafkaCode)): \(message)" } else { "Kafka \(code) error: \(message)" }
    }
}
