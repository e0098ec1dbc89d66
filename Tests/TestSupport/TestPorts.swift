import Synchronization

/// Ports for the services the tests run as processes, handed out in blocks of 40 that no other
/// test of this process has. Tests run in parallel, and random ports once gave two clusters'
/// services one port: the one that could not bind was answered for by the other cluster's service
/// (404s for the hazards the simulator sent). Below the kernel's ephemeral range, where the
/// brokers' and private Postgres servers' ports (`PrivateBroker.freePort`) come from.
public enum TestPorts {
    /// The first of 40 ports of a block of its own.
    public static func block() -> Int {
        next.withLock { block in
            defer { block += 1 }
            return 20_000 + (block % 225) * 40
        }
    }

    private static let next = Mutex(Int.random(in: 0..<225))
}
