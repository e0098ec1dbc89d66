import EventContract
import Postgres

/// Keeps the maintained view current, in the caller's transaction: record states merged with
/// what new facts say, live breaches per subject and year, and the counters of `figures` moved
/// by exactly the difference each change makes (old contribution out, new one in). The
/// arithmetic is done here, in Swift; Postgres reads and writes rows by key.
///
/// Writers of the view take one transaction-level advisory lock first: counters are rows every
/// batch touches, so batches apply one after another anyway, and under the lock each statement
/// reads the state the previous batch left (what makes the differences exact).
enum ViewMaintenance {
    static func lock(_ conn: PostgresConnection) throws {
        try conn.query("SELECT pg_advisory_xact_lock(hashtext('threezero.aggregator.view'))")
    }

    /// What the roster says of a subject, as far as the view is concerned.
    struct RosterEntry: Sendable {
        let code: String
        let county: String
        let type: String
        let active: Bool

        /// The entries of `codes` that are on the roster.
        static func load(_ codes: some Sequence<String>, on conn: PostgresConnection) throws -> RosterEntries {
            var entries = RosterEntries()
            for row in try conn.query("SELECT code, county, type, active FROM subjects WHERE code = ANY($1::text[])", [PostgresArray(Array(Set(codes)))]) {
                entries.set(RosterEntry(code: try row.decode(0), county: try row.decode(1), type: try row.decode(2), active: try row.decode(3)))
            }
            return entries
        }
    }

    /// Roster entries by subject code, held compactly for the whole roster of a province: a code
    /// packed into two integers (no string on the heap), the index of its (county, type) pair, and
    /// whether it is active — ~32 bytes a subject. A code that does not pack (longer than 20
    /// characters, or not digits and capitals) is kept as it is.
    struct RosterEntries: Sendable {
        private struct Slot {
            var place: UInt32
            var active: Bool
        }

        private struct Place: Hashable {
            let county: String
            let type: String
        }

        /// Up to 20 characters of `0-9A-Z`, 6 bits each (0 = none).
        private struct PackedCode: Hashable {
            var high: UInt64 = 0
            var low: UInt64 = 0

            init?(_ code: String) {
                var count = 0
                for byte in code.utf8 {
                    let value: UInt64
                    switch byte {
                    case UInt8(ascii: "0")...UInt8(ascii: "9"): value = UInt64(byte - UInt8(ascii: "0")) + 1
                    case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = UInt64(byte - UInt8(ascii: "A")) + 11
                    default: return nil
                    }
                    guard count < 20 else { return nil }
                    if count < 10 { high = high << 6 | value } else { low = low << 6 | value }
                    count += 1
                }
            }
        }

        private var slots: [PackedCode: Slot] = [:]
        private var others: [String: Slot] = [:]
        private var places: [Place] = []
        private var placeIndex: [Place: UInt32] = [:]

        var count: Int { slots.count + others.count }

        subscript(code: String) -> RosterEntry? {
            let slot = if let packed = PackedCode(code) { slots[packed] } else { others[code] }
            guard let slot else { return nil }
            let place = places[Int(slot.place)]
            return RosterEntry(code: code, county: place.county, type: place.type, active: slot.active)
        }

        mutating func set(_ entry: RosterEntry) {
            let place = Place(county: entry.county, type: entry.type)
            let index = placeIndex[place] ?? {
                places.append(place)
                placeIndex[place] = UInt32(places.count - 1)
                return UInt32(places.count - 1)
            }()
            let slot = Slot(place: index, active: entry.active)
            if let packed = PackedCode(entry.code) { slots[packed] = slot } else { others[entry.code] = slot }
        }
    }

    /// The roster entries a batch is applied with, and the roster's version they are as of: the
    /// newest `subject_versions` id. Every roster change is made under the view lock and adds a
    /// version, so under the lock an unchanged version means the entries are still what the roster says.
    ///
    /// The consumer keeps one for the whole roster, so that a batch's subjects are looked up
    /// without a query (reading them cost Postgres as much per batch as the record states), and
    /// brings it up to date before each batch from the versions added since (the first time it reads
    /// the roster as it stands, from `subjects`).
    struct RosterAhead: Sendable {
        var entries = RosterEntries()
        /// The newest version applied; -1 before the first update.
        private(set) var version: Int64 = -1

