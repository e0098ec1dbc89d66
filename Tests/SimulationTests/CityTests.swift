import EventContract
import Simulation
import Testing

@Suite struct CityTests {
    @Test func theSameSeedGivesTheSameCityAndAnotherSeedAnother() {
        #expect(City(size: 2_000, seed: 7).rosterCSV == City(size: 2_000, seed: 7).rosterCSV)
        #expect(City(size: 2_000, seed: 7).rosterCSV != City(size: 2_000, seed: 8).rosterCSV)
    }

    @Test func everyCodeIsValidDistinctAndOfItsCounty() throws {
        let city = City(size: 60_000, seed: 1)
        #expect(Set(city.subjects.map(\.code)).count == 60_000)
        for subject in city.subjects {
            // Validated again from the text, check character included.
            let code = try SubjectCode(validating: subject.code.rawValue)
            #expect(code.county == subject.county)
            #expect(code.kind == subject.type.codeKind)
        }
        #expect(Set(city.subjects.map(\.county)) == Set(City.changzhi.map(\.code)))
    }

    @Test func typesComeInTheirShares() {
        let city = City(size: 20_000, seed: 3)
        for (type, percent) in City.typeShares {
            let share = Double(city.subjects.filter { $0.type == type }.count) / 20_000 * 100
            #expect(abs(share - Double(percent)) < 1.5, "\(type): \(share) %")
        }
    }

    @Test func theRosterCSVHasTheImportHeaderAndARowPerSubject() {
        let city = City(size: 100, seed: 5)
        let lines = city.rosterCSV.split(separator: "\n")
        #expect(lines.first == "code,name,type,county,township,active")
        #expect(lines.count == 101)
        #expect(lines.dropFirst().allSatisfy { $0.split(separator: ",", omittingEmptySubsequences: false).count == 6 })
    }

    @Test func theGeneratorIsSplitMix64() {
        // Reference values of SplitMix64 for seed 0 (Vigna's reference implementation).
        var random = SplitMix64(seed: 0)
        #expect(random.next() == 0xE220_A839_7B1D_CDAF)
        #expect(random.next() == 0x6E78_9E6A_A1B9_65F4)
    }
}
