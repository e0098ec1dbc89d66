import EventContract
import Foundation
import Kafka
import Postgres
import Synchronization

/// Applies one batch of consumed messages to the view: decoded and checked first, outside any
/// transaction (`prepare`), then in one transaction (`apply`) the facts, the maintained view, the
/// quarantine, the sequences seen and the consumed offsets — together or not at all.
enum BatchApplier {
    /// Another instance owns the partition now (its stored offset moved on): nothing is applied.
    struct Fenced: Error, CustomStringConvertible {
        let partition: TopicPartition
        /// Where the refused batch starts.
        let from: Int64
        var description: String { "partition \(partition) is fenced: its stored offset is not where this batch (from \(from)) starts" }
    }

    struct Quarantined: Sendable {
        let message: KafkaMessage
        let reason: String
        let kind: Kind
        let subject: String?
        /// The event's id, when the message had one.
        var eventId: String? = nil

        /// Why a message waits in the quarantine, and what becomes of it.
        enum Kind: String, Sendable {
            /// Not an event of the contract (bad JSON, a schema violation, bounds): kept, never applied.
            case invalid
            /// A type this version does not know (a newer department may publish it): tried again on every start.
            case unknownType = "unknown_type"
            /// A subject not on the roster: applied once it is.
            case unknownSubject = "unknown_subject"
            /// Valid, but the view's database refused it for its data: kept, never applied.
            case refused
        }

        /// What the quarantine keeps as the reason: no longer than 2,000 characters (a refusal may
        /// quote a field name of any length) and without NUL, which no text column holds.
        var storedReason: String { Self.stored(reason) }

        static func stored(_ reason: String) -> String {
            let clean = reason.contains("\u{0}") ? reason.replacingOccurrences(of: "\u{0}", with: "\\u0000") : reason
            return clean.utf8.count <= 2_000 ? clean : String(clean.prefix(2_000)) + "…"
        }
    }

    /// A batch decoded and checked against the contract, ready to apply.
    struct Prepared: Sendable {
        /// First and last offset per partition.
        var ranges: [TopicPartition: (first: Int64, last: Int64)] = [:]
        var valid: [(message: KafkaMessage, fact: Fact)] = []
        var invalid: [Quarantined] = []
        /// The partitions' high watermarks as the consumer knew them when it polled the batch.
        var highWatermarks: [TopicPartition: Int64] = [:]
        /// All valid facts as COPY rows, encoded ahead: used as is when every one of them is new.
        var copyData: BinaryCopyData?
        /// The roster as read ahead of the transaction.
        var roster: ViewMaintenance.RosterAhead?
        /// The sequence numbers of the valid events, as runs per source.
        var sequenceRuns: [(source: String, first: Int64, last: Int64)] = []

        /// The subjects of the valid events.
        var subjects: [String] { valid.map(\.fact.event.subject.rawValue) }
    }

    struct Result: Sendable {
        var applied = 0
        var duplicates = 0
        var quarantined: [Quarantined] = []
        /// Next offset per partition, to commit to Kafka after the database commit.
        var offsets: [TopicPartition: Int64] = [:]
        /// How long the transaction took, from asking for a connection to the commit.
        var seconds: Duration = .zero
    }

    static let sourceOfTopic: [String: EventSource] = Dictionary(uniqueKeysWithValues: [EventSource.petitions, .hazards, .cases].map { ($0.topic, $0) })

    /// How far ahead of the aggregator's clock a fact's time may be (clocks differ a little;
    /// departments refuse more than ten minutes).
    static let futureTolerance: Int64 = 3_600_000_000

