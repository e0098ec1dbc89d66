@preconcurrency import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import ServiceSupport

/// Sign-in for the command center's people (reader, office admin): the name and token of their
/// `AUTH_TOKENS` entry, checked the way bearer tokens are, then a session cookie signed with
/// HMAC-SHA256 (HttpOnly, SameSite=Strict, eight hours). Forms that change something carry a token
/// derived from the session (CSRF), checked before anything is written.
struct DashboardSessions: Sendable {
    struct Session: Sendable {
        let principal: Principal
        /// The value the session's state-changing forms must send back.
        let csrf: String
        var isOffice: Bool { principal.role == .officeAdmin }
    }

    static let cookieName = "tz_session"
    static let lifetime: TimeInterval = 8 * 3600
    static let roles: Set<Role> = [.reader, .officeAdmin]

    let key: SymmetricKey
    let tokens: TokenDirectory
    /// Adds `Secure` to the cookie (behind TLS).
    let secureCookie: Bool

    /// The principal for a name and token, if the token is theirs and their role may use the dashboard.
    func signIn(name: String, token: String) -> Principal? {
        guard name.count <= 100, token.count <= 1024, let principal = tokens.principal(for: token),
            principal.name == name, Self.roles.contains(principal.role)
        else { return nil }
        return principal
    }

    /// A tag of the `AUTH_TOKENS` entry a session was opened with: keyed with the session key, so
    /// the cookie says nothing about the token; nil when the entry is gone.
    func entryTag(_ principal: Principal) -> String? {
        guard let digest = tokens.entryDigest(of: principal) else { return nil }
        return Self.base64URL(Data(HMAC<SHA256>.authenticationCode(for: Data("entry\n".utf8) + Data(digest), using: key).prefix(16)))
    }

    func cookie(for principal: Principal, now: Date = Date()) -> String {
        let payload = "\(principal.name)\n\(principal.role.rawValue)\n\(Int(now.timeIntervalSince1970 + Self.lifetime))\n\(entryTag(principal) ?? "")"
        let value = Self.base64URL(Data(payload.utf8)) + "." + Self.base64URL(Data(HMAC<SHA256>.authenticationCode(for: Data(payload.utf8), using: key)))
        return "\(Self.cookieName)=\(value); Path=/; HttpOnly; SameSite=Strict; Max-Age=\(Int(Self.lifetime))\(secureCookie ? "; Secure" : "")"
    }

    var expiredCookie: String { "\(Self.cookieName)=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0" }

    /// The session of a request's cookie: signature checked in constant time, not expired, and its
    /// person's `AUTH_TOKENS` entry still the one it was opened with (same name, role and token).
    func session(of request: Request, now: Date = Date()) -> Session? {
        guard let header = request.headers[.cookie], header.count <= 8192 else { return nil }
        for part in header.split(separator: ";") {
            let pair = part.trimmingCharacters(in: .whitespaces)
            guard pair.hasPrefix(Self.cookieName + "=") else { continue }
            let value = String(pair.dropFirst(Self.cookieName.count + 1))
            let pieces = value.split(separator: ".", omittingEmptySubsequences: false)
            guard pieces.count == 2, let payload = Self.data(base64URL: pieces[0]), let mac = Self.data(base64URL: pieces[1]),
                HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: payload, using: key),
                let text = String(data: payload, encoding: .utf8)
            else { return nil }
            let fields = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 4, let expiry = TimeInterval(fields[2]), expiry > now.timeIntervalSince1970 else { return nil }
            let principal = Principal(name: fields[0], role: Role(rawValue: fields[1]))
            guard let tag = entryTag(principal), Self.constantTimeEqual(tag, fields[3]) else { return nil }
            let csrf = HMAC<SHA256>.authenticationCode(for: Data(("csrf\n" + value).utf8), using: key).map { String(format: "%02x", $0) }.joined()
            return Session(principal: principal, csrf: csrf)
        }
        return nil
    }

    /// Whether `presented` is the session's CSRF token (constant time).
    static func csrfMatches(_ presented: String?, _ session: Session) -> Bool {
        guard let presented else { return false }
        return constantTimeEqual(presented, session.csrf)
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        guard a.utf8.count == b.utf8.count else { return false }
        return zip(a.utf8, b.utf8).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func data(base64URL text: Substring) -> Data? {
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.count % 4 != 0 { s += "=" }
        return Data(base64Encoded: s)
    }
}

/// The dashboard's security headers: a strict Content-Security-Policy (scripts and styles from
/// this server only, no inline script, no framing), no MIME sniffing, no referrer.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    static var csp: String {
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            + "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.contentSecurityPolicy] = Self.csp
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        response.headers[HTTPField.Name("Cross-Origin-Opener-Policy")!] = "same-origin"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }
}
