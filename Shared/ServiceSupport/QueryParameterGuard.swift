import EventContract
import Hummingbird

/// Refuses an API request whose query names a parameter its operation does not have (400): a
/// misspelt filter (`?overdu=true`) silently ignored would give the command center the wrong
/// figures. The operations and their parameters are read from the service's OpenAPI document, so
/// the document stays the one list. Paths the document does not describe (the dashboard's pages)
/// pass untouched.
public struct QueryParameterGuard<Context: RequestContext>: RouterMiddleware {
    struct Operation {
        let segments: [Substring]
        let method: String
        let parameters: Set<String>

        func matches(_ path: [Substring], _ method: String) -> Bool {
            method == self.method && path.count == segments.count
                && zip(segments, path).allSatisfy { template, segment in template.hasPrefix("{") || template == segment }
        }
    }

    let operations: [Operation]

    public init(document: JSONValue) {
        func object(_ value: JSONValue?) -> [String: JSONValue] { if case .object(let fields) = value { fields } else { [:] } }
        var operations: [Operation] = []
        for (path, item) in object(object(document)["paths"]) {
            for (method, operation) in object(item) {
                guard case .array(let parameters) = object(operation)["parameters"] else {
                    operations.append(Operation(segments: path.split(separator: "/"), method: method.uppercased(), parameters: []))
                    continue
                }
                let names = parameters.compactMap { parameter -> String? in
                    let fields = object(parameter)
                    guard case .string("query") = fields["in"], case .string(let name) = fields["name"] else { return nil }
                    return name
                }
                operations.append(Operation(segments: path.split(separator: "/"), method: method.uppercased(), parameters: Set(names)))
            }
        }
        self.operations = operations
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let query = request.uri.queryParameters
        if !query.isEmpty {
            let path = request.uri.path.split(separator: "/")
            let method = request.method.rawValue
            if let operation = operations.first(where: { $0.matches(path, method) }) {
                let unknown = Set(query.map { String($0.key) }).subtracting(operation.parameters).sorted()
                if !unknown.isEmpty {
                    let known = operation.parameters.isEmpty ? "none" : operation.parameters.sorted().joined(separator: ", ")
                    throw Problem(.badRequest, "unknown query parameter \(unknown.joined(separator: ", ")); this operation takes: \(known)")
                }
            }
        }
        return try await next(request, context)
    }
}