    static func prepare(_ messages: [KafkaMessage]) -> Prepared {
        var prepared = Prepared()
        let latest = Int64(Date().timeIntervalSince1970 * 1_000_000) + futureTolerance
        prepared.valid.reserveCapacity(messages.count)
        for m in messages {
            let current = prepared.ranges[m.topicPartition]
            prepared.ranges[m.topicPartition] = (min(current?.first ?? m.offset, m.offset), max(current?.last ?? m.offset, m.offset))
            do {
                let event = try CloudEvent.decode(m.value)
                guard sourceOfTopic[m.topic] == event.source else {
                    throw ContractViolation("source", "\(event.source.rawValue) does not publish to \(m.topic)")
                }
                guard event.time.unixMicros <= latest else {
                    throw ContractViolation("time", "\(event.time) is more than an hour ahead of the aggregator's clock")
                }
                prepared.valid.append((m, Fact(event: event, text: String(decoding: m.value, as: UTF8.self))))
            } catch {
                prepared.invalid.append(
                    Quarantined(message: m, reason: "\(error)", kind: (error as? ContractViolation)?.isUnknownType == true ? .unknownType : .invalid, subject: nil))
            }
        }
        prepared.copyData = try? Fact.copyData(prepared.valid.lazy.map(\.fact))
        prepared.sequenceRuns = sequenceRuns(prepared.valid.map(\.fact.event))
        return prepared
    }

    /// Applies `batch` in a transaction of its own once the batch before holds the view lock
    /// (`predecessor`, passed by that batch's transaction on another connection).
    static func apply(_ batch: Prepared, db: PostgresClient, after predecessor: Baton?, locked: Baton) async throws -> Result {
        defer { locked.pass() }
        await predecessor?.passed()
        let start = ContinuousClock.now
        var result = try await db.withTransaction { try apply(batch, on: $0, after: predecessor, locked: locked) }
        result.seconds = ContinuousClock.now - start
        return result
    }

