import EventContract
import Foundation
import HTTPTypes
import Hummingbird
import Intake
import NIOCore
import Postgres
import ServiceSupport

/// 信访局: petitions (信访件) and disputes (矛盾纠纷), with the four-level secretary proxy.
public enum PetitionsDepartment {
    /// 信访件: registered → proxied (any number of times, never down a level) → resolved | closed.
    public static func petition(vault: IdentityVault) -> RecordKind {
        RecordKind(
            entity: .petition, collection: "petitions", registers: .petitionRegistered, initialStatus: "registered",
            openStatuses: ["registered", "proxied"],
            actions: [
                RecordAction(name: "proxy", event: .petitionProxied, from: ["registered", "proxied"], to: "proxied") { record, payload in
                    guard case .petitionProxied(let proxy) = payload, let highest = highestProxyLevel(record), proxy.level < highest else { return nil }
                    return "the petition was already taken up at the \(highest.rawValue) level; a proxy cannot go down to \(proxy.level.rawValue)"
                },
                RecordAction(name: "resolve", event: .petitionResolved, from: ["registered", "proxied"], resultingStatuses: ["resolved", "closed"]) {
                    if case .petitionResolved(let resolution) = $0 { resolution.outcome.rawValue } else { "resolved" }
                },
            ],
            clerk: .petitionsClerk,
            privateFields: PrivateFields(
                field: "petitioner", required: true, visibleTo: [.petitionsClerk],
                store: { conn, id, value in
                    let identity = try PetitionerIdentity(reading: value)
                    try conn.query("INSERT INTO petitioners (petition_id, sealed) VALUES ($1, $2)", [id, Bytea(try vault.seal(identity))])
                },
                load: { conn, id in
                    guard let row = try conn.query("SELECT sealed FROM petitioners WHERE petition_id = $1", [id]).first,
                        let sealed = try row.decode(0, as: Bytea?.self)
                    else { return nil }
                    return try vault.open(sealed.bytes).json
                },
                schema: PetitionerIdentity.schema))
    }

    static func highestProxyLevel(_ record: RecordView) -> ProxyLevel? {
        (record.history ?? []).filter { $0.action == "proxy" }.compactMap { entry -> ProxyLevel? in
            guard case .object(let details) = entry.details, case .string(let level) = details["level"] else { return nil }
            return ProxyLevel(rawValue: level)
        }.max()
    }

    public static func department(vault: IdentityVault) -> Department {
        let petition = petition(vault: vault)
        var department = Department(
            name: "petitions", source: .petitions, kinds: [petition, .dispute(clerk: .petitionsClerk)], defaultPort: 8081,
            title: "ThreeZero petitions service (信访)",
            summary: "Petitions and disputes of the petitions bureau. Petitioner identity stays here, sealed; events carry codes and facts only.")
        department.migrations = [
            Migration(
                100, "petitioners",
                """
                CREATE TABLE petitioners (
                    petition_id uuid PRIMARY KEY REFERENCES records (id),
                    -- AES-GCM over {name, idNumber, phone}; NULL once erased on request (PIPL)
                    sealed bytea,
                    erased_at timestamptz
                );
                """)
        ]
        department.extraRoutes = { router, db in
            router.delete("api/v1/petitions/:id/petitioner") { _, context in
                try await erasePetitioner(context: context, db: db)
            }
        }
        department.extraPaths = [
            "/api/v1/petitions/{id}/petitioner": [
                "delete": [
                    "summary": "Erase the petitioner's identity on request (PIPL); the petition and its statistics stay",
                    "tags": ["petitions"],
                    "parameters": [["name": "id", "in": "path", "required": true, "schema": ["type": "string"]]],
                    "responses": [
                        "204": ["description": "Erased (or already erased)"],
                        "401": ["description": "No or unknown token", "content": ["application/problem+json": ["schema": ["$ref": "#/components/schemas/Problem"]]]],
                        "403": ["description": "Not the petitions clerk", "content": ["application/problem+json": ["schema": ["$ref": "#/components/schemas/Problem"]]]],
                        "404": ["description": "No such petition", "content": ["application/problem+json": ["schema": ["$ref": "#/components/schemas/Problem"]]]],
                    ],
                ]
            ]
        ]
        return department
    }

    static func erasePetitioner(context: ServiceRequestContext, db: PostgresClient) async throws -> Response {
        let principal = try context.require(.petitionsClerk)
        let id = try context.parameters.require("id")
        guard UUID(uuidString: id) != nil else { throw Problem.notFound("no petition with id \(id)") }
        let found = try await db.withTransaction { conn -> Bool in
            guard
                try conn.update(
                    """
                    UPDATE petitioners SET sealed = NULL, erased_at = coalesce(erased_at, now()) WHERE petition_id = $1
                    """, [id]) == 1
            else { return false }
            // Keys stored before their hash left the identity out: the ones that answered this petition go.
            try conn.update("DELETE FROM idempotency_keys WHERE position(convert_to($1, 'UTF8') IN body) > 0", [id])
            try conn.query(
                """
                INSERT INTO record_history (record_id, action, status, actor, occurred_at, details)
                SELECT id, 'erase-identity', status, $2, now(), '{}'::jsonb FROM records WHERE id = $1
                """, [id, principal.name])
            return true
        }
        guard found else { throw Problem.notFound("no petition with id \(id)") }
        return Response(status: .noContent)
    }
}

extension Role {
    /// The petitions bureau's clerks (信访局): they register and handle petitions and disputes.
    public static let petitionsClerk = Role(rawValue: "petitions_clerk")
}
