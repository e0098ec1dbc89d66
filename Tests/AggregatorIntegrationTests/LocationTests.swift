import ComplianceRules
import Divisions
import EventContract
import Foundation
import Geography
import Postgres
import Simulation
import TestSupport
import Testing

@testable import AggregatorService

/// Where subjects are (the map's points): a roster row's `lon,lat` is stored, published with the
/// subject and changed like any field; one outside the city, or half a location, is refused with
/// its line number and writes nothing.
@Suite struct LocationTests {
    /// The demo directory's counties as squares of a tenth of a degree side by side (36°N, from 112°E).
    static let city = Boundaries(
        regions: DivisionNames.demo.counties.enumerated().map { i, county in
            let west = 112 + 0.1 * Double(i)
            let ring = [(west, 36.0), (west + 0.1, 36.0), (west + 0.1, 36.1), (west, 36.1), (west, 36.0)].map { Coordinate(lon: $0.0, lat: $0.1) }
            return Boundaries.Region(code: county.code, polygons: [Polygon(rings: [ring])])
        })

    static func lonInside(_ county: String) -> Double {
        112.05 + 0.1 * Double(DivisionNames.demo.counties.firstIndex { $0.code == county }!)
    }

    @Test func locationsAreCheckedStoredPublishedAndChanged() async throws {
        let db = try await TestStack.freshDatabase()
        defer { Task { await db.shutdown() } }
        _ = try await db.migrate(AggregatorSchema.migrations)
        try await db.withTransaction { try DivisionBook.seed(.demo, on: $0) }
        let enterprise = TestRoster.enterpriseCode(county: "140403")
        let outsider = TestRoster.enterpriseCode(county: "140403")
        let lon = Self.lonInside("140403")
        let csv = """
            code,name,type,county,township,active,lon,lat
            140403001001,一村,village,140403,,true,\(lon),36.05
            \(outsider),城外企业,enterprise,140403,,true,100.5,36.05
            140403001002,二村,village,140403,,true,\(lon),
            140403001003,三村,village,140403,,true,东经113,36.05
            \(enterprise),无位置企业,enterprise,140403,,true,,

            """
        let summary = try await RosterImport.run(csv, db: db, by: .system, city: Self.city)
        #expect(summary.added == 2)
        #expect(summary.refused.map(\.line) == [3, 4, 5])
        #expect(summary.refused[0].reason.contains("(100.5, 36.05) is outside the city's boundaries"))
        #expect(summary.refused[1].reason == "lat: a location needs both lon and lat (lon without lat)")
        #expect(summary.refused[2].reason == "lon: \"东经113\" is not a number")

        func stored(_ code: String) async throws -> [Double?] {
            let row = try await db.query("SELECT lon, lat FROM subjects WHERE code = $1", [code])[0]
            return [try row.decode(0), try row.decode(1)]
        }
        #expect(try await stored("140403001001") == [lon, 36.05])
        #expect(try await stored(enterprise.rawValue) == [nil, nil])
        let published = try await db.query("SELECT data->>'lon', data->>'lat' FROM outbox WHERE subject = '140403001001'")
        #expect(try published.map { [try $0.decode(0, as: String.self), try $0.decode(1, as: String.self)] } == [["\(lon)", "36.05"]])
        #expect(try await db.query("SELECT data ? 'lon' FROM outbox WHERE subject = $1", [enterprise.rawValue])[0].decode(0, as: Bool.self) == false)

        // The same file changes nothing; a moved subject is a change, kept with its version.
        #expect(try await RosterImport.run(csv, db: db, by: .system, city: Self.city).unchanged == 2)
        let moved = csv.replacingOccurrences(of: "\(lon),36.05\n\(outsider)", with: "\(lon),36.07\n\(outsider)")
        let second = try await RosterImport.run(moved, db: db, by: .system, city: Self.city)
        #expect((second.changed, second.unchanged) == (1, 1))
        #expect(try await stored("140403001001") == [lon, 36.07])
        let versions = try await db.query(
            "SELECT c.lat FROM subject_changes c JOIN subject_versions v ON v.id = c.version_id WHERE v.code = '140403001001' ORDER BY v.id")
        #expect(try versions.map { try $0.decode(0, as: Double.self) } == [36.05, 36.07])
    }

