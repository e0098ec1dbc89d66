import EventContract
import Foundation
import Kafka

/// Subjects for tests: valid codes no other test uses, published to the roster topic.
public enum TestRoster {
    /// A village code in 潞州区 (140403) unique to this call.
    public static func villageCode() -> SubjectCode {
        let digits = String(format: "%06d", Int.random(in: 0..<1_000_000))
        return try! SubjectCode(validating: "140403" + digits)
    }

    /// An enterprise's unified social credit code (with its check character) in `county`.
    public static func enterpriseCode(county: String = "140404") -> SubjectCode {
        let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
        let body = "91" + county + String((0..<9).map { _ in alphabet.randomElement()! })
        let check = SubjectCode.creditCheckCharacter(Array(body.utf8))
        return try! SubjectCode(validating: body + String(UnicodeScalar(check)))
    }

    /// Publishes `subject.upserted` for each subject and waits for the broker's acks.
    public static func publish(_ subjects: [(SubjectCode, SubjectType, active: Bool)], bootstrapServers: [String]) async throws {
        try await KafkaAdmin(configuration: KafkaClientConfiguration(bootstrapServers: bootstrapServers))
            .createTopics([.init(name: EventSource.roster.topic, partitions: 1, config: ["cleanup.policy": "compact"])])
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(bootstrapServers: bootstrapServers))
        let records = subjects.enumerated().map { i, entry in
            let (code, type, active) = entry
            let event = CloudEvent(
                source: .roster, subject: code, time: Timestamp(rfc3339: "2026-01-01T00:00:00+08:00")!, sequence: UInt64(i + 1),
                data: .subjectUpserted(.init(code: code, name: "测试主体\(i)", type: type, county: code.county, active: active)))
            return ProducerRecord(
                topic: EventSource.roster.topic, key: code.rawValue, value: event.encoded(),
                headers: [KafkaHeader(key: "content-type", value: CloudEvent.contentType)])
        }
        for result in await producer.sendAll(records) { _ = try result.get() }
        await producer.close()
    }
}
