import EventContract
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Postgres
import ServiceSupport

extension HTTPField.Name {
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    static let idempotentReplayed = HTTPField.Name("Idempotent-Replayed")!
}

/// The department API of DESIGN.md section 6 for a set of record kinds:
/// `POST /api/v1/{collection}`, `POST /api/v1/{collection}/{id}/{action}`,
/// `GET /api/v1/{collection}/{id}`, `GET /api/v1/{collection}?subject=&status=&county=&overdue=&page=`.
public struct RecordController: Sendable {
    let kinds: [RecordKind]
    let db: PostgresClient
    let store = RecordStore()

    /// How long an `Idempotency-Key` is remembered.
    var retention = Idempotency.defaultRetention

    public init(kinds: [RecordKind], db: PostgresClient, retention: Duration = Idempotency.defaultRetention) {
        self.retention = retention
        self.kinds = kinds
        self.db = db
    }

    public func addRoutes(to router: Router<ServiceRequestContext>) {
        for kind in kinds {
            let group = router.group("api/v1/\(kind.collection)")
            group.post { request, context in try await register(kind, request, context) }
            group.get { request, context in try await list(kind, request, context) }
            group.get(":id") { request, context in try await get(kind, request, context) }
            group.post(":id/:action") { request, context in try await act(kind, request, context) }
        }
    }

    // MARK: - Handlers

    func register(_ kind: RecordKind, _ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let principal = try context.require(kind.clerk)
        let body = try await request.jsonBody(context: context)
        let reader = try FieldReader(body, path: "")
        var fields = reader.fields
        let subject = try reader.subjectCode("subject")
        let time = try reader.timestamp("time")
        fields["subject"] = nil
        fields["time"] = nil
        var privateValue: JSONValue?
        if let privateFields = kind.privateFields {
            privateValue = fields.removeValue(forKey: privateFields.field)
            if privateFields.required, privateValue == nil || privateValue == .null {
                throw ContractViolation(privateFields.field, "is required")
            }
        }
        let idField = kind.entity.idField
        if fields[idField] != nil { throw ContractViolation(idField, "is assigned by the service; leave it out") }
        fields[idField] = .string(UUIDv7.generate())
        let payload = try EventData.read(.object(fields), as: kind.registers, path: "")

        // The petitioner's identity is not part of what identifies the request: nothing derived
        // from it (not even a hash) is kept beside the sealed copy, which erasure removes.
        var identifying = reader.fields
        if let privateFields = kind.privateFields { identifying[privateFields.field] = nil }
        let key = try idempotencyKey(request, principal, .object(identifying))
        let store = store
        let privateData = privateValue
        let response = try await Idempotency.run(db, key: key, retention: retention) { conn in
            let view = try store.register(kind, subject: subject, time: time, payload: payload, privateValue: privateData, actor: principal, on: conn)
            return StoredResponse(status: 201, body: try Self.encode(view))
        }
        return Self.response(response, location: "/api/v1/\(kind.collection)/\(payload.recordId)")
    }

    func act(_ kind: RecordKind, _ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let principal = try context.require(kind.clerk)
        let id = try context.parameters.require("id")
        let name = try context.parameters.require("action")
        guard let action = kind.action(named: name) else {
            throw Problem.notFound("\(kind.collection) have no action \(name) (actions: \(kind.actions.map(\.name).joined(separator: ", ")))")
        }
        guard let uuid = UUID(uuidString: id) else { throw Problem.notFound("no \(kind.entity.rawValue) with id \(id)") }
        let body = try await request.jsonBody(context: context)
        let reader = try FieldReader(body, path: "")
        var fields = reader.fields
        let time = try reader.timestamp("time")
        fields["time"] = nil
        let recordId = uuid.uuidString.lowercased()
        let payload: EventData?
        var note: String?
        if let event = action.event {
            let idField = kind.entity.idField
            if fields[idField] != nil { throw ContractViolation(idField, "is given by the URL; leave it out") }
            fields[idField] = .string(recordId)
            payload = try EventData.read(.object(fields), as: event, path: "")
        } else {
            let rest = try FieldReader(.object(fields), path: "")
            try rest.rejectUnknown(allowed: ["note"])
            note = try rest.optionalString("note")
            payload = nil
        }

        let key = try idempotencyKey(request, principal, body)
        let store = store
        let response = try await Idempotency.run(db, key: key, retention: retention) { [note] conn in
            let view = try store.act(kind, action, id: recordId, time: time, payload: payload, note: note, actor: principal, on: conn)
            return StoredResponse(status: 200, body: try Self.encode(view))
        }
        return Self.response(response, location: nil)
    }

