import EventContract

/// Writes a JSON value as block-style YAML (strings double-quoted, as in JSON), for OpenAPI documents.
public enum YAMLWriter {
    public static func write(_ value: JSONValue) -> String {
        var out = ""
        emit(value, indent: 0, into: &out)
        return out
    }

    static func scalar(_ value: JSONValue) -> String? {
        switch value {
        case .null: "null"
        case .bool(let b): b ? "true" : "false"
        case .integer(let i): String(i)
        case .number(let d): String(d)
        case .string(let s): quote(s)
        case .array(let a) where a.isEmpty: "[]"
        case .object(let o) where o.isEmpty: "{}"
        default: nil
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out + "\""
    }

    static func emit(_ value: JSONValue, indent: Int, into out: inout String) {
        let pad = String(repeating: "  ", count: indent)
        switch value {
        case .object(let object) where !object.isEmpty:
            for key in orderedKeys(object) {
                let child = object[key]!
                if let s = scalar(child) {
                    out += "\(pad)\(quote(key)): \(s)\n"
                } else {
                    out += "\(pad)\(quote(key)):\n"
                    emit(child, indent: indent + 1, into: &out)
                }
            }
        case .array(let array) where !array.isEmpty:
            for child in array {
                if let s = scalar(child) {
                    out += "\(pad)- \(s)\n"
                } else {
                    out += "\(pad)-\n"
                    emit(child, indent: indent + 1, into: &out)
                }
            }
        default:
            out += pad + (scalar(value) ?? "null") + "\n"
        }
    }

    /// OpenAPI's usual order first, then alphabetical.
    static let preferred = [
        "openapi", "info", "title", "version", "description", "servers", "security", "paths", "components",
        "summary", "operationId", "tags", "parameters", "requestBody", "responses", "name", "in", "required", "type",
    ]

    static func orderedKeys(_ object: [String: JSONValue]) -> [String] {
        object.keys.sorted { a, b in
            let ia = preferred.firstIndex(of: a) ?? Int.max
            let ib = preferred.firstIndex(of: b) ?? Int.max
            return ia != ib ? ia < ib : a < b
        }
    }
}
