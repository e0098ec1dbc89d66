import Postgres

/// The per-source sequence numbers seen, kept as multiranges (`sequence_seen`): each batch adds
/// one row per source with the runs it saw; compaction folds a source's rows into one. A gap is
/// what no range covers below a source's highest number (numbers start at 1).
enum SequenceRuns {
    struct Gaps: Sendable {
        let source: String
        let highest: Int64
        var ranges: [ClosedRange<Int64>]
        var missing: Int64 { ranges.reduce(0) { $0 + Int64($1.count) } }
    }

    /// Notes the runs of sequence numbers a batch saw (applied or quarantined): one row per source.
    static func record(_ runs: [(source: String, first: Int64, last: Int64)], on conn: PostgresConnection) throws {
        guard !runs.isEmpty else { return }
        try conn.query(
            """
            INSERT INTO sequence_seen (source, seen)
            SELECT source, range_agg(int8range(first, last, '[]')) FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS r(source, first, last)
            GROUP BY source
            """, [PostgresArray(runs.map(\.source)), PostgresArray(runs.map(\.first)), PostgresArray(runs.map(\.last))])
    }

    /// The gaps of every source. Postgres finds them: the numbers from 1 to the highest seen,
    /// minus all ranges seen; only the gaps travel.
    static func gaps(on conn: PostgresConnection) throws -> [Gaps] {
        let rows = try conn.query(
            """
            WITH s AS (SELECT source, range_agg(seen) AS seen FROM sequence_seen GROUP BY source)
            SELECT source, upper(seen) - 1, lower(gap), upper(gap) - 1
            FROM s LEFT JOIN LATERAL unnest(int8multirange(int8range(1, upper(seen))) - seen) AS gap ON true
            ORDER BY source, lower(gap)
            """)
        var result: [Gaps] = []
        for row in rows {
            let source: String = try row.decode(0)
            if result.last?.source != source { result.append(Gaps(source: source, highest: try row.decode(1), ranges: [])) }
            if let from = try row.decode(2, as: Int64?.self) {
                result[result.count - 1].ranges.append(from...(try row.decode(3, as: Int64.self)))
            }
        }
        return result
    }

    /// Folds each source's rows into one; the caller holds the view lock.
    static func compact(on conn: PostgresConnection) throws {
        try conn.execute(
            """
            WITH taken AS (DELETE FROM sequence_seen RETURNING source, seen)
            INSERT INTO sequence_seen (source, seen) SELECT source, range_agg(seen) FROM taken GROUP BY source
            """)
    }
}