    /// Applies `batch` in the caller's transaction: what does not touch the view first — the
    /// facts, the sequence numbers seen — while the batch before (`predecessor`, which holds the
    /// view lock already) still works on the view; then the lock (batches take it in order), the
    /// guarded offsets and the view. `locked` is passed on once this batch holds the lock, or gave up before.
    static func apply(_ batch: Prepared, on conn: PostgresConnection, after predecessor: Baton? = nil, locked: Baton = Baton()) throws -> Result {
        defer { locked.pass() }
        // The commit does not wait for the disk: a batch lost in a crash of Postgres takes its
        // offsets with it, and is read from Kafka and applied again (docs/operations.md).
        try conn.execute("SET LOCAL synchronous_commit = off")
        var result = Result()

        // 1. Before the lock: the facts of subjects on the roster as read ahead (subjects are
        // never removed from it, only deactivated), and the sequence numbers seen.
        let ahead = try batch.roster?.entries ?? ViewMaintenance.RosterEntry.load(batch.subjects, on: conn)
        var copied = Set<String>()
        var facts = batch.valid.filter { ahead[$0.fact.event.subject.rawValue] != nil }.map(\.fact)
        // A fact the database refuses for its content (a value no column holds) is found under the lock.
        var new =
            try refusingNothing(on: conn) { try copyNew(facts, encoded: facts.count == batch.valid.count ? batch.copyData : nil, on: conn) }
            ?? {
                facts = []
                return []
            }()
        for fact in facts { copied.insert(fact.event.id) }
        try SequenceRuns.record(batch.sequenceRuns, on: conn)

        // 2. The lock, and the guarded offsets: they fence out an instance that lost a partition
        // in a rebalance, and a batch whose predecessor did not commit.
        try ViewMaintenance.lock(conn)
        locked.pass()
        // Every partition whose stored offset is where its range starts moves on, in one statement
        // (a round trip per partition held the lock ~5 ms a batch); the others are new to the
        // view, or fenced.
        let partitions = batch.ranges.keys.sorted()
        let ranges = partitions.map { batch.ranges[$0]! }
        let notMoved = try conn.query(
            """
            WITH batch AS (
                SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[], $4::bigint[], $5::bigint[]) AS b(topic, partition, first, next, high)
            ),
            moved AS (
                UPDATE consumer_offsets o SET next_offset = b.next, high_watermark = greatest(o.high_watermark, b.high), updated_at = now()
                FROM batch b WHERE o.topic = b.topic AND o.partition = b.partition AND o.next_offset = b.first
                RETURNING o.topic, o.partition
            )
            SELECT b.topic, b.partition FROM batch b WHERE NOT EXISTS (SELECT 1 FROM moved m WHERE m.topic = b.topic AND m.partition = b.partition)
            """,
            [
                PostgresArray(partitions.map(\.topic)), PostgresArray(partitions.map { Int64($0.partition) }), PostgresArray(ranges.map(\.first)),
                PostgresArray(ranges.map { $0.last + 1 }), PostgresArray(partitions.map { batch.highWatermarks[$0] }),
            ])
        for row in notMoved {
            let tp = TopicPartition(try row.decode(0), try row.decode(1))
            let range = batch.ranges[tp]!
            guard predecessor?.partitions.contains(tp) != true,
                try conn.update(
                    """
                    INSERT INTO consumer_offsets (topic, partition, next_offset, high_watermark) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING
                    """, [tp.topic, tp.partition, range.last + 1, batch.highWatermarks[tp]]) == 1
            else { throw Fenced(partition: tp, from: range.first) }
        }
        for (tp, range) in batch.ranges { result.offsets[tp] = range.last + 1 }

        // 3. Subjects must be on the roster; the others wait in quarantine for it. A subject the
        // roster gained since it was read ahead has its facts stored now.
        result.quarantined = batch.invalid
        let roster = try batch.roster?.unchanged(on: conn) ?? ViewMaintenance.RosterEntry.load(batch.subjects, on: conn)
        var late: [Fact] = []
        for (m, fact) in batch.valid where !copied.contains(fact.event.id) {
            if roster[fact.event.subject.rawValue] != nil {
                late.append(fact)
            } else {
                result.quarantined.append(
                    Quarantined(
                        message: m, reason: "subject \(fact.event.subject) is not on the roster", kind: .unknownSubject,
                        subject: fact.event.subject.rawValue))
            }
        }
        let stored = new
        let applied = try refusingNothing(on: conn) { () throws -> [Fact] in
            if !late.isEmpty {
                new += try copyNew(late, encoded: nil, on: conn)
            }
            if !new.isEmpty {
                try ViewMaintenance.apply(new, roster: roster, on: conn)
                try ViewMaintenance.touchFeeds(new, on: conn)
            }
            return new
        }
        facts += late
        if let applied {
            new = applied
        } else {
            // Some fact's content is refused by the database: the batch is applied part by part
            // to find it, and only it goes to the quarantine.
            if !stored.isEmpty { try conn.update("DELETE FROM facts WHERE event_id = ANY($1::uuid[])", [PostgresArray(stored.map(\.event.id))]) }
            let (isolated, refused) = try applyIsolating(facts, roster: roster, on: conn)
            new = isolated
            let messages = Dictionary(batch.valid.map { ($0.fact.event.id, $0.message) }) { first, _ in first }
            for (fact, error) in refused {
                guard let message = messages[fact.event.id] else { continue }
                result.quarantined.append(
                    Quarantined(
                        message: message, reason: "the view's database refused it: \(error)", kind: .refused,
                        subject: fact.event.subject.rawValue, eventId: fact.event.id))
            }
        }
        result.applied = new.count
        result.duplicates = facts.count - new.count - result.quarantined.filter { $0.kind == .refused }.count
        try quarantine(result.quarantined, on: conn)
        return result
    }

    /// The sequence numbers of `events` as runs of consecutive numbers per source.
    static func sequenceRuns(_ events: [CloudEvent]) -> [(source: String, first: Int64, last: Int64)] {
        var runs: [(source: String, first: Int64, last: Int64)] = []
        var bySource: [EventSource: [Int64]] = [:]
        for event in events { bySource[event.source, default: []].append(Int64(event.sequence)) }
        for (source, numbers) in bySource.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            for n in numbers.sorted() {
                if let last = runs.last, last.source == source.rawValue, n - 1 <= last.last {
                    runs[runs.count - 1].last = max(last.last, n)
                } else {
                    runs.append((source.rawValue, n, n))
                }
            }
        }
        return runs
    }
}
