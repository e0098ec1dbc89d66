import EventContract

/// A record as the API shows it.
public struct RecordView: Sendable, Encodable {
    public var id: String
    public var kind: Entity
    public var subject: String
    public var county: String
    public var status: String
    /// When the fact happened (+08:00).
    public var time: String
    public var deadline: String?
    /// The record's fields as its registering event carries them.
    public var fields: JSONValue
    public var createdAt: String
    public var updatedAt: String
    public var history: [HistoryEntry]?
    /// Private fields (e.g. `petitioner`), present only for roles allowed to see them.
    public var privateFields: [String: JSONValue] = [:]

    public struct HistoryEntry: Sendable, Encodable {
        public var action: String
        public var status: String
        public var actor: String
        public var time: String
        public var recordedAt: String
        public var details: JSONValue
    }

    enum Key: String, CodingKey {
        case id, kind, subject, county, status, time, deadline, fields, createdAt, updatedAt, history
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(id, forKey: .id)
        try c.encode(kind.rawValue, forKey: .kind)
        try c.encode(subject, forKey: .subject)
        try c.encode(county, forKey: .county)
        try c.encode(status, forKey: .status)
        try c.encode(time, forKey: .time)
        try c.encodeIfPresent(deadline, forKey: .deadline)
        try c.encode(fields, forKey: .fields)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(updatedAt, forKey: .updatedAt)
        try c.encodeIfPresent(history, forKey: .history)
        var extra = encoder.container(keyedBy: FieldKey.self)
        for (name, value) in privateFields { try extra.encode(value, forKey: FieldKey(name)) }
    }
}

/// One page of a list.
public struct RecordPage: Sendable, Encodable {
    public var items: [RecordView]
    public var page: Int
    public var pageSize: Int
    public var total: Int
}
