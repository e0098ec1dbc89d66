import EventContract
import Foundation
import Testing

@Suite struct JSONParserTests {
    @Test func parsesWhatFoundationParsesToTheSameValue() throws {
        let text = #"{"a":[1,-2,3.5,1e3,true,false,null],"b":{"c":"中文 \"q\" \\ \/ \n \u00e9 \ud83d\ude00"},"d":-0.25,"e":9223372036854775807,"f":""}"#
        let ours = try JSONParser.parse(Array(text.utf8))
        let foundation = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        #expect(ours == foundation)
        guard case .object(let o) = ours, case .object(let b) = o["b"] else { Issue.record("not an object"); return }
        #expect(b["c"] == .string("中文 \"q\" \\ / \n é 😀"))
        #expect(o["e"] == .integer(Int64.max))
        #expect(o["d"] == .number(-0.25))
    }

    @Test(arguments: [
        "", "{", "{\"a\":1,}", "[1,]", "{\"a\" 1}", "{'a':1}", "01", "1.", "-", "1e", "\"\u{01}\"", "\"\\x\"", "\"\\ud83d\"",
        "{\"a\":1,\"a\":2}", "[1] x", "tru", "nul", "\"abc", "NaN",
    ])
    func refusesWhatIsNotJSON(text: String) {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(Array(text.utf8)) }
    }

    @Test func limitsNesting() {
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(Array(deep.utf8)) }
        let fine = String(repeating: "[", count: 60) + String(repeating: "]", count: 60)
        #expect((try? JSONParser.parse(Array(fine.utf8))) != nil)
    }

    @Test func refusesInvalidUTF8() {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse([0x22, 0xFF, 0x22]) }
    }
}
