import EventContract
import Foundation
import Geography
import Postgres
import Publishing

/// The roster of creation subjects (动态摸排) the command center keeps: every change is stored,
/// published to the compacted roster topic through the outbox, and releases the events that
/// waited in quarantine for the subject.
enum RosterBook {
    enum Change: String, Sendable, Encodable {
        case added, changed, unchanged
    }

    /// Adds or changes one subject in the caller's transaction.
    static func upsert(_ subject: SubjectUpserted, by actor: RosterActor = .system, on conn: PostgresConnection) throws -> Change {
        try upsert([subject], by: actor, on: conn)[0]
    }

    /// Adds or changes subjects (distinct codes) in the caller's transaction, set by set: the
    /// roster and its versions, the compliance counters, the roster topic's outbox, and the
    /// release of events that waited for the added subjects.
    static func upsert(_ subjects: [SubjectUpserted], by actor: RosterActor = .system, on conn: PostgresConnection) throws -> [Change] {
        guard !subjects.isEmpty else { return [] }
        // A change of the roster is not a reader's query: it runs to its end whichever pool it came from.
        try conn.execute("SET LOCAL statement_timeout = 0")
        try ViewMaintenance.lock(conn)
        var stored: [String: (entry: ViewMaintenance.RosterEntry, name: String, township: String?, location: SubjectUpserted.Location?)] = [:]
        for row in try conn.query(
            "SELECT \(ViewMaintenance.RosterEntry.columns), name, township, lon, lat FROM subjects WHERE code = ANY($1::text[])",
            [PostgresArray(subjects.map(\.code.rawValue))])
        {
            let entry = try ViewMaintenance.RosterEntry(row: row)
            let (lon, lat): (Double?, Double?) = (try row.decode(6), try row.decode(7))
            stored[entry.code] = (entry, try row.decode(4), try row.decode(5), lon.flatMap { lon in lat.map { .init(lon: lon, lat: $0) } })
        }
        let changes = subjects.map { s -> Change in
            guard let old = stored[s.code.rawValue] else { return .added }
            let same =
                old.name == s.name && old.entry.type == s.type.rawValue && old.entry.county == s.county && old.township == s.township
                && old.entry.active == s.active && old.location == s.location
            return same ? .unchanged : .changed
        }
        let changed = zip(subjects, changes).filter { $0.1 != .unchanged }.map(\.0)
        guard !changed.isEmpty else { return changes }
        try conn.query(
            """
            INSERT INTO subjects (code, name, type, county, township, active, lon, lat)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bool[], $7::float8[], $8::float8[])
            ON CONFLICT (code) DO UPDATE SET name = excluded.name, type = excluded.type, county = excluded.county,
                township = excluded.township, active = excluded.active, lon = excluded.lon, lat = excluded.lat, updated_at = now()
            """,
            [
                PostgresArray(changed.map(\.code.rawValue)), PostgresArray(changed.map(\.name)), PostgresArray(changed.map(\.type.rawValue)),
                PostgresArray(changed.map(\.county)), PostgresArray(changed.map(\.township)), PostgresArray(changed.map(\.active)),
                PostgresArray(changed.map(\.location?.lon)), PostgresArray(changed.map(\.location?.lat)),
            ])
        try conn.query(
            """
            WITH version AS (
                INSERT INTO subject_versions (code, type, county, active, township)
                SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bool[], $9::text[])
                RETURNING id, code
            )
            INSERT INTO subject_changes (version_id, name, township, changed_by, changed_via, lon, lat)
            SELECT version.id, c.name, c.township, $7, $8, c.lon, c.lat
            FROM version JOIN unnest($1::text[], $5::text[], $6::text[], $10::float8[], $11::float8[]) AS c(code, name, township, lon, lat) USING (code)
            """,
            [
                PostgresArray(changed.map(\.code.rawValue)), PostgresArray(changed.map(\.type.rawValue)), PostgresArray(changed.map(\.county)),
                PostgresArray(changed.map(\.active)), PostgresArray(changed.map(\.name)), PostgresArray(changed.map(\.township)),
                actor.name, actor.via.rawValue, PostgresArray(changed.map(\.townshipOrUnassigned)),
                PostgresArray(changed.map(\.location?.lon)), PostgresArray(changed.map(\.location?.lat)),
            ])
        // A subject moved to another township: its records registered until now stay where they were.
        let moved = changed.compactMap { s in
            stored[s.code.rawValue].flatMap { $0.entry.township == s.townshipOrUnassigned ? nil : (s.code.rawValue, $0.entry.township, s.townshipOrUnassigned) }
        }
        if !moved.isEmpty {
            try conn.query(
                "INSERT INTO township_moves (code, township_before, township_after) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])",
                [PostgresArray(moved.map(\.0)), PostgresArray(moved.map(\.1)), PostgresArray(moved.map(\.2))])
        }
        try ViewMaintenance.applyRoster(before: changed.map { ($0.code.rawValue, stored[$0.code.rawValue]?.entry) }, on: conn)
        let now = WallClock.system.now()
        try Outbox.append(changed.map { (EventData.subjectUpserted($0), $0.code) }, time: now, on: conn)
        try releaseQuarantined(changed.filter { stored[$0.code.rawValue] == nil }.map(\.code.rawValue), on: conn)
        return changes
    }

    /// Why a roster row's township is refused when the directory lacks it.
    static func unknownTownship(_ township: String) -> String {
        "township: \(township) is not a township of the division directory (import the directory first, or leave township out: 未划分乡镇)"
    }

