import Logging
import ServiceLifecycle

/// A service that does nothing until graceful shutdown, then closes something (a connection
/// pool). Put first in a service group, it runs last at shutdown.
public struct CloseOnShutdown: Service {
    let close: @Sendable () async -> Void

    public init(_ close: @escaping @Sendable () async -> Void) { self.close = close }

    public func run() async throws {
        try? await gracefulShutdown()
        await close()
    }
}

/// Runs `body` again and again until graceful shutdown: a consumer whose broker or database
/// failed ends with the error, and a fresh one starts a second later from what was stored.
public func restartingUntilShutdown(_ what: String, logger: Logger, onError: (any Error) -> Void = { _ in },
                                    _ body: () async throws -> Void) async {
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
