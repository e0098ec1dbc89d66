import Foundation

/// A Tansu broker of one test's own, on its own port, that the test may stop and start (an
/// outage) without disturbing the tests sharing the stack's broker. Its storage is memory only:
/// a restart loses its topics, as a real outage of the embedded broker would.
public final class PrivateBroker: @unchecked Sendable {
    // @unchecked: `process` is only touched by the owning test, one call at a time.
    public let port: Int
    var process: Process?

    public var bootstrapServers: [String] { ["127.0.0.1:\(port)"] }

    /// Whether clients must authenticate (SASL SCRAM): Tansu's `--authentication`.
    public let authentication: Bool

    public init(authentication: Bool = false) throws {
        port = Self.freePort()
        self.authentication = authentication
        try start()
    }

    deinit { stop() }

    public func start() throws {
        guard let binary = ProcessInfo.processInfo.environment["TANSU_BIN"] else { throw TestStack.Missing(variable: "TANSU_BIN") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments =
            [
                "broker", "--listener-url", "tcp://127.0.0.1:\(port)", "--advertised-listener-url", "tcp://127.0.0.1:\(port)",
                "--storage-engine", "memory://tansu/",
            ] + (authentication ? ["--authentication"] : [])
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        // Wait until it accepts connections.
        for _ in 0..<100 {
            if Self.accepts(port) { return }
            usleep(100_000)
        }
    }

    /// A loopback port nobody listens on (the kernel's choice).
    public static func freePort() -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Kills the broker outright (a crash). SIGKILL, because a test process running a
    /// swift-service-lifecycle group ignores SIGTERM, and its children inherit that.
    public func stop() {
        guard let process else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}
