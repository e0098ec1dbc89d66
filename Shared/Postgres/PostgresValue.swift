import Foundation

/// A value sent as a query parameter, in Postgres's text format. Parameters are always sent
/// separately from the SQL (`$1`, `$2`, ...): no value is ever spliced into a statement.
public protocol PostgresEncodable: Sendable {
    var postgresText: String { get }
    /// Appends the text format's UTF-8 bytes (the default goes through `postgresText`).
    func appendPostgresText(to buffer: inout [UInt8])
}

extension PostgresEncodable {
    public func appendPostgresText(to buffer: inout [UInt8]) {
        buffer.append(contentsOf: postgresText.utf8)
    }
}

/// Appends the decimal digits of `n`.
@inlinable func appendDecimal(_ n: Int64, to buffer: inout [UInt8]) {
    if n < 0 { buffer.append(UInt8(ascii: "-")) }
    var magnitude = n.magnitude
    var digits:
        (
            UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
            UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8
        ) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    var count = 0
    withUnsafeMutableBytes(of: &digits) { d in
        repeat {
            d[count] = UInt8(truncatingIfNeeded: magnitude % 10) + 48
            magnitude /= 10
            count += 1
        } while magnitude > 0
        for i in stride(from: count - 1, through: 0, by: -1) { buffer.append(d[i]) }
    }
}

/// A column value read back from its text format.
public protocol PostgresDecodable {
    init(postgresText text: String) throws(PostgresError)
}

extension String: PostgresEncodable, PostgresDecodable {
    public var postgresText: String { self }
    public func appendPostgresText(to buffer: inout [UInt8]) { buffer.append(contentsOf: utf8) }
    public init(postgresText text: String) { self = text }
}

extension Int: PostgresEncodable, PostgresDecodable {
    public var postgresText: String { String(self) }
    public func appendPostgresText(to buffer: inout [UInt8]) { appendDecimal(Int64(self), to: &buffer) }
    public init(postgresText text: String) throws(PostgresError) {
        guard let v = Int(text) else { throw PostgresError(.decoding, message: "\"\(text)\" is not an integer") }
        self = v
    }
}

extension Int64: PostgresEncodable, PostgresDecodable {
    public var postgresText: String { String(self) }
    public func appendPostgresText(to buffer: inout [UInt8]) { appendDecimal(self, to: &buffer) }
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
    public func appendPostgresText(to buffer: inout [UInt8]) { buffer.append(self ? UInt8(ascii: "t") : UInt8(ascii: "f")) }
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
        // Called through the protocol, so generic code: a plain loop (no `enumerated()`, whose
        // tuples cost a metadata lookup each) and every element written straight into `out`,
        // escaped afterwards only when it holds a quote or a backslash.
        let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
        var out: [UInt8] = [UInt8(ascii: "{")]
        out.reserveCapacity(elements.count * 16 + 2)
        var first = true
        for element in elements {
            if first { first = false } else { out.append(UInt8(ascii: ",")) }
            guard let element else {
                out.append(contentsOf: "NULL".utf8)
                continue
            }
            out.append(quote)
            let start = out.count
            element.appendPostgresText(to: &out)
            if out[start...].contains(where: { $0 == quote || $0 == backslash }) {
                let raw = Array(out[start...])
                out.removeSubrange(start...)
                for byte in raw {
                    if byte == quote || byte == backslash { out.append(backslash) }
                    out.append(byte)
                }
            }
            out.append(quote)
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }
}

/// A `timestamptz` as microseconds since 1970 (UTC), written without a detour through calendars
/// and strings (`2026-03-01 01:00:00.000123+00`), and read from the text Postgres sends in its ISO
/// style in any session time zone (`2026-03-01 09:00:00.5+08`, `1969-12-31 19:00:00-05`, `… +05:30`).
public struct PostgresTimestamp: PostgresEncodable, PostgresDecodable, Hashable {
    public var unixMicros: Int64

    public init(unixMicros: Int64) { self.unixMicros = unixMicros }

    public init(postgresText text: String) throws(PostgresError) {
        let b = Array(text.utf8)
        func fail() -> PostgresError { PostgresError(.decoding, message: "\"\(text)\" is not a timestamptz in the ISO style") }
        func number(_ range: Range<Int>) throws(PostgresError) -> Int64 {
            guard range.upperBound <= b.count else { throw fail() }
            var n: Int64 = 0
            for i in range {
                guard b[i] >= 48 && b[i] <= 57 else { throw fail() }
                n = n * 10 + Int64(b[i] - 48)
            }
            return n
        }
        // YYYY-MM-DD HH:MM:SS[.f…][±HH[:MM[:SS]]]
        guard b.count >= 19, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] == UInt8(ascii: " "),
            b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":")
        else { throw fail() }
        let (year, month, day) = (try number(0..<4), try number(5..<7), try number(8..<10))
        let (hour, minute, second) = (try number(11..<13), try number(14..<16), try number(17..<19))
        var i = 19
        var micros: Int64 = 0
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            var scale: Int64 = 100_000
            while i < b.count, b[i] >= 48 && b[i] <= 57 {
                micros += Int64(b[i] - 48) * scale
                scale /= 10
                i += 1
            }
        }
        var offsetSeconds: Int64 = 0
        if i < b.count {
            guard b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") else { throw fail() }
            let sign: Int64 = b[i] == UInt8(ascii: "-") ? -1 : 1
            var parts: [Int64] = []
            var at = i + 1
            while parts.count < 3 {
                parts.append(try number(at..<(at + 2)))
                at += 2
                guard at < b.count else { break }
                guard b[at] == UInt8(ascii: ":") else { throw fail() }
                at += 1
            }
            guard at >= b.count else { throw fail() }
            offsetSeconds = sign * (parts[0] * 3_600 + (parts.count > 1 ? parts[1] * 60 : 0) + (parts.count > 2 ? parts[2] : 0))
        }
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { throw fail() }
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        unixMicros = ((days * 86_400 + hour * 3_600 + minute * 60 + second) - offsetSeconds) * 1_000_000 + micros
    }

    public var postgresText: String {
        var buffer: [UInt8] = []
        appendPostgresText(to: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    public func appendPostgresText(to buffer: inout [UInt8]) {
        var seconds = unixMicros / 1_000_000
        var micros = unixMicros % 1_000_000
        if micros < 0 { micros += 1_000_000; seconds -= 1 }
        var days = seconds / 86_400
        var second = seconds % 86_400
        if second < 0 { second += 86_400; days -= 1 }
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func digits(_ n: Int64, _ width: Int) {
            var divisor: Int64 = 1
            for _ in 1..<width { divisor *= 10 }
            var rest = n
            while divisor > 0 {
                buffer.append(UInt8(truncatingIfNeeded: rest / divisor) + 48)
                rest %= divisor
                divisor /= 10
            }
        }
        digits(year, 4); buffer.append(UInt8(ascii: "-")); digits(month, 2); buffer.append(UInt8(ascii: "-")); digits(day, 2)
        buffer.append(UInt8(ascii: " "))
        digits(second / 3600, 2); buffer.append(UInt8(ascii: ":")); digits(second % 3600 / 60, 2); buffer.append(UInt8(ascii: ":"))
        digits(second % 60, 2); buffer.append(UInt8(ascii: ".")); digits(micros, 6)
        buffer.append(contentsOf: "+00".utf8)
    }
}
