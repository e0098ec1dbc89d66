import Crypto
import EventContract
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Postgres
import TestSupport
import Testing

/// After `DELETE /petitions/{id}/petitioner`, nothing derived from the identity remains in the
/// petitions database: no table holds the name, the ID number or the phone, nor their SHA-256 —
/// the idempotency record included, whose hash never covered the identity.
@Suite struct PetitionerErasureTests {
    static let identity = ["name": "欧阳明月", "idNumber": "110105194912310038", "phone": "13912345678"]

    /// Every row of every table of the database as text, bytea columns in hex (a digest stored as bytes shows too).
    static func everything(_ db: PostgresClient) async throws -> String {
        try await db.withConnection { conn in
            let tables = try conn.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").map { try $0.decode(0, as: String.self) }
            return try tables.map { table in
                try conn.query("SELECT t::text FROM \(table) t").map { try $0.decode(0, as: String.self) }.joined(separator: "\n")
            }.joined(separator: "\n")
        }
    }

    @Test func afterErasureNoTableHoldsTheIdentityNorItsDigest() async throws {
        let fixture = try await PetitionsFixture()
        let app = try await fixture.application()
        let key = UUID().uuidString
        try await fixture.test(app) { client in
            var headers = DepartmentHarness.headers(token: DepartmentHarness.petitionsClerk, idempotencyKey: key)
            headers[.contentType] = "application/json"
            let first = try await client.execute(
                uri: "/api/v1/petitions", method: .post, headers: headers,
                body: fixture.petition(["petitioner": Self.identity]))
            #expect(first.status == .created)
            let id = try #require(DepartmentHarness.json(first)["id"] as? String)
            // The key identifies the request without the identity: a retry that spells the
            // petitioner differently is the same request, answered as the first.
            let retry = try await client.execute(
                uri: "/api/v1/petitions", method: .post, headers: headers,
                body: fixture.petition(["petitioner": ["name": "欧阳明月", "idNumber": "110105194912310038", "phone": "13900000000"]]))
            #expect(retry.status == .created)
            #expect(DepartmentHarness.json(retry)["id"] as? String == id)
            #expect(try await fixture.database.query("SELECT count(*) FROM idempotency_keys")[0].decode(0, as: Int.self) == 1)

            let erase = try await client.execute(
                uri: "/api/v1/petitions/\(id)/petitioner", method: .delete,
                headers: DepartmentHarness.headers(token: DepartmentHarness.petitionsClerk))
            #expect(erase.status == .noContent)
        }
        let dump = try await Self.everything(fixture.database)
        #expect(dump.contains("劳动社保"), "the dump reads the records")
        for value in Self.identity.values + ["13900000000"] {
            #expect(!dump.contains(value), "\(value) is still in the petitions database")
            let digest = SHA256.hash(data: Array(value.utf8)).map { String(format: "%02x", $0) }.joined()
            #expect(!dump.contains(digest), "the SHA-256 of \(value) is still in the petitions database")
        }
        // Nor the digest of the identity as the request carried it.
        let identityJSON = try JSONSerialization.data(withJSONObject: Self.identity, options: [.sortedKeys])
        #expect(!dump.contains(SHA256.hash(data: identityJSON).map { String(format: "%02x", $0) }.joined()))
    }
}