    func get(_ kind: RecordKind, _ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let principal = try context.require(.reader, kind.clerk)
        let id = try context.parameters.require("id")
        let store = store
        let view = try await db.withConnection { conn -> RecordView? in
            guard var view = try store.find(kind, id: id, on: conn) else { return nil }
            if let privateFields = kind.privateFields, privateFields.visibleTo.contains(principal.role) {
                view.privateFields[privateFields.field] = try privateFields.load(conn, view.id) ?? .null
            }
            return view
        }
        guard let view else { throw Problem.notFound("no \(kind.entity.rawValue) with id \(id)") }
        return Self.response(StoredResponse(status: 200, body: try Self.encode(view)), location: nil)
    }

    func list(_ kind: RecordKind, _ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        try context.require(.reader, kind.clerk)
        let query = request.uri.queryParameters
        var filter = RecordStore.Filter()
        if let subject = query.get("subject") {
            do { filter.subject = try SubjectCode(validating: subject).rawValue } catch { throw Problem(.badRequest, "subject: \(error.message)", field: "subject") }
        }
        if let status = query.get("status") {
            guard kind.statuses.contains(status) else {
                throw Problem(.badRequest, "status: \"\(status)\" is not one of: \(kind.statuses.joined(separator: ", "))", field: "status")
            }
            filter.status = status
        }
        if let county = query.get("county") {
            guard county.count == 6, county.allSatisfy(\.isASCII), county.allSatisfy(\.isNumber) else {
                throw Problem(.badRequest, "county: \"\(county)\" is not a 6-digit county code", field: "county")
            }
            filter.county = county
        }
        if let overdue = query.get("overdue") {
            guard let value = Bool(overdue) else { throw Problem(.badRequest, "overdue: must be true or false", field: "overdue") }
            filter.overdue = value
        }
        if let page = query.get("page") {
            guard let n = Int(page), n >= 1, n <= 1_000_000 else { throw Problem(.badRequest, "page: must be a whole number from 1", field: "page") }
            filter.page = n
        }
        if let size = query.get("pageSize") {
            guard let n = Int(size), (1...200).contains(n) else { throw Problem(.badRequest, "pageSize: must be from 1 to 200", field: "pageSize") }
            filter.pageSize = n
        }
        let store = store
        let page = try await db.withConnection { [filter] in try store.list(kind, filter, on: $0) }
        return Self.response(StoredResponse(status: 200, body: try Self.encode(page)), location: nil)
    }

    // MARK: - Helpers

    func idempotencyKey(_ request: Request, _ principal: Principal, _ body: JSONValue) throws -> IdempotencyKey? {
        guard let key = request.headers[.idempotencyKey] else { return nil }
        guard !key.isEmpty, key.count <= 200 else { throw Problem(.badRequest, "the Idempotency-Key header must have 1 to 200 characters") }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let canonical = Array("\(request.method.rawValue) \(request.uri.path)\n".utf8) + (try encoder.encode(body))
        return IdempotencyKey(principal: principal.name, key: key, request: canonical)
    }

    static func encode(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }

    static func response(_ stored: StoredResponse, location: String?) -> Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if let location { headers[.location] = location }
        if stored.replayed { headers[.idempotentReplayed] = "true" }
        return Response(status: HTTPResponse.Status(code: stored.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: stored.body)))
    }
}
