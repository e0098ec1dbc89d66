import Hummingbird
import Logging
import NIOCore

/// The request context of every ThreeZero service: who is calling, and the body size limit.
public struct ServiceRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `BearerAuthMiddleware` when the request carried a known token.
    public var principal: Principal?

    /// The peer's address (the sign-in throttles by it).
    public var remoteAddress: SocketAddress?

    public init(source: Source) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// Request bodies larger than this are refused with 413 before they are parsed.
    public static let maxBodyBytes = 64 * 1024
    public var maxUploadSize: Int { Self.maxBodyBytes }

    /// The caller, if it holds one of `roles`; otherwise a 401 (no token) or 403 (wrong role).
    @discardableResult
    public func require(_ roles: Role...) throws -> Principal {
        guard let principal else { throw Problem.unauthorized() }
        guard roles.contains(principal.role) else {
            throw Problem.forbidden("the role \(principal.role) may not do this (allowed: \(roles.map(\.rawValue).joined(separator: ", ")))")
        }
        return principal
    }
}
