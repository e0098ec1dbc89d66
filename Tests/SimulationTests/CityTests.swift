import EventContract
import Geography
import Simulation
import Testing

@Suite struct CityTests {
    @Test func theSameSeedGivesTheSameCityAndAnotherSeedAnother() {
        #expect(City(size: 2_000, seed: 7).rosterCSV() == City(size: 2_000, seed: 7).rosterCSV())
        #expect(City(size: 2_000, seed: 7).rosterCSV() != City(size: 2_000, seed: 8).rosterCSV())
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
        let lines = city.rosterCSV().split(separator: "\n")
        #expect(lines.first == "code,name,type,county,township,active")
        #expect(lines.count == 101)
        #expect(lines.dropFirst().allSatisfy { $0.split(separator: ",", omittingEmptySubsequences: false).count == 6 })
    }

    /// Every subject lies inside its county (triangles here: most of the box is outside), the same
    /// place for the same city; a county the boundaries lack has none.
    @Test func subjectsArePlacedInsideTheirCountyAndTheRosterCarriesTheirLocations() throws {
        let city = City(size: 600, seed: 5)
        let regions = city.counties.dropLast().enumerated().map { i, county in
            let west = 112 + 0.2 * Double(i)
            let ring = [(west, 36.0), (west + 0.2, 36.0), (west, 36.2), (west, 36.0)].map { Coordinate(lon: $0.0, lat: $0.1) }
            return Boundaries.Region(code: county.code, polygons: [Polygon(rings: [ring])])
        }
        let boundaries = Boundaries(regions: regions)
        let places = city.locations(on: boundaries)
        for (subject, place) in zip(city.subjects, places) {
            if subject.county == city.counties.last!.code {
                #expect(place == nil)
            } else {
                let place = try #require(place)
                #expect(boundaries.region(subject.county)!.contains(place), "\(subject.code) at \(place)")
            }
        }
        #expect(Set(places.compactMap { $0 }).count == places.compactMap { $0 }.count, "distinct places")
        #expect(city.locations(on: boundaries) == places)
        let lines = city.rosterCSV(placedOn: boundaries).split(separator: "\n")
        #expect(lines.first == "code,name,type,county,township,active,lon,lat")
        let first = lines[1].split(separator: ",", omittingEmptySubsequences: false)
        #expect(first.count == 8)
        #expect(abs(Double(first[6])! - places[0]!.lon) < 1e-5 && abs(Double(first[7])! - places[0]!.lat) < 1e-5)
    }

    @Test func theGeneratorIsSplitMix64() {
        // Reference values of SplitMix64 for seed 0 (Vigna's reference implementation).
        var random = SplitMix64(seed: 0)
        #expect(random.next() == 0xE220_A839_7B1D_CDAF)
        #expect(random.next() == 0x6E78_9E6A_A1B9_65F4)
    }
}