    /// The city's map counts its marks per cell in Postgres: the same cells, counts and marks as
    /// the subjects marked one by one, counted per cell.
    @Test func theMarksCountedInPostgresAreTheMarksOneByOneCounted() async throws {
        let db = try await TestStack.freshDatabase()
        defer { Task { await db.shutdown() } }
        _ = try await db.migrate(AggregatorSchema.migrations)
        try await db.withTransaction { try DivisionBook.seed(.demo, on: $0) }
        var csv = "code,name,type,county,township,active,lon,lat\n"
        var random = SplitMix64(seed: 7)
        func unit() -> Double { Double(random.next() >> 11) / Double(1 << 53) }
        let counties = ["140403", "140404", "140405"]
        for i in 0..<300 {
            let county = counties[i % 3]
            csv += "\(county)001\(String(format: "%03d", i + 1)),村\(i),village,\(county),,true,\(Self.lonInside(county) - 0.049 + 0.098 * unit()),\(36.001 + 0.098 * unit())\n"
        }
        #expect(try await RosterImport.run(csv, db: db, by: .system, city: Self.city).added == 300)
        // Records straight into the view: breaches of each zero, problems overdue, rectified, voided, not yet due.
        let now = WallClock.system.now().unixMicros, day: Int64 = 86_400_000_000
        try await db.withTransaction { conn in
            for i in 0..<400 {
                let county = counties[i % 3], subject = "\(county)001\(String(format: "%03d", i % 300 + 1))"
                let (entity, breach): (String, String?) = [("petition", "petition"), ("accident", "accident"), ("case", "case"), ("hazard", nil), ("dispute", nil)][
                    (i + i / 300) % 5]
                let registered = Timestamp(unixMicros: now - Int64(1 + i % 40) * day)
                try conn.query(
                    """
                    INSERT INTO record_state (record_id, entity, subject, county, township, year, registered_at, breach, deadline, resolved_at, voided_at)
                    VALUES (gen_random_uuid(), $1, $2, $3, $3 || '001', 2026, $4, $5, $6, $7, $8)
                    """,
                    [
                        entity, subject, county, registered, breach, Timestamp(unixMicros: registered.unixMicros + Int64(i % 7) * day),
                        i % 11 == 0 ? Timestamp(unixMicros: now - day / 2) : nil, i % 13 == 0 ? Timestamp(unixMicros: now - day / 3) : nil,
                    ])
            }
        }
        let window = ComplianceQueries.Window(from: Timestamp(unixMicros: now - 60 * day), asOf: Timestamp(unixMicros: now), knownAt: nil, county: nil)
        let projection = Charts.mapProjection(Self.city)
        let (points, cells) = try await db.withConnection { conn in
            (
                try MapPoints.load(window, defaultDeadlineDays: 30, on: conn),
                try MapPoints.cells(window, defaultDeadlineDays: 30, projection: projection, size: 28, on: conn)
            )
        }
        #expect(points.count > 100 && points.contains { $0.breached.isEmpty } && points.contains { !$0.breached.isEmpty && $0.overdue > 0 })
        let expected = MapPoints.cells(of: points, projection: projection, size: 28)
        func summary(_ cells: [MapPoints.Cell]) -> [String] {
            cells.map { c in
                "\(c.column),\(c.row): \(c.count) \(Zero.allCases.map { c.breaching[$0] ?? 0 }) \(c.overdue) \(MapPoints.Mark.all.map { c.marks[$0] ?? 0 }) \(c.dominant)"
            }
        }
        #expect(cells.count > 4)
        #expect(summary(cells) == summary(expected))
    }

    @Test func withoutBoundariesNothingIsCheckedAndAHalfLocationIsStillRefused() throws {
        let inside = try SubjectUpserted.read(
            .object([
                "code": .string("140403001001"), "name": .string("一村"), "type": .string("village"), "county": .string("140403"), "active": .bool(true),
                "lon": .number(100.5), "lat": .number(36.05),
            ]), path: "")
        #expect(RosterBook.outsideCity(inside, city: nil) == nil)
        #expect(RosterBook.outsideCity(inside, city: Self.city) != nil)
        #expect(throws: ContractViolation.self) {
            try SubjectUpserted.read(
                .object([
                    "code": .string("140403001001"), "name": .string("一村"), "type": .string("village"), "county": .string("140403"), "active": .bool(true),
                    "lat": .number(36.05),
                ]), path: "")
        }
    }
}
