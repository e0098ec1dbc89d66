import EventContract
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// An RFC 9457 problem: every refusal a service makes, as `application/problem+json`.
public struct Problem: Error, HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var title: String
    public var detail: String
    /// The offending field (JSON path of the request body), when there is one.
    public var field: String?
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ detail: String, field: String? = nil, title: String? = nil) {
        self.status = status
        self.detail = detail
        self.field = field
        self.title = title ?? status.reasonPhrase
    }

    public static let mediaType = "application/problem+json"

    struct Body: Encodable {
        let type: String
        let title: String
        let status: Int
        let detail: String
        let field: String?
        let instance: String
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = Body(type: "about:blank", title: title, status: status.code, detail: detail, field: field, instance: request.uri.path)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var headers = self.headers
        headers[.contentType] = Self.mediaType
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(body))))
    }

    // MARK: - The usual refusals

    public static func unauthorized(_ detail: String = "a bearer token is required") -> Problem {
        var problem = Problem(.unauthorized, detail)
        problem.headers[.wwwAuthenticate] = "Bearer"
        return problem
    }

    public static func forbidden(_ detail: String) -> Problem { Problem(.forbidden, detail) }
    public static func notFound(_ detail: String) -> Problem { Problem(.notFound, detail) }
    public static func conflict(_ detail: String) -> Problem { Problem(.conflict, detail) }

    /// A request body that breaks the contract: the field and what is wrong with it.
    public static func invalid(_ violation: ContractViolation) -> Problem {
        Problem(.unprocessableContent, violation.description, field: violation.path.isEmpty ? nil : violation.path)
    }
}
