import Crypto
import Foundation
import HTTPTypes
import Postgres
import ServiceSupport

/// A response kept under an `Idempotency-Key`, so that a client's retry gets the first answer
/// instead of registering the record twice.
public struct StoredResponse: Sendable {
    public var status: Int
    public var body: [UInt8]
    /// True when this is the stored answer to an earlier request with the same key.
    public var replayed = false

    public init(status: Int, body: [UInt8]) {
        self.status = status
        self.body = body
    }
}

public struct IdempotencyKey: Sendable {
    public var principal: String
    public var key: String
    /// SHA-256 of the request (method, path, canonical body): a key reused for another request is refused.
    public var requestHash: [UInt8]

    public init(principal: String, key: String, request: [UInt8]) {
        self.principal = principal
        self.key = key
        requestHash = Array(SHA256.hash(data: request))
    }
}

public enum Idempotency {
    /// How long a key is remembered (`IDEMPOTENCY_RETENTION_HOURS`): a client's retries come within
    /// minutes; a key older than this is forgotten, and the same key then registers anew.
    public static let defaultRetention = Duration.seconds(24 * 3600)

    /// Runs `write` in a transaction that also stores its response under `key`; with a key seen
    /// before, returns the stored response and writes nothing.
    public static func run(
        _ db: PostgresClient, key: IdempotencyKey?, retention: Duration = defaultRetention,
        _ write: @escaping @Sendable (PostgresConnection) throws -> StoredResponse
    ) async throws -> StoredResponse {
        let seconds = retention.components.seconds
        return try await db.withConnection { conn in
            do {
                return try conn.transaction { conn in
                    if let key {
                        try conn.update(
                            "DELETE FROM idempotency_keys WHERE principal = $1 AND key = $2 AND created_at < now() - make_interval(secs => $3)",
                            [key.principal, key.key, seconds])
                    }
                    if let key, let earlier = try stored(key, on: conn) { return earlier }
                    let response = try write(conn)
                    if let key {
                        try conn.query(
                            """
                            INSERT INTO idempotency_keys (principal, key, request_hash, status, body) VALUES ($1, $2, $3, $4, $5)
                            """, [key.principal, key.key, Bytea(key.requestHash), response.status, Bytea(response.body)])
                    }
                    return response
                }
            } catch let error as PostgresError where error.isUniqueViolation {
                // A concurrent request with the same key committed first: answer as it did.
                guard let key, let earlier = try stored(key, on: conn) else { throw error }
                return earlier
            }
        }
    }

    /// Forgets the keys older than `retention`; returns how many.
    @discardableResult
    public static func expire(olderThan retention: Duration = defaultRetention, on conn: PostgresConnection) throws -> Int {
        try conn.update("DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(secs => $1)", [retention.components.seconds])
    }

    static func stored(_ key: IdempotencyKey, on conn: PostgresConnection) throws -> StoredResponse? {
        guard
            let row = try conn.query(
                "SELECT request_hash, status, body FROM idempotency_keys WHERE principal = $1 AND key = $2", [key.principal, key.key]
            ).first
        else { return nil }
        guard try row.decode(0, as: Bytea.self).bytes == key.requestHash else {
            throw Problem(.unprocessableContent, "the Idempotency-Key \"\(key.key)\" was already used for a different request")
        }
        var response = StoredResponse(status: try row.decode(1), body: try row.decode(2, as: Bytea.self).bytes)
        response.replayed = true
        return response
    }
}
