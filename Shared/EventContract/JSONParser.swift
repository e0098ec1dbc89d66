/// A strict JSON (RFC 8259) parser straight from UTF-8 bytes into `JSONValue`.
///
/// Events are decoded by the tens of thousands per second; Foundation's decoder, asked to guess
/// each value's kind through `Decodable`, manages about a tenth of that. Nesting is limited so a
/// hostile document cannot exhaust the stack.
public struct JSONParser {
    public struct Failure: Error, CustomStringConvertible {
        public let offset: Int
        public let reason: String
        public var description: String { "invalid JSON at byte \(offset): \(reason)" }
    }

    public static let maximumDepth = 64

    public static func parse(_ bytes: some Collection<UInt8>) throws(Failure) -> JSONValue {
        let array = Array(bytes)
        return try array.withUnsafeBufferPointer { buffer throws(Failure) in
            var parser = Cursor(bytes: buffer)
            parser.skipWhitespace()
            let value = try parser.value(depth: 0)
            parser.skipWhitespace()
            guard parser.index == buffer.count else { throw parser.failure("unexpected content after the document") }
            return value
        }
    }

    struct Cursor {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        func failure(_ reason: String) -> Failure { Failure(offset: index, reason: reason) }

        var current: UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func skipWhitespace() {
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 { index += 1 }
        }

        mutating func expect(_ literal: StaticString) throws(Failure) {
            let count = literal.utf8CodeUnitCount
            guard index + count <= bytes.count else { throw failure("unexpected end") }
            for i in 0..<count where bytes[index + i] != literal.utf8Start[i] { throw failure("unexpected character") }
            index += count
        }

        mutating func value(depth: Int) throws(Failure) -> JSONValue {
            guard depth < JSONParser.maximumDepth else { throw failure("nested deeper than \(JSONParser.maximumDepth)") }
            guard let c = current else { throw failure("unexpected end") }
            switch c {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try expect("true"); return .bool(true)
            case UInt8(ascii: "f"): try expect("false"); return .bool(false)
            case UInt8(ascii: "n"): try expect("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
            default: throw failure("unexpected character")
            }
        }

        mutating func object(depth: Int) throws(Failure) -> JSONValue {
            index += 1
            var fields: [String: JSONValue] = [:]
            fields.reserveCapacity(8)
            skipWhitespace()
            if current == UInt8(ascii: "}") {
                index += 1
                return .object(fields)
            }
            while true {
                skipWhitespace()
                guard current == UInt8(ascii: "\"") else { throw failure("expected a field name") }
                let key = try string()
                skipWhitespace()
                guard current == UInt8(ascii: ":") else { throw failure("expected ':'") }
                index += 1
                skipWhitespace()
                guard fields.updateValue(try value(depth: depth + 1), forKey: key) == nil else { throw failure("duplicate field \"\(key)\"") }
                skipWhitespace()
                switch current {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "}"): index += 1; return .object(fields)
                default: throw failure("expected ',' or '}'")
                }
            }
        }

        mutating func array(depth: Int) throws(Failure) -> JSONValue {
            index += 1
            var elements: [JSONValue] = []
            skipWhitespace()
            if current == UInt8(ascii: "]") {
                index += 1
                return .array(elements)
            }
            while true {
                skipWhitespace()
                elements.append(try value(depth: depth + 1))
                skipWhitespace()
                switch current {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "]"): index += 1; return .array(elements)
                default: throw failure("expected ',' or ']'")
                }
            }
        }

        mutating func string() throws(Failure) -> String {
            index += 1
            let start = index
            // Fast path: no escapes.
            while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\") {
                guard bytes[index] >= 0x20 else { throw failure("control character in a string") }
                index += 1
            }
            guard index < bytes.count else { throw failure("unterminated string") }
            if bytes[index] == UInt8(ascii: "\"") {
                index += 1
                return try validated(UnsafeBufferPointer(rebasing: bytes[start..<(index - 1)]))
            }
            var out = Array(bytes[start..<index])
            while index < bytes.count {
                let c = bytes[index]
                if c == UInt8(ascii: "\"") {
                    index += 1
                    return try out.withUnsafeBufferPointer { buffer throws(Failure) in try validated(buffer) }
                }
                guard c >= 0x20 else { throw failure("control character in a string") }
                if c != UInt8(ascii: "\\") {
                    out.append(c)
                    index += 1
                    continue
                }
                index += 1
                guard let e = current else { break }
                index += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        try expect("\\u")
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw failure("unpaired surrogate") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    // Valid JSON, but no text column (nor jsonb) can hold U+0000: refused here, with a
                    // reason, rather than by Postgres halfway through a write.
                    guard scalar != 0 else { throw failure("\\u0000 (NUL) in a string") }
                    guard let unicode = Unicode.Scalar(scalar) else { throw failure("invalid \\u escape") }
                    out.append(contentsOf: Array(String(Character(unicode)).utf8))
                default: throw failure("invalid escape")
                }
            }
            throw failure("unterminated string")
        }

        func validated(_ buffer: UnsafeBufferPointer<UInt8>) throws(Failure) -> String {
            // ASCII (most strings of an event) is valid UTF-8: the generic validating initializer,
            // not specialized here, costs more than the rest of the parse.
            if buffer.allSatisfy({ $0 < 0x80 }) { return String(decoding: buffer, as: UTF8.self) }
            guard let s = String(validating: buffer, as: UTF8.self) else { throw failure("invalid UTF-8") }
            return s
        }

        mutating func hex4() throws(Failure) -> UInt32 {
            guard index + 4 <= bytes.count else { throw failure("short \\u escape") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let c = bytes[index]
                let d: UInt32
                switch c {
                case 48...57: d = UInt32(c - 48)
                case 97...102: d = UInt32(c - 87)
                case 65...70: d = UInt32(c - 55)
                default: throw failure("bad hex digit")
                }
                v = v << 4 | d
                index += 1
            }
            return v
        }

        mutating func number() throws(Failure) -> JSONValue {
            let start = index
            if current == UInt8(ascii: "-") { index += 1 }
            guard let first = current, first >= 48, first <= 57 else { throw failure("expected a digit") }
            if first == 48 {
                index += 1
            } else {
                while let c = current, c >= 48, c <= 57 { index += 1 }
            }
            var integral = true
            if current == UInt8(ascii: ".") {
                integral = false
                index += 1
                guard let c = current, c >= 48, c <= 57 else { throw failure("expected a digit after '.'") }
                while let c = current, c >= 48, c <= 57 { index += 1 }
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                integral = false
                index += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
                guard let c = current, c >= 48, c <= 57 else { throw failure("expected a digit in the exponent") }
                while let c = current, c >= 48, c <= 57 { index += 1 }
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            if integral, let i = Int64(text) { return .integer(i) }
            guard let d = Double(text), d.isFinite else { throw failure("number out of range") }
            // A whole number written as 2.0 or 1e3 is a whole number (as Foundation's decoder says too).
            if d == d.rounded(), abs(d) < 9.0e15 { return .integer(Int64(d)) }
            return .number(d)
        }
    }
}
