import CLibPQ
import Foundation

/// One libpq connection. Its methods block: they are only ever called inside a closure that
/// `PostgresClient` runs on one of its own threads, never on Swift's cooperative pool.
public final class PostgresConnection {
    let pointer: OpaquePointer
    /// Statements prepared on this connection, by their SQL: each is parsed and planned once.
    var prepared: [String: String] = [:]

    /// Opens a connection. Blocking: call it from a thread of your own (or through `PostgresClient`).
    public init(connectionString: String) throws(PostgresError) {
        guard let conn = PQconnectdb(connectionString) else {
            throw PostgresError(.connection, message: "libpq could not allocate a connection")
        }
        guard PQstatus(conn) == CONNECTION_OK else {
            let message = Self.errorText(conn)
            PQfinish(conn)
            throw PostgresError(.connection, message: message)
        }
        pointer = conn
        // Quiet the server's NOTICEs (e.g. "relation already exists, skipping").
        PQsetNoticeProcessor(conn, { _, _ in }, nil)
    }

    deinit {
        PQfinish(pointer)
    }

    public var isHealthy: Bool { PQstatus(pointer) == CONNECTION_OK }

    static func errorText(_ conn: OpaquePointer) -> String {
        String(cString: PQerrorMessage(conn)).trimmingCharacters(in: [" ", "\n"])
    }

    /// Runs one statement with parameters (`$1`, `$2`, ...) and returns its rows.
    @discardableResult
    public func query(_ sql: String, _ parameters: [(any PostgresEncodable)?] = []) throws(PostgresError) -> PostgresRows {
        try check(try run(sql, parameters))
    }

    /// Executes a prepared statement (preparing it on first use) and returns libpq's result.
    func run(_ sql: String, _ parameters: [(any PostgresEncodable)?]) throws(PostgresError) -> OpaquePointer? {
        let name = try statement(sql)
        let texts = parameters.map { $0?.postgresText }
        return withCStrings(texts) { values in
            PQexecPrepared(pointer, name, Int32(values.count), values.baseAddress, nil, nil, 0)
        }
    }

    func statement(_ sql: String) throws(PostgresError) -> String {
        if let name = prepared[sql] { return name }
        if prepared.count >= 500 {
            try execute("DEALLOCATE ALL")
            prepared.removeAll()
        }
        let name = "tz\(prepared.count)"
        let result = PQprepare(pointer, name, sql, 0, nil)
        guard let result else { throw PostgresError(.connection, message: Self.errorText(pointer)) }
        defer { PQclear(result) }
        try Self.checkStatus(result, connection: pointer)
        prepared[sql] = name
        return name
    }

    /// Runs statements without parameters (migrations, DDL); several may be separated by `;`.
    public func execute(_ sql: String) throws(PostgresError) {
        try check(PQexec(pointer, sql))
    }

    /// The number of rows the last statement changed is in its result; this returns it.
    @discardableResult
    public func update(_ sql: String, _ parameters: [(any PostgresEncodable)?] = []) throws(PostgresError) -> Int {
        let result = try run(sql, parameters)
        guard let result else { throw PostgresError(.connection, message: Self.errorText(pointer)) }
        defer { PQclear(result) }
        try Self.checkStatus(result, connection: pointer)
        return Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    @discardableResult
    func check(_ result: OpaquePointer?) throws(PostgresError) -> PostgresRows {
        guard let result else { throw PostgresError(.connection, message: Self.errorText(pointer)) }
        defer { PQclear(result) }
        try Self.checkStatus(result, connection: pointer)
        return PostgresRows(result: result)
    }

    static func checkStatus(_ result: OpaquePointer, connection: OpaquePointer) throws(PostgresError) {
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return
        default:
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            let message = PQresultErrorField(result, Int32(UInt8(ascii: "M"))).map { String(cString: $0) } ?? errorText(connection)
            throw PostgresError(state == nil ? .connection : .server, sqlState: state, message: message)
        }
    }

    // MARK: - Transactions

