import AsyncHTTPClient
import EventContract
import Foundation
import Simulation
import Synchronization

/// Plays a city's activity against the department services at a given rate: actions in time
/// order, each record's actions on one worker (so a follow-up always finds its record registered),
/// records spread over the workers. A time still ahead of the wall clock is sent as now, so
/// `follow` keeps the city busy for as long as it runs.
struct Driver {
    let city: City
    let client: DepartmentClient
    let rate: Double
    let workers: Int
    let follow: Bool
    let outcomes = Outcomes()

    struct Job: Sendable {
        let action: Activity.Action
        let time: Timestamp
    }

    /// Runs until the activity ends (or forever with `follow`); returns when every request is answered.
    func run(_ activity: Activity, progress: @escaping @Sendable (String) -> Void) async {
        let queued = Gauge()
        let streams = (0..<workers).map { _ in AsyncStream.makeStream(of: Job.self) }
        await withTaskGroup(of: Void.self) { group in
            for (stream, _) in streams {
                group.addTask {
                    var ids: [Int: (id: String, registered: Int64)] = [:]
                    for await job in stream {
                        let action = job.action
                        let subject = city.subjects[action.subject].code.rawValue
                        let id = await client.send(action, at: job.time, subject: subject, recordID: ids[action.record]?.id, outcomes: outcomes)
                        if action.action == nil, let id { ids[action.record] = (id, job.time.unixMicros) }
                        if action.action == "void" { ids[action.record] = nil }
                        queued.add(-1)
                        // Nothing follows a registration by more than ~four months.
                        if ids.count > 50_000 {
                            let horizon = job.time.unixMicros - 130 * 86_400_000_000
                            ids = ids.filter { $0.value.registered >= horizon }
                        }
                    }
                }
            }
            group.addTask {
                var activity = activity
                let clock = ContinuousClock()
                let started = clock.now
                var lastReport = started
                var sent = 0
                while let action = activity.next() {
                    // Pace: the n-th request not before start + n / rate; no bursts to catch up.
                    let due = started + .seconds(Double(sent) / rate)
                    if due > clock.now { try? await Task.sleep(until: due) }
                    while queued.value > workers * 32 { try? await Task.sleep(for: .milliseconds(5)) }
                    let now = WallClock.system.now()
                    queued.add(1)
                    streams[action.record % workers].continuation.yield(Job(action: action, time: min(action.time, now)))
                    sent += 1
                    if clock.now - lastReport >= .seconds(10) {
                        lastReport = clock.now
                        progress(report(elapsed: clock.now - started, simulated: min(action.time, now)))
                    }
                }
                for (_, continuation) in streams { continuation.finish() }
            }
        }
    }

    func report(elapsed: Duration, simulated: Timestamp) -> String {
        let c = outcomes.counts.withLock { $0 }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let refused = c.refused.values.reduce(0, +)
        return "\(c.sent) requests in \(String(format: "%.1f", seconds)) s (\(String(format: "%.1f", Double(c.sent) / max(seconds, 0.001))) req/s): "
            + "\(c.accepted) accepted, \(refused) refused, \(c.retried) retries; city time \(String(simulated.description.prefix(10)))"
    }
}

/// Requests handed to the workers and not yet answered.
final class Gauge: Sendable {
    let count = Atomic<Int>(0)
    var value: Int { count.load(ordering: .relaxed) }
    func add(_ n: Int) { count.wrappingAdd(n, ordering: .relaxed) }
}
