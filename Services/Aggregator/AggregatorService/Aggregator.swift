import Configuration
import Crypto
import Foundation
import EventContract
import Hummingbird
import Intake
import Kafka
import Logging
import Postgres
import ServiceSupport

/// The command center's service: consumes the department topics into the compliance view, owns
/// the roster, and answers the command center.
public enum Aggregator {
    public static func buildApplication(configuration: ServiceConfiguration, reader: ConfigReader, logger: Logger) async throws -> some ApplicationProtocol {
        Librdkafka.logVersion(logger)
        MetricsEndpoint.bootstrap()
        let db = try await openDatabase(configuration.database, logger: logger)

        var consumerConfiguration = EventConsumer.Configuration(kafka: configuration.kafka)
        consumerConfiguration.groupID = reader.string(forKey: "kafka.group.id", default: "threezero-aggregator")
        consumerConfiguration.batchSize = reader.int(forKey: "aggregator.batch.size", default: 5_000)
        let consumer = EventConsumer(configuration: consumerConfiguration, db: db, logger: logger)

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

        let deadlineDays = settings.defaultDeadlineDays
        try await db.withTransaction { try ViewMaintenance.useDefaultDeadline(days: deadlineDays, on: $0) }
        let queries = ComplianceQueries(settings: settings)
        let checks = ConservationChecks(db: db, queries: queries, interval: .seconds(reader.int(forKey: "aggregator.check.interval.seconds", default: 60)),
                                        logger: logger)

        let router = ServiceRouter.make(tokens: configuration.tokens, checks: [.database(db)], openAPI: AggregatorOpenAPI.document)
        let api = CommandCenterController(db: db, queries: queries, consumer: consumer.state)
        api.addRoutes(to: router)
        let live = LiveUpdates(db: db, logger: logger)
        let sessions = DashboardSessions(key: try dashboardKey(reader, logger: logger), tokens: configuration.tokens,
                                         secureCookie: reader.bool(forKey: "dashboard.secure.cookie", default: false))
        DashboardController(api: api, sessions: sessions, library: try DashboardTemplates.library(), live: live).addRoutes(to: router)

        return Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "aggregator"),
            services: [CloseOnShutdown { await db.shutdown() }, relay, consumer, checks, live],
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

    /// Imports a roster CSV straight into the aggregator's database (the command line's import).
    public static func importRoster(_ text: String, reader: ConfigReader = ConfigReader(provider: EnvironmentVariablesProvider()),
                                    progress: @escaping @Sendable (Int, Int) -> Void) async throws -> RosterImport.Summary {
        guard let url = reader.string(forKey: "database.url") else { throw ServiceConfiguration.Missing(description: "DATABASE_URL is required") }
        let db = try await openDatabase(PostgresConfiguration(connectionString: url).database(reader.string(forKey: "database.name", default: "aggregator")),
                                        logger: Logger(label: "threezero.aggregator.import"))
        do {
            let summary = try await RosterImport.run(text, db: db, progress: progress)
            await db.shutdown()
            return summary
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
