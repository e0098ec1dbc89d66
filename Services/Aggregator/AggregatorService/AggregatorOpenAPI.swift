import ComplianceRules
import EventContract
import ServiceSupport

/// The aggregator's OpenAPI document.
enum AggregatorOpenAPI {
    static let window: [JSONValue] = [
        [
            "name": "from", "in": "query", "required": false, "description": "A date: the start of that day (+08:00); default 1 January of asOf's year",
            "schema": ["type": "string"],
        ],
        [
            "name": "asOf", "in": "query", "required": false, "description": "A date (end of that day, +08:00) or an RFC 3339 time; default now",
            "schema": ["type": "string"],
        ],
        [
            "name": "knownAt", "in": "query", "required": false, "description": "Figures as the aggregator knew them then; default now",
            "schema": ["type": "string"],
        ],
        ["name": "county", "in": "query", "required": false, "schema": ["type": "string", "pattern": "^[0-9]{6}$"]],
    ]

    static func problem(_ description: String) -> JSONValue {
        ["description": .string(description), "content": ["application/problem+json": ["schema": ["type": "object"]]]]
    }

    /// A reader's query that ran past `DATABASE_STATEMENT_TIMEOUT_SECONDS`.
    static let slow = problem("The query took longer than the service allows (Retry-After); try again or ask for a narrower window")

    static let ok: JSONValue = ["description": "OK", "content": ["application/json": ["schema": ["type": "object"]]]]
    static let list: JSONValue = ["description": "OK", "content": ["application/json": ["schema": ["type": "array", "items": ["type": "object"]]]]]

    static let document: JSONValue = [
        "openapi": "3.1.0",
        "info": [
            "title": "ThreeZero aggregator (指挥中心)", "version": "1.0.0",
            "description": "The compliance view of the 三零 campaign: figures as of any date, the roster, data quality.",
        ],
        "security": [["bearerAuth": []]],
        "paths": [
            "/api/v1/overview": [
                "get": [
                    "summary": "The figures of the city (or one county)", "parameters": .array(window),
                    "responses": ["200": ok, "400": problem("Bad date or county"), "401": problem("No token"), "403": problem("Wrong role"), "503": slow],
                ]
            ],
            "/api/v1/counties": [
                "get": [
                    "summary": "The figures per county, ranked by problem resolution rate, then compliance rate",
                    "parameters": .array(window),
                    "responses": ["200": ok, "400": problem("Bad date"), "401": problem("No token"), "403": problem("Wrong role"), "503": slow],
                ]
            ],
            "/api/v1/subjects/{code}": [
                "get": [
                    "summary": "One subject: its three zeros and the events behind each breach",
                    "parameters": .array([["name": "code", "in": "path", "required": true, "schema": ["type": "string"]]] + window),
                    "responses": ["200": ok, "400": problem("Bad date"), "401": problem("No token"), "403": problem("Wrong role"), "404": problem("Not on the roster")],
                ],
                "put": [
                    "summary": "Add or change a subject on the roster (published to the roster topic)",
                    "parameters": [["name": "code", "in": "path", "required": true, "schema": ["type": "string"]]],
                    "requestBody": [
                        "required": true,
                        "content": [
                            "application/json": [
                                "schema": [
                                    "type": "object", "additionalProperties": false, "required": ["name", "type", "county", "active"],
                                    "properties": [
                                        "name": ["type": "string", "minLength": 1, "maxLength": 500],
                                        "type": ["type": "string", "enum": .array(SubjectType.allCases.map { .string($0.rawValue) })],
                                        "county": ["type": "string", "pattern": "^[0-9]{6}$"], "township": ["type": "string", "minLength": 1, "maxLength": 500],
                                        "active": ["type": "boolean"],
                                    ],
                                ]
                            ]
                        ],
                    ],
                    "responses": [
                        "200": ok, "201": ok, "400": problem("Not JSON"), "401": problem("No token"), "403": problem("Not the office admin"),
                        "413": problem("Too large"), "415": problem("Not JSON"), "422": problem("Breaks the contract"),
                    ],
                ],
            ],
            "/api/v1/subjects:import": [
                "post": [
                    "summary": "Import a roster CSV (header code,name,type,county,township,active)",
                    "requestBody": ["required": true, "content": ["text/csv": ["schema": ["type": "string"]]]],
                    "responses": [
                        "200": ok, "400": problem("Not UTF-8"), "401": problem("No token"),
                        "403": problem("Not the office admin"), "413": problem("Too large"),
                        "422": problem("Not a roster CSV (its header is not the one above)"),
                    ],
                ]
            ],
            "/api/v1/problems": [
                "get": [
                    "summary": "The problem ledger: disputes, hazards and public-security problems registered in the window, newest first",
                    "parameters": .array(
                        window + [
                            ["name": "kind", "in": "query", "required": false, "schema": ["type": "string", "enum": .array(ProblemKind.allCases.map { .string($0.rawValue) })]],
                            ["name": "status", "in": "query", "required": false, "schema": ["type": "string", "enum": ["open", "resolved"]]],
                            ["name": "overdue", "in": "query", "required": false, "schema": ["type": "string", "enum": ["true", "false"]]],
                            ["name": "page", "in": "query", "required": false, "schema": ["type": "integer", "minimum": 1, "maximum": 1_000_000]],
                            ["name": "pageSize", "in": "query", "required": false, "schema": ["type": "integer", "minimum": 1, "maximum": 200]],
                        ]),
                    "responses": ["200": ok, "400": problem("Bad filter or date"), "401": problem("No token"), "403": problem("Wrong role"), "503": slow],
                ]
            ],
            "/api/v1/rankings": [
                "get": [
                    "summary": "The county rankings the office saved (排名通报), newest first",
                    "responses": ["200": list, "401": problem("No token"), "403": problem("Wrong role"), "503": slow],
                ],
                "post": [
                    "summary": "Save the county ranking as of a date, frozen with a SHA-256 of its content; later rankings show the change in rank since",
                    "parameters": .array(window),
                    "responses": ["201": ok, "400": problem("Bad date"), "401": problem("No token"), "403": problem("Not the office admin")],
                ],
            ],
            "/api/v1/quality": [
                "get": [
                    "summary": "Quarantined events, sequence gaps, freshness, lag per partition, conservation checks",
                    "responses": ["200": ok, "401": problem("No token"), "403": problem("Wrong role"), "503": slow],
                ]
            ],
            "/health/live": ["get": ["summary": "Liveness", "security": [], "responses": ["200": ok]]],
            "/health/ready": ["get": ["summary": "Readiness", "security": [], "responses": ["200": ok, "503": ok]]],
            "/metrics": [
                "get": [
                    "summary": "Prometheus metrics", "security": [],
                    "responses": ["200": ["description": "Metrics", "content": ["text/plain": ["schema": ["type": "string"]]]]],
                ]
            ],
            "/openapi.yaml": [
                "get": [
                    "summary": "This document", "security": [],
                    "responses": ["200": ["description": "OpenAPI", "content": ["application/yaml": ["schema": ["type": "string"]]]]],
                ]
            ],
        ],
        "components": ["securitySchemes": ["bearerAuth": ["type": "http", "scheme": "bearer"]]],
    ]
}
