import Foundation
import Hummingbird
import Logging
import NIOCore
import Postgres
import ServiceLifecycle
import Synchronization

/// Tells open dashboard pages when the view changed: one poller per instance reads a cheap
/// version of the view (offsets consumed, roster versions) every half second, and each open page's
/// `/live` stream (server-sent events) gets an event when it moves. Any instance's writes show,
/// since the version lives in Postgres.
final class LiveUpdates: Service, Sendable {
    let db: PostgresClient
    let logger: Logger
    let version = Mutex<Int64>(0)
    let subscribers = Mutex<[UUID: AsyncStream<Int64>.Continuation]>([:])

    init(db: PostgresClient, logger: Logger) {
        self.db = db
        self.logger = logger
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
        do {
            let current = try await db.query("""
                SELECT (SELECT coalesce(sum(next_offset), 0) FROM consumer_offsets) + (SELECT coalesce(max(id), 0) FROM subject_versions)
                """)[0].decode(0, as: Int64.self)
            let changed = version.withLock { old in
                defer { old = current }
                return old != current
            }
            if changed { for continuation in subscribers.withLock({ Array($0.values) }) { continuation.yield(current) } }
        } catch {
            logger.debug("live updates: could not read the view's version", metadata: ["error": "\(error)"])
        }
    }

    /// A `text/event-stream` of `update` events, with a comment every 15 s to keep proxies from closing it.
    func stream() -> Response {
        let id = UUID()
        let (updates, continuation) = AsyncStream.makeStream(of: Int64.self, bufferingPolicy: .bufferingNewest(1))
        subscribers.withLock { $0[id] = continuation }
        let heartbeat = Task {
            while !Task.isCancelled {
                try await Task.sleep(for: .seconds(15))
                continuation.yield(-1)
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
                    try await writer.write(ByteBuffer(string: update < 0 ? ": keep-alive\n\n" : "event: update\ndata: \(update)\n\n"))
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
