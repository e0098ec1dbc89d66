import EventContract
import Postgres

/// Times go to Postgres and come back as `Timestamp`s (`timestamptz`), shown in China Standard
/// Time: no string on the way, whatever the session's time zone.
extension Timestamp: PostgresEncodable, PostgresDecodable {
    public var postgresText: String { PostgresTimestamp(unixMicros: unixMicros).postgresText }

    public func appendPostgresText(to buffer: inout [UInt8]) {
        PostgresTimestamp(unixMicros: unixMicros).appendPostgresText(to: &buffer)
    }

    public init(postgresText text: String) throws(PostgresError) {
        self.init(unixMicros: try PostgresTimestamp(postgresText: text).unixMicros)
    }
}
