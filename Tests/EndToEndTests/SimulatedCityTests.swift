import Simulation
import TestSupport
import Testing

/// The whole system as the run command starts it — the four service binaries on a private broker
/// and the stack's Postgres — driven by the simulator binary through the departments' HTTP APIs.
/// The command center's `/overview` must equal the figures the simulator computed from what the
/// departments accepted.
@Suite struct SimulatedCityTests {
    @Test func theSimulatedCityReachesTheOverviewExactly() async throws {
        let cluster = try await Cluster()
        defer { cluster.stopAll() }
        // Three months of a 1,000-subject city, ending yesterday (China time), sent as fast as the services take it.
        let (status, printed, expectation) = try await cluster.simulate(
            subjects: 1_000, from: Cluster.daysAgo(90), until: Cluster.daysAgo(1),
            importRoster: true)
        #expect(status == 0, "\(printed)")
        #expect(printed.contains(" 0 refused"), "\(printed)")
        let expected = try #require(expectation).overview
        // A city that did something of everything.
        #expect(
            expected.petitions.batches > 10 && (expected.problems["hazard"]?.found ?? 0) > 10 && (expected.problems["total"]?.overdue ?? 0) > 0,
            "\(printed)")
        // The aggregator catches up: the figures become exactly the simulator's.
        let differences = try await cluster.overviewDifferences(try #require(expectation))
        #expect(differences.isEmpty, "\(differences.joined(separator: "\n"))\n\(printed)")
    }
}
