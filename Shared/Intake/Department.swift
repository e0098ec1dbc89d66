import Configuration
import EventContract
import Hummingbird
import Kafka
import Logging
import Postgres
import Publishing
import ServiceRuntime
import ServiceSupport

/// A department service: its record kinds and what it adds to the common pattern.
public struct Department: Sendable {
    public var name: String
    public var source: EventSource
    public var kinds: [RecordKind]
    public var defaultPort: Int
    public var title: String
    public var summary: String
    /// Migrations of the department's own tables, after the common ones (versions from 100).
    public var migrations: [Migration] = []
    /// Routes beyond the record API (e.g. erasing a petitioner's identity).
    public var extraRoutes: @Sendable (Router<ServiceRequestContext>, PostgresClient) -> Void = { _, _ in }
    public var extraPaths: [String: JSONValue] = [:]

    public init(name: String, source: EventSource, kinds: [RecordKind], defaultPort: Int, title: String, summary: String) {
        self.name = name
        self.source = source
        self.kinds = kinds
        self.defaultPort = defaultPort
        self.title = title
        self.summary = summary
    }

    /// Builds the application: database (created and migrated), topics, outbox relay, roster
    /// cache, and the HTTP API. Services stop in reverse order: HTTP first, the pool last.
    public func buildApplication(configuration: ServiceConfiguration, partitions: Int32 = 12, logger: Logger) async throws -> some ApplicationProtocol {
        Librdkafka.logVersion(logger)
        MetricsEndpoint.bootstrap()
        let databaseName = configuration.database.connectionString.split(separator: "/").last.map { String($0.prefix { $0 != "?" }) } ?? name
        try await PostgresClient.createDatabaseIfMissing(databaseName, server: configuration.database)
        let db = PostgresClient(configuration: configuration.database, logger: logger)
        try await db.migrate(IntakeSchema.migrations + migrations)

        var producerConfiguration = KafkaProducerConfiguration(bootstrapServers: configuration.kafka.bootstrapServers)
        producerConfiguration.client = configuration.kafka
        producerConfiguration.deliveryTimeoutMilliseconds = 10_000
        var relayConfiguration = OutboxRelay.Configuration(source: source)
        relayConfiguration.partitions = partitions
        let relay = OutboxRelay(configuration: relayConfiguration, db: db, admin: KafkaAdmin(configuration: configuration.kafka), logger: logger) {
            [producerConfiguration] in try KafkaProducer(configuration: producerConfiguration, logger: logger)
        }
        let roster = RosterCache(db: db, kafka: configuration.kafka, logger: logger)

        let router = ServiceRouter.make(
            tokens: configuration.tokens,
            checks: [
                .database(db),
                .init("roster") { roster.isReady ? (true, "loaded") : (false, "not read yet from \(EventSource.roster.topic)") },
                .init("outbox") {
                    let backlog = try? await db.withConnection { try Outbox.backlog(on: $0) }
                    let (ready, relayDetail) = await relay.readiness()
                    return (ready, (backlog.map { "backlog \($0)" } ?? "backlog unknown") + ", " + relayDetail)
                },
            ], openAPI: DepartmentOpenAPI.document(title: title, description: summary, kinds: kinds, extraPaths: extraPaths))
        RecordController(kinds: kinds, db: db, retention: configuration.idempotencyRetention).addRoutes(to: router)
        let janitor = IdempotencyJanitor(db: db, retention: configuration.idempotencyRetention, logger: logger)
        extraRoutes(router, db)

        return Application(
            router: router,
            server: configuration.server,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: name),
            services: [db, relay, roster, janitor],
            logger: logger)
    }

    /// The `@main` of a department: configuration from the environment, then run until SIGTERM.
    public func run(reader: ConfigReader = ConfigReader(provider: EnvironmentVariablesProvider())) async throws {
        let configuration = try ServiceConfiguration(reader: reader, service: name, defaultPort: defaultPort)
        ServiceRouter.bootstrapLogging(level: configuration.logLevel)
        let logger = Logger(label: "threezero.\(name)")
        let partitions = Int32(reader.int(forKey: "kafka.topic.partitions", default: 12))
        let app = try await buildApplication(configuration: configuration, partitions: partitions, logger: logger)
        try await app.runService()
    }
}
