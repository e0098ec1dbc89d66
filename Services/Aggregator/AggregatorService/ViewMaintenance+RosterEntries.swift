import ComplianceRules
import EventContract
import Postgres

extension ViewMaintenance {
    /// What the roster says of a subject, as far as the view is concerned.
    struct RosterEntry: Sendable {
        let code: String
        /// Its own, or its county's 未划分乡镇 (`<county>000`).
        let township: String
        let type: String
        let active: Bool
        var county: String { String(township.prefix(6)) }

        /// The columns of `subjects` an entry is read from, in `init(row:)`'s order.
        static let columns = "code, coalesce(township, county || '000'), type, active"

        init(code: String, township: String, type: String, active: Bool) {
            (self.code, self.township, self.type, self.active) = (code, township, type, active)
        }

        init(row: PostgresRow) throws {
            self.init(code: try row.decode(0), township: try row.decode(1), type: try row.decode(2), active: try row.decode(3))
        }

        /// The entries of `codes` that are on the roster, with their moves between townships.
        static func load(_ codes: some Sequence<String>, on conn: PostgresConnection) throws -> RosterEntries {
            var entries = RosterEntries()
            let codes = Array(Set(codes))
            for row in try conn.query("SELECT \(columns) FROM subjects WHERE code = ANY($1::text[])", [PostgresArray(codes)]) { entries.set(try RosterEntry(row: row)) }
            try entries.loadMoves(on: conn, codes: codes)
            return entries
        }
    }

    /// A subject's move to another township, at the time the roster recorded it.
    struct Move: Sendable {
        let at: Int64
        let before: String
        let after: String
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
            let township: String
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
        /// The few subjects that moved between townships, their moves in time order.
        private var moves: [String: [Move]] = [:]

        var count: Int { slots.count + others.count }

        subscript(code: String) -> RosterEntry? {
            let slot = if let packed = PackedCode(code) { slots[packed] } else { others[code] }
            guard let slot else { return nil }
            let place = places[Int(slot.place)]
            return RosterEntry(code: code, township: place.township, type: place.type, active: slot.active)
        }

        /// The township `code` was in at `time` (a record registered then counts there): after the
        /// last move by then; before its first move, where it was then; nil for a code not on the roster.
        func township(of code: String, at time: Timestamp) -> String? {
            guard let moves = moves[code] else { return self[code]?.township }
            return moves.last { $0.at <= time.unixMicros }?.after ?? moves.first?.before
        }

        /// Notes a move (in time order per subject).
        mutating func moved(_ code: String, _ move: Move) { moves[code, default: []].append(move) }

        /// Reads the moves of `codes` (nil: of every subject) from `township_moves`.
        mutating func loadMoves(on conn: PostgresConnection, codes: [String]? = nil) throws {
            for row in try conn.query(
                """
                SELECT code, (extract(epoch FROM moved_at) * 1000000)::bigint, township_before, township_after FROM township_moves
                WHERE $1::text[] IS NULL OR code = ANY($1::text[]) ORDER BY code, moved_at
                """, [codes.map { PostgresArray($0) }])
            {
                moved(try row.decode(0), Move(at: try row.decode(1), before: try row.decode(2), after: try row.decode(3)))
            }
        }

        mutating func set(_ entry: RosterEntry) {
            let place = Place(township: entry.township, type: entry.type)
            let index =
                placeIndex[place]
                ?? {
                    places.append(place)
                    placeIndex[place] = UInt32(places.count - 1)
                    return UInt32(places.count - 1)
                }()
            let slot = Slot(place: index, active: entry.active)
            if let packed = PackedCode(entry.code) { slots[packed] = slot } else { others[entry.code] = slot }
        }
    }
}
