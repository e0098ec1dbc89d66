import Kafka
import Synchronization
import TestSupport
import Testing

/// Produce and consume through the real Tansu broker with librdkafka.
@Suite struct KafkaRoundTripTests {
    @Test func loadsACurrentLibrdkafka() {
        // Debian bookworm's 2.0.2 mis-parses Tansu's ApiVersions response; the stack loads 2.16.
        let parts = Librdkafka.version.split(separator: ".").compactMap { Int($0) }
        #expect(parts.count >= 2)
        #expect(parts[0] > 2 || (parts[0] == 2 && parts[1] >= 10), "loaded librdkafka \(Librdkafka.version)")
    }

    @Test func keysHeadersAndPerKeyOrderSurvive() async throws {
        let topic = try await TestStack.topic("roundtrip", partitions: 3)
        let producer = try TestStack.producer()
        let keys = ["140403001001", "140404001002", "140405001003", "140406001004"]
        let records = (0..<40).map { i in
            ProducerRecord(
                topic: topic, key: keys[i % keys.count], value: Array("event-\(i)".utf8),
                headers: [KafkaHeader(key: "content-type", value: "application/cloudevents+json"), KafkaHeader(key: "n", value: String(i))])
        }
        let reports = try await producer.sendAll(records).map { try $0.get() }
        #expect(reports.count == 40)
        await producer.close()

        let consumer = try TestStack.consumer(group: TestStack.unique("g"))
        try consumer.subscribe(topics: [topic])
        let messages = try await consumer.collect(40)
        await consumer.close()

        #expect(messages.count == 40)
        for message in messages {
            let n = Int(String(decoding: message.header("n") ?? [], as: UTF8.self))!
            #expect(message.value == Array("event-\(n)".utf8))
            #expect(message.key == Array(keys[n % keys.count].utf8))
            #expect(message.header("content-type") == Array("application/cloudevents+json".utf8))
        }
        // One key, one partition, in the order sent.
        for key in keys {
            let ns = messages.filter { $0.key == Array(key.utf8) }.map { Int(String(decoding: $0.header("n")!, as: UTF8.self))! }
            #expect(ns == ns.sorted())
            #expect(Set(messages.filter { $0.key == Array(key.utf8) }.map(\.partition)).count == 1)
        }
    }

    @Test func idempotentProducerWritesEachMessageOnceWithDenseOffsets() async throws {
        let topic = try await TestStack.topic("idempotent", partitions: 1)
        let producer = try TestStack.producer()
        let results = await producer.sendAll((0..<500).map { ProducerRecord(topic: topic, key: "k", value: Array("\($0)".utf8)) })
        let offsets = try results.map { try $0.get().offset }
        await producer.close()
        // acks=all with idempotence: offsets are the dense range 0..<500, in the order sent.
        #expect(offsets == Array(0..<500))

        let consumer = try TestStack.consumer(group: TestStack.unique("g"))
        try consumer.subscribe(topics: [topic])
        let messages = try await consumer.collect(500)
        let extra = try await consumer.poll(maxMessages: 10, timeout: .milliseconds(500))
        await consumer.close()
        #expect(messages.map(\.value) == (0..<500).map { Array("\($0)".utf8) })
        #expect(extra.isEmpty)
    }

    @Test func sendToAMissingBrokerFailsWithTheBrokersReason() async throws {
        var configuration = KafkaProducerConfiguration(bootstrapServers: ["127.0.0.1:1"])
        configuration.deliveryTimeoutMilliseconds = 1_000
        let producer = try KafkaProducer(configuration: configuration)
        let result = await producer.sendAll([ProducerRecord(topic: "nowhere", key: "k", value: [1])])[0]
        guard case .failure(let error) = result else {
            Issue.record("delivery to a broker that is not there succeeded")
            return
        }
        #expect(error.code == .delivery)
        #expect(error.rdkafkaCode != nil)
        await producer.close(timeout: .seconds(1))
    }

    @Test func createTopicsTwiceIsFine() async throws {
        let admin = KafkaAdmin(configuration: KafkaClientConfiguration(bootstrapServers: try TestStack.bootstrapServers()))
        let name = TestStack.unique("test.twice")
        try await admin.createTopics([.init(name: name, partitions: 2, config: ["cleanup.policy": "compact"])])
        try await admin.createTopics([.init(name: name, partitions: 2, config: ["cleanup.policy": "compact"])])
    }
}
