import ComplianceRules
import EventContract
import Foundation
import Kafka
import Postgres
import Testing

@testable import AggregatorService

/// No Swift code traps on what it reads from Kafka: every field of a valid event of every type,
/// set to the values that break arithmetic and conversions, goes through decoding, the record's
/// state, its counters and its COPY row — refused with a reason or handled, never a crash (a trap
/// here would end the test process).
@Suite struct HostileEventTests {
    static var extremes: [Any] {
        [
            Int64.max, Int64.min, -1, 0, 2_147_483_647, 4_611_686_018_427_387_904, 1e308, -1e308, 0.5, "", " ", String(repeating: "字", count: 600),
            "9999-12-31T23:59:59-14:00", "0000-01-01T00:00:00Z", "2100-12-31T23:59:59Z", "1990-01-01T00:00:00Z", true, NSNull(), [String](), [String: Any](),
        ]
    }

    static func samples() -> [[String: Any]] {
        let time = Timestamp(rfc3339: "2026-03-02T10:00:00+08:00")!, deadline = Timestamp(rfc3339: "2026-04-02T10:00:00+08:00")!
        let id = UUIDv7.generate()
        let village = try! SubjectCode(validating: "140403001001")
        let data: [EventData] = [
            .petitionRegistered(.init(petitionId: id, channel: .online, persons: 3, lodgedLevel: .county, collective: true, origin: .selfFound, category: "土地")),
            .petitionProxied(.init(petitionId: id, level: .city)),
            .petitionResolved(.init(petitionId: id, outcome: .closed)),
            .disputeFound(.init(disputeId: id, category: "邻里", deadline: deadline)),
            .hazardFound(.init(hazardId: id, category: "消防", severity: .major, deadline: deadline)),
            .accidentReported(.init(accidentId: id, kind: "交通", deaths: 1, injuries: 2, directLossYuan: 100)),
            .caseFiled(.init(caseId: id, kind: .criminal, category: .drugs, majorImpact: true)),
            .caseSolved(.init(caseId: id, suspects: 3)),
            .securityProblemFound(.init(problemId: id, category: "乱点", deadline: deadline)),
            .voided(.init(entity: .hazard, recordId: id, reason: "错")),
        ]
        return data.map { d in
            let source: EventSource = d.type.sources.first!
            let event = CloudEvent(source: source, subject: village, time: time, sequence: 7, data: d)
            return try! JSONSerialization.jsonObject(with: Data(event.encoded())) as! [String: Any]
        }
    }

    @Test func extremeValuesInEveryFieldAreRefusedOrHandled() throws {
        var messages: [KafkaMessage] = []
        for sample in Self.samples() {
            let source = sample["source"] as! String
            let topic = [EventSource.petitions, .hazards, .cases].first { $0.rawValue == source }!.topic
            let payload = sample["data"] as! [String: Any]
            for key in sample.keys where key != "data" {
                for value in Self.extremes {
                    var event = sample
                    event[key] = value
                    messages.append(
                        KafkaMessage(
                            topic: topic, partition: 0, offset: Int64(messages.count), key: nil,
                            value: Array(try JSONSerialization.data(withJSONObject: event))))
                }
            }
            for key in payload.keys {
                for value in Self.extremes {
                    var event = sample, data = payload
                    data[key] = value
                    event["data"] = data
                    messages.append(
                        KafkaMessage(
                            topic: topic, partition: 0, offset: Int64(messages.count), key: nil,
                            value: Array(try JSONSerialization.data(withJSONObject: event))))
                }
            }
        }
        let prepared = BatchApplier.prepare(messages)
        #expect(prepared.valid.count + prepared.invalid.count == messages.count)
        #expect(prepared.invalid.allSatisfy { !$0.reason.isEmpty })
        // Whatever passed the contract goes all the way through the Swift side of applying it.
        for (_, fact) in prepared.valid {
            var state = RecordState(recordId: fact.event.data.recordId, subject: fact.event.subject.rawValue, county: fact.event.subject.county)
            state.merge(fact.event)
            _ = state.figures(defaultDeadlineDays: 30)
            var row = BinaryCopyData(columns: RecordState.columns.count, reservingRows: 1)
            try state.append(to: &row, defaultDeadlineDays: 30)
            _ = try Fact.copyData([fact])
        }
        _ = BatchApplier.sequenceRuns(prepared.valid.map(\.fact.event))
        // The values that once stopped the view are among the refused.
        #expect(prepared.invalid.contains { $0.reason.contains("data.deaths") && $0.reason.contains("9223372036854775807") })
        #expect(prepared.invalid.contains { $0.reason.hasPrefix("sequence") || $0.reason.contains("sequence:") })
    }
}
