import Kafka
import Synchronization

/// Passed once from one batch to the next: "the view lock is mine (or I gave up)". The next batch
/// awaits it before its transaction begins, so batches take the view lock in the order they were
/// polled; nothing blocks a thread meanwhile.
final class Baton: Sendable {
    /// The partitions of the batch that passes it: the next batch may store offsets of these only
    /// where this one moved them (a partition new to the view is not started over a failed batch).
    let partitions: Set<TopicPartition>
    private let state = Mutex<(passed: Bool, waiting: [CheckedContinuation<Void, Never>])>((false, []))

    init(partitions: Set<TopicPartition> = []) {
        self.partitions = partitions
    }

    /// Passes the baton (again: nothing happens).
    func pass() {
        let waiting = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard !state.passed else { return [] }
            state.passed = true
            defer { state.waiting = [] }
            return state.waiting
        }
        for continuation in waiting { continuation.resume() }
    }

    /// Returns once the baton was passed. The batch that passes it always does, also when it fails
    /// (`BatchApplier.apply` passes it on every path).
    func passed() async {
        await withCheckedContinuation { continuation in
            let now = state.withLock { state -> Bool in
                if state.passed { return true }
                state.waiting.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }
}
