import EventContract
import Hummingbird
import Logging

/// The router every ThreeZero service starts from: errors as problem+json, request metrics and
/// logs, bearer tokens, `/health/*`, `/metrics` and `/openapi.yaml`.
public enum ServiceRouter {
    public static func make(tokens: TokenDirectory, checks: [HealthController.Check], openAPI: JSONValue) -> Router<ServiceRequestContext> {
        let router = Router(context: ServiceRequestContext.self)
        router.middlewares.add(ProblemMiddleware())
        router.middlewares.add(MetricsMiddleware())
        router.middlewares.add(LogRequestsMiddleware(.info))
        router.middlewares.add(BearerAuthMiddleware(tokens: tokens))
        router.middlewares.add(QueryParameterGuard(document: openAPI))
        HealthController(checks: checks).addRoutes(to: router)
        MetricsEndpoint.addRoute(to: router)
        OpenAPIEndpoint.addRoute(to: router, yaml: YAMLWriter.write(openAPI))
        return router
    }

    /// Logs to standard output at `level`, once per process.
    public static func bootstrapLogging(level: Logger.Level) {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardOutput(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
