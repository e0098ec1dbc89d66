import AggregatorService

/// `aggregator`: the command center's service (configuration: see the README).
@main
struct AggregatorMain {
    static func main() async throws {
        try await Aggregator.run()
    }
}
