import EventContract
import Foundation
import Kafka
import Logging
import Metrics
import Postgres
import ServiceLifecycle
import ServiceSupport
import Synchronization

/// How the consumer recovers what a broker that lost its log gave back out of order.
extension EventConsumer {
    /// A batch was refused because it does not start at the stored offset. Usually another instance
    /// took the partition over. But the broker may have lost the log (the departments then publish
    /// their outboxes again), which shows two ways: the stored offset lies beyond the partition's
    /// end, or — the new log having grown past it already — this consumer's position fell back to
    /// the log's first offset (librdkafka's reset after an offset out of range; positions otherwise
    /// come from the stored offsets). Then the partition is read again from its first offset, and
    /// events already applied are dropped by their id.
    func restartIfLogWasLost(_ fenced: BatchApplier.Fenced, consumer: KafkaConsumer) async throws {
        let partition = fenced.partition
        let (low, high) = try await consumer.watermarks(partition)
        let fellBackToStart = fenced.from == low
        let (reset, unreadable) = try await db.withTransaction { conn -> (Int, (from: Int64, to: Int64)?) in
            // A stored offset below the log's start (retention deleted what was not yet read, or the
            // database came back from an old backup): those offsets can never be read. Reading goes
            // on from the log's first offset, and the lost range is recorded.
            var lost: (from: Int64, to: Int64)?
            if let stored = try conn.query(
                "SELECT next_offset FROM consumer_offsets WHERE topic = $1 AND partition = $2 FOR UPDATE",
                [partition.topic, partition.partition]
            ).first?.decode(0, as: Int64.self), stored < low {
                try conn.update(
                    "UPDATE consumer_offsets SET next_offset = $3, high_watermark = $4, updated_at = now() WHERE topic = $1 AND partition = $2",
                    [partition.topic, partition.partition, low, high])
                try conn.update(
                    "INSERT INTO offsets_unreadable (topic, partition, from_offset, to_offset) VALUES ($1, $2, $3, $4)",
                    [partition.topic, partition.partition, stored, low])
                lost = (stored, low)
            }
            let reset = try conn.update(
                """
                UPDATE consumer_offsets SET next_offset = $3, high_watermark = $4, updated_at = now()
                WHERE topic = $1 AND partition = $2 AND (next_offset > $4 OR ($5 AND next_offset > $3))
                """, [partition.topic, partition.partition, low, high, fellBackToStart])
            return (reset, lost)
        }
        if let unreadable {
            unreadableOffsets.increment(by: Int(unreadable.to - unreadable.from))
            logger.warning(
                "the stored offset lies below the log's start: offsets that can no longer be read are skipped, reading goes on from the log's first offset",
                metadata: ["partition": "\(partition)", "unreadable": "\(unreadable.from)..<\(unreadable.to)"])
        }
        if reset > 0 {
            logger.warning(
                "the partition's log started over: the broker lost it; reading it again from the start",
                metadata: ["partition": "\(partition)", "from": "\(low)", "high": "\(high)"])
        }
    }

    /// A broker that lost its log can get it back in another order (the departments publish their
    /// outboxes again while new events arrive): an event may then sit below the offset this
    /// consumer had reached, where it will never look. Such an event shows as a sequence gap that
    /// stays although the consumer is not behind. Gaps of a source that are the same at two checks
    /// in a row (out-of-order arrival closes in moments) make this instance read its partitions of
    /// that source's topic again from the start — once per set of gaps, or again after 5 minutes;
    /// events already applied are dropped by their id. Answers what to tell the consume loop.
    /// (A batch in flight meanwhile cannot undo the reset: its guarded offset update no longer
    /// matches, and the consumer rejoins from the stored offsets either way.)
    func readAgainIfGapsStay(consumer: KafkaConsumer) async throws -> ReadingAgain? {
        let gaps = try await db.withConnection { try SequenceRuns.gaps(on: $0) }
        let current = Dictionary(gaps.filter { $0.missing > 0 }.map { ($0.source, $0.ranges) }) { first, _ in first }
        let previous = gapsSeen.withLock { seen in
            defer { seen = current }
            return seen
        }
        let now = ContinuousClock.now
        let staying = current.filter { source, ranges in
            previous[source] == ranges
                && readAgain.withLock { done in
                    guard let last = done[source] else { return true }
                    return last.gaps != ranges || now - last.at > .seconds(300)
                }
        }
        let topics = Set(staying.keys.compactMap { EventSource(rawValue: $0)?.topic })
        let partitions = consumer.assignment.filter { topics.contains($0.topic) }
        guard !partitions.isEmpty else { return nil }
        readAgain.withLock { done in for (source, ranges) in staying { done[source] = (ranges, now) } }
        var lows: [(TopicPartition, Int64)] = []
        for partition in partitions { lows.append((partition, try await consumer.watermarks(partition).low)) }
        let starts = lows
        try await db.withTransaction { conn in
            for (partition, low) in starts {
                try conn.update(
                    """
                    UPDATE consumer_offsets SET next_offset = $3, updated_at = now() WHERE topic = $1 AND partition = $2 AND next_offset > $3
                    """, [partition.topic, partition.partition, low])
            }
        }
        logger.warning(
            "sequence gaps stay although nothing is left to read: reading the topic again from the start",
            metadata: ["gaps": "\(staying.mapValues { $0.map { "\($0.lowerBound)…\($0.upperBound)" } })", "partitions": "\(partitions.count)"])
        return ReadingAgain(topics: topics.sorted())
    }
}
