import Foundation

/// An RFC 3339 instant that remembers the offset it was written with (local time here is +08:00).
///
/// Stored as microseconds since the Unix epoch, the precision of Postgres `timestamptz`, so a time
/// survives the round trip event → database → event unchanged.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var unixMicros: Int64
    /// Minutes east of UTC, e.g. 480 for China Standard Time.
    public var utcOffsetMinutes: Int

    public static let chinaStandardTimeOffset = 480

    public init(unixMicros: Int64, utcOffsetMinutes: Int = Timestamp.chinaStandardTimeOffset) {
        self.unixMicros = unixMicros
        self.utcOffsetMinutes = utcOffsetMinutes
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.unixMicros < rhs.unixMicros }

    /// Parses `2026-03-01T09:30:00+08:00`, `2026-03-01T01:30:00.250Z` and the like.
    /// The offset is required: a time without one means nothing across departments.
    public init?(rfc3339 text: String) {
        let b = Array(text.utf8)
        func digits(_ start: Int, _ count: Int) -> Int? {
            guard start + count <= b.count else { return nil }
            var n = 0
            for i in start..<(start + count) {
                guard b[i] >= 48, b[i] <= 57 else { return nil }
                n = n * 10 + Int(b[i] - 48)
            }
            return n
        }
        guard b.count >= 20,
            let year = digits(0, 4), b[4] == UInt8(ascii: "-"),
            let month = digits(5, 2), b[7] == UInt8(ascii: "-"),
            let day = digits(8, 2), b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t"),
            let hour = digits(11, 2), b[13] == UInt8(ascii: ":"),
            let minute = digits(14, 2), b[16] == UInt8(ascii: ":"),
            let second = digits(17, 2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= Self.daysIn(month: month, year: year),
            hour < 24, minute < 60, second < 60
        else { return nil }

        var i = 19
        var micros = 0
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            var scale = 100_000
            let start = i
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                micros += Int(b[i] - 48) * scale
                scale /= 10
                i += 1
            }
            guard i > start else { return nil }
        }
        guard i < b.count else { return nil }
        var offset = 0
        switch b[i] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            i += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard let oh = digits(i + 1, 2), i + 3 < b.count, b[i + 3] == UInt8(ascii: ":"),
                let om = digits(i + 4, 2), om < 60, oh * 60 + om <= Self.largestOffsetMinutes
            else { return nil }
            offset = (oh * 60 + om) * (b[i] == UInt8(ascii: "-") ? -1 : 1)
            i += 6
        default:
            return nil
        }
        guard i == b.count else { return nil }

        let days = Self.daysFromCivil(year: year, month: month, day: day)
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offset * 60)
        self.init(unixMicros: seconds * 1_000_000 + Int64(micros), utcOffsetMinutes: offset)
    }

    /// Offsets in use on Earth run from -12:00 to +14:00; RFC 3339's syntax allows up to ±23:59,
    /// Postgres only ±15:59. Anything beyond +14:00 is a mistake, refused with the time.
    public static let largestOffsetMinutes = 14 * 60

    /// `2026-03-01T09:30:00+08:00`, with `.ffffff` only when there are sub-second digits.
    public var description: String {
        let local = unixMicros + Int64(utcOffsetMinutes) * 60_000_000
        var seconds = local / 1_000_000
        var micros = local % 1_000_000
        if micros < 0 {
            micros += 1_000_000
            seconds -= 1
        }
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        let (y, m, d) = Self.civilFromDays(Int(days))
        func pad(_ n: Int, _ width: Int) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        var text =
            "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(Int(secondOfDay / 3600), 2)):"
            + "\(pad(Int(secondOfDay % 3600 / 60), 2)):\(pad(Int(secondOfDay % 60), 2))"
        if micros != 0 {
            var fraction = pad(Int(micros), 6)
            while fraction.hasSuffix("0") { fraction.removeLast() }
            text += "." + fraction
        }
        if utcOffsetMinutes == 0 { return text + "Z" }
        let sign = utcOffsetMinutes < 0 ? "-" : "+"
        let o = abs(utcOffsetMinutes)
        return text + "\(sign)\(pad(o / 60, 2)):\(pad(o % 60, 2))"
    }

    // MARK: - Calendar arithmetic (proleptic Gregorian; Howard Hinnant's algorithms)

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The proleptic Gregorian (year, month, day) of a count of days since 1970-01-01.
    public static func civilFromDays(_ z: Int) -> (Int, Int, Int) {
        let z = z + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp + (mp < 10 ? 3 : -9)
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}

extension Timestamp: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = Timestamp(rfc3339: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an RFC 3339 time: \(text)"))
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension Timestamp {
    /// The time between two instants.
    public static func - (a: Timestamp, b: Timestamp) -> Duration { .microseconds(a.unixMicros - b.unixMicros) }

    public static func + (t: Timestamp, d: Duration) -> Timestamp {
        Timestamp(unixMicros: t.unixMicros + d.components.seconds * 1_000_000 + d.components.attoseconds / 1_000_000_000_000, utcOffsetMinutes: t.utcOffsetMinutes)
    }

    public static func - (t: Timestamp, d: Duration) -> Timestamp { t + (.zero - d) }
}

/// The wall clock, injected where the time of day decides something (a stalled consumer, the
/// window of "now", a deadline passed): `.system` in the services, a clock of the test's own in tests.
public struct WallClock: Sendable {
    private let read: @Sendable () -> Timestamp

    public init(_ read: @escaping @Sendable () -> Timestamp) { self.read = read }

    public func now() -> Timestamp { read() }

    public static let system = WallClock { Timestamp(unixMicros: Int64(Date().timeIntervalSince1970 * 1_000_000)) }
}
