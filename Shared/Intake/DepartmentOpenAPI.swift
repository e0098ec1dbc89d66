import EventContract
import Foundation
import HTTPTypes
import ServiceSupport

/// Writes a department service's OpenAPI 3.1 document from its record kinds and the contract's
/// field specifications, so the document says exactly what the server checks.
public enum DepartmentOpenAPI {
    public static func document(title: String, description: String, kinds: [RecordKind], extraPaths: [String: JSONValue] = [:]) -> JSONValue {
        var paths: [String: JSONValue] = [
            "/health/live": operation("Liveness", tag: "operations", secured: false, responses: ["200": json("The process answers")]),
            "/health/ready": operation(
                "Readiness: database reachable, roster loaded; the outbox backlog", tag: "operations", secured: false,
                responses: ["200": json("Ready"), "503": json("Not ready, with the reason per check")]),
            "/metrics": operation(
                "Prometheus metrics", tag: "operations", secured: false,
                responses: ["200": .object(["description": "Metrics", "content": ["text/plain": ["schema": ["type": "string"]]]])]),
            "/openapi.yaml": operation(
                "This document", tag: "operations", secured: false,
                responses: ["200": .object(["description": "OpenAPI", "content": ["application/yaml": ["schema": ["type": "string"]]]])]),
        ].mapValues { .object(["get": $0]) }
        for (path, item) in extraPaths { paths[path] = item }
        var schemas: [String: JSONValue] = ["Problem": problemSchema, "History": historySchema]
        for kind in kinds {
            let name = typeName(kind.entity)
            schemas[name] = recordSchema(kind)
            schemas["\(name)Page"] = .object([
                "type": "object", "required": ["items", "page", "pageSize", "total"],
                "properties": [
                    "items": ["type": "array", "items": ["$ref": .string("#/components/schemas/\(name)")]],
                    "page": ["type": "integer"], "pageSize": ["type": "integer"], "total": ["type": "integer"],
                ],
            ])
            let ref: JSONValue = ["$ref": .string("#/components/schemas/\(name)")]
            paths["/api/v1/\(kind.collection)"] = .object([
                "post": operation(
                    "Register a \(kind.entity.rawValue)", tag: kind.collection, idempotent: true,
                    body: requestSchema(fields: EventData.fields(of: kind.registers), idField: kind.entity.idField, subject: true, privateFields: kind.privateFields),
                    responses: ["201": json("Registered", schema: ref)].merging(refusals(["400", "401", "403", "409", "413", "415", "422"])) { a, _ in a }),
                "get": operation(
                    "List \(kind.collection), newest first", tag: kind.collection, parameters: listParameters(kind),
                    responses: ["200": json("A page", schema: ["$ref": .string("#/components/schemas/\(name)Page")])].merging(refusals(["400", "401", "403"])) { a, _ in a }),
            ])
            paths["/api/v1/\(kind.collection)/{id}"] = .object([
                "get": operation(
                    "One \(kind.entity.rawValue) with its history", tag: kind.collection, parameters: [idParameter],
                    responses: ["200": json("The record", schema: ref)].merging(refusals(["401", "403", "404"])) { a, _ in a })
            ])
            for action in kind.actions {
                paths["/api/v1/\(kind.collection)/{id}/\(action.name)"] = .object([
                    "post": operation(
                        action.event.map { "\(action.name.capitalized) a \(kind.entity.rawValue) (publishes \($0.wireName))" }
                            ?? "\(action.name.capitalized) a \(kind.entity.rawValue) (kept in history, not published)",
                        tag: kind.collection, idempotent: true, parameters: [idParameter],
                        body: requestSchema(
                            fields: action.event.map(EventData.fields(of:)) ?? [.optional("note", .text)],
                            idField: kind.entity.idField, subject: false, privateFields: nil),
                        responses: ["200": json("The record after the action", schema: ref)]
                            .merging(refusals(["400", "401", "403", "404", "409", "413", "415", "422"])) { a, _ in a })
                ])
            }
        }
        let document: JSONValue = [
            "openapi": "3.1.0",
            "info": ["title": .string(title), "version": "1.0.0", "description": .string(description)],
            "security": [["bearerAuth": []]],
            "paths": .object(paths),
            "components": [
                "securitySchemes": ["bearerAuth": ["type": "http", "scheme": "bearer"]],
                "schemas": .object(schemas),
            ],
        ]
        return document
    }

    // MARK: - Pieces

