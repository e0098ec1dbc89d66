import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The dashboard's sign-in over HTTP, on the real binary: a `next` that could lead elsewhere
/// lands on `/`; guessing is answered 429 with `Retry-After`; a session ends when its person's
/// entry leaves `AUTH_TOKENS` (a restart with the same session key).
@Suite struct SignInEndToEndTests {
    static func signIn(_ base: String, name: String = "wang", token: String = "reader-token", next: String) async throws -> (Int, [String: String]) {
        let form = "name=\(name)&token=\(token)&next=\(next)"
        let (status, _, answer) = try await Cluster.send(
            "\(base)/login", method: "POST", body: Data(form.utf8),
            contentType: "application/x-www-form-urlencoded", followRedirects: false)
        return (status, answer.headers)
    }

    @Test func nextThrottlingAndRevocation() async throws {
        let key = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        let cluster = try await Cluster(environment: ["DASHBOARD_SESSION_KEY": key, "HTTP_IDLE_TIMEOUT_SECONDS": "2"])
        defer { cluster.stopAll() }
        let base = cluster.base("aggregator")

        // Each as a form field would carry it (percent-encoded once).
        for next in [
            "/%09/evil.example", "/%0D/evil.example", "/%0A/evil.example", "%5Cevil.example", "/%5Cevil.example", "//evil.example",
            "%2F%2Fevil.example", "%252F%252Fevil.example", "https:%2F%2Fevil.example", "javascript:alert(1)", "/%E2%80%8B/evil.example",
        ] {
            let (status, headers) = try await Self.signIn(base, next: next)
            #expect(status == 303)
            #expect(headers["Location"] == "/", "\(next) → \(headers["Location"] ?? "none")")
        }
        let (_, kept) = try await Self.signIn(base, next: "/ranking%3FasOf%3D2026-03-31")
        #expect(kept["Location"] == "/ranking?asOf=2026-03-31")

        // Guessing a token: five failures for one name, then 429 with Retry-After — even with the right token.
        for _ in 0..<5 { #expect(try await Self.signIn(base, name: "sun", token: "guess", next: "/").0 == 401) }
        let (throttled, headers) = try await Self.signIn(base, name: "sun", token: "office-token", next: "/")
        #expect(throttled == 429)
        #expect(Int(headers["Retry-After"] ?? "") ?? 0 > 0, "\(headers)")

        // A session of wang's, then wang leaves AUTH_TOKENS: the same cookie opens nothing after the restart.
        let (_, signedIn) = try await Self.signIn(base, next: "/")
        let cookie = String((signedIn["Set-Cookie"] ?? "").prefix { $0 != ";" })
        #expect(try await Cluster.send("\(base)/ranking", headers: ["Cookie": cookie], followRedirects: false).0 == 200)
        cluster.stop("aggregator")
        cluster.environment["AUTH_TOKENS"] = DepartmentHarness.tokens.split(separator: ",").filter { !$0.hasPrefix("wang:") }.joined(separator: ",")
        try await cluster.start("aggregator")
        let (after, _, answer) = try await Cluster.send("\(base)/ranking", headers: ["Cookie": cookie], followRedirects: false)
        #expect(after == 303 && (answer.headers["Location"] ?? "").hasPrefix("/login"), "\(after)")

        // A client that starts a request and never finishes it is let go after the idle timeout.
        let started = ContinuousClock.now
        let closed = try Self.closedAfterHalfARequest(port: cluster.services["aggregator"]!.port, within: 15)
        let held = ContinuousClock.now - started
        #expect(closed, "the connection was still open after 15 s")
        #expect(held >= .milliseconds(1_500) && held < .seconds(10), "closed after \(held), the idle timeout is 2 s")
    }

    /// Connects, sends half a request, and waits for the server to close the connection.
    static func closedAfterHalfARequest(port: Int, within seconds: Int) throws -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return false }
        let half = Array("GET /health/live HTTP/1.1\r\nHost: localhost\r\n".utf8)
        _ = half.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 512)
        // 0: the server closed it (after whatever it answered); -1: the timeout passed with the connection still open.
        while true {
            let read = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if read <= 0 { return read == 0 }
        }
    }
}
