import EventContract
import Foundation
import HTTPTypes
import Postgres
import Publishing
import ServiceSupport

/// Writes and reads records. Every change is one transaction: the record, its history row, and
/// the outbox row of the event it publishes. Methods are synchronous over a connection so that a
/// caller can compose them into its own transaction (with an idempotency key, say).
public struct RecordStore: Sendable {
    public init() {}

    /// Times more than this far ahead of the clock are refused as typing errors.
    static let futureTolerance: Int64 = 10 * 60 * 1_000_000

    // MARK: - Register

    public func register(
        _ kind: RecordKind, subject: SubjectCode, time: Timestamp, payload: EventData,
        privateValue: JSONValue?, actor: Principal, on conn: PostgresConnection
    ) throws -> RecordView {
        try checkNotInFuture(time)
        let id = payload.recordId
        let data = try Self.json(payload)
        let deadline = payload.deadline
        // One statement: the roster check, the record, its history row and its outbox row.
        let row = try conn.query(
            """
            WITH listed AS (SELECT active FROM roster WHERE code = $3::text),
            record AS (
                INSERT INTO records (id, entity, subject, county, status, occurred_at, deadline, data)
                SELECT $1::uuid, $2::text, $3::text, $4::text, $5::text, $6::timestamptz, $7::timestamptz, $8::jsonb FROM listed WHERE active
                RETURNING id, created_at
            ),
            history AS (
                INSERT INTO record_history (record_id, action, status, actor, occurred_at, details)
                SELECT id, 'register', $5::text, $9::text, $6::timestamptz, $8::jsonb FROM record
            ),
            outbox AS (
                INSERT INTO outbox (event_id, type, subject, time, data)
                SELECT $10::uuid, $11::text, $3::text, $12::text, $8::jsonb FROM record
            )
            SELECT (SELECT active FROM listed), (SELECT (extract(epoch FROM created_at) * 1000000)::bigint FROM record)
            """,
            [
                id, kind.entity.rawValue, subject.rawValue, subject.county, kind.initialStatus, time.description,
                deadline?.description, data, actor.name, UUIDv7.generate(), payload.type.rawValue, time.description,
            ])[0]
        guard let active = try row.decode(0, as: Bool?.self) else {
            throw Problem(.unprocessableContent, "subject: \(subject) is not on the roster of creation subjects", field: "subject")
        }
        guard active, let created = try row.decode(1, as: Int64?.self) else {
            throw Problem(.unprocessableContent, "subject: \(subject) is no longer active on the roster", field: "subject")
        }
        if let privateFields = kind.privateFields, let privateValue {
            try privateFields.store(conn, id, privateValue)
        }
        // The new record as it was written, without reading it back.
        let fields = try Self.parse(data)
        let now = Self.text(created)
        return RecordView(
            id: id, kind: kind.entity, subject: subject.rawValue, county: subject.county, status: kind.initialStatus,
            time: Self.text(time.unixMicros), deadline: deadline.map { Self.text($0.unixMicros) }, fields: fields, createdAt: now, updatedAt: now,
            history: [
                RecordView.HistoryEntry(
                    action: "register", status: kind.initialStatus, actor: actor.name, time: Self.text(time.unixMicros),
                    recordedAt: now, details: fields)
            ])
    }

    // MARK: - Act

