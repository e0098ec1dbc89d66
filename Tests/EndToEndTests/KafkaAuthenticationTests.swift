import Foundation
import Postgres
import TestSupport
import Testing

/// A production cluster wants SASL (and TLS); the services take librdkafka's settings from
/// `KAFKA_LIBRDKAFKA_*`. The embedded broker (Tansu 0.6, memory storage) can require SCRAM
/// authentication but cannot keep a user: `tansu user create` needs an authenticated connection to
/// a broker that has none yet (docs/operations.md, "Kafka security"). So the test shows what can be
/// shown here: the settings reach librdkafka, the SCRAM exchange runs with the configured user
/// against a broker that demands it, the broker refuses it, the service says it is not ready — and
/// the password appears nowhere in the service's log.
@Suite struct KafkaAuthenticationTests {
    @Test func saslSettingsReachLibrdkafkaAndTheSecretStaysOutOfTheLog() async throws {
        let broker = try PrivateBroker(authentication: true)
        defer { broker.stop() }
        let password = "pw-\(UUID().uuidString)"
        let service = try Cluster.ServiceProcess(
            "hazards", port: PrivateBroker.freePort(),
            environment: [
                "DATABASE_URL": try TestStack.postgres().connectionString, "DATABASE_NAME": TestStack.unique("sasl"),
                "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrapServers.joined(separator: ","), "AUTH_TOKENS": DepartmentHarness.tokens,
                "LOG_LEVEL": "trace",
                "KAFKA_LIBRDKAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT", "KAFKA_LIBRDKAFKA_SASL_MECHANISMS": "SCRAM-SHA-512",
                "KAFKA_LIBRDKAFKA_SASL_USERNAME": "threezero-hazards", "KAFKA_LIBRDKAFKA_SASL_PASSWORD": password,
            ])
        defer { service.stop() }

        // The broker answered the SCRAM exchange: librdkafka spoke SASL, with SCRAM-SHA-512, as the user configured.
        let scramRan = try await DepartmentHarness.eventually(within: .seconds(60)) {
            Self.log(of: service).contains("SASL SCRAM authentication failed: broker responded with unknown-user")
        }
        #expect(scramRan, "\(Self.log(of: service).suffix(2_000))")
        // Not authenticated, not ready.
        #expect(
            try await DepartmentHarness.eventually(within: .seconds(30)) {
                ((try? await Cluster.get("\(service.base)/health/ready"))?.0 ?? 0) == 503
            })
        #expect(!Self.log(of: service).contains(password))
    }

    static func log(of service: Cluster.ServiceProcess) -> String {
        (try? String(contentsOf: service.log, encoding: .utf8)) ?? ""
    }
}
