import ComplianceRules
import EventContract
import Postgres

extension ViewMaintenance {
    /// The stored states of the records `ids`, by id.
    static func storedStates(_ ids: Set<String>, on conn: PostgresConnection) throws -> [String: RecordState] {
        var states: [String: RecordState] = [:]
        for row in try conn.query(
            """
            SELECT record_id::text, subject, county, entity, (extract(epoch FROM registered_at) * 1000000)::bigint, registered_event::text,
                (extract(epoch FROM deadline) * 1000000)::bigint, persons, online, origin, breach, criminal, proxy_level,
                (extract(epoch FROM resolved_at) * 1000000)::bigint, (extract(epoch FROM voided_at) * 1000000)::bigint, township
            FROM record_state WHERE record_id = ANY($1::uuid[])
            """, [PostgresArray(Array(ids))])
        {
            var state = RecordState(recordId: try row.decode(0), subject: try row.decode(1), county: try row.decode(2))
            func time(_ i: Int) throws -> Timestamp? { try row.decode(i, as: Int64?.self).map { Timestamp(unixMicros: $0) } }
            state.entity = try row.decode(3, as: String?.self).flatMap(Entity.init(rawValue:))
            state.registeredAt = try time(4)
            state.registeredEvent = try row.decode(5)
            state.deadline = try time(6)
            state.persons = try row.decode(7)
            state.online = try row.decode(8)
            state.origin = try row.decode(9, as: String?.self).flatMap(PetitionOrigin.init(rawValue:))
            state.breach = try row.decode(10, as: String?.self).flatMap(Zero.init(rawValue:))
            state.criminal = try row.decode(11)
            state.proxyLevel = try row.decode(12)
            state.resolvedAt = try time(13)
            state.voidedAt = try time(14)
            state.township = try row.decode(15)
            states[state.recordId] = state
        }
        return states
    }

    /// Writes the changed record states: records new to the view in one binary COPY (the usual
    /// case in a replay), the others by key.
    static func write(
        _ changed: [RecordState], stored: [String: RecordState], defaultDeadlineDays days: Int,
        on conn: PostgresConnection
    ) throws {
        let new = changed.filter { stored[$0.recordId] == nil }
        if !new.isEmpty {
            var data = BinaryCopyData(columns: RecordState.columns.count, reservingRows: new.count)
            for state in new { try state.append(to: &data, defaultDeadlineDays: days) }
            try conn.copy(into: "record_state", columns: RecordState.columns, binary: data)
        }
        let updated = changed.filter { stored[$0.recordId] != nil }
        guard !updated.isEmpty else { return }
        func time(_ t: Timestamp?) -> PostgresTimestamp? { t.map { PostgresTimestamp(unixMicros: $0.unixMicros) } }
        try conn.query(
            """
            UPDATE record_state AS r SET
                entity = u.entity, year = u.year, registered_at = u.registered_at, registered_event = u.registered_event,
                deadline = u.deadline, persons = u.persons, online = u.online, origin = u.origin, breach = u.breach,
                criminal = u.criminal, proxy_level = u.proxy_level, resolved_at = u.resolved_at, voided_at = u.voided_at,
                due_at = u.due_at, township = u.township
            FROM unnest($1::uuid[], $2::text[], $3::int[], $4::timestamptz[], $5::uuid[], $6::timestamptz[], $7::int[], $8::bool[],
                $9::text[], $10::text[], $11::bool[], $12::int[], $13::timestamptz[], $14::timestamptz[], $15::timestamptz[], $16::text[])
                AS u(record_id, entity, year, registered_at, registered_event, deadline, persons, online, origin, breach, criminal,
                     proxy_level, resolved_at, voided_at, due_at, township)
            WHERE r.record_id = u.record_id
            """,
            [
                PostgresArray(updated.map(\.recordId)), PostgresArray(updated.map { $0.entity?.rawValue }), PostgresArray(updated.map(\.year)),
                PostgresArray(updated.map { time($0.registeredAt) }), PostgresArray(updated.map(\.registeredEvent)),
                PostgresArray(updated.map { time($0.deadline) }), PostgresArray(updated.map(\.persons)), PostgresArray(updated.map(\.online)),
                PostgresArray(updated.map { $0.origin?.rawValue }), PostgresArray(updated.map { $0.breach?.rawValue }), PostgresArray(updated.map(\.criminal)),
                PostgresArray(updated.map { Int64($0.proxyLevel) }), PostgresArray(updated.map { time($0.resolvedAt) }),
                PostgresArray(updated.map { time($0.voidedAt) }), PostgresArray(updated.map { time($0.due(defaultDeadlineDays: days)) }),
                PostgresArray(updated.map(\.township)),
            ])
    }

    /// The default deadline of problems without one, as the view was built with it.
    static func defaultDeadlineDays(on conn: PostgresConnection) throws -> Int {
        Int(try conn.query("SELECT value FROM view_settings WHERE name = 'problems.default.deadline.days'")[0].decode(0, as: String.self)) ?? 30
    }

    /// Makes the view follow a changed default deadline: every open problem's due time and the
    /// counters by due month are recomputed. Nothing happens when the default is unchanged.
    static func useDefaultDeadline(days: Int, on conn: PostgresConnection) throws {
        try lock(conn)
        guard try defaultDeadlineDays(on: conn) != days else { return }
        try conn.query("UPDATE view_settings SET value = $1 WHERE name = 'problems.default.deadline.days'", [String(days)])
        try conn.query(
            """
            UPDATE record_state SET due_at = \(ProblemKind.dueSQL(registered: "registered_at", days: "$1"))
            WHERE entity IN \(ProblemKind.entitiesSQL)
            """, [days])
        try conn.execute("DELETE FROM figures WHERE \(Metric.isOpenDueSQL("metric"))")
        try conn.execute(
            """
            INSERT INTO figures (year, level, division, metric, value)
            SELECT r.year, l.level, l.division, \(Metric.openDueSQL(entity: "r.entity", due: "r.due_at")), count(*)
            FROM record_state r \(AggregatorSchema.counterLevels(of: "r.township"))
            WHERE r.entity IN \(ProblemKind.entitiesSQL) AND r.resolved_at IS NULL AND r.voided_at IS NULL
            GROUP BY 1, 2, 3, 4
            """)
    }
}