        init() {}

        init(entries: RosterEntries, version: Int64) {
            self.entries = entries
            self.version = version
        }

        /// The entries if the roster has not changed since they were read; the caller holds the view lock.
        func unchanged(on conn: PostgresConnection) throws -> RosterEntries? {
            let now = try conn.query("SELECT coalesce(max(id), 0) FROM subject_versions")[0].decode(0, as: Int64.self)
            return now == version ? entries : nil
        }

        /// Brings the entries up to the roster's newest version, reading `page` versions at a time
        /// (one query that finds nothing when the roster has not changed); the first time, the
        /// roster as it stands.
        mutating func update(from db: PostgresClient, page: Int = 50_000) async throws {
            guard version >= 0 else {
                self = try await db.withTransaction { try Self.whole(on: $0, page: page) }
                return
            }
            while true {
                let since = version
                let versions = try await db.withConnection { try Self.versions(after: since, limit: page, on: $0) }
                for (id, entry) in versions {
                    entries.set(entry)
                    version = id
                }
                if versions.count < page { return }
            }
        }

        /// The whole roster and its version, as one snapshot, read `page` subjects at a time (the
        /// caller's transaction has just begun).
        static func whole(on conn: PostgresConnection, page: Int) throws -> RosterAhead {
            try conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            var ahead = RosterAhead(entries: RosterEntries(), version: try conn.query("SELECT coalesce(max(id), 0) FROM subject_versions")[0].decode(0))
            var after = ""
            while true {
                let rows = try conn.query("SELECT code, county, type, active FROM subjects WHERE code > $1 ORDER BY code LIMIT $2", [after, page])
                for row in rows {
                    let entry = RosterEntry(code: try row.decode(0), county: try row.decode(1), type: try row.decode(2), active: try row.decode(3))
                    ahead.entries.set(entry)
                    after = entry.code
                }
                if rows.count < page { return ahead }
            }
        }

        static func versions(after id: Int64, limit: Int, on conn: PostgresConnection) throws -> [(Int64, RosterEntry)] {
            try conn.query("SELECT id, code, county, type, active FROM subject_versions WHERE id > $1 ORDER BY id LIMIT $2", [id, limit]).map { row in
                (try row.decode(0), RosterEntry(code: try row.decode(1), county: try row.decode(2), type: try row.decode(3), active: try row.decode(4)))
            }
        }
    }

    struct FigureKey: Hashable, Comparable {
        let year: Int64
        let county: String
        let metric: String
        static func < (a: FigureKey, b: FigureKey) -> Bool { (a.year, a.county, a.metric) < (b.year, b.county, b.metric) }
    }

    struct SubjectYear: Hashable, Comparable {
        let subject: String
        let year: Int64
        static func < (a: SubjectYear, b: SubjectYear) -> Bool { (a.subject, a.year) < (b.subject, b.year) }
    }

    /// Live breaching records of a subject in a year, per zero.
    struct Breaches: Equatable {
        var petition: Int64 = 0
        var accident: Int64 = 0
        var `case`: Int64 = 0
        var any: Bool { petition + accident + `case` > 0 }

        mutating func add(_ zero: String, _ n: Int64) {
            switch zero {
            case "petition": petition += n
            case "accident": accident += n
            default: `case` += n
            }
        }
    }

