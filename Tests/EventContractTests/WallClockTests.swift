import EventContract
import Synchronization
import Testing

@Suite struct WallClockTests {
    @Test func instantsAndDurations() {
        let t = Timestamp(rfc3339: "2026-03-01T09:00:00+08:00")!
        #expect((t + .seconds(90)).description == "2026-03-01T09:01:30+08:00")
        #expect((t - .milliseconds(1)).unixMicros == t.unixMicros - 1_000)
        #expect((t + .seconds(86_400)) - t == .seconds(86_400))
        #expect(t - (t + .microseconds(5)) == .microseconds(-5))
    }

    /// A clock of the test's own: what depends on the time of day is tested without waiting.
    @Test func aClockOfOnesOwn() {
        let start = Timestamp(rfc3339: "2026-12-31T23:59:59+08:00")!
        let ticks = Mutex(0)
        let clock = WallClock {
            start
                + .seconds(
                    ticks.withLock { t in
                        defer { t += 1 }; return Int64(t)
                    })
        }
        #expect(clock.now() == start)
        #expect(clock.now() - start == .seconds(1))
        let system = WallClock.system.now()
        #expect(system.unixMicros > start.unixMicros - 86_400_000_000 * 365 * 5, "the system clock reads the present")
    }
}
