import EventContract
import Foundation
import Hummingbird
import NIOCore

extension Request {
    /// The body as JSON, refusing (before parsing) bodies over the context's limit, bodies that are
    /// not declared JSON, and bodies that are not valid JSON.
    public func jsonBody(context: ServiceRequestContext) async throws -> JSONValue {
        if let length = headers[.contentLength].flatMap(Int.init), length > context.maxUploadSize {
            throw Problem(.contentTooLarge, "the request body is \(length) bytes; the limit is \(context.maxUploadSize)")
        }
        if let type = headers[.contentType], !type.lowercased().hasPrefix("application/json") {
            throw Problem(.unsupportedMediaType, "the request body must be application/json, not \(type)")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await body.collect(upTo: context.maxUploadSize)
        } catch {
            throw Problem(.contentTooLarge, "the request body is larger than the limit of \(context.maxUploadSize) bytes")
        }
        guard buffer.readableBytes > 0 else { throw Problem(.badRequest, "the request needs a JSON body") }
        do {
            return try JSONParser.parse(buffer.readableBytesView)
        } catch {
            throw Problem(.badRequest, "the request body is not valid JSON (byte \(error.offset): \(error.reason))")
        }
    }
}

extension JSONValue: ResponseEncodable {}
