import Kafka
import Synchronization
import TestSupport
import Testing

/// Manual offsets: nothing committed unless asked; assignments start where the application says.
@Suite struct KafkaOffsetTests {
    func fill(_ topic: String, count: Int) async throws {
        let producer = try TestStack.producer()
        for result in await producer.sendAll((0..<count).map { ProducerRecord(topic: topic, key: "k", value: Array("\($0)".utf8)) }) {
            _ = try result.get()
        }
        await producer.close()
    }

    /// What the outbox relays ask to notice a broker that lost a topic: a partition that got
    /// messages is not empty; a missing topic has no messages.
    @Test func highWatermarksOfATopicAndOfAMissingOne() async throws {
        let topic = try await TestStack.topic("watermarks", partitions: 4)
        let producer = try TestStack.producer()
        var partitions: Set<Int32> = []
        for result in await producer.sendAll((0..<25).map { ProducerRecord(topic: topic, key: "k\($0)", value: Array("\($0)".utf8)) }) {
            partitions.insert(try result.get().partition)
        }
        await producer.close()
        let admin = KafkaAdmin(configuration: KafkaClientConfiguration(bootstrapServers: try TestStack.bootstrapServers()))
        let watermarks = try await admin.highWatermarks(topic: topic)
        #expect(Set(watermarks.keys) == [0, 1, 2, 3])
        for (partition, high) in watermarks { #expect(partitions.contains(partition) ? high > 0 : high == 0, "\(partition): \(high)") }
        // A missing topic has no messages (a broker may create it on the request, empty).
        #expect(try await admin.highWatermarks(topic: TestStack.unique("missing")).values.allSatisfy { $0 == 0 })
    }

    @Test func aManualCommitIsWhereTheGroupResumes() async throws {
        let topic = try await TestStack.topic("commit", partitions: 1)
        try await fill(topic, count: 10)
        let group = TestStack.unique("g")
        let tp = TopicPartition(topic, 0)

        let first = try TestStack.consumer(group: group)
        try first.subscribe(topics: [topic])
        let all = try await first.collect(10)
        #expect(all.map(\.offset) == Array(0..<10))
        try await first.commit([tp: 6])
        #expect(try await first.committed([tp]) == [tp: 6])
        await first.close()

        let second = try TestStack.consumer(group: group)
        try second.subscribe(topics: [topic])
        let rest = try await second.collect(4)
        await second.close()
        #expect(rest.map(\.offset) == [6, 7, 8, 9])
    }

    @Test func nothingIsCommittedBehindTheApplicationsBack() async throws {
        let topic = try await TestStack.topic("nocommit", partitions: 1)
        try await fill(topic, count: 5)
        let group = TestStack.unique("g")
        let first = try TestStack.consumer(group: group)
        try first.subscribe(topics: [topic])
        #expect(try await first.collect(5).count == 5)
        #expect(try await first.committed([TopicPartition(topic, 0)]).isEmpty)
        await first.close()

        let second = try TestStack.consumer(group: group)
        try second.subscribe(topics: [topic])
        #expect(try await second.collect(5).map(\.offset) == Array(0..<5))
        await second.close()
    }

    @Test func anAssignmentStartsAtTheOffsetTheApplicationStored() async throws {
        let topic = try await TestStack.topic("stored", partitions: 2)
        try await fill(topic, count: 20)
        let group = TestStack.unique("g")

        // The group has committed 2 for every partition, but the application's own store says 7:
        // the application wins, because it sets the offset in the assignment itself.
        let committer = try TestStack.consumer(group: group)
        try committer.subscribe(topics: [topic])
        _ = try await committer.collect(20)
        try await committer.commit([TopicPartition(topic, 0): 2, TopicPartition(topic, 1): 2])
        await committer.close()

        let assigned = Mutex<[TopicPartition]>([])
        let consumer = try TestStack.consumer(
            group: group,
            rebalance: RebalanceListener(assigned: { partitions in
                assigned.withLock { $0 += partitions }
                return Dictionary(uniqueKeysWithValues: partitions.map { ($0, 7) })
            }))
        try consumer.subscribe(topics: [topic])
        let messages = try await consumer.collect(1, within: .seconds(30))
        let loaded = try #require(messages.first)
        let holding = assigned.withLock { $0 }
        #expect(holding.contains(loaded.topicPartition))
        // Everything was on one partition (one key); its first message read is offset 7.
        #expect(loaded.offset == 7)
        await consumer.close()
    }

    @Test func pausedPartitionsDeliverNothingUntilResumed() async throws {
        let topic = try await TestStack.topic("pause", partitions: 1)
        let consumer = try TestStack.consumer(group: TestStack.unique("g"))
        try consumer.subscribe(topics: [topic])
        // Wait for the assignment.
        let clock = ContinuousClock()
        let end = clock.now + .seconds(30)
        while consumer.assignment.isEmpty, clock.now < end { _ = try await consumer.poll(timeout: .milliseconds(100)) }
        let tp = TopicPartition(topic, 0)
        #expect(consumer.assignment == [tp])

        try consumer.pause([tp])
        try await fill(topic, count: 3)
        let whilePaused = try await consumer.collect(3, within: .seconds(2))
        #expect(whilePaused.isEmpty)
        try consumer.resume([tp])
        let afterResume = try await consumer.collect(3)
        #expect(afterResume.map(\.offset) == [0, 1, 2])
        await consumer.close()
    }
}
