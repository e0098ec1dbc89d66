import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TestSupport
import Testing

/// The dashboard's sign-in over HTTP, on the real binary: a `next` that could lead elsewhere
/// lands on `/`; guessing is answered 429 with `Retry-After`; a session ends when its person's
/// entry leaves `AUTH_TOKENS` (a restart with the same session key).
@Suite struct SignInEndToEndTests {
    static func signIn(_ base: String, name: String = "wang", token: String = "reader-token", next: String) async throws -> (Int, [String: String]) {
        let form = "name=\(name)&token=\(token)&next=\(next)"
        let (status, _, answer) = try await Cluster.send("\(base)/login", method: "POST", body: Data(form.utf8),
                                                          contentType: "application/x-www-form-urlencoded", followRedirects: false)
        return (status, answer.headers)
    }

    @Test func nextThrottlingAndRevocation() async throws {
        let key = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        let cluster = try await Cluster(environment: ["DASHBOARD_SESSION_KEY": key])
        defer { cluster.stopAll() }
        let base = cluster.base("aggregator")

        // Each as a form field would carry it (percent-encoded once).
        for next in ["/%09/evil.example", "/%0D/evil.example", "/%0A/evil.example", "%5Cevil.example", "/%5Cevil.example", "//evil.example",
                     "%2F%2Fevil.example", "%252F%252Fevil.example", "https:%2F%2Fevil.example", "javascript:alert(1)", "/%E2%80%8B/evil.example"] {
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
    }
}
