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
