import Divisions
import EventContract
import Foundation
import Geography

/// A city's creation subjects (创建主体) with valid codes: villages and communities with their
/// 12-digit division codes, the others with unified social credit codes (check character
/// included), spread over the city's counties and their townships in realistic shares (one
/// non-village subject in twenty without a township: 未划分乡镇). Deterministic for a seed.
public struct City: Sendable {
    public struct County: Sendable, Hashable {
        public let code: String
        public let name: String
        /// Its townships: codes and names.
        public let townships: [DivisionNames.Division]

        /// A county with `townships`, or — without them — `generated` townships named by number.
        public init(code: String, name: String, townships: [DivisionNames.Division]? = nil, generated: Int = 11) {
            self.code = code
            self.name = name
            self.townships =
                townships
                ?? (1...generated).map { DivisionNames.Division(code: code + String(format: "%03d", $0), name: "\(name.dropLast())第\($0)乡镇") }
        }
    }

    public struct Subject: Sendable, Hashable {
        public let code: SubjectCode
        public let name: String
        public let type: SubjectType
        public let county: String
        public let township: String?
    }

    /// Changzhi (长治市, 140400), the city of DESIGN.md section 4.
    public static let changzhi: [County] = DivisionNames.demo.counties.map {
        County(code: $0.code, name: $0.name, townships: DivisionNames.demo.townships(of: $0.code))
    }

    /// Shares of the subject types, in percent: mostly villages and enterprises.
    public static let typeShares: [(SubjectType, Int)] = [(.village, 40), (.community, 10), (.enterprise, 40), (.institution, 8), (.religiousSite, 2)]

    public let counties: [County]
    public let subjects: [Subject]
    let indicesByType: [SubjectType: [Int]]

    /// `size` subjects over `counties`, the same for the same seed.
    public init(size: Int, counties: [County] = City.changzhi, seed: UInt64) {
        var random = SplitMix64(seed: seed)
        self.counties = counties
        subjects = (0..<size).map { i in
            let county = counties[i % counties.count]
            var pick = random.int(0..<100)
            let type = Self.typeShares.first {
                pick -= $0.1; return pick < 0
            }!.0
            let serial = i / counties.count
            let township = county.townships[serial % county.townships.count].code
            let code =
                type.codeKind == .division
                ? try! SubjectCode(validating: township + String(format: "%03d", serial / county.townships.count % 999 + 1))
                : Self.code(serial: serial, type: type, county: county.code)
            return Subject(
                code: code, name: Self.name(serial: serial, type: type, county: county), type: type, county: county.code,
                township: type.codeKind == .division || serial % 20 != 19 ? township : nil)
        }
        let subjects = subjects
        indicesByType = Dictionary(grouping: subjects.indices) { subjects[$0].type }
    }

    /// The positions in `subjects` of the subjects of one type.
    public func subjects(of type: SubjectType) -> [Int] { indicesByType[type] ?? [] }

    /// The division directory of the city's counties and townships (`code,name`), as the office
    /// imports it — with the cities they are in (named by the demo directory, or by code).
    public var directoryCSV: String {
        var csv = "code,name\n"
        var cities: [String] = []
        for county in counties where !cities.contains(DivisionLevel.parent(of: county.code) ?? "") {
            cities.append(DivisionLevel.parent(of: county.code) ?? "")
        }
        for city in cities { csv += "\(city),\(DivisionNames.demo[city]?.name ?? "\(city)市")\n" }
        for county in counties {
            csv += "\(county.code),\(county.name)\n"
            for township in county.townships { csv += "\(township.code),\(township.name)\n" }
        }
        return csv
    }

    /// The roster as the command center imports it (`code,name,type,county,township,active`), with
    /// `lon,lat` when placed on `boundaries`.
    public func rosterCSV(placedOn boundaries: Boundaries? = nil) -> String {
        guard let boundaries else {
            var csv = "code,name,type,county,township,active\n"
            for s in subjects { csv += "\(s.code),\(s.name),\(s.type.rawValue),\(s.county),\(s.township ?? ""),true\n" }
            return csv
        }
        var csv = "code,name,type,county,township,active,lon,lat\n"
        for (s, place) in zip(subjects, locations(on: boundaries)) {
            let at = place.map { String(format: "%.5f,%.5f", $0.lon, $0.lat) } ?? ","
            csv += "\(s.code),\(s.name),\(s.type.rawValue),\(s.county),\(s.township ?? ""),true,\(at)\n"
        }
        return csv
    }

    /// Where each subject is: a point inside its county on `boundaries`, drawn uniformly (rejection
    /// sampling in the county's bounding box, to five decimals), the same for the same subject; nil
    /// for a county the boundaries lack.
    public func locations(on boundaries: Boundaries) -> [Coordinate?] {
        let regions = Dictionary(uniqueKeysWithValues: counties.compactMap { county in boundaries.region(county.code).map { (county.code, $0) } })
        return subjects.enumerated().map { index, subject in
            guard let region = regions[subject.county] else { return nil }
            var random = SplitMix64(seed: 0x6C6F_6361_7465 ^ UInt64(index))
            func uniform(_ low: Double, _ high: Double) -> Double { low + (high - low) * Double(random.next() >> 11) / Double(1 << 53) }
            let box = region.box
            for _ in 0..<1_000 {
                // To five decimals (about a metre), as the roster writes it: the point checked is the one written.
                func written(_ degrees: Double) -> Double { (degrees * 100_000).rounded() / 100_000 }
                let point = Coordinate(lon: written(uniform(box.minLon, box.maxLon)), lat: written(uniform(box.minLat, box.maxLat)))
                if region.contains(point) { return point }
            }
            return region.labelPoint
        }
    }

    static let creditAlphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY".utf8)

    /// A division code (county + township + village) or a unified social credit code
    /// (registration authority 9, enterprise 1 / institution 2 / religious 3, county, 9-character
    /// organization code, check character). Distinct for distinct serials within a county.
    static func code(serial: Int, type: SubjectType, county: String) -> SubjectCode {
        if type.codeKind == .division {
            return try! SubjectCode(validating: county + String(format: "%03d%03d", serial / 999 % 999 + 1, serial % 999 + 1))
        }
        let kind: UInt8 =
            switch type {
            case .institution: UInt8(ascii: "2")
            case .religiousSite: UInt8(ascii: "3")
            default: UInt8(ascii: "1")
            }
        var rest = serial
        var organization: [UInt8] = []
        for _ in 0..<9 {
            organization.append(creditAlphabet[rest % 31])
            rest /= 31
        }
        let first17 = [UInt8(ascii: "9"), kind] + Array(county.utf8) + organization
        return try! SubjectCode(validating: String(decoding: first17 + [SubjectCode.creditCheckCharacter(first17)], as: UTF8.self))
    }

    static func name(serial: Int, type: SubjectType, county: County) -> String {
        let place = county.name.dropLast()
        return switch type {
        case .village: "\(place)第\(serial + 1)村"
        case .community: "\(place)第\(serial + 1)社区"
        case .enterprise: "\(place)第\(serial + 1)号企业有限公司"
        case .institution: "\(place)第\(serial + 1)号事业单位"
        case .religiousSite: "\(place)第\(serial + 1)号宗教活动场所"
        }
    }
}
