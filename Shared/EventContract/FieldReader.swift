import Foundation

/// Reads the fields of one JSON object, turning every mismatch into a `ContractViolation`
/// that names the field and says what was expected.
public struct FieldReader: Sendable {
    public let path: String
    public let fields: [String: JSONValue]

    public init(_ value: JSONValue, path: String) throws(ContractViolation) {
        guard case .object(let fields) = value else {
            throw ContractViolation(path, "must be a JSON object, got \(value.kind)")
        }
        self.path = path
        self.fields = fields
    }

    func at(_ name: String) -> String { path.isEmpty ? name : "\(path).\(name)" }

    /// Refuses fields the contract does not know, so a typo never silently drops data.
    public func rejectUnknown(allowed: some Collection<String>) throws(ContractViolation) {
        // Payloads have a handful of fields: a linear look-up beats building a set per event.
        guard fields.keys.contains(where: { !allowed.contains($0) }) else { return }
        let extra = fields.keys.filter { !allowed.contains($0) }.sorted().first!
        throw ContractViolation(at(extra), "is not a field of this contract (allowed: \(allowed.sorted().joined(separator: ", ")))")
    }

    func value(_ name: String) -> JSONValue? {
        switch fields[name] {
        case .none, .some(.null): nil
        case .some(let value): value
        }
    }

    func required(_ name: String) throws(ContractViolation) -> JSONValue {
        guard let value = value(name) else { throw ContractViolation(at(name), "is required") }
        return value
    }

    public func string(_ name: String) throws(ContractViolation) -> String {
        try checkedString(name, try required(name))
    }

    public func optionalString(_ name: String) throws(ContractViolation) -> String? {
        guard let value = value(name) else { return nil }
        return try checkedString(name, value)
    }

    func checkedString(_ name: String, _ value: JSONValue) throws(ContractViolation) -> String {
        guard case .string(let s) = value else { throw ContractViolation(at(name), "must be a string, got \(value.kind)") }
        guard Self.hasVisibleText(s) else { throw ContractViolation(at(name), "must not be empty") }
        // No more UTF-8 bytes than that means no more characters: most strings skip the count.
        guard s.utf8.count <= 500 || s.count <= 500 else { throw ContractViolation(at(name), "is longer than 500 characters") }
        return s
    }

    /// Whether `s` has a character other than whitespace; an ASCII letter or digit first (the
    /// usual case) answers without looking up Unicode properties.
    static func hasVisibleText(_ s: String) -> Bool {
        if let first = s.utf8.first, first > 0x20, first < 0x7F { return true }
        return s.unicodeScalars.contains(where: { !$0.properties.isWhitespace })
    }

    public func bool(_ name: String) throws(ContractViolation) -> Bool {
        let value = try required(name)
        guard case .bool(let b) = value else { throw ContractViolation(at(name), "must be true or false, got \(value.kind)") }
        return b
    }

    public func integer(_ name: String, in range: ClosedRange<Int64>) throws(ContractViolation) -> Int64 {
        try checkedInteger(name, try required(name), in: range)
    }

    public func optionalInteger(_ name: String, in range: ClosedRange<Int64>) throws(ContractViolation) -> Int64? {
        guard let value = value(name) else { return nil }
        return try checkedInteger(name, value, in: range)
    }

    func checkedInteger(_ name: String, _ value: JSONValue, in range: ClosedRange<Int64>) throws(ContractViolation) -> Int64 {
        guard case .integer(let n) = value else {
            if case .number(let d) = value, d == d.rounded(), d.isFinite {
                throw ContractViolation(at(name), "must be between \(range.lowerBound) and \(range.upperBound), got \(d)")
            }
            throw ContractViolation(at(name), "must be a whole number, got \(value.kind)")
        }
        guard range.contains(n) else { throw ContractViolation(at(name), "must be between \(range.lowerBound) and \(range.upperBound), got \(n)") }
        return n
    }

    public func optionalDecimal(_ name: String, in range: ClosedRange<Double>) throws(ContractViolation) -> Double? {
        guard let value = value(name) else { return nil }
        let n: Double
        switch value {
        case .integer(let i): n = Double(i)
        case .number(let d): n = d
        default: throw ContractViolation(at(name), "must be a number, got \(value.kind)")
        }
        guard n.isFinite, range.contains(n) else {
            throw ContractViolation(at(name), "must be between \(range.lowerBound) and \(range.upperBound), got \(n)")
        }
        return n
    }

    public func enumeration<E: RawRepresentable & CaseIterable>(_ name: String, _: E.Type = E.self) throws(ContractViolation) -> E
    where E.RawValue == String {
        try checkedEnumeration(name, try required(name))
    }

