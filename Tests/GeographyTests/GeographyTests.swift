import Foundation
import Geography
import Testing

@Suite struct PointInPolygonTests {
    static let square = Polygon(rings: [[.init(lon: 0, lat: 0), .init(lon: 4, lat: 0), .init(lon: 4, lat: 4), .init(lon: 0, lat: 4), .init(lon: 0, lat: 0)]])
    static let withHole = Polygon(rings: square.rings + [[.init(lon: 1, lat: 1), .init(lon: 3, lat: 1), .init(lon: 3, lat: 3), .init(lon: 1, lat: 3), .init(lon: 1, lat: 1)]])

    @Test func insideOutsideAndInAHole() {
        #expect(Self.square.contains(.init(lon: 2, lat: 2)))
        #expect(!Self.square.contains(.init(lon: 5, lat: 2)))
        #expect(!Self.square.contains(.init(lon: 2, lat: -0.1)))
        #expect(!Self.withHole.contains(.init(lon: 2, lat: 2)))
        #expect(Self.withHole.contains(.init(lon: 0.5, lat: 2)))
    }

    @Test func aConcaveRingIsFollowedIntoItsNotch() {
        // A U: the notch between its arms is outside.
        let u = Polygon(rings: [
            [
                .init(lon: 0, lat: 0), .init(lon: 3, lat: 0), .init(lon: 3, lat: 3), .init(lon: 2, lat: 3), .init(lon: 2, lat: 1), .init(lon: 1, lat: 1), .init(lon: 1, lat: 3),
                .init(lon: 0, lat: 3), .init(lon: 0, lat: 0),
            ]
        ])
        #expect(!u.contains(.init(lon: 1.5, lat: 2)))
        #expect(u.contains(.init(lon: 0.5, lat: 2)))
        #expect(u.contains(.init(lon: 2.5, lat: 2.9)))
        #expect(u.contains(.init(lon: 1.5, lat: 0.5)))
    }

    @Test func theLabelOfARegionLiesInsideIt() {
        #expect(Self.square.labelPoint == Coordinate(lon: 2, lat: 2))
        #expect(abs(Self.square.area) == 16)
        // A C: its centroid falls in the opening; the label goes to the widest stretch inside on that parallel.
        let c = Polygon(rings: [
            [
                .init(lon: 0, lat: 0), .init(lon: 4, lat: 0), .init(lon: 4, lat: 1), .init(lon: 1, lat: 1), .init(lon: 1, lat: 3), .init(lon: 4, lat: 3), .init(lon: 4, lat: 4),
                .init(lon: 0, lat: 4), .init(lon: 0, lat: 0),
            ]
        ])
        #expect(!c.contains(.init(lon: 1.9, lat: 2)))
        #expect(c.contains(c.labelPoint), "\(c.labelPoint)")
    }

    @Test func theRegionOfAPointAmongNeighbours() throws {
        let boundaries = try Boundaries(geoJSON: Data(BoundaryFixtures.twoSquares.utf8))
        #expect(boundaries.region(containing: .init(lon: 0.5, lat: 0.5))?.code == "140403")
        #expect(boundaries.region(containing: .init(lon: 1.5, lat: 0.5))?.code == "140404")
        #expect(boundaries.region(containing: .init(lon: 2.5, lat: 0.5)) == nil)
        #expect(boundaries.missing(["140403", "140404", "140405"]) == ["140405"])
    }
}