    /// Merges new facts (never applied before, subjects on `roster`) into the record states
    /// and moves the counters by the difference each record's change makes.
    static func apply(_ facts: [Fact], roster: RosterEntries, on conn: PostgresConnection) throws {
        // 1. The records as stored, then as the new facts leave them.
        var states: [String: RecordState] = [:]
        for row in try conn.query("""
            SELECT record_id::text, subject, county, entity, (extract(epoch FROM registered_at) * 1000000)::bigint, registered_event::text,
                (extract(epoch FROM deadline) * 1000000)::bigint, persons, online, origin, breach, criminal, proxy_level,
                (extract(epoch FROM resolved_at) * 1000000)::bigint, (extract(epoch FROM voided_at) * 1000000)::bigint
            FROM record_state WHERE record_id = ANY($1::uuid[])
            """, [PostgresArray(Array(Set(facts.map(\.event.data.recordId))))]) {
            var state = RecordState(recordId: try row.decode(0), subject: try row.decode(1), county: try row.decode(2))
            func time(_ i: Int) throws -> Timestamp? { try row.decode(i, as: Int64?.self).map { Timestamp(unixMicros: $0) } }
            state.entity = try row.decode(3)
            state.registeredAt = try time(4)
            state.registeredEvent = try row.decode(5)
            state.deadline = try time(6)
            state.persons = try row.decode(7)
            state.online = try row.decode(8)
            state.origin = try row.decode(9)
            state.breach = try row.decode(10)
            state.criminal = try row.decode(11)
            state.proxyLevel = try row.decode(12)
            state.resolvedAt = try time(13)
            state.voidedAt = try time(14)
            states[state.recordId] = state
        }
        let stored = states
        let days = try defaultDeadlineDays(on: conn)
        for fact in facts {
            let id = fact.event.data.recordId
            states[id, default: RecordState(recordId: id, subject: fact.event.subject.rawValue, county: fact.event.subject.county)].merge(fact.event)
        }
        let changed = states.values.filter { stored[$0.recordId] != $0 }.sorted { $0.recordId < $1.recordId }

        // 2. The differences: counters, and live breaches per subject and year.
        var figures: [FigureKey: Int64] = [:]
        var breaches: [SubjectYear: Breaches] = [:]
        func count(_ state: RecordState?, _ sign: Int64) {
            guard let state, state.isLive, let year = state.year else { return }
            for (metric, value) in state.figures(defaultDeadlineDays: days) { figures[FigureKey(year: year, county: state.county, metric: metric), default: 0] += sign * value }
            if let zero = state.breach { breaches[SubjectYear(subject: state.subject, year: year), default: Breaches()].add(zero, sign) }
        }
        for new in changed {
            count(stored[new.recordId], -1)
            count(new, 1)
        }
        try write(changed, stored: stored, defaultDeadlineDays: days, on: conn)

        // 3. Subjects whose breaches changed: a subject turning (non-)compliant moves the compliance counters.
        let keys = breaches.filter { $0.value != Breaches() }.keys.sorted()
        if !keys.isEmpty {
            var before: [SubjectYear: Breaches] = [:]
            for row in try conn.query("""
                SELECT y.subject, y.year, y.petition, y.accident, y."case"
                FROM unnest($1::text[], $2::int[]) AS k(subject, year) JOIN subject_year y USING (subject, year)
                """, [PostgresArray(keys.map(\.subject)), PostgresArray(keys.map(\.year))]) {
                before[SubjectYear(subject: try row.decode(0), year: try row.decode(1))] =
                    Breaches(petition: try row.decode(2), accident: try row.decode(3), case: try row.decode(4))
            }
            var after: [Breaches] = []
            for key in keys {
                let old = before[key] ?? Breaches()
                let delta = breaches[key]!
                let new = Breaches(petition: old.petition + delta.petition, accident: old.accident + delta.accident, case: old.case + delta.case)
                after.append(new)
                guard let subject = roster[key.subject], subject.active else { continue }
                for (metric, was, now) in [("petition", old.petition > 0, new.petition > 0), ("accident", old.accident > 0, new.accident > 0),
                                           ("case", old.case > 0, new.case > 0), ("any", old.any, new.any)] where was != now {
                    figures[FigureKey(year: key.year, county: subject.county, metric: "breach.\(metric).\(subject.type)"), default: 0] += now ? 1 : -1
                }
            }
            try conn.query("""
                INSERT INTO subject_year AS y (subject, year, petition, accident, "case")
                SELECT * FROM unnest($1::text[], $2::int[], $3::int[], $4::int[], $5::int[])
                ON CONFLICT (subject, year) DO UPDATE SET petition = excluded.petition, accident = excluded.accident, "case" = excluded."case"
                """, [PostgresArray(keys.map(\.subject)), PostgresArray(keys.map(\.year)), PostgresArray(after.map(\.petition)),
                      PostgresArray(after.map(\.accident)), PostgresArray(after.map(\.case))])
        }
        try add(figures, on: conn)
    }

