import Configuration
import Foundation
import Hummingbird
import HummingbirdCore
import Kafka
import Logging
import Postgres
import ServiceSupport

/// What every service reads from its environment (swift-configuration: `http.port` ↔ `HTTP_PORT`).
///
/// | variable | meaning |
/// |---|---|
/// | `HTTP_HOST`, `HTTP_PORT` | where to listen |
/// | `DATABASE_URL` | the Postgres server; the service uses its own database on it |
/// | `DATABASE_NAME` | that database (default: the service's name) |
/// | `DATABASE_POOL_SIZE` | connections at most (default 16: commits wait on the disk, so more in flight helps) |
/// | `KAFKA_BOOTSTRAP_SERVERS` | `host:port,...` |
/// | `KAFKA_LIBRDKAFKA_*` | passed to librdkafka: `KAFKA_LIBRDKAFKA_SASL_MECHANISMS=PLAIN` → `sasl.mechanisms=PLAIN` |
/// | `AUTH_TOKENS` | `name:role:secret` or `name:role:sha256:<hex>`, comma-separated (secret) |
/// | `LOG_LEVEL` | `trace` … `critical` (default `info`) |
public struct ServiceConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var database: PostgresConfiguration
    public var kafka: KafkaClientConfiguration
    public var tokens: TokenDirectory
    public var logLevel: Logger.Level
    /// How long a connection may sit idle, or take to send its request, before it is closed (`HTTP_IDLE_TIMEOUT_SECONDS`).
    public var idleTimeout: Duration
    /// The longest a reader's query may run (`DATABASE_STATEMENT_TIMEOUT_SECONDS`), for pools that answer readers.
    public var readTimeout: Duration
    /// How long a department remembers an `Idempotency-Key` (`IDEMPOTENCY_RETENTION_HOURS`, 24).
    public var idempotencyRetention: Duration

    public struct Missing: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    public init(reader: ConfigReader, service: String, defaultPort: Int, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        host = reader.string(forKey: "http.host", default: "127.0.0.1")
        port = reader.int(forKey: "http.port", default: defaultPort)
        guard let url = reader.string(forKey: "database.url") else { throw Missing(description: "DATABASE_URL is required") }
        database = PostgresConfiguration(connectionString: url)
            .database(reader.string(forKey: "database.name", default: service))
        database.poolSize = reader.int(forKey: "database.pool.size", default: 16)
        guard let servers = reader.string(forKey: "kafka.bootstrap.servers") else { throw Missing(description: "KAFKA_BOOTSTRAP_SERVERS is required") }
        kafka = KafkaClientConfiguration(bootstrapServers: servers.split(separator: ",").map(String.init))
        kafka.clientID = service
        for (key, value) in environment where key.hasPrefix("KAFKA_LIBRDKAFKA_") {
            kafka.extra[key.dropFirst("KAFKA_LIBRDKAFKA_".count).lowercased().replacingOccurrences(of: "_", with: ".")] = value
        }
        tokens = try TokenDirectory(configuration: reader.string(forKey: "auth.tokens", isSecret: true, default: ""))
        logLevel = Logger.Level(rawValue: reader.string(forKey: "log.level", default: "info")) ?? .info
        idleTimeout = .seconds(reader.int(forKey: "http.idle.timeout.seconds", default: 60))
        readTimeout = .seconds(reader.int(forKey: "database.statement.timeout.seconds", default: 10))
        idempotencyRetention = .seconds(3_600 * max(1, reader.int(forKey: "idempotency.retention.hours", default: 24)))
    }

    /// The HTTP server every service runs: HTTP/1.1 with the idle timeout.
    public var server: HTTPServerBuilder {
        let (seconds, _) = idleTimeout.components
        return .http1(configuration: .init(idleTimeout: .seconds(seconds)))
    }
}
