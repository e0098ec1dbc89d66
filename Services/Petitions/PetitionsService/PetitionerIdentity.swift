import Crypto
import EventContract
import Foundation

/// Who lodged a petition: kept only in the petitions database, sealed with AES-GCM under a key
/// from configuration, never logged, never published, shown only to the petitions clerk.
public struct PetitionerIdentity: Sendable, Hashable, Codable {
    public var name: String
    public var idNumber: String
    public var phone: String?

    public init(name: String, idNumber: String, phone: String?) {
        self.name = name
        self.idNumber = idNumber
        self.phone = phone
    }

    /// Reads `petitioner` from a request; refusals name the field but never echo the value.
    public init(reading value: JSONValue, path: String = "petitioner") throws(ContractViolation) {
        let f = try FieldReader(value, path: path)
        try f.rejectUnknown(allowed: ["name", "idNumber", "phone"])
        let name = try f.string("name")
        guard name.count <= 50 else { throw ContractViolation("\(path).name", "is longer than 50 characters") }
        self.name = name
        idNumber = try ResidentID(validating: try f.string("idNumber"), path: "\(path).idNumber").rawValue
        if let phone = try f.optionalString("phone") {
            let digits = phone.filter { $0 != "-" && $0 != " " }
            let mobile = digits.count == 11 && digits.hasPrefix("1")
            let landline = digits.hasPrefix("0") && (10...12).contains(digits.count)
            guard digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber), mobile || landline else {
                throw ContractViolation("\(path).phone", "must be an 11-digit mobile number or a landline with its area code")
            }
            self.phone = phone
        } else {
            phone = nil
        }
    }

    public var json: JSONValue {
        ["name": .string(name), "idNumber": .string(idNumber), "phone": phone.map(JSONValue.string) ?? .null]
    }

    public static let schema: JSONValue = [
        "type": "object", "additionalProperties": false, "required": ["name", "idNumber"],
        "description": "The petitioner; kept sealed in this service only, never published",
        "properties": [
            "name": ["type": "string", "minLength": 1, "maxLength": 50],
            "idNumber": ["type": "string", "pattern": "^[0-9]{17}[0-9Xx]$", "description": "18-digit resident ID with its check digit"],
            "phone": ["type": "string", "pattern": "^[0-9 -]{10,16}$"],
        ],
    ]
}

/// Seals and opens petitioner identities with the configured key.
public struct IdentityVault: Sendable {
    /// The key's bytes (`SymmetricKey` is not `Sendable`; one is made per use).
    let keyBytes: [UInt8]
    var key: SymmetricKey { SymmetricKey(data: keyBytes) }

    public struct BadKey: Error, CustomStringConvertible {
        public let description = "PETITIONS_IDENTITY_KEY must be 32 random bytes in base64 (e.g. `openssl rand -base64 32`)"
    }

    public init(base64 text: String?) throws {
        guard let text, let data = Data(base64Encoded: text), data.count == 32 else { throw BadKey() }
        keyBytes = Array(data)
    }

    public func seal(_ identity: PetitionerIdentity) throws -> [UInt8] {
        Array(try AES.GCM.seal(try JSONEncoder().encode(identity), using: key).combined!)
    }

    public func open(_ sealed: [UInt8]) throws -> PetitionerIdentity {
        try JSONDecoder().decode(PetitionerIdentity.self, from: try AES.GCM.open(AES.GCM.SealedBox(combined: Data(sealed)), using: key))
    }
}
