import ComplianceRules
import EventContract
import Postgres
import ServiceRuntime
import ServiceSupport

/// One subject (a row of the roster) in a window: its three zeros with the events behind each
/// breach, and every change of its roster entry. Read by `GET /api/v1/subjects/:code` and the
/// dashboard's subject page.
struct SubjectPage: Sendable, Encodable {
    struct Behind: Sendable, Encodable {
        var eventId: String
        var type: String
        var time: Timestamp
        /// The event's payload as it arrived.
        var data: JSONValue
    }

    struct ZeroState: Sendable, Encodable {
        var breached: Bool
        var events: [Behind]

        init(events: [Behind]) {
            self.events = events
            breached = !events.isEmpty
        }
    }

    /// Who changed the entry, how, when, and what the subject then was (older versions may not say who).
    struct Change: Sendable, Encodable {
        var at: Timestamp
        @Null var by: String?
        @Null var via: String?
        @Null var name: String?
        var type: String
        var county: String
        @Null var township: String?
        var active: Bool
    }

    var code: String
    var name: String
    var type: String
    var county: String
    var township: String?
    var active: Bool
    var zeros: [Zero: ZeroState]
    var changes: [Change]
    var compliant: Bool { zeros.values.allSatisfy { !$0.breached } }

    enum CodingKeys: String, CodingKey { case code, name, type, county, township, active, compliant, zeros, changes }
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(code, forKey: .code)
        try c.encode(name, forKey: .name)
        try c.encode(type, forKey: .type)
        try c.encode(county, forKey: .county)
        try c.encode(township, forKey: .township)
        try c.encode(active, forKey: .active)
        try c.encode(compliant, forKey: .compliant)
        try c.encode(Dictionary(uniqueKeysWithValues: zeros.map { ($0.key.rawValue, $0.value) }), forKey: .zeros)
        try c.encode(changes, forKey: .changes)
    }

    /// The `data` of an event's JSON.
    static func payload(of event: String) throws -> JSONValue {
        guard case .object(let fields) = try JSONParser.parse(event.utf8) else { return .null }
        return fields["data"] ?? .null
    }

    /// The subject as of the window, nil when it is not on the roster.
    static func load(_ code: String, window: ComplianceQueries.Window, on conn: PostgresConnection) throws -> SubjectPage? {
        guard let row = try conn.query("SELECT code, name, type, county, township, active FROM subjects WHERE code = $1", [code]).first else { return nil }
        var page = SubjectPage(
            code: try row.decode(0), name: try row.decode(1), type: try row.decode(2), county: try row.decode(3),
            township: try row.decode(4), active: try row.decode(5),
            zeros: Dictionary(uniqueKeysWithValues: Zero.allCases.map { ($0, ZeroState(events: [])) }), changes: [])
        // The condition repeats the index predicate (`facts_behind_breaches`), so the index serves it.
        var behind: [Zero: [Behind]] = [:]
        for fact in try conn.query(
            """
            WITH f AS (
                SELECT * FROM facts
                WHERE subject = $4 AND \(Zero.behindBreachesSQL)
                    AND occurred_at <= $2 AND ($3::timestamptz IS NULL OR recorded_at <= $3)
            )
            SELECT event_id::text, type, occurred_at, event, \(Zero.breachedZeroSQL)
            FROM f
            WHERE type IN \(Zero.registrationsSQL) AND occurred_at >= $1
                AND record_id NOT IN (SELECT record_id FROM f WHERE type LIKE '%.voided')
            ORDER BY occurred_at
            """, [window.from, window.asOf, window.knownAt, code])
        {
            guard let zero = try fact.decode(4, as: String?.self).flatMap(Zero.init(rawValue:)) else { continue }
            behind[zero, default: []].append(
                Behind(
                    eventId: try fact.decode(0), type: try fact.decode(1), time: try fact.decode(2),
                    data: try Self.payload(of: try fact.decode(3))))
        }
        page.zeros = Dictionary(uniqueKeysWithValues: Zero.allCases.map { ($0, ZeroState(events: behind[$0] ?? [])) })
        page.changes = try conn.query(
            """
            SELECT v.recorded_at, c.changed_by, c.changed_via, c.name, v.type, v.county, c.township, v.active
            FROM subject_versions v LEFT JOIN subject_changes c ON c.version_id = v.id
            WHERE v.code = $1 ORDER BY v.recorded_at DESC, v.id DESC LIMIT 100
            """, [code]
        ).map { v in
            Change(
                at: try v.decode(0), by: try v.decode(1),
                via: try v.decode(2), name: try v.decode(3),
                type: try v.decode(4), county: try v.decode(5), township: try v.decode(6), active: try v.decode(7))
        }
        return page
    }
}
