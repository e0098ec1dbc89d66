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

/// A petitions service on the real stack (see `DepartmentFixture`), with petition helpers.
struct PetitionsFixture {
    let base: DepartmentFixture
    let vault: IdentityVault

    var subject: SubjectCode { base.village }
    var inactiveSubject: SubjectCode { base.inactive }
    var database: PostgresClient { base.database }

    init(bootstrapServers: [String]? = nil) async throws {
        let vault = try IdentityVault(base64: Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString())
        self.vault = vault
        base = try await DepartmentFixture(PetitionsDepartment.department(vault: vault), bootstrapServers: bootstrapServers)
    }

    func application() async throws -> some ApplicationProtocol { try await base.application() }

    func test<App: ApplicationProtocol, Value: Sendable>(_ app: App, _ body: @Sendable @escaping (any TestClientProtocol) async throws -> Value) async throws -> Value {
        try await base.test(app, body)
    }

    func counts() async throws -> [Int] {
        try await base.counts(["records", "record_history", "outbox", "petitioners", "idempotency_keys"])
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
        let response = try await client.execute(
            uri: "/api/v1/petitions", method: .post,
            headers: DepartmentHarness.headers(token: DepartmentHarness.petitionsClerk), body: petition(changes))
        guard response.status == .created, let id = DepartmentHarness.json(response)["id"] as? String else {
            throw DepartmentFixture.Failure("registering failed: \(response.status) \(String(buffer: response.body))")
        }
        return id
    }
}