    public func optionalEnumeration<E: RawRepresentable & CaseIterable>(_ name: String, _: E.Type = E.self) throws(ContractViolation) -> E?
    where E.RawValue == String {
        guard let value = value(name) else { return nil }
        return try checkedEnumeration(name, value)
    }

    func checkedEnumeration<E: RawRepresentable & CaseIterable>(_ name: String, _ value: JSONValue) throws(ContractViolation) -> E
    where E.RawValue == String {
        guard case .string(let s) = value else { throw ContractViolation(at(name), "must be a string, got \(value.kind)") }
        guard let e = E(rawValue: s) else {
            let allowed = E.allCases.map(\.rawValue).joined(separator: ", ")
            throw ContractViolation(at(name), "\"\(s)\" is not one of: \(allowed)")
        }
        return e
    }

    public func timestamp(_ name: String) throws(ContractViolation) -> Timestamp {
        try checkedTimestamp(name, try required(name))
    }

    public func optionalTimestamp(_ name: String) throws(ContractViolation) -> Timestamp? {
        guard let value = value(name) else { return nil }
        return try checkedTimestamp(name, value)
    }

    func checkedTimestamp(_ name: String, _ value: JSONValue) throws(ContractViolation) -> Timestamp {
        guard case .string(let s) = value else { throw ContractViolation(at(name), "must be an RFC 3339 time string, got \(value.kind)") }
        guard let t = Timestamp(rfc3339: s) else {
            throw ContractViolation(at(name), "\"\(s)\" is not an RFC 3339 time with an offset, e.g. 2026-03-01T09:30:00+08:00")
        }
        guard Bounds.time.contains(t) else { throw ContractViolation(at(name), "\"\(s)\" is not \(Bounds.timeDescription)") }
        return t
    }

    /// A UUID (8-4-4-4-12 hex digits), returned in its canonical lower-case form.
    public func uuid(_ name: String) throws(ContractViolation) -> String {
        let s = try string(name)
        guard let canonical = Self.canonicalUUID(s) else { throw ContractViolation(at(name), "\"\(s)\" is not a UUID") }
        return canonical
    }

    public func optionalUUID(_ name: String) throws(ContractViolation) -> String? {
        guard value(name) != nil else { return nil }
        return try uuid(name)
    }

    /// A nested object, read by a reader of its own (refusals name `path.name.field`).
    public func object(_ name: String) throws(ContractViolation) -> FieldReader {
        try FieldReader(try required(name), path: at(name))
    }

    static func canonicalUUID(_ s: String) -> String? {
        guard s.utf8.count == 36 else { return nil }
        // Usually canonical already: checked in place, copied only to lower its case.
        let canonical = s.utf8.withContiguousStorageIfAvailable { bytes in
            (0..<36).allSatisfy { i in
                let c = bytes[i]
                let dash = i == 8 || i == 13 || i == 18 || i == 23
                return dash == (c == UInt8(ascii: "-")) && (dash || (c >= 48 && c <= 57) || (c >= 97 && c <= 102))
            }
        }
        if canonical == true { return s }
        var bytes = Array(s.utf8)
        for i in 0..<36 {
            let c = bytes[i]
            if i == 8 || i == 13 || i == 18 || i == 23 {
                guard c == UInt8(ascii: "-") else { return nil }
            } else if c >= 65 && c <= 70 {
                bytes[i] = c + 32
            } else {
                guard (c >= 48 && c <= 57) || (c >= 97 && c <= 102) else { return nil }
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    public func subjectCode(_ name: String) throws(ContractViolation) -> SubjectCode {
        let s = try string(name)
        do {
            return try SubjectCode(validating: s)
        } catch {
            throw ContractViolation(at(name), error.message)
        }
    }

    public func countyCode(_ name: String) throws(ContractViolation) -> String {
        let s = try string(name)
        guard s.utf8.count == 6, s.utf8.allSatisfy(SubjectCode.isDigit), SubjectCode.provinces.contains(String(s.prefix(2))),
            !s.hasSuffix("00")
        else {
            throw ContractViolation(at(name), "\"\(s)\" is not a 6-digit county division code (e.g. 140403)")
        }
        return s
    }

    public func optionalTownshipCode(_ name: String) throws(ContractViolation) -> String? {
        guard let s = try optionalString(name) else { return nil }
        guard s.utf8.count == 9, s.utf8.allSatisfy(SubjectCode.isDigit) else {
            throw ContractViolation(at(name), "\"\(s)\" is not a 9-digit township code (its county's 6 digits and 3, e.g. 140403001)")
        }
        return s
    }
}
