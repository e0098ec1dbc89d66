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
        [
            "name": "township", "in": "query", "required": false, "description": "A township of the county (9 digits; <county>000: 未划分乡镇)",
            "schema": ["type": "string", "pattern": "^[0-9]{9}$"],
        ],
    ]

    static func json(_ schema: JSONValue) -> JSONValue { ["description": "OK", "content": ["application/json": ["schema": schema]]] }

    static let ledger: JSONValue = [
        "type": "object", "required": ["found", "resolved", "open", "overdue", "rate"],
        "properties": [
            "found": ["type": "integer"], "resolved": ["type": "integer"], "open": ["type": "integer"], "overdue": ["type": "integer"],
            "rate": ["type": "number"],
        ],
    ]

    /// A county's or township's figures with its rank (`DivisionFigures`).
    static let divisionFigures: JSONValue = [
        "type": "object", "required": ["county", "rank", "subjects", "compliance", "breaches", "problems", "petitions"],
        "properties": [
            "county": ["type": "string", "pattern": "^[0-9]{6}$"], "township": ["type": "string", "pattern": "^[0-9]{9}$"],
            "name": ["type": "string"], "rank": ["type": "integer", "minimum": 1],
            "rankChange": ["type": "integer", "description": "Places gained since the notice of this level and scope last saved"],
            "subjects": ["type": "object", "properties": ["total": ["type": "integer"], "byType": ["type": "object"]]],
            "compliance": ["type": "object"],
            "breaches": ["type": "object", "properties": ["petition": ["type": "integer"], "accident": ["type": "integer"], "case": ["type": "integer"]]],
            "problems": [
                "type": "object", "required": ["dispute", "hazard", "security", "total"],
                "properties": ["dispute": ledger, "hazard": ledger, "security": ledger, "total": ledger],
            ],
            "petitions": ["type": "object"],
        ],
    ]

    static let townships: JSONValue = [
        "type": "object", "required": ["from", "asOf", "townships"],
        "properties": [
            "from": ["type": "string"], "asOf": ["type": "string"], "county": ["type": ["string", "null"]],
            "townships": ["type": "array", "items": divisionFigures],
        ],
    ]

    static let subjectList: JSONValue = [
        "type": "object", "required": ["from", "asOf", "page", "pageSize", "total", "items"],
        "properties": [
            "from": ["type": "string"], "asOf": ["type": "string"], "county": ["type": ["string", "null"]], "township": ["type": ["string", "null"]],
            "page": ["type": "integer"], "pageSize": ["type": "integer"], "total": ["type": "integer"],
            "items": [
                "type": "array",
                "items": [
                    "type": "object", "required": ["code", "name", "type", "county", "township", "petition", "accident", "case", "compliant", "openProblems"],
                    "properties": [
                        "code": ["type": "string"], "name": ["type": "string"], "type": ["type": "string"], "county": ["type": "string"],
                        "township": ["type": "string"], "petition": ["type": "boolean"], "accident": ["type": "boolean"], "case": ["type": "boolean"],
                        "compliant": ["type": "boolean"], "openProblems": ["type": "integer"],
                    ],
                ],
            ],
        ],
    ]

    static let divisions: JSONValue = [
        "type": "object", "required": ["divisions"],
        "properties": [
            "divisions": [
                "type": "array",
                "items": [
                    "type": "object", "required": ["code", "name", "level", "parent"],
                    "properties": [
                        "code": ["type": "string"], "name": ["type": "string"], "level": ["type": "string", "enum": ["city", "county", "township"]],
                        "parent": ["type": ["string", "null"]],
                    ],
                ],
            ]
        ],
    ]

    static let importSummary: JSONValue = [
        "type": "object", "required": ["rows", "added", "changed", "unchanged", "refused"],
        "properties": [
            "rows": ["type": "integer"], "added": ["type": "integer"], "changed": ["type": "integer"], "unchanged": ["type": "integer"],
            "refused": [
                "type": "array",
                "items": ["type": "object", "required": ["line", "reason"], "properties": ["line": ["type": "integer"], "reason": ["type": "string"]]],
            ],
        ],
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
                    "summary": "The figures of the city (or one county, or one township)", "parameters": .array(window),
                    "responses": ["200": ok, "400": problem("Bad date or county"), "401": problem("No token"), "403": problem("Wrong role"), "503": slow],
                ]
            ],
            "/api/v1/counties": [
                "get": [
                    "summary": "The figures per county, ranked by problem resolution rate, then compliance rate",
                    "parameters": .array(window),
                    "responses": [
                        "200": json(["type": "object", "properties": ["counties": ["type": "array", "items": divisionFigures]]]), "400": problem("Bad date"),
                        "401": problem("No token"), "403": problem("Wrong role"), "503": slow,
                    ],
                ]
            ],
            "/api/v1/townships": [
                "get": [
                    "summary": "The townships of a county (or of the city) ranked by the counties' rule, with the change in rank since the last township notice",
                    "parameters": .array(window),
                    "responses": ["200": json(townships), "400": problem("Bad date, county or township"), "401": problem("No token"), "403": problem("Wrong role"), "503": slow],
                ]
            ],
            "/api/v1/subjects": [
                "get": [
                    "summary": "The village level: the active subjects of a county or township, their three zeros in the window and their open problems",
                    "parameters": .array(
                        window + [
                            ["name": "breaching", "in": "query", "required": false, "schema": ["type": "string", "enum": ["true", "false"]]],
                            ["name": "page", "in": "query", "required": false, "schema": ["type": "integer", "minimum": 1, "maximum": 1_000_000]],
                            ["name": "pageSize", "in": "query", "required": false, "schema": ["type": "integer", "minimum": 1, "maximum": 500]],
                        ]),
                    "responses": ["200": json(subjectList), "400": problem("Bad filter or date"), "401": problem("No token"), "403": problem("Wrong role"), "503": slow],
                ]
            ],
            "/api/v1/divisions": [
                "get": [
                    "summary": "The division directory (city, counties, townships), as it stands or as known at a time",
                    "parameters": [window[2]],
                    "responses": ["200": json(divisions), "400": problem("Bad time"), "401": problem("No token"), "403": problem("Wrong role")],
                ]
            ],
            "/api/v1/divisions:import": [
                "post": [
                    "summary": "Import a division directory CSV (header code,name; level and parent follow from the code), versioned",
                    "requestBody": ["required": true, "content": ["text/csv": ["schema": ["type": "string"]]]],
                    "responses": [
                        "200": json(importSummary), "400": problem("Not UTF-8"), "401": problem("No token"), "403": problem("Not the office admin"),
                        "413": problem("Too large"), "422": problem("Not a directory CSV (its header is not code,name)"),
                    ],
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
                                        "county": ["type": "string", "pattern": "^[0-9]{6}$"], "township": ["type": "string", "pattern": "^[0-9]{9}$"],
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
                    "summary": "Import a roster CSV (header code,name,type,county,township,active, optionally followed by lon,lat)",
                    "requestBody": ["required": true, "content": ["text/csv": ["schema": ["type": "string"]]]],
                    "responses": [
                        "200": json(importSummary), "400": problem("Not UTF-8"), "401": problem("No token"),
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
                    "summary": "The county and township rankings the office saved (排名通报), newest first",
                    "responses": ["200": list, "401": problem("No token"), "403": problem("Wrong role"), "503": slow],
                ],
                "post": [
                    "summary":
                        "Save the county ranking (or, level=township, a county's townships or every township) as of a date, frozen with a SHA-256 of its content; later rankings of that level and scope show the change in rank since",
                    "parameters": .array(window + [["name": "level", "in": "query", "required": false, "schema": ["type": "string", "enum": ["county", "township"]]]]),
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
