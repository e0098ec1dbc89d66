import EventContract
import Foundation
import Hummingbird
import Logging
import NIOCore
import Postgres
import ServiceLifecycle
import ServiceSupport
import Synchronization

/// Tells open dashboard pages when the view changed: one poller per instance reads a cheap
/// version of the view (offsets consumed, roster versions) every half second, and each open page's
/// `/live` stream (server-sent events) gets an event when it moves. Any instance's writes show,
/// since the version lives in Postgres.
final class LiveUpdates: Service, Sendable {
    enum Event: Sendable {
        case update(Int64)
        /// The consumer's state as the page's indicator says it (`status()`).
        case status(String)
        case keepAlive

        var frame: String {
            switch self {
            case .update(let version): "event: update\ndata: \(version)\n\n"
            case .status(let status): "event: status\ndata: \(status)\n\n"
            case .keepAlive: ": keep-alive\n\n"
            }
        }
    }

    let db: PostgresClient
    let consumer: ConsumerState
    let logger: Logger
    let version = Mutex<Int64>(0)
    let lastStatus = Mutex("live")
    let subscribers = Mutex<[UUID: AsyncStream<Event>.Continuation]>([:])

    /// Open `/live` streams at most on this instance: each holds a connection and a task for as long
    /// as its page is open; beyond, a page is told to try again later (503) and keeps its figures.
    let maxStreams: Int

    init(db: PostgresClient, consumer: ConsumerState, maxStreams: Int = 200, logger: Logger) {
        self.db = db
        self.consumer = consumer
        self.maxStreams = maxStreams
        self.logger = logger
    }

    /// Whether this instance's consumer is stalled (`StallWatch`), and when it last applied a batch (China time).
    func status() -> (stalled: Bool, lastApplied: String) {
        let snapshot = consumer.snapshot.withLock { $0 }
        let last = snapshot.lastBatchAt.map { Display.time($0) } ?? "—"
        return (snapshot.stall != nil, last)
    }

    func run() async throws {
        try? await cancelWhenGracefulShutdown { [self] in
            while !Task.isCancelled {
                await poll()
                try await Task.sleep(for: .milliseconds(500))
            }
        }
        for continuation in subscribers.withLock({ Array($0.values) }) { continuation.finish() }
    }

    func poll() async {
        let (stalled, lastApplied) = status()
        let now = stalled ? "stalled|\(lastApplied)" : "live"
        if lastStatus.withLock({ old in
            defer { old = now }; return old != now
        }) {
            for continuation in subscribers.withLock({ Array($0.values) }) { continuation.yield(.status(now)) }
        }
        do {
            let current = try await db.query(
                """
                SELECT (SELECT coalesce(sum(next_offset), 0) FROM consumer_offsets) + (SELECT coalesce(max(id), 0) FROM subject_versions)
                """)[0].decode(0, as: Int64.self)
            let changed = version.withLock { old in
                defer { old = current }
                return old != current
            }
            if changed { for continuation in subscribers.withLock({ Array($0.values) }) { continuation.yield(.update(current)) } }
        } catch {
            logger.debug("live updates: could not read the view's version", metadata: ["error": "\(error)"])
        }
    }

    /// A `text/event-stream` of `update` events, with a comment every 15 s to keep proxies from closing it.
    func stream() throws -> Response {
        let id = UUID()
        let (updates, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .bufferingNewest(4))
        let admitted = subscribers.withLock { streams in
            guard streams.count < maxStreams else { return false }
            streams[id] = continuation
            return true
        }
        guard admitted else {
            var problem = Problem(.serviceUnavailable, "实时更新连接已满，请稍后再试（页面数据不受影响）", title: "连接过多")
            problem.headers[.retryAfter] = "30"
            throw problem
        }
        let heartbeat = Task {
            while !Task.isCancelled {
                try await Task.sleep(for: .seconds(15))
                continuation.yield(.keepAlive)
            }
        }
        continuation.onTermination = { [weak self] _ in
            heartbeat.cancel()
            _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
        }
        let current = version.withLock { $0 }
        let body = ResponseBody { writer in
            try await writer.write(ByteBuffer(string: "retry: 2000\nevent: hello\ndata: \(current)\n\n"))
            // Ends when the page goes away (a write fails) or the server shuts down gracefully.
            try? await withGracefulShutdownHandler {
                for await update in updates {
                    try await writer.write(ByteBuffer(string: update.frame))
                }
            } onGracefulShutdown: {
                continuation.finish()
            }
            continuation.finish()
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store"], body: body)
    }
}
