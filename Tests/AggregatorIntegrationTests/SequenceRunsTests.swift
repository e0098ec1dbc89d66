import Postgres
import TestSupport
import Testing

@testable import AggregatorService

@Suite struct SequenceRunsTests {
    /// Runs as batches record them: out of order, overlapping, adjacent, duplicated.
    static let runs: [(String, Int64, Int64)] = [
        ("/departments/petitions", 5, 7), ("/departments/petitions", 1, 2), ("/departments/petitions", 10, 12),
        ("/departments/petitions", 6, 8), ("/departments/petitions", 3, 3), ("/departments/petitions", 11, 11),
        ("/departments/hazards", 2, 4), ("/departments/hazards", 2, 4),
        ("/departments/cases", 1, 1),
    ]

    func summary(_ gaps: [SequenceRuns.Gaps]) -> [String] {
        gaps.map { "\($0.source) up to \($0.highest) missing \($0.ranges.map { "\($0.lowerBound)…\($0.upperBound)" })" }
    }

    @Test func gapsAreWhatNoRunCoversBelowTheHighestNumber() async throws {
        let db = try await TestStack.freshDatabase()
        _ = try await db.migrate(AggregatorSchema.migrations)
        // Two batches, as the consumer records them.
        for batch in [Self.runs.prefix(4), Self.runs.dropFirst(4)] {
            try await db.withTransaction { try SequenceRuns.record(batch.map { ($0.0, $0.1, $0.2) }, on: $0) }
        }
        let expected = [
            "/departments/cases up to 1 missing []",
            "/departments/hazards up to 4 missing [\"1…1\"]",
            "/departments/petitions up to 12 missing [\"4…4\", \"9…9\"]",
        ]
        #expect(summary(try await db.withConnection { try SequenceRuns.gaps(on: $0) }) == expected)
        #expect(try await db.withConnection { try SequenceRuns.gaps(on: $0) }.map(\.missing) == [0, 1, 2])

        // Compacted to one row per source, the same gaps.
        try await db.withTransaction { try SequenceRuns.compact(on: $0) }
        let rows = try await db.query("SELECT source, seen::text FROM sequence_seen ORDER BY source").map {
            "\(try $0.decode(0, as: String.self)) \(try $0.decode(1, as: String.self))"
        }
        #expect(rows == ["/departments/cases {[1,2)}", "/departments/hazards {[2,5)}", "/departments/petitions {[1,4),[5,9),[10,13)}"])
        #expect(summary(try await db.withConnection { try SequenceRuns.gaps(on: $0) }) == expected)
        await db.shutdown()
    }
}
