import Foundation
import Synchronization

/// Failed sign-ins, per name and per client address: after `perName` failures for one name, or
/// `perAddress` from one address, within `window`, further attempts are refused (429 with
/// `Retry-After`) until the oldest failure ages out. A token is the dashboard's password: this
/// keeps guessing one slow without locking a person out for long.
final class SignInThrottle: Sendable {
    let window: TimeInterval
    let perName: Int
    let perAddress: Int
    /// Keys kept at most (the oldest are dropped first): an attacker's random names cannot grow it without bound.
    let capacity = 10_000
    private let failures = Mutex<[String: [Date]]>([:])

    init(window: TimeInterval = 300, perName: Int = 5, perAddress: Int = 20) {
        self.window = window
        self.perName = perName
        self.perAddress = perAddress
    }

    /// Seconds to wait before `name` may try again from `address`, or nil when it may now.
    func wait(name: String, address: String, now: Date = Date()) -> Int? {
        failures.withLock { all in
            var longest: TimeInterval = 0
            for (key, limit) in [("name:" + name, perName), ("address:" + address, perAddress)] {
                let recent = (all[key] ?? []).filter { now.timeIntervalSince($0) < window }
                all[key] = recent.isEmpty ? nil : recent
                if recent.count >= limit { longest = max(longest, window - now.timeIntervalSince(recent[recent.count - limit])) }
            }
            return longest > 0 ? max(1, Int(longest.rounded(.up))) : nil
        }
    }

    func failed(name: String, address: String, now: Date = Date()) {
        failures.withLock { all in
            if all.count >= capacity {
                for (key, times) in all where times.allSatisfy({ now.timeIntervalSince($0) >= window }) { all[key] = nil }
                if all.count >= capacity, let oldest = all.min(by: { ($0.value.last ?? .distantPast) < ($1.value.last ?? .distantPast) })?.key {
                    all[oldest] = nil
                }
            }
            all["name:" + name, default: []].append(now)
            all["address:" + address, default: []].append(now)
        }
    }

    /// A person who signed in starts afresh (their address's failures stay).
    func succeeded(name: String, address: String) {
        _ = failures.withLock { $0.removeValue(forKey: "name:" + name) }
    }
}
