import Postgres

/// The per-source sequence numbers seen, kept as runs of consecutive numbers: a gap is what lies
/// between two runs (or before the first, which starts at 1).
enum SequenceRuns {
    struct Gaps: Sendable {
        let source: String
        let highest: Int64
        let ranges: [ClosedRange<Int64>]
        var missing: Int64 { ranges.reduce(0) { $0 + Int64($1.count) } }
    }

    /// The gaps of every source, from the runs as stored. Postgres finds them (a run starting
    /// beyond the furthest any earlier run reached leaves a gap) and sends only those: after a
    /// large replay the runs number hundreds of thousands until the next compaction.
    static func gaps(on conn: PostgresConnection) throws -> [Gaps] {
        let rows = try conn.query("""
            WITH r AS (
                SELECT source, first, coalesce(max(last) OVER (PARTITION BY source ORDER BY first, last
                                                              ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS reach
                FROM sequence_runs
            )
            SELECT source, reach + 1, first - 1 FROM r WHERE first > reach + 1
            UNION ALL
            SELECT source, NULL, max(last) FROM sequence_runs GROUP BY source
            ORDER BY 1, 2 NULLS LAST
            """)
        var result: [Gaps] = []
        var ranges: [ClosedRange<Int64>] = []
        for row in rows {
            let source: String = try row.decode(0)
            if let from = try row.decode(1, as: Int64?.self) {
                ranges.append(from...(try row.decode(2, as: Int64.self)))
            } else {
                result.append(Gaps(source: source, highest: try row.decode(2), ranges: ranges))
                ranges = []
            }
        }
        return result
    }

    /// The stored runs per source, overlapping and adjacent ones merged.
    static func merged(on conn: PostgresConnection) throws -> [(String, [ClosedRange<Int64>])] {
        let rows = try conn.query("SELECT source, first, last FROM sequence_runs ORDER BY source, first")
        var result: [(String, [ClosedRange<Int64>])] = []
        for row in rows {
            let source: String = try row.decode(0)
            let run = try row.decode(1, as: Int64.self)...row.decode(2, as: Int64.self)
            if result.last?.0 != source { result.append((source, [])) }
            if let last = result[result.count - 1].1.last, run.lowerBound <= last.upperBound + 1 {
                result[result.count - 1].1[result[result.count - 1].1.count - 1] = last.lowerBound...max(last.upperBound, run.upperBound)
            } else {
                result[result.count - 1].1.append(run)
            }
        }
        return result
    }

    /// Replaces the stored runs by their merged form (one row per run); the caller holds the view lock.
    static func compact(on conn: PostgresConnection) throws {
        let merged = try merged(on: conn)
        try conn.execute("DELETE FROM sequence_runs")
        let runs = merged.flatMap { source, runs in runs.map { (source, $0) } }
        guard !runs.isEmpty else { return }
        try conn.query("INSERT INTO sequence_runs (source, first, last) SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[])",
                       [PostgresArray(runs.map(\.0)), PostgresArray(runs.map(\.1.lowerBound)), PostgresArray(runs.map(\.1.upperBound))])
    }
}
