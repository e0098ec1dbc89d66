import EventContract
import Foundation
import Kafka
import Postgres
import Synchronization

extension BatchApplier {
    /// Applies `facts` part by part, each under a savepoint, halving a part the database refuses
    /// for its data until the facts responsible stand alone: those are returned with the refusal,
    /// all the others applied. Facts merge into record states in any order and grouping, so the
    /// view ends as one application of the accepted facts would leave it. A refused batch of 5,000
    /// with one poison fact costs ~26 parts.
    static func applyIsolating(
        _ facts: [Fact], roster: ViewMaintenance.RosterEntries, on conn: PostgresConnection
    ) throws
        -> (applied: [Fact], refused: [(Fact, PostgresError)])
    {
        var applied: [Fact] = [], refused: [(Fact, PostgresError)] = []
        func attempt(_ part: ArraySlice<Fact>) throws {
            guard !part.isEmpty else { return }
            try conn.execute("SAVEPOINT part")
            do {
                let new = try copyNew(Array(part), encoded: nil, on: conn)
                if !new.isEmpty {
                    try ViewMaintenance.apply(new, roster: roster, on: conn)
                    try ViewMaintenance.touchFeeds(new, on: conn)
                }
                try conn.execute("RELEASE SAVEPOINT part")
                applied += new
            } catch let error as PostgresError where error.isCausedByData {
                try conn.execute("ROLLBACK TO SAVEPOINT part")
                try conn.execute("RELEASE SAVEPOINT part")
                guard part.count > 1 else {
                    refused.append((part[part.startIndex], error))
                    return
                }
                let middle = part.startIndex + part.count / 2
                try attempt(part[..<middle])
                try attempt(part[middle...])
            }
        }
        try attempt(facts[...])
        return (applied, refused)
    }

    /// Stores the facts not seen before (by event id, also within `facts`) and moves the view by
    /// what they say; returns those that were new, and those the database refused for their data
    /// (the others are applied nonetheless). The caller holds the view lock.
    static func applyFacts(
        _ facts: [Fact], roster: ViewMaintenance.RosterEntries, on conn: PostgresConnection
    ) throws
        -> (applied: [Fact], refused: [(Fact, PostgresError)])
    {
        if let applied = try refusingNothing(
            on: conn,
            { () throws -> [Fact] in
                let new = try copyNew(facts, encoded: nil, on: conn)
                guard !new.isEmpty else { return [] }
                try ViewMaintenance.apply(new, roster: roster, on: conn)
                try ViewMaintenance.touchFeeds(new, on: conn)
                return new
            })
        {
            return (applied, [])
        }
        return try applyIsolating(facts, roster: roster, on: conn)
    }

    /// Stores the facts not seen before (by event id, also within `facts`) and returns them.
    ///
    /// Usually none of them was stored before: they are copied in straight away, under a
    /// savepoint, and only when the primary key refuses one are the stored ones looked up. (A fact
    /// that a batch still in flight stored makes the copy wait for that batch's end.)
    static func copyNew(_ facts: [Fact], encoded: BinaryCopyData?, on conn: PostgresConnection) throws -> [Fact] {
        guard !facts.isEmpty else { return [] }
        var seen = Set<String>()
        let distinct = facts.filter { seen.insert($0.event.id).inserted }
        if try copyIfAllNew(distinct, encoded: distinct.count == facts.count ? encoded : nil, on: conn) { return distinct }
        let stored = Set(
            try conn.query("SELECT event_id::text FROM facts WHERE event_id = ANY($1::uuid[])", [PostgresArray(distinct.map(\.event.id))])
                .map { try $0.decode(0, as: String.self) })
        let new = distinct.filter { !stored.contains($0.event.id) }
        if !new.isEmpty { try conn.copy(into: "facts", columns: Fact.columns, binary: Fact.copyData(new)) }
        return new
    }

    /// Copies `facts` (distinct ids) into `facts` unless one of them is there already: then
    /// nothing is written and the answer is false.
    static func copyIfAllNew(_ facts: [Fact], encoded: BinaryCopyData?, on conn: PostgresConnection) throws -> Bool {
        let rows = try encoded ?? Fact.copyData(facts)
        try conn.execute("SAVEPOINT facts_copy")
        if let refused = conn.tryCopy(into: "facts", columns: Fact.columns, binary: rows) {
            guard refused.isUniqueViolation else { throw refused }
            try conn.execute("ROLLBACK TO SAVEPOINT facts_copy")
            return false
        }
        try conn.execute("RELEASE SAVEPOINT facts_copy")
        return true
    }
}
