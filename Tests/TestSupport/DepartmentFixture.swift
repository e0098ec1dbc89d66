import EventContract
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Intake
import Logging
import NIOCore
import Postgres
import ServiceRuntime
import ServiceSupport

/// A department service on the real stack with a database of its own, and three subjects on the
/// roster: an active village, an active enterprise, and a deactivated village.
public struct DepartmentFixture: Sendable {
    public let department: Department
    public let village = TestRoster.villageCode()
    public let enterprise = TestRoster.enterpriseCode()
    public let inactive = TestRoster.villageCode()
    public let bootstrapServers: [String]
    public let configuration: ServiceConfiguration
    public let database: PostgresClient

    public var subjects: Set<String> { [village.rawValue, enterprise.rawValue, inactive.rawValue] }

    public init(_ department: Department, bootstrapServers: [String]? = nil) async throws {
        self.department = department
        self.bootstrapServers = try bootstrapServers ?? TestStack.bootstrapServers()
        try await TestRoster.publish(
            [(village, .village, true), (enterprise, .enterprise, true), (inactive, .village, false)],
            bootstrapServers: self.bootstrapServers)
        let (configuration, databaseConfiguration) = try DepartmentHarness.configuration(service: department.name, bootstrapServers: self.bootstrapServers)
        self.configuration = configuration
        database = PostgresClient(configuration: databaseConfiguration)
    }

    public func application() async throws -> some ApplicationProtocol {
        try await department.buildApplication(configuration: configuration, logger: Logger(label: "test.\(department.name)"))
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    /// Runs `body` against the application once it is ready (roster read).
    public func test<App: ApplicationProtocol, Value: Sendable>(_ app: App, _ body: @Sendable @escaping (any TestClientProtocol) async throws -> Value) async throws -> Value {
        try await app.test(.router) { client in
            guard try await DepartmentHarness.eventually(within: .seconds(60), { try await client.execute(uri: "/health/ready", method: .get).status == .ok }) else {
                throw Failure("the service did not become ready")
            }
            let value = try await body(client)
            // Everything written is on the topic before the service stops, so a test reading
            // the topic afterwards sees all of it.
            _ = try await DepartmentHarness.eventually(within: .seconds(30)) { try await unpublished() == 0 }
            return value
        }
    }

    /// Rows in every table a refused request must leave alone.
    public func counts(_ tables: [String] = ["records", "record_history", "outbox", "idempotency_keys"]) async throws -> [Int] {
        try await database.withConnection { conn in
            try tables.map { try conn.query("SELECT count(*) FROM \($0)")[0].decode(0, as: Int.self) }
        }
    }

    public func unpublished() async throws -> Int {
        try await database.query("SELECT count(*) FROM outbox WHERE published_at IS NULL")[0].decode(0, as: Int.self)
    }

    /// POSTs `body` as JSON.
    public func post(_ client: any TestClientProtocol, _ path: String, token: String?, _ body: [String: Any?], idempotencyKey: String? = nil) async throws -> TestResponse {
        let object = body.compactMapValues { $0 }
        return try await client.execute(
            uri: path, method: .post, headers: DepartmentHarness.headers(token: token, idempotencyKey: idempotencyKey),
            body: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: object)))
    }

    /// POSTs and returns the new record's id, or throws with the server's answer.
    public func create(_ client: any TestClientProtocol, _ path: String, token: String, _ body: [String: Any?]) async throws -> String {
        let response = try await post(client, path, token: token, body)
        guard response.status == .created, let id = DepartmentHarness.json(response)["id"] as? String else {
            throw Failure("\(path): \(response.status) \(String(buffer: response.body))")
        }
        return id
    }
}
