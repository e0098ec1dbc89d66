import EventContract
import Foundation
import Logging
import Postgres

/// Applies events that waited in the quarantine — for their subject to reach the roster, or for
/// an aggregator that knows their type — once they can be. The caller holds the view lock.
enum QuarantineRelease {
    /// Applies the quarantined messages `waiting` (id, bytes) with `roster`: those that decode
    /// and the database accepts are released; one that the running contract refuses now, or the
    /// database refuses for its data, stays with the new reason and kind (it never stops the rest).
    static func apply(_ waiting: [(id: Int64, raw: [UInt8])], roster: ViewMaintenance.RosterEntries, on conn: PostgresConnection) throws {
        var facts: [Fact] = [], quarantineIds: [String: Int64] = [:]
        var stays: [(id: Int64, kind: BatchApplier.Quarantined.Kind, reason: String)] = []
        for (id, raw) in waiting {
            do throws(ContractViolation) {
                let event = try CloudEvent.decode(raw)
                guard roster[event.subject.rawValue] != nil else {
                    stays.append((id, .unknownSubject, "subject \(event.subject) is not on the roster"))
                    continue
                }
                facts.append(Fact(event: event, text: String(decoding: raw, as: UTF8.self)))
                quarantineIds[event.id] = id
            } catch {
                stays.append((id, error.isUnknownType ? .unknownType : .invalid, "\(error)"))
            }
        }
        let (_, refused) = try BatchApplier.applyFacts(facts, roster: roster, on: conn)
        for (fact, error) in refused {
            if let id = quarantineIds.removeValue(forKey: fact.event.id) { stays.append((id, .refused, "the view's database refused it: \(error)")) }
        }
        let released = Set(waiting.map(\.id)).subtracting(stays.map(\.id))
        if !released.isEmpty {
            try conn.update("UPDATE quarantine SET released_at = now() WHERE id = ANY($1::bigint[])", [PostgresArray(Array(released).sorted())])
        }
        for stay in stays {
            try conn.update(
                "UPDATE quarantine SET kind = $2, reason = $3 WHERE id = $1 AND (kind <> $2 OR reason <> $3)",
                [stay.id, stay.kind.rawValue, BatchApplier.Quarantined.stored(stay.reason)])
        }
    }

    /// On start: events of a type an earlier version did not know are tried again with this
    /// version's contract (a rolling upgrade put a newer department in front of an older
    /// aggregator); what this version knows now is applied, the rest keeps waiting. Returns how
    /// many were released.
    @discardableResult
    static func retryUnknownTypes(db: PostgresClient, logger: Logger) async throws -> Int {
        try await db.withTransaction { conn in
            try ViewMaintenance.lock(conn)
            let waiting: [(id: Int64, raw: [UInt8])] = try conn.query("SELECT id, raw FROM quarantine WHERE kind = 'unknown_type' AND released_at IS NULL ORDER BY id FOR UPDATE")
                .map { (try $0.decode(0, as: Int64.self), try $0.decode(1, as: Bytea.self).bytes) }
            guard !waiting.isEmpty else { return 0 }
            var subjects: [String] = []
            for (_, raw) in waiting { if let event = try? CloudEvent.decode(raw) { subjects.append(event.subject.rawValue) } }
            try apply(waiting, roster: try ViewMaintenance.RosterEntry.load(subjects, on: conn), on: conn)
            let released = try conn.query(
                "SELECT count(*) FROM quarantine WHERE id = ANY($1::bigint[]) AND released_at IS NOT NULL",
                [PostgresArray(waiting.map(\.id))])[0].decode(0, as: Int.self)
            logger.info("events of types an earlier version did not know, tried again", metadata: ["waiting": "\(waiting.count)", "released": "\(released)"])
            return released
        }
    }
}
