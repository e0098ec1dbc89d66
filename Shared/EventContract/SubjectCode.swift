/// The code of a creation subject (创建主体): the Kafka key of every event about it.
///
/// Villages and communities carry their 12-digit statistical division code (统计用区划代码), whose
/// first six digits are the county. Every other subject carries its 18-character unified social
/// credit code (统一社会信用代码, GB 32100-2015), whose characters 3–8 are the registering county
/// and whose last character is a check character over the first 17.
public struct SubjectCode: Sendable, Hashable, Comparable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// 统计用区划代码 (village or community)
        case division
        /// 统一社会信用代码 (religious site, institution, enterprise)
        case unifiedSocialCredit
    }

    public let rawValue: String
    public let kind: Kind

    /// The 6-digit county (县级) division code the subject belongs to.
    public let county: String

    public var description: String { rawValue }

    public static func < (lhs: SubjectCode, rhs: SubjectCode) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Validates `text`, or says exactly why it is not a subject code.
    public init(validating text: String) throws(ContractViolation) {
        var bytes = text
        // Every consumed event carries one: read in place, without copying the characters.
        kind = try bytes.withUTF8 { chars in Result { () throws(ContractViolation) in try Self.kind(of: chars, text: text) } }.get()
        rawValue = text
        county = kind == .division ? String(text.prefix(6)) : String(text.dropFirst(2).prefix(6))
    }

    /// The kind of code `chars` (the UTF-8 of `text`) is, or why it is none.
    static func kind(of chars: UnsafeBufferPointer<UInt8>, text: String) throws(ContractViolation) -> Kind {
        switch chars.count {
        case 12:
            guard chars.allSatisfy(isDigit) else {
                throw ContractViolation("", "subject code \"\(text)\" is not a 12-digit division code: only digits are allowed")
            }
            guard isProvince(chars[0], chars[1]) else {
                throw ContractViolation("", "subject code \"\(text)\" does not start with a province code (11–65)")
            }
            return .division
        case 18:
            guard chars.allSatisfy({ creditAlphabetIndex[Int($0)] >= 0 }) else {
                throw ContractViolation("", "subject code \"\(text)\" is not a unified social credit code: characters allowed are 0-9 and A-Z without I, O, S, V, Z")
            }
            guard chars[2..<8].allSatisfy(isDigit) else {
                throw ContractViolation("", "subject code \"\(text)\": characters 3–8 of a unified social credit code must be the 6-digit county code")
            }
            let expected = creditCheckCharacter(chars[0..<17])
            guard chars[17] == expected else {
                throw ContractViolation(
                    "", "subject code \"\(text)\" has a wrong check character: expected \(Character(UnicodeScalar(expected))), got \(Character(UnicodeScalar(chars[17])))")
            }
            return .unifiedSocialCredit
        default:
            throw ContractViolation("", "subject code \"\(text)\" must be a 12-digit division code or an 18-character unified social credit code (it has \(text.count) characters)")
        }
    }

    /// The check character of a unified social credit code over its first 17 characters
    /// (GB 32100-2015: weights 3^i mod 31, alphabet of 31 characters).
    public static func creditCheckCharacter<C: Collection>(_ first17: C) -> UInt8 where C.Element == UInt8 {
        var sum = 0
        for (char, weight) in zip(first17, creditWeights) {
            sum += max(0, creditAlphabetIndex[Int(char)]) * weight
        }
        let check = (31 - sum % 31) % 31
        return creditAlphabet[check]
    }

    static let creditAlphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY".utf8)
    static let creditWeights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    /// The index in `creditAlphabet` of every byte, -1 for bytes outside it.
    static let creditAlphabetIndex: [Int] = (0..<256).map { byte in creditAlphabet.firstIndex(of: UInt8(byte)) ?? -1 }
    static let provinces: Set<String> = [
        "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
        "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
    ]
    static func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
    /// Whether two digits are a province code (`provinces`), by a table of the hundred pairs.
    static func isProvince(_ tens: UInt8, _ ones: UInt8) -> Bool {
        isDigit(tens) && isDigit(ones) && provinceTable[Int(tens - 48) * 10 + Int(ones - 48)]
    }
    static let provinceTable: [Bool] = (0..<100).map { provinces.contains($0 < 10 ? "0\($0)" : "\($0)") }
}
