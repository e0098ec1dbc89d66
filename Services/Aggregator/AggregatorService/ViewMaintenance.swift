import ComplianceRules
import Divisions
import EventContract
import Postgres

/// Keeps the maintained view current, in the caller's transaction: record states merged with
/// what new facts say, live breaches per subject and year, and the counters of `figures` moved
/// by exactly the difference each change makes (old contribution out, new one in). A batch's
/// arithmetic is done here, in Swift, and Postgres reads and writes rows by key; roster changes
/// and a changed default deadline move the counters in SQL, set by set (`applyRoster`,
/// `useDefaultDeadline`).
///
/// Writers of the view take one transaction-level advisory lock first: counters are rows every
/// batch touches, so batches apply one after another anyway, and under the lock each statement
/// reads the state the previous batch left (what makes the differences exact).
enum ViewMaintenance {
    static func lock(_ conn: PostgresConnection) throws {
        try conn.query("SELECT pg_advisory_xact_lock(hashtext('threezero.aggregator.view'))")
    }

    /// A change of counters: per registration year (0: the roster), township and metric (`add`
    /// moves the township's county and the city by the same).
    struct FigureKey: Hashable, Comparable {
        let year: Int64
        let township: String
        let metric: String
        static func < (a: FigureKey, b: FigureKey) -> Bool { (a.year, a.township, a.metric) < (b.year, b.township, b.metric) }
    }

    struct SubjectYear: Hashable, Comparable {
        let subject: String
        let year: Int64
        static func < (a: SubjectYear, b: SubjectYear) -> Bool { (a.subject, a.year) < (b.subject, b.year) }
    }

    /// Live breaching records of a subject in a year, per zero (a row of `subject_year`).
    struct Breaches: Equatable {
        var petition: Int64 = 0
        var accident: Int64 = 0
        var `case`: Int64 = 0
        var any: Bool { petition + accident + `case` > 0 }

        subscript(zero: Zero) -> Int64 {
            get {
                switch zero {
                case .petition: petition
                case .accident: accident
                case .case: `case`
                }
            }
            set {
                switch zero {
                case .petition: petition = newValue
                case .accident: accident = newValue
                case .case: `case` = newValue
                }
            }
        }

        static func + (a: Breaches, b: Breaches) -> Breaches {
            Breaches(petition: a.petition + b.petition, accident: a.accident + b.accident, case: a.case + b.case)
        }

        /// The zeros whose breached-or-not changes from `self` to `new` (nil: any zero), each with whether it is breached now.
        func turns(to new: Breaches) -> [(zero: Zero?, breached: Bool)] {
            var turns = Zero.allCases.compactMap { zero in (self[zero] > 0) == (new[zero] > 0) ? nil : (Optional(zero), new[zero] > 0) }
            if any != new.any { turns.append((nil, new.any)) }
            return turns
        }
    }

    /// Merges new facts (never applied before, subjects on `roster`) into the record states
    /// and moves the counters by the difference each record's change makes.
    static func apply(_ facts: [Fact], roster: RosterEntries, on conn: PostgresConnection) throws {
        // 1. The records as stored, then as the new facts leave them.
        var states = try storedStates(Set(facts.map(\.event.data.recordId)), on: conn)
        let stored = states
        let days = try defaultDeadlineDays(on: conn)
        for fact in facts {
            let id = fact.event.data.recordId
            var state = states.removeValue(forKey: id) ?? RecordState(recordId: id, subject: fact.event.subject.rawValue, county: fact.event.subject.county)
            state.merge(fact.event)
            // A record counts under its subject's township when it was registered.
            if state.township == nil, let registeredAt = state.registeredAt {
                state.township = roster.township(of: state.subject, at: registeredAt) ?? DivisionLevel.unassignedTownship(of: state.county)
            }
            states[id] = state
        }
        let changed = states.values.filter { stored[$0.recordId] != $0 }.sorted { $0.recordId < $1.recordId }

        // 2. The differences: counters, and live breaches per subject and year.
        var figures: [FigureKey: Int64] = [:]
        var breaches: [SubjectYear: Breaches] = [:]
        func count(_ state: RecordState?, _ sign: Int64) {
            guard let state, state.isLive, let year = state.year, let township = state.township else { return }
            for (metric, value) in state.figures(defaultDeadlineDays: days) {
                figures[FigureKey(year: year, township: township, metric: metric.name), default: 0] += sign * value
            }
            if let zero = state.breach { breaches[SubjectYear(subject: state.subject, year: year), default: Breaches()][zero] += sign }
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
            for row in try conn.query(
                """
                SELECT y.subject, y.year, y.petition, y.accident, y."case"
                FROM unnest($1::text[], $2::int[]) AS k(subject, year) JOIN subject_year y USING (subject, year)
                """, [PostgresArray(keys.map(\.subject)), PostgresArray(keys.map(\.year))])
            {
                before[SubjectYear(subject: try row.decode(0), year: try row.decode(1))] =
                    Breaches(petition: try row.decode(2), accident: try row.decode(3), case: try row.decode(4))
            }
            var after: [Breaches] = []
            for key in keys {
                let old = before[key] ?? Breaches()
                let delta = breaches[key]!
                let new = old + delta
                after.append(new)
                guard let subject = roster[key.subject], subject.active, let type = SubjectType(rawValue: subject.type) else { continue }
                for (zero, breached) in old.turns(to: new) {
                    figures[FigureKey(year: key.year, township: subject.township, metric: Metric.breaching(zero, type).name), default: 0] += breached ? 1 : -1
                }
            }
            try conn.query(
                """
                INSERT INTO subject_year AS y (subject, year, petition, accident, "case")
                SELECT * FROM unnest($1::text[], $2::int[], $3::int[], $4::int[], $5::int[])
                ON CONFLICT (subject, year) DO UPDATE SET petition = excluded.petition, accident = excluded.accident, "case" = excluded."case"
                """,
                [
                    PostgresArray(keys.map(\.subject)), PostgresArray(keys.map(\.year)), PostgresArray(after.map(\.petition)),
                    PostgresArray(after.map(\.accident)), PostgresArray(after.map(\.case)),
                ])
        }
        try add(figures, on: conn)
    }
}
