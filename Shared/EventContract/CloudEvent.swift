import Foundation

/// A ThreeZero event: a CloudEvents 1.0 envelope in structured JSON mode around one payload.
///
/// On Kafka the message key is `subject` and the header `content-type` is
/// `application/cloudevents+json`. `sequence` is the publishing source's outbox number.
public struct CloudEvent: Sendable, Hashable {
    public static let contentType = "application/cloudevents+json"
    public static let specVersion = "1.0"

    public var id: String
    public var source: EventSource
    public var subject: SubjectCode
    /// When the fact happened in the world (not when it was recorded).
    public var time: Timestamp
    public var sequence: UInt64
    public var data: EventData

    public var type: EventType { data.type }

    public init(id: String = UUIDv7.generate(), source: EventSource, subject: SubjectCode, time: Timestamp, sequence: UInt64, data: EventData) {
        self.id = id
        self.source = source
        self.subject = subject
        self.time = time
        self.sequence = sequence
        self.data = data
    }

    /// `sequence` as the contract writes it: 20 digits, zero-padded, so text order is number order.
    public var sequenceText: String {
        let digits = String(sequence)
        return String(repeating: "0", count: 20 - digits.count) + digits
    }

    // MARK: - Encoding

    struct Envelope: Encodable {
        let specversion: String
        let id: String
        let source: String
        let type: String
        let subject: String
        let time: Timestamp
        let sequence: String
        let datacontenttype: String
        let data: EventData
    }

    /// The event as the bytes of a Kafka message value.
    public func encoded() -> [UInt8] {
        let envelope = Envelope(
            specversion: Self.specVersion, id: id, source: source.rawValue, type: type.wireName, subject: subject.rawValue,
            time: time, sequence: sequenceText, datacontenttype: "application/json", data: data)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Every field is a string, number, bool or nested object of those: encoding cannot fail.
        return Array(try! encoder.encode(envelope))
    }

    // MARK: - Decoding

    static let envelopeFields = ["specversion", "id", "source", "type", "subject", "time", "sequence", "datacontenttype", "data"]

    /// Reads and validates an event from a Kafka message value, or says precisely why not.
    public static func decode(_ bytes: some Collection<UInt8>) throws(ContractViolation) -> CloudEvent {
        let json: JSONValue
        do {
            json = try JSONParser.parse(bytes)
        } catch {
            throw ContractViolation("", "not valid JSON")
        }
        return try read(json)
    }

    public static func read(_ json: JSONValue) throws(ContractViolation) -> CloudEvent {
        let f = try FieldReader(json, path: "")
        try f.rejectUnknown(allowed: envelopeFields)
        let spec = try f.string("specversion")
        guard spec == specVersion else { throw ContractViolation("specversion", "must be \"1.0\", got \"\(spec)\"") }
        let id = try f.uuid("id")
        let source: EventSource = try f.enumeration("source")
        let typeName = try f.string("type")
        guard let type = EventType(wireName: typeName) else {
            throw ContractViolation.unknownType(typeName)
        }
        guard type.mayComeFrom(source) else {
            throw ContractViolation("type", "\(typeName) may not come from \(source.rawValue)")
        }
        let subject = try f.subjectCode("subject")
        let time = try f.timestamp("time")
        let sequenceText = try f.string("sequence")
        guard sequenceText.utf8.count == 20, sequenceText.utf8.allSatisfy(SubjectCode.isDigit), let sequence = UInt64(sequenceText) else {
            throw ContractViolation("sequence", "must be a 20-digit zero-padded number, got \"\(sequenceText)\"")
        }
        guard Bounds.sequence.contains(sequence) else {
            throw ContractViolation("sequence", "must be at most \(Bounds.sequence.upperBound) (10^18 − 1), got \(sequenceText)")
        }
        if let contentType = try f.optionalString("datacontenttype"), contentType != "application/json" {
            throw ContractViolation("datacontenttype", "must be application/json, got \"\(contentType)\"")
        }
        let data = try EventData.read(try f.required("data"), as: type)
        if case .subjectUpserted(let s) = data, s.code != subject {
            throw ContractViolation("subject", "must equal data.code for roster events")
        }
        return CloudEvent(id: id, source: source, subject: subject, time: time, sequence: sequence, data: data)
    }
}
