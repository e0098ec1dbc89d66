import Crypto
import Foundation
import Hummingbird

/// A role a token grants. Each service declares its own (a department its clerks, the command
/// center its office); readers, who read, are every service's.
public struct Role: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public static let reader = Role(rawValue: "reader")
}

/// Who made a request: the name recorded in history, and the role.
public struct Principal: Sendable, Hashable {
    public var name: String
    public var role: Role

    public init(name: String, role: Role) {
        self.name = name
        self.role = role
    }
}

/// The tokens a service accepts, kept only as SHA-256 digests and compared in constant time.
///
/// Configured as `name:role:secret` entries (the secret is hashed at start-up and dropped) or
/// `name:role:sha256:<hex>` entries, separated by commas — e.g. from the `AUTH_TOKENS` variable.
public struct TokenDirectory: Sendable {
    struct Entry: Sendable {
        let digest: [UInt8]
        let principal: Principal
    }

    let entries: [Entry]

    public struct InvalidEntry: Error, CustomStringConvertible {
        public let description: String
    }

    public init(configuration: String) throws {
        var entries: [Entry] = []
        for item in configuration.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
            let parts = item.split(separator: ":", maxSplits: 2).map(String.init)
            guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty, !parts[2].isEmpty else {
                throw InvalidEntry(description: "a token entry must be name:role:secret or name:role:sha256:<hex>")
            }
            let principal = Principal(name: parts[0], role: Role(rawValue: parts[1]))
            let digest: [UInt8]
            if parts[2].hasPrefix("sha256:") {
                let hex = Array(parts[2].dropFirst(7).utf8)
                guard hex.count == 64, let bytes = Self.bytes(fromHex: hex) else {
                    throw InvalidEntry(description: "the sha256 of \(parts[0]) must be 64 hex digits")
                }
                digest = bytes
            } else {
                digest = Self.digest(parts[2])
            }
            // One token, one person: what a shared token did could not be told apart.
            if let holder = entries.first(where: { $0.digest == digest }) {
                throw InvalidEntry(description: "\(parts[0]) and \(holder.principal.name) have the same token")
            }
            entries.append(Entry(digest: digest, principal: principal))
        }
        self.entries = entries
    }

    static func digest(_ token: String) -> [UInt8] { Array(SHA256.hash(data: Array(token.utf8))) }

    static func bytes(fromHex hex: [UInt8]) -> [UInt8]? {
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: c - 48
            case 97...102: c - 87
            case 65...70: c - 55
            default: nil
            }
        }
        var out: [UInt8] = []
        var i = 0
        while i < hex.count {
            guard let hi = nibble(hex[i]), let lo = nibble(hex[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    /// The digest of the entry that `principal` (name and role) holds, or nil when there is none
    /// (any more): a session is tied to it, so it ends when its person's entry leaves or changes.
    public func entryDigest(of principal: Principal) -> [UInt8]? {
        entries.first { $0.principal == principal }?.digest
    }

    /// The principal holding `token`, or nil. Every entry is compared, each in constant time,
    /// so the time taken says nothing about which (or whether one) matched.
    public func principal(for token: String) -> Principal? {
        let presented = Self.digest(token)
        var found: Principal?
        for entry in entries {
            var difference: UInt8 = 0
            for (a, b) in zip(entry.digest, presented) { difference |= a ^ b }
            if difference == 0 { found = entry.principal }
        }
        return found
    }
}

/// Reads `Authorization: Bearer <token>` and sets the context's principal. Requests without a
/// token pass through unauthenticated (handlers decide); a token that is not known is a 401.
public struct BearerAuthMiddleware: RouterMiddleware {
    public typealias Context = ServiceRequestContext
    let tokens: TokenDirectory

    public init(tokens: TokenDirectory) { self.tokens = tokens }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else { return try await next(request, context) }
        guard header.count <= 1024, header.lowercased().hasPrefix("bearer ") else {
            throw Problem.unauthorized("the Authorization header must be \"Bearer <token>\"")
        }
        guard let principal = tokens.principal(for: String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)) else {
            throw Problem.unauthorized("the bearer token is not valid")
        }
        var context = context
        context.principal = principal
        return try await next(request, context)
    }
}