    /// Writes the changed record states: records new to the view in one binary COPY (the usual
    /// case in a replay), the others by key.
    static func write(_ changed: [RecordState], stored: [String: RecordState], defaultDeadlineDays days: Int,
                      on conn: PostgresConnection) throws {
        let new = changed.filter { stored[$0.recordId] == nil }
        if !new.isEmpty {
            var data = BinaryCopyData(columns: RecordState.columns.count, reservingRows: new.count)
            for state in new { try state.append(to: &data, defaultDeadlineDays: days) }
            try conn.copy(into: "record_state", columns: RecordState.columns, binary: data)
        }
        let updated = changed.filter { stored[$0.recordId] != nil }
        guard !updated.isEmpty else { return }
        func time(_ t: Timestamp?) -> PostgresTimestamp? { t.map { PostgresTimestamp(unixMicros: $0.unixMicros) } }
        try conn.query("""
            UPDATE record_state AS r SET
                entity = u.entity, year = u.year, registered_at = u.registered_at, registered_event = u.registered_event,
                deadline = u.deadline, persons = u.persons, online = u.online, origin = u.origin, breach = u.breach,
                criminal = u.criminal, proxy_level = u.proxy_level, resolved_at = u.resolved_at, voided_at = u.voided_at,
                due_at = u.due_at
            FROM unnest($1::uuid[], $2::text[], $3::int[], $4::timestamptz[], $5::uuid[], $6::timestamptz[], $7::int[], $8::bool[],
                $9::text[], $10::text[], $11::bool[], $12::int[], $13::timestamptz[], $14::timestamptz[], $15::timestamptz[])
                AS u(record_id, entity, year, registered_at, registered_event, deadline, persons, online, origin, breach, criminal,
                     proxy_level, resolved_at, voided_at, due_at)
            WHERE r.record_id = u.record_id
            """, [
                PostgresArray(updated.map(\.recordId)), PostgresArray(updated.map(\.entity)), PostgresArray(updated.map(\.year)),
                PostgresArray(updated.map { time($0.registeredAt) }), PostgresArray(updated.map(\.registeredEvent)),
                PostgresArray(updated.map { time($0.deadline) }), PostgresArray(updated.map(\.persons)), PostgresArray(updated.map(\.online)),
                PostgresArray(updated.map(\.origin)), PostgresArray(updated.map(\.breach)), PostgresArray(updated.map(\.criminal)),
                PostgresArray(updated.map { Int64($0.proxyLevel) }), PostgresArray(updated.map { time($0.resolvedAt) }),
                PostgresArray(updated.map { time($0.voidedAt) }), PostgresArray(updated.map { time($0.due(defaultDeadlineDays: days)) }),
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
        try conn.query("""
            UPDATE record_state SET due_at = coalesce(deadline, registered_at + make_interval(days => $1))
            WHERE entity IN ('dispute', 'hazard', 'security_problem')
            """, [days])
        try conn.execute("DELETE FROM figures WHERE metric LIKE 'open\\_due.%'")
        try conn.execute("""
            INSERT INTO figures (year, county, metric, value)
            SELECT year, county, 'open_due.' || entity || '.' || to_char(due_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM'), count(*)
            FROM record_state
            WHERE entity IN ('dispute', 'hazard', 'security_problem') AND resolved_at IS NULL AND voided_at IS NULL
            GROUP BY 1, 2, 3
            """)
    }

    /// Adds `deltas` to the counters (in key order, the same for every writer).
    static func add(_ deltas: [FigureKey: Int64], on conn: PostgresConnection) throws {
        let keys = deltas.filter { $0.value != 0 }.keys.sorted()
        guard !keys.isEmpty else { return }
        try conn.query("""
            INSERT INTO figures AS g (year, county, metric, value)
            SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::bigint[])
            ON CONFLICT (year, county, metric) DO UPDATE SET value = g.value + excluded.value
            """, [PostgresArray(keys.map(\.year)), PostgresArray(keys.map(\.county)), PostgresArray(keys.map(\.metric)),
                  PostgresArray(keys.map { deltas[$0]! })])
    }

    /// The compliance counters one subject-year contributes (`sides`: sign, county, type, and
    /// its breach counts).
    static let subjectFigures = """
        SELECT s.year, s.county, m.metric, s.sign * m.value AS delta
        FROM sides s CROSS JOIN LATERAL (VALUES
            ('breach.petition.' || s.type, CASE WHEN s.petition > 0 THEN 1 ELSE 0 END),
            ('breach.accident.' || s.type, CASE WHEN s.accident > 0 THEN 1 ELSE 0 END),
            ('breach.case.' || s.type, CASE WHEN s."case" > 0 THEN 1 ELSE 0 END),
            ('breach.any.' || s.type, CASE WHEN s.petition + s.accident + s."case" > 0 THEN 1 ELSE 0 END)
        ) AS m(metric, value)
        WHERE m.value <> 0
        """

    /// Moves the compliance counters after roster changes: the subjects' old contribution out
    /// (count per type, breaches per year), the new one in.
    static func applyRoster(before: [(code: String, entry: RosterEntry?)], on conn: PostgresConnection) throws {
        guard !before.isEmpty else { return }
        try conn.query("""
            WITH changed AS (
                SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bool[]) AS c(code, old_county, old_type, old_active)
            ),
            roster_sides AS (
                SELECT c.code, -1 AS sign, c.old_county AS county, c.old_type AS type FROM changed c WHERE c.old_active
                UNION ALL
                SELECT s.code, 1, s.county, s.type FROM changed c JOIN subjects s ON s.code = c.code WHERE s.active
            ),
            sides AS (
                SELECT r.sign, y.year, r.county, r.type, y.petition, y.accident, y."case"
                FROM roster_sides r JOIN subject_year y ON y.subject = r.code
            ),
            deltas AS (
                SELECT 0 AS year, county, 'subjects.' || type AS metric, sign AS delta FROM roster_sides
                UNION ALL \(subjectFigures)
            )
            INSERT INTO figures AS g (year, county, metric, value)
            SELECT year, county, metric, sum(delta) FROM deltas GROUP BY year, county, metric HAVING sum(delta) <> 0
            ORDER BY year, county, metric
            ON CONFLICT (year, county, metric) DO UPDATE SET value = g.value + excluded.value
            """, [
                PostgresArray(before.map(\.code)), PostgresArray(before.map { $0.entry?.county }), PostgresArray(before.map { $0.entry?.type }),
                PostgresArray(before.map { $0.entry?.active ?? false }),
            ])
    }

    /// Notes per feed the newest fact time, the time of this application and the facts added.
    static func touchFeeds(_ facts: [Fact], on conn: PostgresConnection) throws {
        var feeds: [EventSource: (newest: Timestamp, count: Int64)] = [:]
        for fact in facts {
            let current = feeds[fact.event.source]
            feeds[fact.event.source] = (max(current?.newest ?? fact.event.time, fact.event.time), (current?.count ?? 0) + 1)
        }
        let sources = feeds.keys.sorted { $0.rawValue < $1.rawValue }
        try conn.query("""
            INSERT INTO feeds AS f (source, newest_fact, last_applied_at, facts)
            SELECT source, newest, now(), count FROM unnest($1::text[], $2::timestamptz[], $3::bigint[]) AS u(source, newest, count)
            ON CONFLICT (source) DO UPDATE
                SET newest_fact = greatest(f.newest_fact, excluded.newest_fact), last_applied_at = now(), facts = f.facts + excluded.facts
            """, [PostgresArray(sources.map(\.rawValue)), PostgresArray(sources.map { feeds[$0]!.newest.description }), PostgresArray(sources.map { feeds[$0]!.count })])
    }
}
