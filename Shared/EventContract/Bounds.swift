/// The ranges the contract allows for its numbers and times: a value beyond is refused like any
/// other contract violation — by a department with a problem naming the field and the range, by
/// the aggregator with a quarantine — so that no sum, conversion or database column downstream can
/// overflow on what one clerk typed or another producer published.
///
/// Each bound is far above anything real and far below where arithmetic breaks: a sum of two
/// bounded counts fits a Postgres `integer`, a sum over a province's year fits a `bigint`.
public enum Bounds {
    /// `deaths`, `injuries` of one accident. China's worst industrial accidents counted hundreds.
    public static let casualties: ClosedRange<Int64> = 0...10_000
    /// `suspects` of one solved case.
    public static let suspects: ClosedRange<Int64> = 0...10_000
    /// `persons` of one petition (人次): the largest collective visits count thousands.
    public static let persons: ClosedRange<Int64> = 1...100_000
    /// `directLossYuan` of one accident: a trillion yuan, finite.
    public static let directLossYuan: ClosedRange<Double> = 0...1e12
    /// Every time of the contract (`time`, `deadline`): from 1990 to the end of 2100, in UTC.
    /// The campaign began in the 2020s; the range leaves room for back-filled archives and long
    /// deadlines, and keeps every instant well inside `timestamptz` and microsecond arithmetic.
    public static let time: ClosedRange<Timestamp> =
        Timestamp(unixMicros: 631_152_000_000_000, utcOffsetMinutes: 0)...Timestamp(unixMicros: 4_133_980_799_999_999, utcOffsetMinutes: 0)
    /// The envelope's `sequence`: at most 10^18 − 1 (18 digits, so the 20-digit text starts `00`).
    /// Below 2^63 − 1, the largest Postgres `bigint`, with room to spare: the aggregator keeps the
    /// numbers seen as ranges whose upper end is one past the last (`int8range(n, n, '[]')` is
    /// `[n, n + 1)`), which 2^63 − 1 itself would overflow. A source publishing a million events a
    /// second would take 31,000 years to reach it; a number beyond is a producer's mistake.
    public static let sequence: ClosedRange<UInt64> = 0...999_999_999_999_999_999

    /// The instant range as people read it, for messages and schema descriptions.
    public static let timeDescription = "between 1990-01-01T00:00:00Z and 2100-12-31T23:59:59Z"
    /// A pattern for the year of an RFC 3339 time: 1989–2101, a coarse filter for JSON Schema and
    /// OpenAPI (the offset moves the UTC year by at most one); the exact range is `time`.
    public static let timePattern = "^(19[89][0-9]|20[0-9]{2}|210[01])-"
}
