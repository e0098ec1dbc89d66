import ArgumentParser
import AsyncHTTPClient
import EventContract
import Foundation
import Geography
import Simulation
import Synchronization

/// `simulator`: a realistic city for the demo, the tests and load — its roster as CSV, and its
/// activity driven through the department services' HTTP APIs over simulated time.
@main
struct SimulatorMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulator",
        abstract: "A simulated city of Changzhi's 12 counties: its roster, and its departments' activity sent to their services.",
        subcommands: [Roster.self, Run.self], defaultSubcommand: Run.self)

    struct CityOptions: ParsableArguments {
        @Option(help: "Subjects in the city (a few hundred for a test, 56,000 for the city, 600,000 for a province).")
        var subjects = 1_200

        @Option(help: "The seed: the same seed gives the same city and the same activity.")
        var seed: UInt64 = 2026

        @Option(help: "County boundaries (GeoJSON, as MAP_BOUNDARIES): every subject of the roster is placed inside its county on them.")
        var mapBoundaries: String?

        var city: City { City(size: subjects, seed: seed) }

        /// The roster, placed on `--map-boundaries` when given.
        func rosterCSV(of city: City) throws -> String {
            guard let mapBoundaries else { return city.rosterCSV() }
            guard let data = FileManager.default.contents(atPath: mapBoundaries) else { throw ValidationError("cannot read --map-boundaries \(mapBoundaries)") }
            return city.rosterCSV(placedOn: try Boundaries(geoJSON: data))
        }
    }

    struct Roster: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the city's roster as the command center imports it (CSV).")

        @OptionGroup var city: CityOptions

        func run() throws {
            print(try city.rosterCSV(of: city.city), terminator: "")
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send the city's activity to the department services (optionally importing the roster first).",
            discussion: """
                Actions go out in the order of their time, at most --rate a second. Times still ahead of the clock are sent as \
                now, so with --follow the city stays busy for as long as the simulator runs. At the end it prints what it \
                sent and what was accepted, and with --expect it writes the figures /overview should show, computed from the \
                accepted requests alone.
                """)

        @OptionGroup var city: CityOptions

        @Option(help: "The first simulated day (YYYY-MM-DD, China time); default: 60 days ago.")
        var from: String?

        @Option(help: "The last simulated day (YYYY-MM-DD, inclusive); default: up to now.")
        var until: String?

        @Flag(help: "Keep going after the last day, with the times of the moment they are sent.")
        var follow = false

        @Option(help: "Requests per second.")
        var rate: Double = 50

        @Option(help: "Requests in flight at once.")
        var concurrency = 8

        @Flag(help: "Import the city's roster through the command center first.")
        var importRoster = false

        @Option(help: "Where to write the expected figures (JSON) at the end.")
        var expect: String?

        @Option var petitions = "http://127.0.0.1:8081"
        @Option var hazards = "http://127.0.0.1:8082"
        @Option var cases = "http://127.0.0.1:8083"
        @Option var aggregator = "http://127.0.0.1:8080"

        @Option(help: "Bearer tokens (configuration, never code): petitions clerk, hazards clerk, cases clerk, office admin.")
        var petitionsToken: String
        @Option var hazardsToken: String
        @Option var casesToken: String
        @Option var officeToken: String?

        func validate() throws {
            guard rate > 0 else { throw ValidationError("--rate must be positive") }
            guard concurrency > 0 else { throw ValidationError("--concurrency must be positive") }
            guard (1...10_000_000).contains(city.subjects) else { throw ValidationError("--subjects must be between 1 and 10,000,000") }
            if importRoster && officeToken == nil { throw ValidationError("--import-roster needs --office-token") }
            for day in [from, until].compactMap({ $0 }) where Self.startOfDay(day) == nil {
                throw ValidationError("\(day) is not a date (YYYY-MM-DD)")
            }
        }

        static func startOfDay(_ date: String) -> Timestamp? { Timestamp(rfc3339: date + "T00:00:00+08:00") }

        func run() async throws {
            let now = WallClock.system.now()
            let start = from.flatMap(Self.startOfDay) ?? Timestamp(unixMicros: now.unixMicros - 60 * 86_400_000_000)
            let end: Timestamp? = follow ? nil : until.flatMap(Self.startOfDay).map { Timestamp(unixMicros: $0.unixMicros + 86_400_000_000) } ?? now
            let city = city.city
            let endpoints = Endpoints(
                petitions: petitions, hazards: hazards, cases: cases, aggregator: aggregator,
                tokens: [.petitions: petitionsToken, .hazards: hazardsToken, .cases: casesToken], office: officeToken ?? "")
            let client = DepartmentClient(http: HTTPClient.shared, endpoints: endpoints, run: UUIDv7.generate(), rosterGrace: .seconds(120))
            if importRoster {
                let summary = try await client.importRoster(try self.city.rosterCSV(of: city))
                log("roster of \(city.subjects.count) subjects imported: \(summary)")
            }
            let driver = Driver(city: city, client: client, rate: rate, workers: concurrency, follow: follow)
            let clock = ContinuousClock()
            let started = clock.now
            log("simulating \(city.subjects.count) subjects from \(start.description.prefix(10)) \(follow ? "on, following the clock" : "to \(end!)") at \(rate) req/s")
            await driver.run(
                Activity(city: city, start: start, end: end, seed: self.city.seed),
                progress: log)
            let finished = WallClock.system.now()
            log("done: " + driver.report(elapsed: clock.now - started, simulated: min(end ?? finished, finished)))
            let counts = driver.outcomes.counts.withLock { $0 }
            for reason in counts.reasons { log("  refused \(reason)") }
            if let expect {
                // The period's end (the last simulated day's last instant), or now when following the clock.
                let asOf = end.map { Timestamp(unixMicros: min($0.unixMicros - 1, finished.unixMicros)) } ?? finished
                let overview = driver.outcomes.tally.withLock { $0.overview(city: city, from: start, asOf: asOf) }
                let document = Expectation(from: start.description, asOf: asOf.description, overview: overview)
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                try encoder.encode(document).write(to: URL(fileURLWithPath: expect))
                log("expected figures written to \(expect)")
            }
            if !counts.refused.isEmpty { throw ExitCode(3) }
        }
    }
}

/// What `/overview?from=&asOf=` should show after the run.
struct Expectation: Codable {
    let from: String
    let asOf: String
    let overview: Overview
}

func log(_ line: String) {
    FileHandle.standardError.write(Data("simulator: \(line)\n".utf8))
}
