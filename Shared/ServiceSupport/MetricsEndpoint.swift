import Hummingbird
import Metrics
import NIOCore
import Prometheus

/// Prometheus metrics for a process: bootstraps swift-metrics once and serves `/metrics`.
public enum MetricsEndpoint {
    /// The process's registry; `bootstrap()` points swift-metrics at it.
    public static let registry = PrometheusCollectorRegistry()

    private static let bootstrapped: Void = {
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
    }()

    /// Safe to call more than once (tests build several applications in one process).
    public static func bootstrap() { _ = bootstrapped }

    public static func addRoute(to router: Router<ServiceRequestContext>) {
        router.get("/metrics") { _, _ in
            var buffer: [UInt8] = []
            registry.emit(into: &buffer)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
        }
    }
}

/// Serves a service's OpenAPI document at `/openapi.yaml`.
public enum OpenAPIEndpoint {
    public static func addRoute(to router: Router<ServiceRequestContext>, yaml: String) {
        router.get("/openapi.yaml") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: yaml)))
        }
    }
}
