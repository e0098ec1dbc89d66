import Kafka

/// The consume loop's batches in Postgres, as a state machine: a value whose methods say what
/// to do next (the pattern of swift-kafka-client's consumer), owned by the loop alone. Up to
/// `depth` batches are applied at once — the older one holding the view lock, the newer one
/// storing its facts meanwhile — while the next is polled and decoded; results are finished
/// (offsets to Kafka, dead letters) strictly in the order the batches were polled.
struct BatchPipeline {
    typealias Outcome = Result<BatchApplier.Result, any Error>

    struct Started {
        let number: Int
        /// The baton of the batch before, to await before the transaction begins.
        let after: Baton?
        /// This batch's baton, passed once it holds the view lock.
        let locked: Baton
    }

    enum Step {
        /// The oldest batch committed: finish it.
        case finish(BatchApplier.Result)
        /// The oldest batch failed: wait for the others, then stop with `error`.
        case fail(any Error)
        /// Too many batches in flight: wait for one to end.
        case waitForOne
        /// Go on (start the new batch, or poll).
        case proceed
    }

    let depth: Int
    private var inFlight: [(number: Int, locked: Baton)] = []
    private var ended: [Int: Outcome] = [:]
    private var nextNumber = 0

    init(depth: Int = 2) {
        self.depth = depth
    }

    var isEmpty: Bool { inFlight.isEmpty }

    /// A batch goes to Postgres.
    mutating func start(partitions: Set<TopicPartition>) -> Started {
        let locked = Baton(partitions: partitions)
        defer {
            inFlight.append((nextNumber, locked))
            nextNumber += 1
        }
        return Started(number: nextNumber, after: inFlight.last?.locked, locked: locked)
    }

    /// A batch's transaction ended.
    mutating func ended(_ number: Int, _ outcome: Outcome) {
        ended[number] = outcome
    }

    /// What to do before starting another batch (`startingAnother`), or, with nothing new, before
    /// polling again (then every batch in flight is waited for). Call until it says `.proceed`.
    mutating func next(startingAnother: Bool) -> Step {
        if let oldest = inFlight.first, let outcome = ended.removeValue(forKey: oldest.number) {
            inFlight.removeFirst()
            switch outcome {
            case .success(let result): return .finish(result)
            case .failure(let error): return .fail(error)
            }
        }
        return inFlight.count >= (startingAnother ? depth : 1) ? .waitForOne : .proceed
    }
}
