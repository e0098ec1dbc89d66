import Foundation

/// The names of a city's counties by their 6-digit division code, read from data: a CSV of
/// `code,name` lines. The demo city's file (Changzhi, 长治市 140400, DESIGN.md section 4) ships in
/// this module's resources; the four-levels issue makes it a versioned directory the office imports.
public struct DivisionNames: Sendable {
    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    /// The counties in the file's order.
    public let counties: [(code: String, name: String)]
    private let names: [String: String]

    public init(csv: String) throws {
        var counties: [(code: String, name: String)] = []
        for (index, line) in csv.split(whereSeparator: \.isNewline).enumerated() where index > 0 && !line.isEmpty {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count == 2, fields[0].count == 6, fields[0].allSatisfy(\.isASCII), fields[0].allSatisfy(\.isNumber), !fields[1].isEmpty else {
                throw Invalid(description: "line \(index + 1): expected a 6-digit county code and a name")
            }
            counties.append((fields[0], fields[1]))
        }
        self.counties = counties
        names = Dictionary(counties.map { ($0.code, $0.name) }) { first, _ in first }
    }

    /// 潞州区 for 140403; the code itself for a county the file does not name.
    public func name(_ code: String) -> String { names[code] ?? code }

    /// The demo city's counties (Changzhi).
    public static let demo: DivisionNames = {
        guard let url = Bundle.module.url(forResource: "changzhi-140400", withExtension: "csv", subdirectory: "Resources"),
            let text = try? String(contentsOf: url, encoding: .utf8), let names = try? DivisionNames(csv: text)
        else { fatalError("the demo city's division file is missing from the resource bundle (ThreeZero_Divisions.resources beside the binary)") }
        return names
    }()
}
