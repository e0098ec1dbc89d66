import Divisions
import Testing

/// The city's division names are data: the demo city's file, and any other city's in the same shape.
@Suite struct DivisionNamesTests {
    @Test func theDemoCityNamesItsTwelveCounties() {
        let demo = DivisionNames.demo
        #expect(demo.counties.count == 12)
        #expect(demo.counties.allSatisfy { $0.code.hasPrefix("1404") })
        #expect(demo.name("140403") == "潞州区" && demo.name("140431") == "沁源县")
        #expect(demo.name("140999") == "140999", "a county the file does not name is shown by its code")
    }

    @Test func anotherCitysFileIsReadAndABadLineIsRefusedByNumber() throws {
        let taiyuan = try DivisionNames(csv: "code,name\n140105,小店区\n140106,迎泽区\n")
        #expect(taiyuan.counties.map(\.code) == ["140105", "140106"])
        #expect(taiyuan.name("140106") == "迎泽区")
        #expect(throws: DivisionNames.Invalid.self) { try DivisionNames(csv: "code,name\n140105,小店区\n14010X,迎泽区\n") }
        do {
            _ = try DivisionNames(csv: "code,name\n140105,小店区\n140106\n")
        } catch {
            #expect("\(error)".hasPrefix("line 3:"))
        }
    }
}
