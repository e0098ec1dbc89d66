import AsyncHTTPClient
import EventContract
import Foundation
import NIOCore
import NIOHTTP1
import Simulation
import Synchronization

/// The department services and the command center as the simulator reaches them: base URLs and
/// the bearer tokens of their clerks and of the office.
struct Endpoints: Sendable {
    var petitions: String
    var hazards: String
    var cases: String
    var aggregator: String
    var tokens: [EventSource: String]
    var office: String

    func base(_ source: EventSource) -> String {
        switch source {
        case .petitions: petitions
        case .hazards: hazards
        case .cases: cases
        case .roster, .supervision: aggregator
        }
    }
}

/// How the requests went: accepted, refused by status (with the first reasons), retried.
final class Outcomes: Sendable {
    struct Counts {
        var sent = 0
        var accepted = 0
        var retried = 0
        var refused: [Int: Int] = [:]
        var reasons: [String] = []
    }

    let counts = Mutex(Counts())
    let tally = Mutex(Tally())

    func accepted(_ action: Activity.Action, at time: Timestamp) {
        counts.withLock { $0.accepted += 1 }
        tally.withLock { $0.accepted(action, at: time) }
    }

    func refused(_ status: Int, _ reason: String) {
        counts.withLock {
            $0.refused[status, default: 0] += 1
            if $0.reasons.count < 10 { $0.reasons.append("\(status): \(reason)") }
        }
    }
}

/// Sends one action to its department: registering returns the record's id, moving a record on
/// uses it. A retry (connection lost, 5xx, a subject the department has not heard of yet while
/// the roster travels) carries the same Idempotency-Key, so nothing is registered twice.
struct DepartmentClient: Sendable {
    let http: HTTPClient
    let endpoints: Endpoints
    let run: String
    /// How long a department may take to learn the roster after the import.
    let rosterGrace: Duration

    enum Failure: Error { case refused }

    func send(_ action: Activity.Action, at time: Timestamp, subject: String, recordID: String?, outcomes: Outcomes) async -> String? {
        var body = action.fields
        body["time"] = .string(time.description)
        if let after = action.deadlineAfterMicros { body["deadline"] = .string(Timestamp(unixMicros: time.unixMicros + after).description) }
        let path: String
        if let name = action.action {
            guard let recordID else { return nil }  // its registration was refused
            path = "/api/v1/\(action.kind.collection)/\(recordID)/\(name)"
        } else {
            body["subject"] = .string(subject)
            path = "/api/v1/\(action.kind.collection)"
        }
        let source = action.source
        var request = HTTPClientRequest(url: endpoints.base(source) + path)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(endpoints.tokens[source] ?? "")")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Idempotency-Key", value: "\(run)-\(action.order)")
        let bytes = try! JSONEncoder().encode(JSONValue.object(body))

        let clock = ContinuousClock()
        let started = clock.now
        var attempt = 0
        outcomes.counts.withLock { $0.sent += 1 }
        while true {
            attempt += 1
            request.body = .bytes(ByteBuffer(bytes: bytes))
            var status = 0
            var text = ""
            do {
                let response = try await http.execute(request, timeout: .seconds(30))
                status = Int(response.status.code)
                text = String(buffer: try await response.body.collect(upTo: 1 << 20))
            } catch {
                text = "\(error)"
            }
            if (200..<300).contains(status) {
                outcomes.accepted(action, at: time)
                guard action.action == nil else { return recordID }
                return (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])?["id"] as? String
            }
            let transient =
                status == 0 || status >= 500
                || (status == 422 && text.contains("not on the roster") && clock.now - started < rosterGrace)
            if transient && attempt < 60 {
                outcomes.counts.withLock { $0.retried += 1 }
                try? await Task.sleep(for: .milliseconds(min(2_000, 100 * attempt)))
                continue
            }
            outcomes.refused(status, "\(request.method) \(path): \(text.prefix(300))")
            return nil
        }
    }

    /// Imports the city's roster through the command center, as the office would. A re-import
    /// changes nothing, so a lost connection or a 5xx (its database briefly away) is tried again.
    func importRoster(_ csv: String) async throws -> String {
        var request = HTTPClientRequest(url: endpoints.aggregator + "/api/v1/subjects:import")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(endpoints.office)")
        request.headers.add(name: "Content-Type", value: "text/csv")
        request.body = .bytes(ByteBuffer(string: csv))
        for attempt in 1... {
            let status: UInt
            let text: String
            do {
                let response = try await http.execute(request, timeout: .seconds(600))
                (status, text) = (response.status.code, String(buffer: try await response.body.collect(upTo: 1 << 24)))
            } catch  where attempt < 20 {
                try await Task.sleep(for: .milliseconds(min(2_000, 200 * attempt)))
                continue
            }
            if status == 200 || status == 201 { return text }
            guard status >= 500, attempt < 20 else {
                throw SimulatorError("the roster import was refused (\(status)): \(text.prefix(500))")
            }
            try await Task.sleep(for: .milliseconds(min(2_000, 200 * attempt)))
        }
        fatalError("unreachable")
    }
}

struct SimulatorError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
