import CLibPQ

/// The rows of a result, copied out of libpq's memory.
public struct PostgresRows: Sendable, RandomAccessCollection {
    public let columns: [String]
    let values: [[String?]]

    public var startIndex: Int { 0 }
    public var endIndex: Int { values.count }
    public subscript(position: Int) -> PostgresRow { PostgresRow(columns: columns, values: values[position]) }

    init(result: OpaquePointer) {
        let rowCount = Int(PQntuples(result))
        let columnCount = Int(PQnfields(result))
        columns = (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) }
        values = (0..<rowCount).map { row in
            (0..<columnCount).map { column in
                PQgetisnull(result, Int32(row), Int32(column)) == 1 ? nil : String(cString: PQgetvalue(result, Int32(row), Int32(column)))
            }
        }
    }
}

/// One row; columns by position or by name, decoded to the type asked for.
public struct PostgresRow: Sendable {
    public let columns: [String]
    let values: [String?]

    /// The value at `column`; throws if it is NULL or does not decode.
    public func decode<T: PostgresDecodable>(_ column: Int, as: T.Type = T.self) throws(PostgresError) -> T {
        guard let text = values[column] else {
            throw PostgresError(.decoding, message: "column \(columns[column]) is NULL")
        }
        return try T(postgresText: text)
    }

    /// The value at `column`, or nil for NULL.
    public func decode<T: PostgresDecodable>(_ column: Int, as: T?.Type = T?.self) throws(PostgresError) -> T? {
        guard let text = values[column] else { return nil }
        return try T(postgresText: text)
    }

    public func decode<T: PostgresDecodable>(_ name: String, as type: T.Type = T.self) throws(PostgresError) -> T {
        try decode(try index(of: name), as: type)
    }

    public func decode<T: PostgresDecodable>(_ name: String, as type: T?.Type = T?.self) throws(PostgresError) -> T? {
        try decode(try index(of: name), as: type)
    }

    func index(of name: String) throws(PostgresError) -> Int {
        guard let i = columns.firstIndex(of: name) else { throw PostgresError(.decoding, message: "no column named \(name)") }
        return i
    }
}
