import EventContract
import HTTPTypes
import Hummingbird
import Logging

/// Turns every error a handler throws into a problem+json response, in one place: contract
/// violations become 422, Hummingbird's own errors keep their status, anything else is a 500
/// whose detail says nothing of the internals (the log has them).
public struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            return try problem.response(from: request, context: context)
        } catch let violation as ContractViolation {
            return try Problem.invalid(violation).response(from: request, context: context)
        } catch let error as HTTPError {
            return try Problem(error.status, error.body ?? error.status.reasonPhrase).response(from: request, context: context)
        } catch let error as any HTTPResponseError {
            return try Problem(error.status, error.status.reasonPhrase).response(from: request, context: context)
        } catch let error as any ProblemConvertible where error.problem != nil {
            context.logger.warning("request answered with a problem", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            return try error.problem!.response(from: request, context: context)
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            return try Problem(.internalServerError, "the server could not complete the request; it has been logged")
                .response(from: request, context: context)
        }
    }
}

/// An error of a lower layer (a driver) that knows the problem it means for a client, declared
/// where both are known (ServiceRuntime), so that this module needs no driver.
public protocol ProblemConvertible: Error {
    /// The problem to answer with, or nil for an internal error.
    var problem: Problem? { get }
}
