import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import ServiceSupport
import Testing

@testable import AggregatorService

/// The dashboard's sign-in: `next` only ever leads to a page of this dashboard; guessing a token
/// is throttled; a session ends with its person's `AUTH_TOKENS` entry.
@Suite struct SignInTests {
    @Test(arguments: [
        "/\t/evil.example", "/%09/evil.example".removingPercentEncoding!, "/\r/evil.example", "/\n/evil.example", "\\evil.example",
        "/\\evil.example", "//evil.example", "%2F%2Fevil.example".removingPercentEncoding!, "%2F%2Fevil.example", "https://evil.example",
        "javascript:alert(1)", "/ /evil.example", "/\u{200B}/evil.example", "evil.example", "", "/x\u{7F}",
    ])
    func aNextThatCouldLeaveTheDashboardLandsOnTheOverview(next: String) {
        #expect(DashboardController.safeNext(next) == "/", "\(next.debugDescription)")
    }

    @Test(arguments: ["/", "/ranking", "/county/140403?asOf=2026-03-31", "/subject/140403001001", "/ledger?kind=hazard&page=2", "/reports/3"])
    func aPathOfTheDashboardIsKept(next: String) {
        #expect(DashboardController.safeNext(next) == next)
    }

    @Test func guessingIsThrottledPerNameAndPerAddress() {
        let throttle = SignInThrottle(window: 300, perName: 5, perAddress: 20)
        let now = Date()
        for _ in 0..<4 { throttle.failed(name: "wang", address: "10.0.0.1", now: now) }
        #expect(throttle.wait(name: "wang", address: "10.0.0.1", now: now) == nil)
        throttle.failed(name: "wang", address: "10.0.0.1", now: now)
        let wait = throttle.wait(name: "wang", address: "10.0.0.9", now: now)
        #expect(wait == 300, "the name is locked from every address")
        #expect(throttle.wait(name: "wang", address: "10.0.0.1", now: now.addingTimeInterval(301)) == nil, "until the failures age out")
        // Many names from one address.
        for i in 0..<20 { throttle.failed(name: "n\(i)", address: "10.0.0.2", now: now) }
        #expect(throttle.wait(name: "li", address: "10.0.0.2", now: now) != nil)
        #expect(throttle.wait(name: "li", address: "10.0.0.3", now: now) == nil)
    }

    func request(cookie: String) -> Request {
        let head = HTTPRequest(method: .get, scheme: "http", authority: "localhost", path: "/", headerFields: [.cookie: cookie])
        return Request(head: head, body: .init(buffer: .init()))
    }

    @Test func aSessionEndsWhenItsEntryLeavesOrChanges() throws {
        let key = SymmetricKey(size: .bits256)
        let before = try TokenDirectory(configuration: "wang:reader:token-one,li:office_admin:token-two")
        let sessions = DashboardSessions(key: key, tokens: before, secureCookie: false)
        let principal = try #require(sessions.signIn(name: "wang", token: "token-one"))
        let cookie = String(sessions.cookie(for: principal).prefix { $0 != ";" })
        #expect(sessions.session(of: request(cookie: cookie))?.principal.name == "wang")

        // The same key on an instance whose AUTH_TOKENS no longer has wang, gives wang another
        // role, or another token: the cookie opens nothing there.
        for changed in [
            "li:office_admin:token-two", "wang:office_admin:token-one,li:office_admin:token-two",
            "wang:reader:token-three,li:office_admin:token-two",
        ] {
            let after = DashboardSessions(key: key, tokens: try TokenDirectory(configuration: changed), secureCookie: false)
            #expect(after.session(of: request(cookie: cookie)) == nil, "\(changed)")
        }
        // Unchanged: still open.
        let same = DashboardSessions(key: key, tokens: try TokenDirectory(configuration: "li:office_admin:token-two,wang:reader:token-one"), secureCookie: false)
        #expect(same.session(of: request(cookie: cookie)) != nil)
    }
}