@Suite struct BoundaryFileTests {
    @Test func aFileThatIsNotAFeatureCollectionOfCodedPolygonsIsRefused() {
        let refusals: [(String, String)] = [
            ("[]", "not a GeoJSON FeatureCollection"),
            (#"{"type":"FeatureCollection","features":[]}"#, "the collection has no features"),
            (#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":null}]}"#, "feature 1 has no code among its properties"),
            (
                #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"140403"},"geometry":{"type":"Point","coordinates":[1,2]}}]}"#,
                "feature 1 (140403): the geometry is not a Polygon or MultiPolygon of closed rings"
            ),
            (
                #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"140403"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}}]}"#,
                "feature 1 (140403): the geometry is not a Polygon or MultiPolygon of closed rings"
            ),
        ]
        for (text, reason) in refusals {
            #expect(throws: Boundaries.Refusal(description: reason)) { try Boundaries(geoJSON: Data(text.utf8)) }
        }
        let twice = BoundaryFixtures.twoSquares.replacingOccurrences(of: "140404", with: "140403")
        #expect(throws: Boundaries.Refusal(description: "feature 2: division 140403 appears twice")) { try Boundaries(geoJSON: Data(twice.utf8)) }
    }
}

@Suite struct ProjectionTests {
    @Test func northIsUpAndTheMapFitsItsCanvas() {
        let box = BoundingBox([.init(lon: 112, lat: 35.8), .init(lon: 113.8, lat: 37.2)])
        let p = Projection(fitting: box, width: 800, height: 600, padding: 10)
        let (nw, se) = (p.point(.init(lon: 112, lat: 37.2)), p.point(.init(lon: 113.8, lat: 35.8)))
        #expect(nw.x < se.x && nw.y < se.y)
        for c in [nw, se] { #expect(c.x >= 9.99 && c.x <= 790.01 && c.y >= 9.99 && c.y <= 590.01) }
        // One of the two spans fills the canvas less its padding; the other is centred.
        let (w, h) = (se.x - nw.x, se.y - nw.y)
        #expect(abs(w - 780) < 0.01 || abs(h - 580) < 0.01)
        #expect(abs((nw.x + se.x) / 2 - 400) < 0.01 && abs((nw.y + se.y) / 2 - 300) < 0.01)
    }

    @Test func aDegreeEastIsShorterThanADegreeNorthByTheCosineOfTheLatitude() {
        let box = BoundingBox([.init(lon: 112, lat: 35), .init(lon: 114, lat: 37)])
        let p = Projection(fitting: box, width: 1000, height: 1000)
        let origin = p.point(.init(lon: 113, lat: 36))
        let east = p.point(.init(lon: 114, lat: 36)), north = p.point(.init(lon: 113, lat: 37))
        let ratio = (east.x - origin.x) / (origin.y - north.y)
        #expect(abs(ratio - cos(36 * Double.pi / 180)) < 1e-9)
    }

    @Test func aPathHasOneSubpathPerRingAndDropsPointsThatLandTogether() {
        let box = BoundingBox([.init(lon: 0, lat: 0), .init(lon: 1, lat: 1)])
        let p = Projection(fitting: box, width: 100, height: 100, padding: 0)
        let ring: [Coordinate] = [.init(lon: 0, lat: 0), .init(lon: 1, lat: 0), .init(lon: 1, lat: 0.000001), .init(lon: 1, lat: 1), .init(lon: 0, lat: 0)]
        let path = p.path([Polygon(rings: [ring, ring])])
        #expect(path.filter { $0 == "M" }.count == 2 && path.filter { $0 == "Z" }.count == 2)
        #expect(path.hasPrefix("M0 100L100 100L100 0Z"), "\(path)")
    }
}

@Suite struct LegendTests {
    @Test func ratesAgainstTheirTarget() {
        let legend = Legend.rate(target: 0.8)
        #expect(legend.classes.map(\.label) == ["达到目标", "差 5 个百分点以内", "差 5–10 个百分点", "差 10 个百分点以上"])
        #expect([0.95, 0.8, 0.7999, 0.75, 0.7499, 0.70, 0.6999, 0].map(legend.classify) == [0, 0, 1, 1, 2, 2, 3, 3])
    }

    @Test func sharesWithoutATarget() {
        #expect([1, 0.9, 0.89, 0.8, 0.61, 0.6, 0.59, 0].map(Legend.shares.classify) == [0, 0, 1, 1, 2, 2, 3, 3])
    }

    @Test func countsHaveZeroOfTheirOwnAndWholeBounds() {
        let legend = Legend.counts(upTo: 10)
        #expect(legend.classes.map(\.label) == ["0", "1–4", "5–8", "9–10"])
        #expect([0, 1, 4, 5, 8, 9, 10, 11].map { legend.classify(Double($0)) } == [0, 1, 1, 2, 2, 3, 3, 3])
        #expect(Legend.counts(upTo: 2).classes.map(\.label) == ["0", "1", "2"])
        #expect(Legend.counts(upTo: 0).classes.map(\.label) == ["0"])
        #expect(Legend.counts(upTo: 0).classify(0) == 0)
    }
}

enum BoundaryFixtures {
    /// Two unit squares side by side sharing the border lon = 1.
    static let twoSquares = """
        {"type":"FeatureCollection","features":[
        {"type":"Feature","properties":{"code":"140403"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}},
        {"type":"Feature","properties":{"code":"140404"},"geometry":{"type":"MultiPolygon","coordinates":[[[[1,0],[2,0],[2,1],[1,1],[1,0]]]]}}
        ]}
        """
}