    static func typeName(_ entity: Entity) -> String {
        entity.rawValue.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    static func operation(
        _ summary: String, tag: String, secured: Bool = true, idempotent: Bool = false, parameters: [JSONValue] = [],
        body: JSONValue? = nil, responses: [String: JSONValue]
    ) -> JSONValue {
        var op: [String: JSONValue] = ["summary": .string(summary), "tags": [.string(tag)], "responses": .object(responses)]
        var parameters = parameters
        if idempotent {
            parameters.append([
                "name": "Idempotency-Key", "in": "header", "required": false,
                "description": "A retry with the same key returns the first answer and writes nothing",
                "schema": ["type": "string", "minLength": 1, "maxLength": 200],
            ])
        }
        if !parameters.isEmpty { op["parameters"] = .array(parameters) }
        if let body { op["requestBody"] = ["required": true, "content": ["application/json": ["schema": body]]] }
        if !secured { op["security"] = [] }
        return .object(op)
    }

    static func json(_ description: String, schema: JSONValue = ["type": "object"]) -> JSONValue {
        ["description": .string(description), "content": ["application/json": ["schema": schema]]]
    }

    static let problemDescriptions = [
        "400": "Malformed request (not JSON, bad query parameter)", "401": "No or unknown bearer token",
        "403": "The token's role may not do this", "404": "No such record or action",
        "409": "The record's state does not allow this", "413": "Body larger than the limit",
        "415": "Body is not application/json", "422": "The body breaks the contract (the field and why)",
    ]

    static func refusals(_ codes: [String]) -> [String: JSONValue] {
        Dictionary(
            uniqueKeysWithValues: codes.map { code in
                (
                    code,
                    [
                        "description": .string(problemDescriptions[code]!),
                        "content": ["application/problem+json": ["schema": ["$ref": "#/components/schemas/Problem"]]],
                    ] as JSONValue
                )
            })
    }

    static let idParameter: JSONValue = ["name": "id", "in": "path", "required": true, "schema": ["type": "string"]]

    static func listParameters(_ kind: RecordKind) -> [JSONValue] {
        [
            ["name": "subject", "in": "query", "required": false, "schema": ["type": "string", "pattern": .string(SubjectCode.pattern)]],
            ["name": "status", "in": "query", "required": false, "schema": ["type": "string", "enum": .array(kind.statuses.map(JSONValue.string))]],
            ["name": "county", "in": "query", "required": false, "schema": ["type": "string", "pattern": "^[0-9]{6}$"]],
            ["name": "overdue", "in": "query", "required": false, "schema": ["type": "boolean"]],
            ["name": "page", "in": "query", "required": false, "schema": ["type": "integer", "minimum": 1, "maximum": 1_000_000]],
            ["name": "pageSize", "in": "query", "required": false, "schema": ["type": "integer", "minimum": 1, "maximum": 200]],
        ]
    }

    static func requestSchema(fields: [FieldSpec], idField: String, subject: Bool, privateFields: PrivateFields?) -> JSONValue {
        var time = FieldSpec("time", .timestamp).jsonSchema
        time["description"] = .string("When the fact happened (RFC 3339 with an offset, \(Bounds.timeDescription))")
        var properties: [String: JSONValue] = ["time": .object(time)]
        var required: [JSONValue] = ["time"]
        if subject {
            properties["subject"] = ["type": "string", "pattern": .string(SubjectCode.pattern), "description": "The creation subject's code (on the roster)"]
            required.append("subject")
        }
        for field in fields where field.name != idField {
            properties[field.name] = .object(field.jsonSchema)
            if field.required { required.append(.string(field.name)) }
        }
        if let privateFields {
            properties[privateFields.field] = privateFields.schema
            if privateFields.required { required.append(.string(privateFields.field)) }
        }
        return ["type": "object", "additionalProperties": false, "required": .array(required), "properties": .object(properties)]
    }

    static func recordSchema(_ kind: RecordKind) -> JSONValue {
        var properties: [String: JSONValue] = [
            "id": ["type": "string", "format": "uuid"], "kind": ["type": "string"], "subject": ["type": "string"],
            "county": ["type": "string"], "status": ["type": "string", "enum": .array(kind.statuses.map(JSONValue.string))],
            "time": ["type": "string", "format": "date-time"], "deadline": ["type": "string", "format": "date-time"],
            "fields": ["type": "object"], "createdAt": ["type": "string", "format": "date-time"],
            "updatedAt": ["type": "string", "format": "date-time"],
            "history": ["type": "array", "items": ["$ref": "#/components/schemas/History"]],
        ]
        if let privateFields = kind.privateFields { properties[privateFields.field] = ["description": "Only for the clerk role; null once erased"] }
        return [
            "type": "object", "required": ["id", "kind", "subject", "county", "status", "time", "fields", "createdAt", "updatedAt"],
            "properties": .object(properties),
        ]
    }

    static let historySchema: JSONValue = [
        "type": "object",
        "properties": [
            "action": ["type": "string"], "status": ["type": "string"], "actor": ["type": "string"],
            "time": ["type": "string"], "recordedAt": ["type": "string"], "details": ["type": "object"],
        ],
    ]

    static let problemSchema: JSONValue = [
        "type": "object", "required": ["type", "title", "status", "detail"],
        "properties": [
            "type": ["type": "string"], "title": ["type": "string"], "status": ["type": "integer"],
            "detail": ["type": "string"], "field": ["type": "string"], "instance": ["type": "string"],
        ],
    ]
}
