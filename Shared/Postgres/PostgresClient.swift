import Dispatch
import Foundation
import Logging
import NIOPosix
import Synchronization

public struct PostgresConfiguration: Sendable {
    /// A libpq connection string or URL, e.g. `postgresql://postgres@127.0.0.1:5432/threezero`.
    public var connectionString: String
    /// Connections (and threads) at most; each runs one closure at a time.
    public var poolSize = 4
    /// How long one statement may run before the server cancels it (SQLSTATE 57014); nil: no limit.
    /// A pool that answers readers sets it, so a slow query gives its connection back.
    public var statementTimeout: Duration?

    public init(connectionString: String, poolSize: Int = 4) {
        self.connectionString = connectionString
        self.poolSize = poolSize
    }

    /// The same server, another database: replaces the URL's path.
    public func database(_ name: String) -> PostgresConfiguration {
        var copy = self
        guard let scheme = connectionString.range(of: "://") else { return copy }
        let afterScheme = connectionString[scheme.upperBound...]
        let query = afterScheme.firstIndex(of: "?").map { String(afterScheme[$0...]) } ?? ""
        let authority = afterScheme.prefix { $0 != "/" && $0 != "?" }
        copy.connectionString = connectionString[..<scheme.upperBound] + authority + "/" + name + query
        return copy
    }
}

/// A small pool of libpq connections, each used on a thread of the pool's own.
///
/// Work is a synchronous closure over a connection; the closure runs on a pool thread, so libpq's
/// blocking calls never occupy Swift's cooperative threads. There are as many threads as
/// connections, so a closure always finds a connection (opening one if the idle list is empty).
/// A connection that broke (server restart) is dropped and the next closure opens a fresh one.
public final class PostgresClient: Sendable {
    public let configuration: PostgresConfiguration
    let threads: NIOThreadPool
    let idle: Mutex<[IdleConnection]>
    let logger: Logger

    /// `@unchecked Sendable`: a connection is handed from closure to closure through the idle
    /// list under its lock, and used by one closure at a time.
    struct IdleConnection: @unchecked Sendable {
        let connection: PostgresConnection
    }

    public init(configuration: PostgresConfiguration, logger: Logger = Logger(label: "threezero.postgres")) {
        self.configuration = configuration
        self.logger = logger
        threads = NIOThreadPool(numberOfThreads: configuration.poolSize)
        threads.start()
        idle = Mutex([])
    }

    deinit {
        // `shutdown()` is the orderly way; nothing waits here.
        threads.shutdownGracefully(queue: .global()) { _ in }
    }

    /// Runs `body` with a connection on a database thread.
    public func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await threads.runIfActive { [self] in
            let connection = try idle.withLock { $0.popLast() }?.connection ?? opened()
            defer {
                if connection.isHealthy { idle.withLock { $0.append(IdleConnection(connection: connection)) } }
            }
            return try body(connection)
        }
    }

    /// A new connection with the pool's session settings.
    func opened() throws -> PostgresConnection {
        let connection = try PostgresConnection(connectionString: configuration.connectionString)
        if let timeout = configuration.statementTimeout {
            let (seconds, attoseconds) = timeout.components
            try connection.execute("SET statement_timeout = \(max(1, seconds * 1_000 + attoseconds / 1_000_000_000_000_000))")
        }
        return connection
    }

    /// Runs `body` in a transaction on a database thread.
    public func withTransaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await withConnection { try $0.transaction(body) }
    }

    /// Runs one statement on a connection of the pool, outside any transaction of the caller's.
    @discardableResult
    public func query(_ sql: String, _ parameters: [(any PostgresEncodable)?] = []) async throws -> PostgresRows {
        try await withConnection { try $0.query(sql, parameters) }
    }

    /// Closes every idle connection and stops the threads.
    public func shutdown() async {
        try? await threads.shutdownGracefully()
        idle.withLock { $0.removeAll() }
    }

    /// Creates `name` on the server if it does not exist (database per service).
    /// Drops database `name` if it exists (benchmarks clean up after themselves).
    public static func dropDatabase(_ name: String, server: PostgresConfiguration) async throws {
        try PostgresConnection.checkIdentifier(name)
        let admin = PostgresClient(configuration: PostgresConfiguration(connectionString: server.database("postgres").connectionString, poolSize: 1))
        do {
            try await admin.withConnection { try $0.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
            await admin.shutdown()
        } catch {
            await admin.shutdown()
            throw error
        }
    }

    public static func createDatabaseIfMissing(_ name: String, server: PostgresConfiguration) async throws {
        try PostgresConnection.checkIdentifier(name)
        let admin = PostgresClient(configuration: PostgresConfiguration(connectionString: server.database("postgres").connectionString, poolSize: 1))
        do {
            try await admin.withConnection { conn in
                if try conn.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]).isEmpty {
                    do {
                        try conn.execute("CREATE DATABASE \(name)")
                    } catch let error as PostgresError where error.sqlState == "42P04" || error.isUniqueViolation {
                        // Created meanwhile by another process: what we wanted.
                    }
                }
            }
        } catch {
            await admin.shutdown()
            throw error
        }
        await admin.shutdown()
    }
}