    public func act(
        _ kind: RecordKind, _ action: RecordAction, id: String, time: Timestamp, payload: EventData?, note: String? = nil,
        actor: Principal, on conn: PostgresConnection
    ) throws -> RecordView {
        try checkNotInFuture(time)
        guard try !conn.query("SELECT 1 FROM records WHERE id = $1 AND entity = $2 FOR UPDATE", [id, kind.entity.rawValue]).isEmpty,
            let record = try find(kind, id: id, on: conn)
        else { throw Problem.notFound("no \(kind.entity.rawValue) with id \(id)") }
        guard action.allows(record.status) else {
            throw Problem.conflict("a \(kind.entity.rawValue) that is \(record.status) cannot be moved on with \(action.name)")
        }
        if let recordTime = Timestamp(rfc3339: record.time), time < recordTime {
            throw Problem(.unprocessableContent, "time: \(time) is before the \(kind.entity.rawValue)'s own time \(record.time)", field: "time")
        }
        if let refusal = action.check(record, payload) { throw Problem.conflict(refusal) }
        let status = action.nextStatus(payload)
        try conn.query("UPDATE records SET status = $2, updated_at = now() WHERE id = $1", [id, status])
        let details = try payload.map(Self.json) ?? (note.map { #"{"note":\#(Self.jsonString($0))}"# } ?? "{}")
        try history(id, action: action.name, status: status, actor: actor, time: time, details: details, on: conn)
        if let payload {
            try Outbox.append(payload, subject: try SubjectCode(validating: record.subject), time: time, on: conn)
        }
        return try find(kind, id: id, on: conn)!
    }

    // MARK: - Read

    static let columns = """
        id::text, entity, subject, county, status,
        (extract(epoch FROM occurred_at) * 1000000)::bigint,
        (extract(epoch FROM deadline) * 1000000)::bigint,
        data::text,
        (extract(epoch FROM created_at) * 1000000)::bigint,
        (extract(epoch FROM updated_at) * 1000000)::bigint
        """

    public func find(_ kind: RecordKind, id: String, withHistory: Bool = true, on conn: PostgresConnection) throws -> RecordView? {
        guard UUID(uuidString: id) != nil else { return nil }
        guard let row = try conn.query("SELECT \(Self.columns) FROM records WHERE id = $1 AND entity = $2", [id, kind.entity.rawValue]).first else {
            return nil
        }
        var view = try Self.view(row)
        if withHistory {
            view.history = try conn.query(
                """
                SELECT action, status, actor, (extract(epoch FROM occurred_at) * 1000000)::bigint,
                       (extract(epoch FROM recorded_at) * 1000000)::bigint, details::text
                FROM record_history WHERE record_id = $1 ORDER BY id
                """, [id]
            ).map { row in
                RecordView.HistoryEntry(
                    action: try row.decode(0), status: try row.decode(1), actor: try row.decode(2),
                    time: Self.text(try row.decode(3)), recordedAt: Self.text(try row.decode(4)),
                    details: try Self.parse(try row.decode(5)))
            }
        }
        return view
    }

    public struct Filter: Sendable {
        public var subject: String?
        public var status: String?
        public var county: String?
        public var overdue: Bool?
        public var page = 1
        public var pageSize = 50

        public init() {}
    }

    public func list(_ kind: RecordKind, _ filter: Filter, on conn: PostgresConnection) throws -> RecordPage {
        let condition = """
            entity = $1
            AND ($2::text IS NULL OR subject = $2)
            AND ($3::text IS NULL OR status = $3)
            AND ($4::text IS NULL OR county = $4)
            AND ($5::boolean IS NULL OR ((deadline < now() AND status = ANY($6::text[])) = $5))
            """
        let parameters: [(any PostgresEncodable)?] = [
            kind.entity.rawValue, filter.subject, filter.status, filter.county, filter.overdue, PostgresArray(kind.openStatuses.sorted()),
        ]
        let total = try conn.query("SELECT count(*) FROM records WHERE \(condition)", parameters)[0].decode(0, as: Int.self)
        let rows = try conn.query(
            """
            SELECT \(Self.columns) FROM records WHERE \(condition)
            ORDER BY occurred_at DESC, id LIMIT $7 OFFSET $8
            """, parameters + [filter.pageSize, (filter.page - 1) * filter.pageSize])
        return RecordPage(items: try rows.map(Self.view), page: filter.page, pageSize: filter.pageSize, total: total)
    }

    // MARK: - Helpers

    func history(_ id: String, action: String, status: String, actor: Principal, time: Timestamp, details: String, on conn: PostgresConnection) throws {
        try conn.query(
            """
            INSERT INTO record_history (record_id, action, status, actor, occurred_at, details)
            VALUES ($1, $2, $3, $4, $5, $6::jsonb)
            """, [id, action, status, actor.name, time.description, details])
    }

    func checkNotInFuture(_ time: Timestamp) throws {
        let now = Int64(Date().timeIntervalSince1970 * 1_000_000)
        if time.unixMicros > now + Self.futureTolerance {
            throw Problem(.unprocessableContent, "time: \(time) is in the future", field: "time")
        }
    }

    static func view(_ row: PostgresRow) throws -> RecordView {
        RecordView(
            id: try row.decode(0), kind: Entity(rawValue: try row.decode(1))!, subject: try row.decode(2), county: try row.decode(3),
            status: try row.decode(4), time: text(try row.decode(5)), deadline: try row.decode(6, as: Int64?.self).map(text),
            fields: try parse(try row.decode(7)), createdAt: text(try row.decode(8)), updatedAt: text(try row.decode(9)))
    }

    static func text(_ micros: Int64) -> String { Timestamp(unixMicros: micros).description }

    static func parse(_ json: String) throws -> JSONValue { try JSONParser.parse(json.utf8) }

    static func json(_ data: EventData) throws -> String { try Outbox.json(data) }

    static func jsonString(_ text: String) -> String {
        String(decoding: try! JSONEncoder().encode(text), as: UTF8.self)
    }
}
