/// Rows in COPY's binary format, ready to send with `PostgresConnection.copy(into:columns:binary:)`.
/// Postgres reads binary fields without parsing text (uuids, timestamps, numbers), which makes a
/// bulk load markedly cheaper on both sides than the text format.
///
/// Each row starts with `startRow()` and then gets exactly `columns` fields, in column order:
///
///     var data = BinaryCopyData(columns: 3)
///     data.startRow()
///     try data.uuid(id); data.text(subject); data.timestamp(micros: occurred)
public struct BinaryCopyData: Sendable {
    public let columns: Int
    public private(set) var bytes: [UInt8]
    public private(set) var rowCount = 0
    /// Fields written to the current row.
    var fields = 0

    /// The header: signature, flags, no extension.
    static let header: [UInt8] = Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00] + [0, 0, 0, 0] + [0, 0, 0, 0]
    /// Microseconds from 1970-01-01 to 2000-01-01, Postgres's epoch for timestamps.
    static let postgresEpochMicros: Int64 = 946_684_800_000_000

    public init(columns: Int, reservingRows rows: Int = 0) {
        self.columns = columns
        bytes = Self.header
        bytes.reserveCapacity(Self.header.count + rows * columns * 12 + 2)
    }

    public mutating func startRow() {
        precondition(rowCount == 0 || fields == columns, "row \(rowCount) has \(fields) of \(columns) fields")
        bigEndian(Int16(columns))
        rowCount += 1
        fields = 0
    }

    public mutating func null() {
        field(length: -1)
    }

    public mutating func text(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            field(length: Int32(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    public mutating func text(_ value: String?) {
        if let value { text(value) } else { null() }
    }

    /// `bigint`
    public mutating func int8(_ value: Int64) {
        field(length: 8)
        bigEndian(value)
    }

    /// `integer`
    public mutating func int4(_ value: Int64?) {
        guard let value else { return null() }
        field(length: 4)
        bigEndian(Int32(truncatingIfNeeded: value))
    }

    public mutating func bool(_ value: Bool?) {
        guard let value else { return null() }
        field(length: 1)
        bytes.append(value ? 1 : 0)
    }

    /// `timestamptz` from microseconds since 1970 (UTC).
    public mutating func timestamp(micros: Int64?) {
        guard let micros else { return null() }
        field(length: 8)
        bigEndian(micros - Self.postgresEpochMicros)
    }

    /// `uuid` from its text form (`8-4-4-4-12` hexadecimal digits).
    public mutating func uuid(_ text: String) throws(PostgresError) {
        var text = text
        let value = text.withUTF8 { utf8 -> (UInt64, UInt64)? in
            var value: (UInt64, UInt64) = (0, 0)
            var digits = 0
            for c in utf8 where c != UInt8(ascii: "-") {
                let nibble = Self.hexValue[Int(c)]
                guard nibble < 16, digits < 32 else { return nil }
                if digits < 16 { value.0 = value.0 << 4 | UInt64(nibble) } else { value.1 = value.1 << 4 | UInt64(nibble) }
                digits += 1
            }
            return digits == 32 ? value : nil
        }
        guard let value else { throw PostgresError(.copy, message: "\"\(text)\" is not a UUID") }
        field(length: 16)
        bigEndian(value.0)
        bigEndian(value.1)
    }

    /// The value of every byte as a hexadecimal digit, 0xFF for bytes that are not one.
    static let hexValue: [UInt8] = (0..<256).map { byte in
        switch byte {
        case 48...57: UInt8(byte - 48)
        case 97...102: UInt8(byte - 87)
        case 65...70: UInt8(byte - 55)
        default: 0xFF
        }
    }

    /// The end of the data, sent after `bytes`.
    static let trailer: [UInt8] = [0xFF, 0xFF]

    /// Checks that the last row got all its fields.
    func checkComplete() {
        precondition(rowCount == 0 || fields == columns, "row \(rowCount) has \(fields) of \(columns) fields")
    }

    mutating func field(length: Int32) {
        precondition(fields < columns, "row \(rowCount) has more than \(columns) fields")
        fields += 1
        bigEndian(length)
    }

    mutating func bigEndian<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }
}
