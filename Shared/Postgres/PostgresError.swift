/// An error from the Postgres module, with the server's SQLSTATE and message when it sent one.
public struct PostgresError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        let name: String
        public var description: String { name }

        public static let connection = Code(name: "connection")
        public static let server = Code(name: "server")
        public static let decoding = Code(name: "decoding")
        public static let copy = Code(name: "copy")
        public static let closed = Code(name: "closed")
    }

    public var code: Code
    /// e.g. `23505` unique_violation, `40001` serialization_failure.
    public var sqlState: String?
    public var message: String

    public init(_ code: Code, sqlState: String? = nil, message: String) {
        self.code = code
        self.sqlState = sqlState
        self.message = message
    }

    public var isUniqueViolation: Bool { sqlState == "23505" }

    public var description: String {
        if let sqlState { "Postgres \(code) error [\(sqlState)]: \(message)" } else { "Postgres \(code) error: \(message)" }
    }
}
