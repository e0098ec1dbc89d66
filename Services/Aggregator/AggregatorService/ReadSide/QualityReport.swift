import EventContract
import Foundation
import Postgres
import ServiceRuntime
import ServiceSupport

/// Data quality (数据质量): the quarantine, gaps in the departments' sequence numbers, each feed's
/// freshness, offsets and lag, the conservation checks, offsets that can no longer be read, and
/// this instance's consumer. Read by `GET /api/v1/quality` and the dashboard's quality page.
struct QualityReport: Sendable, Encodable {
    struct Quarantined: Sendable, Encodable {
        var id: Int64
        var topic: String
        var partition: Int64
        var offset: Int64
        var kind: String
        var reason: String
        @Null var subject: String?
        var receivedAt: Timestamp
        var released: Bool
    }

    struct Gap: Sendable, Encodable {
        struct Range: Sendable, Encodable { var from: Int64; var to: Int64 }
        var source: String
        var highest: Int64
        var missing: Int64
        /// The first hundred missing ranges.
        var ranges: [Range]
    }

    struct Feed: Sendable, Encodable {
        var source: String
        var lastAppliedAt: Timestamp
        var newestFactTime: Timestamp
        var facts: Int64
    }

    struct Offset: Sendable, Encodable {
        var topic: String
        var partition: Int64
        var nextOffset: Int64
        @Null var highWatermark: Int64?
        /// Events waiting: the high watermark less the next offset.
        @Null var lag: Int64?

        init(topic: String, partition: Int64, nextOffset: Int64, highWatermark: Int64?) {
            (self.topic, self.partition, self.nextOffset) = (topic, partition, nextOffset)
            self.highWatermark = highWatermark
            lag = highWatermark.map { max(0, $0 - nextOffset) }
        }
    }

    struct Check: Sendable, Encodable {
        var name: String
        var ok: Bool
        var detail: String
        var checkedAt: Timestamp
    }

    struct Unreadable: Sendable, Encodable {
        var topic: String
        var partition: Int64
        var from: Int64
        var to: Int64
        var noticedAt: Timestamp
    }

    /// The consumer of the instance that answers.
    struct Instance: Sendable, Encodable {
        struct Stalled: Sendable, Encodable { var reason: String; var detail: String }
        var assignment: [String]
        @Null var lastBatchAt: Timestamp?
        var restarts: Int
        var restartsLastHour: Int
        @Null var lastError: String?
        @Null var lastErrorAt: Timestamp?
        @Null var stalled: Stalled?

        init(_ s: ConsumerState.Snapshot, now: Timestamp) {
            assignment = s.assignment.map(\.description)
            lastBatchAt = s.lastBatchAt
            restarts = s.restartCount
            restartsLastHour = s.restarts.filter { now - $0 < .seconds(3_600) }.count
            lastError = s.lastError
            lastErrorAt = s.lastErrorAt
            stalled = s.stall.map { Stalled(reason: $0.reason.rawValue, detail: $0.detail) }
        }
    }

    var quarantine: [Quarantined]
    var sequenceGaps: [Gap]
    var freshness: [Feed]
    var offsets: [Offset]
    var conservationChecks: [Check]
    var unreadableOffsets: [Unreadable]
    var thisInstance: Instance

    static func load(consumer: ConsumerState.Snapshot, now: Timestamp, on conn: PostgresConnection) throws -> QualityReport {
        return QualityReport(
            quarantine: try conn.query(
                """
                SELECT id, topic, partition, "offset", kind, reason, subject, received_at, released_at IS NOT NULL
                FROM quarantine ORDER BY id DESC LIMIT 200
                """
            ).map { row in
                Quarantined(
                    id: try row.decode(0), topic: try row.decode(1), partition: try row.decode(2), offset: try row.decode(3),
                    kind: try row.decode(4), reason: try row.decode(5), subject: try row.decode(6), receivedAt: try row.decode(7),
                    released: try row.decode(8))
            },
            sequenceGaps: try SequenceRuns.gaps(on: conn).map { gap in
                Gap(
                    source: gap.source, highest: gap.highest, missing: gap.missing,
                    ranges: gap.ranges.prefix(100).map { Gap.Range(from: $0.lowerBound, to: $0.upperBound) })
            },
            freshness: try conn.query(
                """
                SELECT source, last_applied_at, newest_fact, facts
                FROM feeds ORDER BY source
                """
            ).map { row in
                Feed(source: try row.decode(0), lastAppliedAt: try row.decode(1), newestFactTime: try row.decode(2), facts: try row.decode(3))
            },
            offsets: try conn.query("SELECT topic, partition, next_offset, high_watermark FROM consumer_offsets ORDER BY topic, partition").map { row in
                Offset(topic: try row.decode(0), partition: try row.decode(1), nextOffset: try row.decode(2), highWatermark: try row.decode(3))
            },
            conservationChecks: try conn.query(
                """
                SELECT name, ok, detail, checked_at FROM conservation_checks ORDER BY name
                """
            ).map { row in
                Check(name: try row.decode(0), ok: try row.decode(1), detail: try row.decode(2), checkedAt: try row.decode(3))
            },
            unreadableOffsets: try conn.query(
                """
                SELECT topic, partition, from_offset, to_offset, noticed_at
                FROM offsets_unreadable ORDER BY noticed_at DESC LIMIT 200
                """
            ).map { row in
                Unreadable(
                    topic: try row.decode(0), partition: try row.decode(1), from: try row.decode(2), to: try row.decode(3),
                    noticedAt: try row.decode(4))
            },
            thisInstance: Instance(consumer, now: now))
    }
}
