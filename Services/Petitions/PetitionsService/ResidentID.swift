import EventContract

/// 居民身份证号码 (GB 11643-1999): 17 digits and a check character (0-9 or X).
public struct ResidentID: Sendable, Hashable {
    public let rawValue: String

    static let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    static let checks = Array("10X98765432")

    /// Validates the number (region, birth date, check character); never puts it in the message.
    public init(validating text: String, path: String) throws(ContractViolation) {
        let chars = Array(text.uppercased())
        guard chars.count == 18, chars[0..<17].allSatisfy(\.isASCII), chars[0..<17].allSatisfy(\.isNumber),
            chars[17].isNumber || chars[17] == "X"
        else { throw ContractViolation(path, "must be an 18-character resident ID number (17 digits and a check digit or X)") }
        let digits = chars[0..<17].map { Int(String($0))! }
        let year = digits[6...9].reduce(0) { $0 * 10 + $1 }
        let month = digits[10] * 10 + digits[11]
        let day = digits[12] * 10 + digits[13]
        guard (1900...2100).contains(year), (1...12).contains(month), day >= 1,
            day <= [31, year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        else { throw ContractViolation(path, "has a birth date that does not exist") }
        let sum = zip(digits, Self.weights).reduce(0) { $0 + $1.0 * $1.1 }
        guard chars[17] == Self.checks[sum % 11] else { throw ContractViolation(path, "has a wrong check digit") }
        rawValue = String(chars)
    }
}