    /// Runs `body` in a transaction: committed if it returns, rolled back if it throws.
    public func transaction<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try execute("BEGIN")
        do {
            let value = try body(self)
            try execute("COMMIT")
            return value
        } catch {
            if isHealthy { try? execute("ROLLBACK") }
            throw error
        }
    }

    // MARK: - COPY

    /// Loads rows with `COPY table (columns) FROM STDIN` in text format: the fastest way in.
    public func copy(into table: String, columns: [String], rows: some Sequence<[(any PostgresEncodable)?]>) throws(PostgresError) {
        try copy(into: table, columns: columns, data: CopyData(rows: rows))
    }

    /// Loads rows encoded beforehand (e.g. on another thread, while the previous batch is written).
    public func copy(into table: String, columns: [String], data: CopyData) throws(PostgresError) {
        try copy(into: table, columns: columns, format: "", bytes: data.bytes)
    }

    /// Loads rows encoded beforehand in the binary format: the cheapest way in for large batches.
    public func copy(into table: String, columns: [String], binary data: BinaryCopyData) throws(PostgresError) {
        precondition(data.columns == columns.count, "\(data.columns) fields per row for \(columns.count) columns")
        data.checkComplete()
        try copy(into: table, columns: columns, format: " WITH (FORMAT binary)", bytes: data.bytes, trailer: BinaryCopyData.trailer)
    }

    /// `copy(into:columns:binary:)` that answers with the error instead of throwing it, for callers
    /// that handle one kind of refusal themselves (e.g. a unique violation under a savepoint).
    public func tryCopy(into table: String, columns: [String], binary data: BinaryCopyData) -> PostgresError? {
        do {
            try copy(into: table, columns: columns, binary: data)
            return nil
        } catch {
            return error
        }
    }

    func copy(into table: String, columns: [String], format: String, bytes: [UInt8], trailer: [UInt8] = []) throws(PostgresError) {
        try Self.checkIdentifier(table)
        for column in columns { try Self.checkIdentifier(column) }
        let start = PQexec(pointer, "COPY \(table) (\(columns.joined(separator: ", "))) FROM STDIN\(format)")
        guard let start else { throw PostgresError(.connection, message: Self.errorText(pointer)) }
        let status = PQresultStatus(start)
        if status != PGRES_COPY_IN {
            defer { PQclear(start) }
            try Self.checkStatus(start, connection: pointer)
            throw PostgresError(.copy, message: "COPY did not start")
        }
        PQclear(start)
        var failed = false
        for part in [bytes, trailer] where !failed {
            part.withUnsafeBufferPointer { b in
                b.withMemoryRebound(to: CChar.self) { chars in
                    var offset = 0
                    while offset < chars.count {
                        let length = min(1 << 20, chars.count - offset)
                        if PQputCopyData(pointer, chars.baseAddress! + offset, Int32(length)) != 1 {
                            failed = true
                            break
                        }
                        offset += length
                    }
                }
            }
        }
        PQputCopyEnd(pointer, failed ? "client failed to send" : nil)
        // Drain every result of the COPY; the first failure wins.
        var firstError: PostgresError?
        while let result = PQgetResult(pointer) {
            do { try Self.checkStatus(result, connection: pointer) } catch { firstError = firstError ?? error }
            PQclear(result)
        }
        if let firstError { throw firstError }
    }

    /// Table and column names cannot be parameters; accept only plain identifiers.
    static func checkIdentifier(_ name: String) throws(PostgresError) {
        let ok =
            !name.isEmpty
            && name.utf8.allSatisfy { c in
                (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c == 95 || c == 46
            }
        guard ok else { throw PostgresError(.server, message: "\"\(name)\" is not a plain identifier") }
    }
}

/// Calls `body` with NUL-terminated copies of `strings` (nil stays NULL) that live for the call.
func withCStrings<R>(_ strings: [String?], _ body: (UnsafeMutableBufferPointer<UnsafePointer<CChar>?>) -> R) -> R {
    let pointers: [UnsafeMutablePointer<CChar>?] = strings.map { $0.map { strdup($0)! } }
    defer { for p in pointers { free(p) } }
    var constPointers = pointers.map { $0.map { UnsafePointer($0) } }
    return constPointers.withUnsafeMutableBufferPointer { body($0) }
}

/// Rows in COPY's text format (tab-separated, `\\N` for null, backslash escapes), ready to send.
public struct CopyData: Sendable {
    public private(set) var bytes: [UInt8] = []
    public private(set) var rowCount = 0

    public init() {}

    public init(rows: some Sequence<[(any PostgresEncodable)?]>) {
        for row in rows { append(row) }
    }

    public mutating func append(_ row: [(any PostgresEncodable)?]) {
        var scratch: [UInt8] = []
        for (i, value) in row.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: "\t")) }
            guard let value else {
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "N")])
                continue
            }
            scratch.removeAll(keepingCapacity: true)
            value.appendPostgresText(to: &scratch)
            for byte in scratch {
                switch byte {
                case UInt8(ascii: "\\"): bytes.append(contentsOf: [92, 92])
                case UInt8(ascii: "\t"): bytes.append(contentsOf: [92, UInt8(ascii: "t")])
                case UInt8(ascii: "\n"): bytes.append(contentsOf: [92, UInt8(ascii: "n")])
                case UInt8(ascii: "\r"): bytes.append(contentsOf: [92, UInt8(ascii: "r")])
                default: bytes.append(byte)
                }
            }
        }
        bytes.append(UInt8(ascii: "\n"))
        rowCount += 1
    }
}
