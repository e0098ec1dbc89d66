import Logging
import ServiceLifecycle

/// Runs `body` again and again until graceful shutdown: a consumer whose broker or database
/// failed ends with the error, and a fresh one starts a second later from what was stored.
public func restartingUntilShutdown(
    _ what: String, logger: Logger, onError: (any Error) -> Void = { _ in },
    _ body: () async throws -> Void
) async {
    while !Task.isCancelled && !Task.isShuttingDownGracefully {
        do {
            try await body()
        } catch {
            logger.warning("\(what) stopped; starting again from the stored offsets", metadata: ["error": "\(error)"])
            onError(error)
            try? await Task.sleep(for: .seconds(1))
        }
    }
}
