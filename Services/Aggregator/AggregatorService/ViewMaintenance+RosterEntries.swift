import ComplianceRules
import EventContract
import Postgres

extension ViewMaintenance {
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
