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

    /// The statement ran longer than the session's `statement_timeout` allows.
    public var isStatementTimeout: Bool { sqlState == "57014" }

    /// Whether the server refused the statement for the data it was given: a data exception
    /// (class 22: a number out of range, an invalid value), an integrity constraint (23) or a
    /// program limit (54: an index row too large). The same statement with the same data fails
    /// again however often it is retried; a lost connection, a serialization failure or a
    /// deadlock (classes 08, 40, 57) do not say anything about the data.
    public var isCausedByData: Bool {
        guard let sqlState, sqlState.utf8.count == 5 else { return false }
        return sqlState.hasPrefix("22") || sqlState.hasPrefix("23") || sqlState.hasPrefix("54")
    }

    public var description: String {
        if let sqlState { "Postgres \(code) error [\(sqlState)]: \(message)" } else { "Postgres \(code) error: \(message)" }
    }
}
