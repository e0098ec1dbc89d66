import Configuration
import EventContract
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Kafka
import NIOCore
import Postgres
import ServiceRuntime
import ServiceSupport

/// What the department-service tests share: configuration against the real stack, tokens for
/// every role, HTTP helpers, and reading back what reached a topic.
public enum DepartmentHarness {
    public static let tokens = [
        "li:petitions_clerk:petitions-token", "zhao:hazards_clerk:hazards-token", "qian:cases_clerk:cases-token",
        "wang:reader:reader-token", "sun:office_admin:office-token",
    ].joined(separator: ",")

    public static let petitionsClerk = "petitions-token"
    public static let hazardsClerk = "hazards-token"
    public static let casesClerk = "cases-token"
    public static let reader = "reader-token"

    /// Configuration of a service with a fresh database of its own on the stack's Postgres.
    public static func configuration(service: String, bootstrapServers: [String]? = nil) throws -> (ServiceConfiguration, PostgresConfiguration) {
        let database = TestStack.unique("\(service)")
        let servers = try bootstrapServers ?? TestStack.bootstrapServers()
        let environment = [
            "DATABASE_URL": try TestStack.postgres().connectionString,
            "DATABASE_NAME": database,
            "KAFKA_BOOTSTRAP_SERVERS": servers.joined(separator: ","),
            "AUTH_TOKENS": tokens,
            "LOG_LEVEL": "warning",
        ]
        let reader = ConfigReader(provider: EnvironmentVariablesProvider(environmentVariables: environment))
        let configuration = try ServiceConfiguration(reader: reader, service: service, defaultPort: 0, environment: environment)
        return (configuration, configuration.database)
    }

    public static func headers(token: String?, idempotencyKey: String? = nil) -> HTTPFields {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let token { headers[.authorization] = "Bearer \(token)" }
        if let idempotencyKey { headers[HTTPField.Name("Idempotency-Key")!] = idempotencyKey }
        return headers
    }

    /// The JSON body of a response as a dictionary.
    public static func json(_ response: TestResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))) as? [String: Any] ?? [:]
    }

    /// Reads `topic` from the beginning until `count` events about `subjects` arrived (or the time is
    /// up), then a little longer to catch duplicates; returns them in topic order per partition.
    public static func events(
        on topic: String, about subjects: Set<String>, count: Int, bootstrapServers: [String]? = nil,
        within deadline: Duration = .seconds(90)
    ) async throws -> [(message: KafkaMessage, event: CloudEvent)] {
        let consumer = try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(
                bootstrapServers: try bootstrapServers ?? TestStack.bootstrapServers(),
                groupID: TestStack.unique("reader")))
        try consumer.subscribe(topics: [topic])
        var found: [(KafkaMessage, CloudEvent)] = []
        let clock = ContinuousClock()
        let end = clock.now + deadline
        var extra: ContinuousClock.Instant?
        while clock.now < (extra ?? end) {
            for message in try await consumer.poll(maxMessages: 1000, timeout: .milliseconds(200)) {
                guard let key = message.key, subjects.contains(String(decoding: key, as: UTF8.self)) else { continue }
                found.append((message, try CloudEvent.decode(message.value)))
            }
            if extra == nil, found.count >= count { extra = clock.now + .milliseconds(1500) }
        }
        await consumer.close()
        return found.map { (message: $0.0, event: $0.1) }
    }

    /// Polls `condition` until it holds or the time is up.
    public static func eventually(within deadline: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws -> Bool {
        let clock = ContinuousClock()
        let end = clock.now + deadline
        while clock.now < end {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return try await condition()
    }
}

extension ByteBuffer {
    public static func json(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }
}
