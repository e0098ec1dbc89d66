import EventContract
import Foundation
import Testing

/// The JSON Schema files shipped in `Shared/EventContract/Schemas` say what the Swift types do.
@Suite struct SchemaAgreementTests {
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Shared/EventContract/Schemas")

    func schema(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: Self.folder.appendingPathComponent("\(name).schema.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test(arguments: EventType.allCases)
    func payloadSchemaAgreesWithTheSwiftType(type: EventType) throws {
        let schema = try schema(type.rawValue)
        let fields = EventData.fields(of: type)
        let required = Set(try #require(schema["required"] as? [String]))
        let properties = try #require(schema["properties"] as? [String: Any])
        #expect(required == Set(fields.filter(\.required).map(\.name)))
        #expect(Set(properties.keys) == Set(fields.map(\.name)))
        #expect(schema["additionalProperties"] as? Bool == false)
        for field in fields {
            // Same JSON, compared as parsed values: type, format, bounds, enumeration, pattern.
            let expected = try JSONSerialization.jsonObject(with: JSONEncoder().encode(JSONValue.object(field.jsonSchema))) as? NSDictionary
            #expect(properties[field.name] as? NSDictionary == expected, "\(type.rawValue).\(field.name)")
        }
    }

    @Test func envelopeSchemaListsEveryTypeAndSource() throws {
        let schema = try schema("cloudevent")
        let properties = try #require(schema["properties"] as? [String: [String: Any]])
        #expect(Set(properties["type"]?["enum"] as? [String] ?? []) == Set(EventType.allCases.map(\.wireName)))
        #expect(Set(properties["source"]?["enum"] as? [String] ?? []) == Set(EventSource.allCases.map(\.rawValue)))
        #expect(Set(schema["required"] as? [String] ?? []) == ["specversion", "id", "source", "type", "subject", "time", "sequence", "data"])
    }

    @Test func subjectPatternAcceptsWhatSwiftAcceptsByShape() throws {
        let properties = try #require(try schema("cloudevent")["properties"] as? [String: [String: Any]])
        let pattern = try #require(properties["subject"]?["pattern"] as? String)
        let regex = try NSRegularExpression(pattern: pattern)
        for code in ["140403001001", "9114040373922853X0", "91350100M000100Y43"] {
            #expect((try? SubjectCode(validating: code)) != nil)
            #expect(regex.firstMatch(in: code, range: NSRange(location: 0, length: code.utf16.count)) != nil, "\(code)")
        }
    }
}
