import Foundation

/// A value sent as a query parameter, in Postgres's text format. Parameters are always sent
/// separately from the SQL (`$1`, `$2`, ...): no value is ever spliced into a statement.
public protocol PostgresEncodable: Sendable {
    var postgresText: String { get }
}

/// A column value read back from its text format.
public protocol PostgresDecodable {
    init(postgresText text: String) throws(PostgresError)
}

extension String: PostgresEncodable, PostgresDecodable {
    public var postgresText: String { self }
    public init(postgresText text: String) { self = text }
}

extension Int: PostgresEncodable, PostgresDecodable {
    public var postgresText: String { String(self) }
    public init(postgresText text: String) throws(PostgresError) {
        guard let v = Int(text) else { throw PostgresError(.decoding, message: "\"\(text)\" is not an integer") }
        self = v
    }
}

extension Int64: PostgresEncodable, PostgresDecodable {
    public var postgresText: String { String(self) }
    public init(postgresText text: String) throws(PostgresError) {
        guard let v = Int64(text) else { throw PostgresError(.decoding, message: "\"\(text)\" is not an integer") }
        self = v
    }
}

extension Int32: PostgresEncodable, PostgresDecodable {
    public var postgresText: String { String(self) }
    public init(postgresText text: String) throws(PostgresError) {
        guard let v = Int32(text) else { throw PostgresError(.decoding, message: "\"\(text)\" is not an integer") }
        self = v
    }
}

extension Double: PostgresEncodable, PostgresDecodable {
    public var postgresText: String { String(self) }
    public init(postgresText text: String) throws(PostgresError) {
        guard let v = Double(text) else { throw PostgresError(.decoding, message: "\"\(text)\" is not a number") }
        self = v
    }
}

extension Bool: PostgresEncodable, PostgresDecodable {
    public var postgresText: String { self ? "t" : "f" }
    public init(postgresText text: String) throws(PostgresError) {
        switch text {
        case "t", "true": self = true
        case "f", "false": self = false
        default: throw PostgresError(.decoding, message: "\"\(text)\" is not a boolean")
        }
    }
}

/// `bytea`, in the hex format (`\x0a1b...`).
public struct Bytea: PostgresEncodable, PostgresDecodable, Hashable {
    public var bytes: [UInt8]

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    static let hex = Array("0123456789abcdef".utf8)

    public var postgresText: String {
        var out = [UInt8](repeating: 0, count: 2 + bytes.count * 2)
        out[0] = UInt8(ascii: "\\")
        out[1] = UInt8(ascii: "x")
        for (i, b) in bytes.enumerated() {
            out[2 + 2 * i] = Self.hex[Int(b >> 4)]
            out[3 + 2 * i] = Self.hex[Int(b & 0x0F)]
        }
        return String(decoding: out, as: UTF8.self)
    }

    public init(postgresText text: String) throws(PostgresError) {
        let chars = Array(text.utf8)
        guard chars.count >= 2, chars[0] == UInt8(ascii: "\\"), chars[1] == UInt8(ascii: "x"), chars.count % 2 == 0 else {
            throw PostgresError(.decoding, message: "bytea not in hex format")
        }
        func nibble(_ c: UInt8) throws(PostgresError) -> UInt8 {
            switch c {
            case 48...57: return c - 48
            case 97...102: return c - 87
            case 65...70: return c - 55
            default: throw PostgresError(.decoding, message: "bad hex digit in bytea")
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(chars.count / 2 - 1)
        var i = 2
        while i < chars.count {
            bytes.append(try nibble(chars[i]) << 4 | nibble(chars[i + 1]))
            i += 2
        }
        self.bytes = bytes
    }
}

/// A one-dimensional array parameter (`text[]`, `bigint[]`), for `= ANY($1)` and `unnest($1)`.
public struct PostgresArray<Element: PostgresEncodable>: PostgresEncodable {
    public var elements: [Element?]

    public init(_ elements: [Element?]) { self.elements = elements }

    public var postgresText: String {
        var out = "{"
        for (i, element) in elements.enumerated() {
            if i > 0 { out += "," }
            guard let element else {
                out += "NULL"
                continue
            }
            out += "\""
            for ch in element.postgresText.unicodeScalars {
                if ch == "\"" || ch == "\\" { out += "\\" }
                out.unicodeScalars.append(ch)
            }
            out += "\""
        }
        return out + "}"
    }
}