    /// Refuses `subject` when its township is not in the directory (villages and communities excepted).
    static func checkTownship(_ subject: SubjectUpserted, on conn: PostgresConnection) throws {
        guard subject.type.codeKind != .division, let township = subject.township else { return }
        guard try !conn.query("SELECT 1 FROM divisions WHERE code = $1", [township]).isEmpty else {
            throw ContractViolation("township", "\(township) is not a township of the division directory")
        }
    }

    /// Why `subject` is refused when it has a location outside `city` (the map's county
    /// boundaries; nothing is checked without them), or nil.
    static func outsideCity(_ subject: SubjectUpserted, city: Boundaries?) -> String? {
        guard let city, let location = subject.location, city.region(containing: Coordinate(lon: location.lon, lat: location.lat)) == nil else { return nil }
        return "lon, lat: (\(location.lon), \(location.lat)) is outside the city's boundaries (MAP_BOUNDARIES): "
            + "lon and lat are degrees in the coordinates of the boundary file (GCJ-02 for the installed one)"
    }

    /// Applies the events that waited for `codes` to appear on the roster.
    static func releaseQuarantined(_ codes: [String], on conn: PostgresConnection) throws {
        guard !codes.isEmpty else { return }
        let waiting = try conn.query(
            """
            SELECT id, raw FROM quarantine
            WHERE kind = 'unknown_subject' AND subject = ANY($1::text[]) AND released_at IS NULL ORDER BY id FOR UPDATE
            """, [PostgresArray(codes)])
        guard !waiting.isEmpty else { return }
        try QuarantineRelease.apply(
            waiting.map { (try $0.decode(0, as: Int64.self), try $0.decode(1, as: Bytea.self).bytes) },
            roster: try ViewMaintenance.RosterEntry.load(codes, on: conn), on: conn)
    }
}

/// A roster CSV (UTF-8, header `code,name,type,county,township,active`, optionally followed by
/// `lon,lat`), read row by row: a bad row is reported with its line number and never stops the
/// good ones.
struct RosterCSV {
    typealias Refusal = RosterImport.Refusal

    static let header = ["code", "name", "type", "county", "township", "active"]
    /// The header with locations (empty `lon` and `lat`: none).
    static let headerWithLocation = header + ["lon", "lat"]

    /// Valid rows with their line numbers, and the refused ones.
    static func parse(_ text: String) -> (rows: [(line: Int, subject: SubjectUpserted)], refused: [Refusal]) {
        var rows: [(Int, SubjectUpserted)] = []
        var refused: [Refusal] = []
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
        if let first = lines.first, first.hasPrefix("\u{FEFF}") { lines[0] = String(first.dropFirst()) }
        let columns = lines.first.map { fields($0).map { $0.trimmingCharacters(in: .whitespaces) } }
        guard let columns, columns == header || columns == headerWithLocation else {
            return ([], [Refusal(line: 1, reason: "the header must be \(header.joined(separator: ",")) or \(headerWithLocation.joined(separator: ","))")])
        }
        var seen: [String: Int] = [:]
        for (index, line) in lines.enumerated().dropFirst() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let number = index + 1
            let values = fields(line)
            guard values.count == columns.count else {
                refused.append(Refusal(line: number, reason: "has \(values.count) fields; expected \(columns.count)"))
                continue
            }
            var object: [String: JSONValue] = [
                "code": .string(values[0]), "name": .string(values[1]), "type": .string(values[2]), "county": .string(values[3]),
            ]
            if !values[4].isEmpty { object["township"] = .string(values[4]) }
            for (index, name) in [(6, "lon"), (7, "lat")] where index < values.count && !values[index].isEmpty {
                guard let degrees = Double(values[index]) else {
                    refused.append(Refusal(line: number, reason: "\(name): \"\(values[index])\" is not a number"))
                    break
                }
                object[name] = .number(degrees)
            }
            guard refused.last?.line != number else { continue }
            switch values[5].lowercased() {
            case "true", "1", "yes", "是": object["active"] = .bool(true)
            case "false", "0", "no", "否": object["active"] = .bool(false)
            default:
                refused.append(Refusal(line: number, reason: "active: \"\(values[5])\" must be true or false"))
                continue
            }
            do {
                let subject = try SubjectUpserted.read(.object(object), path: "")
                if let earlier = seen[subject.code.rawValue] {
                    refused.append(Refusal(line: number, reason: "code \(subject.code) already on line \(earlier)"))
                    continue
                }
                seen[subject.code.rawValue] = number
                rows.append((number, subject))
            } catch {
                refused.append(Refusal(line: number, reason: error.description))
            }
        }
        return (rows, refused)
    }

    /// Splits one CSV line (RFC 4180 quoting, no embedded line breaks).
    static func fields(_ line: String) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var chars = line.makeIterator()
        while let c = chars.next() {
            if quoted {
                if c == "\"" {
                    if let next = chars.next() {
                        if next == "\"" {
                            current.append("\"")
                        } else {
                            quoted = false
                            if next == "," { fields.append(current); current = "" } else { current.append(next) }
                        }
                    } else {
                        quoted = false
                    }
                } else {
                    current.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                fields.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        fields.append(current)
        return fields.map { $0.trimmingCharacters(in: .whitespaces) }
    }
}

/// Who changed the roster, and how: every version of a subject says it (deactivating a breaching
/// subject to lift a county's rank leaves a trace on the subject's page).
struct RosterActor: Sendable {
    enum Via: String, Sendable {
        /// `PUT /api/v1/subjects/{code}`
        case api
        /// `POST /api/v1/subjects:import`, from the API or the dashboard
        case `import`
        /// `aggregator import-roster`, straight into the database
        case commandLine = "command_line"
        /// the service itself (tests, migrations)
        case system
    }

    var name: String
    var via: Via

    static let system = RosterActor(name: "system", via: .system)
}
