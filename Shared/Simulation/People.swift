import EventContract
import Foundation

/// Made-up petitioners: a common Chinese name, a resident ID number that passes GB 11643 (region
/// of the subject's county, a real birth date, the right check character) and a mobile number.
/// None of them is a real person; they exist so the petitions service has an identity to seal.
enum People {
    static let surnames = Array("王李张刘陈杨赵黄周吴徐孙马胡朱郭何罗高林")
    static let givenNames = Array("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英")
    static let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    static let checks = Array("10X98765432")

    static func petitioner(_ random: inout SplitMix64, county: String) -> JSONValue {
        let name = String(random.pick(surnames)) + String(random.pick(givenNames)) + (random.chance(0.6) ? String(random.pick(givenNames)) : "")
        let birth = String(format: "%04d%02d%02d", random.int(1945..<2005), random.int(1..<13), random.int(1..<29))
        let first17 = county + birth + String(format: "%03d", random.int(0..<1000))
        let sum = zip(first17.utf8, weights).reduce(0) { $0 + Int($1.0 - 48) * $1.1 }
        let phone = "1" + random.pick(["3", "5", "8"]) + String(format: "%09d", random.int(0..<1_000_000_000))
        return ["name": .string(name), "idNumber": .string(first17 + String(checks[sum % 11])), "phone": .string(phone)]
    }
}
