import CRdKafka
import Dispatch
import Logging
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// An idempotent producer (`enable.idempotence=true`, `acks=all` by default) whose sends complete
/// when the broker has acknowledged the message, or fail with the broker's reason.
///
/// Delivery reports are served by a poll loop on a thread of the producer's own; blocking calls
/// (`flush`) run on a second one. Nothing blocks Swift's cooperative pool.
public final class KafkaProducer: Sendable {
    let handle: RdKafkaHandle
    let threads: NIOThreadPool
    let pollLoop = PollLoopControl()
    let logger: Logger

    public init(configuration: KafkaProducerConfiguration, logger: Logger = Logger(label: "threezero.kafka.producer")) throws(KafkaError) {
        self.logger = logger
        handle = try RdKafkaHandle(type: RD_KAFKA_PRODUCER, properties: configuration.properties) { conf in
            rd_kafka_conf_set_dr_msg_cb(conf, deliveryReportCallback)
        }
        threads = NIOThreadPool(numberOfThreads: 2)
        threads.start()
        startPollLoop()
    }

    deinit {
        // close() is the orderly way; this only makes sure the threads end. Nothing waits here: the
        // poll loop holds the handle until it leaves librdkafka, and the pool shuts down after it.
        pollLoop.stop()
        threads.shutdownGracefully(queue: .global()) { _ in }
    }

    private func startPollLoop() {
        let handle = handle
        let control = pollLoop
        threads.submit { _ in
            while !control.isStopped {
                rd_kafka_poll(handle.pointer, 100)
            }
        }
    }

    /// Sends one record and waits for the broker's acknowledgement.
    public func send(_ record: ProducerRecord) async throws(KafkaError) -> DeliveryReport {
        try await sendAll([record])[0].get()
    }

    /// Sends records in order and waits until every one is acknowledged or has failed.
    /// Records of one key keep their order (the idempotent producer guarantees it across retries).
    public func sendAll(_ records: [ProducerRecord]) async -> [Result<DeliveryReport, KafkaError>] {
        let batch = DeliveryBatch(count: records.count)
        for (index, record) in records.enumerated() {
            await enqueue(record, slot: DeliverySlot(batch: batch, index: index))
        }
        return await batch.results()
    }

    private func enqueue(_ record: ProducerRecord, slot: DeliverySlot) async {
        while true {
            if pollLoop.isStopped {
                slot.complete(.failure(KafkaError(.closed, message: "the producer is closed")))
                return
            }
            let opaque = Unmanaged.passRetained(slot).toOpaque()
            let headers = rd_kafka_headers_new(record.headers.count)!
            for header in record.headers {
                if let value = header.value {
                    _ = value.withUnsafeBytes { rd_kafka_header_add(headers, header.key, -1, $0.baseAddress, $0.count) }
                } else {
                    rd_kafka_header_add(headers, header.key, -1, nil, 0)
                }
            }
            let err = record.value.withUnsafeBytes { value in
                (record.key ?? []).withUnsafeBytes { key in
                    threezero_produce(
                        handle.pointer, record.topic,
                        record.key == nil ? nil : key.baseAddress, record.key == nil ? 0 : key.count,
                        value.baseAddress, value.count, headers, opaque)
                }
            }
            if err == RD_KAFKA_RESP_ERR_NO_ERROR { return }
            // Not enqueued: the headers and the slot are still ours.
            rd_kafka_headers_destroy(headers)
            Unmanaged<DeliverySlot>.fromOpaque(opaque).release()
            if err == RD_KAFKA_RESP_ERR__QUEUE_FULL {
                // The poll loop frees room as acknowledgements arrive.
                try? await Task.sleep(for: .milliseconds(2))
                continue
            }
            slot.complete(.failure(KafkaError(.produce, err, context: "producing to \(record.topic)")))
            return
        }
    }

    /// Waits until every message in flight is acknowledged or failed.
    public func flush(timeout: Duration = .seconds(30)) async throws {
        let handle = handle
        let millis = Int32(timeout.components.seconds * 1000)
        let err = try await threads.runIfActive { rd_kafka_flush(handle.pointer, millis) }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(.timeout, err, context: "flushing the producer")
        }
    }

    /// Flushes what is in flight, then stops the poll loop. Sends after this fail with `.closed`.
    public func close(timeout: Duration = .seconds(30)) async {
        do {
            try await flush(timeout: timeout)
        } catch {
            logger.warning("producer closed with messages unacknowledged", metadata: ["error": "\(error)"])
        }
        pollLoop.stop()
    }
}

// MARK: - Delivery reports

/// The results of one `sendAll`, filled in by delivery reports on the poll thread.
final class DeliveryBatch: Sendable {
    struct State {
        var results: [Result<DeliveryReport, KafkaError>?]
        var remaining: Int
        var waiter: CheckedContinuation<[Result<DeliveryReport, KafkaError>], Never>?
    }

    let state: Mutex<State>

    init(count: Int) {
        state = Mutex(State(results: Array(repeating: nil, count: count), remaining: count))
    }

    func complete(_ index: Int, _ result: Result<DeliveryReport, KafkaError>) {
        let resume = state.withLock { state -> (CheckedContinuation<[Result<DeliveryReport, KafkaError>], Never>, [Result<DeliveryReport, KafkaError>])? in
            state.results[index] = result
            state.remaining -= 1
            guard state.remaining == 0, let waiter = state.waiter else { return nil }
            state.waiter = nil
            return (waiter, state.results.map { $0! })
        }
        if let (waiter, results) = resume { waiter.resume(returning: results) }
    }

    func results() async -> [Result<DeliveryReport, KafkaError>] {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> [Result<DeliveryReport, KafkaError>]? in
                if state.remaining == 0 { return state.results.map { $0! } }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}

/// One message's place in its batch; passed to librdkafka as the message opaque.
final class DeliverySlot: Sendable {
    let batch: DeliveryBatch
    let index: Int

    init(batch: DeliveryBatch, index: Int) {
        self.batch = batch
        self.index = index
    }

    func complete(_ result: Result<DeliveryReport, KafkaError>) { batch.complete(index, result) }
}

/// Called by librdkafka on the poll thread once per message, with the slot we retained.
private let deliveryReportCallback: @convention(c) (OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?) -> Void = {
    _, message, _ in
    guard let message, let opaque = message.pointee._private else { return }
    let slot = Unmanaged<DeliverySlot>.fromOpaque(opaque).takeRetainedValue()
    let topic = String(cString: rd_kafka_topic_name(message.pointee.rkt))
    if message.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR {
        slot.complete(.success(DeliveryReport(topic: topic, partition: message.pointee.partition, offset: message.pointee.offset)))
    } else {
        slot.complete(.failure(KafkaError(.delivery, message.pointee.err, context: "delivering to \(topic)")))
    }
}

/// Stops the poll loop.
final class PollLoopControl: Sendable {
    private let stopped = Atomic<Bool>(false)

    var isStopped: Bool { stopped.load(ordering: .acquiring) }
    func stop() { stopped.store(true, ordering: .releasing) }
}
