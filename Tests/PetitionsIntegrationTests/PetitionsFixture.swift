import EventContract
import Foundation
import Hummingbird
import HummingbirdTesting
import Intake
import Kafka
import Logging
import NIOCore
import PetitionsService
import Postgres
import ServiceSupport
import TestSupport

/// A petitions service on the real stack, with a database of its own and two subjects on the
/// roster (one active, one deactivated).
struct PetitionsFixture {
    let subject = TestRoster.villageCode()
    let inactiveSubject = TestRoster.villageCode()
    let bootstrapServers: [String]
    let database: PostgresClient
    let configuration: ServiceConfiguration
    let vault: IdentityVault

    init(bootstrapServers: [String]? = nil) async throws {
        self.bootstrapServers = try bootstrapServers ?? TestStack.bootstrapServers()
        try await TestRoster.publish([(subject, .village, true), (inactiveSubject, .village, false)], bootstrapServers: self.bootstrapServers)
        let (configuration, databaseConfiguration) = try DepartmentHarness.configuration(service: "petitions", bootstrapServers: self.bootstrapServers)
        self.configuration = configuration
        database = PostgresClient(configuration: databaseConfiguration)
        vault = try IdentityVault(base64: Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString())
    }

    func application() async throws -> some ApplicationProtocol {
        try await PetitionsDepartment.department(vault: vault).buildApplication(configuration: configuration, logger: .init(label: "test.petitions"))
    }

    /// Runs `body` against the application once it is ready (roster read).
    func test<App: ApplicationProtocol, Value: Sendable>(_ app: App, _ body: @Sendable @escaping (any TestClientProtocol) async throws -> Value) async throws -> Value {
        try await app.test(.router) { client in
            guard try await DepartmentHarness.eventually(within: .seconds(60), { try await client.execute(uri: "/health/ready", method: .get).status == .ok }) else {
                throw Failure(description: "the service did not become ready")
            }
            return try await body(client)
        }
    }

    /// Rows in every table a refused request must leave alone.
    func counts() async throws -> [Int] {
        try await database.withConnection { conn in
            try ["records", "record_history", "outbox", "petitioners", "idempotency_keys"].map {
                try conn.query("SELECT count(*) FROM \($0)")[0].decode(0, as: Int.self)
            }
        }
    }

    static var identity: [String: Any] { ["name": "张三", "idNumber": "11010519491231002X", "phone": "13800138000"] }

    func petition(_ changes: [String: Any?] = [:]) -> ByteBuffer {
        var body: [String: Any] = [
            "subject": subject.rawValue, "time": "2026-03-01T09:30:00+08:00", "channel": "online", "persons": 2,
            "lodgedLevel": "township", "collective": false, "origin": "self_found", "category": "劳动社保", "petitioner": Self.identity,
        ]
        for (key, value) in changes { body[key] = value }
        return ByteBuffer(bytes: try! JSONSerialization.data(withJSONObject: body))
    }

    func body(_ object: [String: Any]) -> ByteBuffer {
        ByteBuffer(bytes: try! JSONSerialization.data(withJSONObject: object))
    }

    /// Registers a petition and returns its id.
    func register(_ client: any TestClientProtocol, _ changes: [String: Any?] = [:]) async throws -> String {
        let response = try await client.execute(uri: "/api/v1/petitions", method: .post,
                                                headers: DepartmentHarness.headers(token: DepartmentHarness.petitionsClerk), body: petition(changes))
        guard response.status == .created, let id = DepartmentHarness.json(response)["id"] as? String else {
            throw Failure(description: "registering failed: \(response.status) \(String(buffer: response.body))")
        }
        return id
    }

    struct Failure: Error, CustomStringConvertible { let description: String }
}
