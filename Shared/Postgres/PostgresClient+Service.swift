import ServiceLifecycle

/// A client runs as a service of its process's group, listed first: the group shuts services
/// down in reverse order, so it closes after every service that uses it.
extension PostgresClient: Service {
    public func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }
}
