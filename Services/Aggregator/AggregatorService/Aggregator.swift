import Configuration
import Crypto
import Divisions
import EventContract
import Foundation
import Geography
import Hummingbird
import Kafka
import Logging
import Postgres
import Publishing
import ServiceRuntime
import ServiceSupport
import Synchronization

/// The command center's service: consumes the department topics into the compliance view, owns
/// the roster, and answers the command center.
public enum Aggregator {
    public static func buildApplication(configuration: ServiceConfiguration, reader: ConfigReader, logger: Logger) async throws -> some ApplicationProtocol {
        Librdkafka.logVersion(logger)
        MetricsEndpoint.bootstrap()
        // Ingestion (the consumer, the roster relay, the checks) has connections of its own, without
        // a time limit; readers share the other pool, whose statements time out: no reader can
        // take the connections the consumer needs, nor hold one for long.
        let db = try await openDatabase(configuration.database, logger: logger)
        var readsConfiguration = configuration.database
        readsConfiguration.statementTimeout = configuration.readTimeout
        let reads = PostgresClient(configuration: readsConfiguration, logger: logger)

        var consumerConfiguration = EventConsumer.Configuration(kafka: configuration.kafka)
        consumerConfiguration.groupID = reader.string(forKey: "kafka.group.id", default: "threezero-aggregator")
        consumerConfiguration.batchSize = reader.int(forKey: "aggregator.batch.size", default: 5_000)
        let consumer = EventConsumer(configuration: consumerConfiguration, db: db, logger: logger)
        var stallConfiguration = StallWatch.Configuration()
        stallConfiguration.stallAfter = .seconds(reader.int(forKey: "aggregator.stall.seconds", default: 60))
        stallConfiguration.maxRestartsPerMinute = reader.int(forKey: "aggregator.stall.restarts.per.minute", default: 3)
        let stallWatch = StallWatch(configuration: stallConfiguration, db: db, state: consumer.state, logger: logger)

        var relayConfiguration = OutboxRelay.Configuration(source: .roster)
        relayConfiguration.partitions = 1
        relayConfiguration.topicConfig = ["cleanup.policy": "compact"]
        var producerConfiguration = KafkaProducerConfiguration(bootstrapServers: configuration.kafka.bootstrapServers)
        producerConfiguration.client = configuration.kafka
        producerConfiguration.deliveryTimeoutMilliseconds = 10_000
        let relay = OutboxRelay(configuration: relayConfiguration, db: db, admin: KafkaAdmin(configuration: configuration.kafka), logger: logger) {
            [producerConfiguration] in try KafkaProducer(configuration: producerConfiguration, logger: logger)
        }

        var settings = ComplianceQueries.Settings()
        settings.ruralTarget = reader.double(forKey: "targets.rural", default: 0.80)
        settings.enterpriseInstitutionTarget = reader.double(forKey: "targets.enterprise.institution", default: 0.90)
        settings.religiousSiteTarget = reader.double(forKey: "targets.religious.site", default: 0.90)
        settings.defaultDeadlineDays = reader.int(forKey: "problems.default.deadline.days", default: 30)

        if let directory = try seedDirectory(reader) {
            try await db.withTransaction { try DivisionBook.seed(directory, on: $0) }
        }
        let deadlineDays = settings.defaultDeadlineDays
        try await db.withTransaction { try ViewMaintenance.useDefaultDeadline(days: deadlineDays, on: $0) }
        let queries = ComplianceQueries(settings: settings)
        let checks = ConservationChecks(
            db: db, queries: queries, interval: .seconds(reader.int(forKey: "aggregator.check.interval.seconds", default: 60)),
            logger: logger)

        let router = ServiceRouter.make(tokens: configuration.tokens, checks: [.database(db), .consumer(consumer.state)], openAPI: AggregatorOpenAPI.document)
        let maps = try await divisionMaps(reader, db: db)
        let api = CommandCenterController(db: reads, queries: queries, consumer: consumer.state, city: maps?.counties)
        api.addRoutes(to: router)
        let live = LiveUpdates(db: reads, consumer: consumer.state, maxStreams: reader.int(forKey: "dashboard.live.max.streams", default: 200), logger: logger)
        let sessions = DashboardSessions(
            key: try dashboardKey(reader, logger: logger), tokens: configuration.tokens,
            secureCookie: reader.bool(forKey: "dashboard.secure.cookie", default: false))
        DashboardController(api: api, sessions: sessions, resources: try DashboardResources(), live: live, maps: maps).addRoutes(to: router)

        return Application(
            router: router,
            server: configuration.server,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "aggregator"),
            services: [db, reads, relay, consumer, stallWatch, checks, live],
            logger: logger)
    }

    /// The key that signs dashboard sessions: `DASHBOARD_SESSION_KEY` (32+ bytes, base64), the same
    /// on every instance behind one address; without it, a random key (sessions end with the process).
    static func dashboardKey(_ reader: ConfigReader, logger: Logger) throws -> SymmetricKey {
        guard let text = reader.string(forKey: "dashboard.session.key") else {
            logger.notice("DASHBOARD_SESSION_KEY is not set: dashboard sessions are signed with a random key and end with this process")
            return SymmetricKey(size: .bits256)
        }
        guard let bytes = Data(base64Encoded: text), bytes.count >= 32 else {
            throw ServiceConfiguration.Missing(description: "DASHBOARD_SESSION_KEY must be at least 32 bytes in base64")
        }
        return SymmetricKey(data: bytes)
    }

    /// The map's divisions (`MAP_BOUNDARIES`: a GeoJSON FeatureCollection, one feature per county
    /// with its code; `MAP_TOWNSHIP_BOUNDARIES`, optional: townships by their 9-digit codes), or
    /// none without the first. A county file that does not cover every county of the directory
    /// stops the start (a map with a county missing would hide it from the command center), and so
    /// does a township file with a feature that is not a township.
    static func divisionMaps(_ reader: ConfigReader, db: PostgresClient) async throws -> DivisionMaps? {
        func load(_ key: ConfigKey, _ variable: String) throws -> Boundaries? {
            guard let path = reader.string(forKey: key), !path.isEmpty else { return nil }
            guard let data = FileManager.default.contents(atPath: path) else { throw ServiceConfiguration.Missing(description: "\(variable): cannot read \(path)") }
            do { return try Boundaries(geoJSON: data) } catch { throw ServiceConfiguration.Missing(description: "\(variable) \(path): \(error)") }
        }
        guard let counties = try load("map.boundaries", "MAP_BOUNDARIES") else { return nil }
        let directory = try await db.withConnection { try DivisionBook.load(on: $0) }
        let missing = counties.missing(directory.counties.map(\.code))
        guard missing.isEmpty else {
            throw ServiceConfiguration.Missing(
                description: "MAP_BOUNDARIES does not cover the directory's counties \(missing.joined(separator: ", ")) (a feature with each code is needed)")
        }
        let townships = try load("map.township.boundaries", "MAP_TOWNSHIP_BOUNDARIES")
        if let notTownships = townships?.regions.map(\.code).filter({ DivisionLevel(code: $0) != .township }), !notTownships.isEmpty {
            throw ServiceConfiguration.Missing(
                description: "MAP_TOWNSHIP_BOUNDARIES: \(notTownships.prefix(5).joined(separator: ", ")) \(notTownships.count == 1 ? "is" : "are") not a township's 9-digit code")
        }
        return DivisionMaps(counties: counties, townships: townships)
    }

    /// The directory an empty one starts from (`AGGREGATOR_DIVISIONS`): `demo` (the default, the
    /// demo city's), `none`, or the path of a `code,name` CSV.
    static func seedDirectory(_ reader: ConfigReader) throws -> DivisionNames? {
        switch reader.string(forKey: "aggregator.divisions", default: "demo") {
        case "none": return nil
        case "demo": return .demo
        case let path:
            guard let data = FileManager.default.contents(atPath: path), let text = String(validating: data, as: UTF8.self) else {
                throw ServiceConfiguration.Missing(description: "AGGREGATOR_DIVISIONS: cannot read \(path) as UTF-8")
            }
            do { return try DivisionNames(csv: text) } catch {
                throw ServiceConfiguration.Missing(description: "AGGREGATOR_DIVISIONS \(path): \(error)")
            }
        }
    }

    /// Imports a division directory CSV straight into the aggregator's database (the command line's import).
    public static func importDivisions(
        _ text: String, reader: ConfigReader = ConfigReader(provider: EnvironmentVariablesProvider()),
        progress: @escaping @Sendable (Int, Int) -> Void
    ) async throws -> RosterImport.Summary {
        try await withCommandLineDatabase(reader) { db, actor in try await DivisionBook.importCSV(text, db: db, by: actor, progress: progress) }
    }

    /// Imports a roster CSV straight into the aggregator's database (the command line's import).
    public static func importRoster(
        _ text: String, reader: ConfigReader = ConfigReader(provider: EnvironmentVariablesProvider()),
        progress: @escaping @Sendable (Int, Int) -> Void
    ) async throws -> RosterImport.Summary {
        try await withCommandLineDatabase(reader) { db, actor in
            try await RosterImport.run(text, db: db, by: actor, city: try await divisionMaps(reader, db: db)?.counties, progress: progress)
        }
    }

    /// Runs `body` with the database of `DATABASE_URL` and the command line's user as the actor.
    static func withCommandLineDatabase<T>(
        _ reader: ConfigReader, _ body: (PostgresClient, RosterActor) async throws -> T
    ) async throws -> T {
        guard let url = reader.string(forKey: "database.url") else { throw ServiceConfiguration.Missing(description: "DATABASE_URL is required") }
        let db = try await openDatabase(
            PostgresConfiguration(connectionString: url).database(reader.string(forKey: "database.name", default: "aggregator")),
            logger: Logger(label: "threezero.aggregator.import"))
        do {
            let result = try await body(db, RosterActor(name: ProcessInfo.processInfo.environment["USER"] ?? "command line", via: .commandLine))
            await db.shutdown()
            return result
        } catch {
            await db.shutdown()
            throw error
        }
    }

    /// The aggregator's database, created if missing and migrated.
    static func openDatabase(_ configuration: PostgresConfiguration, logger: Logger) async throws -> PostgresClient {
        let name = configuration.connectionString.split(separator: "/").last.map { String($0.prefix { $0 != "?" }) } ?? "aggregator"
        try await PostgresClient.createDatabaseIfMissing(name, server: configuration)
        let db = PostgresClient(configuration: configuration, logger: logger)
        try await db.migrate(AggregatorSchema.migrations)
        return db
    }

    public static func run(reader: ConfigReader = ConfigReader(provider: EnvironmentVariablesProvider())) async throws {
        let configuration = try ServiceConfiguration(reader: reader, service: "aggregator", defaultPort: 8080)
        ServiceRouter.bootstrapLogging(level: configuration.logLevel)
        let app = try await buildApplication(configuration: configuration, reader: reader, logger: Logger(label: "threezero.aggregator"))
        try await app.runService()
    }
}

extension HealthController.Check {
    /// The consumer moves the view (`StallWatch`): not ready, with the reason, while it is stalled.
    static func consumer(_ state: ConsumerState) -> Self {
        .init("consumer") {
            guard let stall = state.snapshot.withLock({ $0.stall }) else { return (true, "ok") }
            return (false, "stalled (\(stall.reason.rawValue)): \(stall.detail)")
        }
    }
}
