import Logging
import Postgres
import ServiceLifecycle

/// Forgets `Idempotency-Key`s older than the retention, every ten minutes: a key is kept for
/// retries, not for ever (and what it answered stays in the record's own history).
struct IdempotencyJanitor: Service {
    let db: PostgresClient
    let retention: Duration
    let logger: Logger
    var interval = Duration.seconds(600)

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let retention = retention
                    let expired = try await db.withConnection { try Idempotency.expire(olderThan: retention, on: $0) }
                    if expired > 0 { logger.info("idempotency keys expired", metadata: ["count": "\(expired)"]) }
                } catch {
                    logger.warning("could not expire idempotency keys", metadata: ["error": "\(error)"])
                }
                try await Task.sleep(for: interval)
            }
        }
    }
}
