import Kafka
import Synchronization
import TestSupport
import Testing

/// Two members of one group (cooperative-sticky) split the partitions and hand them over.
@Suite struct KafkaGroupTests {
    @Test func twoConsumersInOneGroupSplitThePartitions() async throws {
        let topic = try await TestStack.topic("group", partitions: 4)
        let group = TestStack.unique("g")
        let revokedFromFirst = Mutex<[TopicPartition]>([])
        let first = try TestStack.consumer(
            group: group,
            rebalance: RebalanceListener(revoked: { partitions, _ in
                revokedFromFirst.withLock { $0 += partitions }
            }))
        let second = try TestStack.consumer(group: group)
        try first.subscribe(topics: [topic])

        let clock = ContinuousClock()
        var end = clock.now + .seconds(30)
        while first.assignment.count < 4, clock.now < end { _ = try await first.poll(timeout: .milliseconds(100)) }
        #expect(first.assignment.count == 4)

        try second.subscribe(topics: [topic])
        end = clock.now + .seconds(60)
        while clock.now < end {
            async let a = first.poll(timeout: .milliseconds(100))
            async let b = second.poll(timeout: .milliseconds(100))
            _ = try await (a, b)
            if !second.assignment.isEmpty, first.assignment.count + second.assignment.count == 4 { break }
        }
        let one = first.assignment
        let two = second.assignment
        #expect(!two.isEmpty)
        #expect(one.isDisjoint(with: two))
        #expect(one.union(two) == Set((0..<4).map { TopicPartition(topic, $0) }))
        // Cooperative: the first member gave up only what the second took.
        #expect(Set(revokedFromFirst.withLock { $0 }) == two)

        // Messages to every partition reach the member that holds it, and only that one.
        let producer = try TestStack.producer()
        var reports: [DeliveryReport] = []
        for i in 0..<40 {
            reports.append(try await producer.send(ProducerRecord(topic: topic, key: "key-\(i)", value: [UInt8(i)])))
        }
        await producer.close()
        var gotOne: [KafkaMessage] = []
        var gotTwo: [KafkaMessage] = []
        end = clock.now + .seconds(30)
        while gotOne.count + gotTwo.count < 40, clock.now < end {
            async let a = first.poll(timeout: .milliseconds(100))
            async let b = second.poll(timeout: .milliseconds(100))
            let (x, y) = try await (a, b)
            gotOne += x
            gotTwo += y
        }
        #expect(gotOne.count + gotTwo.count == 40)
        #expect(gotOne.allSatisfy { one.contains($0.topicPartition) })
        #expect(gotTwo.allSatisfy { two.contains($0.topicPartition) })
        await first.close()
        await second.close()
    }
}
