import Foundation
import Postgres

/// A Postgres server of one test's own (initdb'd into a temporary folder, on a free port) that the
/// test may stop and start — a database outage — without disturbing the tests sharing the stack's
/// server. Postgres refuses to run as root: as root, its commands run as the `postgres` user.
public final class PrivatePostgres: @unchecked Sendable {
    // @unchecked: used by the owning test only, one call at a time.
    public let port: Int
    let folder: URL
    let binaries: URL

    /// The server's `postgres` database; `database(_:)` names another.
    public var configuration: PostgresConfiguration {
        PostgresConfiguration(connectionString: "postgresql://postgres@127.0.0.1:\(port)/postgres")
    }

    public init() throws {
        let installed = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        guard let version = installed.sorted(by: { $0.compare($1, options: .numeric) == .orderedAscending }).last else {
            throw TestStack.Missing(variable: "a Postgres server under /usr/lib/postgresql (deploy/local/install.sh)")
        }
        binaries = URL(fileURLWithPath: "/usr/lib/postgresql/\(version)/bin")
        port = PrivateBroker.freePort()
        folder = URL(fileURLWithPath: "/tmp/threezero-test-pg-\(port)-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        if getuid() == 0 { try Self.run(["/bin/chown", "postgres:postgres", folder.path], asPostgres: false) }
        try Self.run([
            binaries.appendingPathComponent("initdb").path, "-D", folder.appendingPathComponent("data").path,
            "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
        ])
        try start()
    }

    deinit {
        try? Self.run([binaries.appendingPathComponent("pg_ctl").path, "-D", folder.appendingPathComponent("data").path, "-m", "immediate", "-w", "stop"])
        try? FileManager.default.removeItem(at: folder)
    }

    public func start() throws {
        try Self.run([
            binaries.appendingPathComponent("pg_ctl").path, "-D", folder.appendingPathComponent("data").path,
            "-l", folder.appendingPathComponent("postgres.log").path, "-w", "-t", "60", "start",
            "-o", "-p \(port) -c listen_addresses=127.0.0.1 -c unix_socket_directories='\(folder.path)' -c fsync=off -c max_connections=100",
        ])
    }

    /// Stops the server the way a crash or a failover does to the clients: `immediate` ends every
    /// connection at once (the server recovers from its WAL when started again).
    public func stop() throws {
        try Self.run([binaries.appendingPathComponent("pg_ctl").path, "-D", folder.appendingPathComponent("data").path, "-m", "immediate", "-w", "stop"])
    }

    struct CommandFailed: Error, CustomStringConvertible {
        let command: [String]
        let status: Int32
        var description: String { "\(command.joined(separator: " ")) exited with \(status)" }
    }

    /// Runs a command to its end. Not `Process`: pg_ctl leaves a server running that inherits the
    /// descriptors Foundation watches for the child's exit, so `waitUntilExit` would wait for the server.
    static func run(_ command: [String], asPostgres: Bool = true) throws {
        let argv = (asPostgres && getuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--"] : []) + command
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for descriptor: Int32 in [0, 1, 2] {
            posix_spawn_file_actions_addopen(&actions, descriptor, "/dev/null", descriptor == 0 ? O_RDONLY : O_WRONLY, 0)
        }
        var arguments = argv.map { strdup($0) } + [nil]
        defer { for argument in arguments { free(argument) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, &arguments, environ)
        guard spawned == 0 else { throw CommandFailed(command: command, status: spawned) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        // WIFEXITED and WEXITSTATUS, spelled out (the C macros are not imported).
        let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        guard exit == 0 else { throw CommandFailed(command: command, status: exit) }
    }
}
