import ComplianceRules
import EventContract
import Postgres

/// One applied event as a row of `facts`: the fields the figures use, typed, and the event as it
/// arrived. A class: a batch hands its facts from list to list, and a decoded event is dozens of
/// references to retain in every copy of a struct.
final class Fact: Sendable {
    let event: CloudEvent
    /// The event's JSON as received (UTF-8).
    let text: String

    init(event: CloudEvent, text: String) {
        self.event = event
        self.text = text
    }

    var entity: Entity { event.type.entity }

    static let columns = [
        "event_id", "source", "sequence", "type", "entity", "record_id", "subject", "county", "occurred_at", "category", "persons",
        "channel", "origin", "lodged_level", "collective", "level", "deaths", "injuries", "kind", "major_impact", "deadline", "event",
    ]

    /// Appends the values of `columns` as one row of a binary COPY.
    func append(to data: inout BinaryCopyData) throws(PostgresError) {
        let c = FactColumns(event.data)
        data.startRow()
        try data.uuid(event.id)
        data.text(event.source.rawValue)
        data.int8(Int64(event.sequence))
        data.text(event.type.rawValue)
        data.text(entity.rawValue)
        try data.uuid(event.data.recordId)
        data.text(event.subject.rawValue)
        data.text(event.subject.county)
        data.timestamp(micros: event.time.unixMicros)
        data.text(c.category)
        data.int4(c.persons)
        data.text(c.channel)
        data.text(c.origin)
        data.text(c.lodgedLevel)
        data.bool(c.collective)
        data.text(c.level)
        data.int4(c.deaths)
        data.int4(c.injuries)
        data.text(c.kind)
        data.bool(c.majorImpact)
        data.timestamp(micros: c.deadline?.unixMicros)
        data.text(text)
    }

    /// `facts` as the rows of one binary COPY into `facts`.
    static func copyData(_ facts: some Collection<Fact>) throws(PostgresError) -> BinaryCopyData {
        var data = BinaryCopyData(columns: columns.count, reservingRows: facts.count)
        for fact in facts { try fact.append(to: &data) }
        return data
    }
}

/// A record state as a row of `record_state` (the rules of `RecordState` live in ComplianceRules).
extension RecordState {
    /// The columns of `record_state`, in the order `append(to:defaultDeadlineDays:)` writes them.
    static let columns = [
        "record_id", "entity", "subject", "county", "year", "registered_at", "registered_event", "deadline", "persons", "online",
        "origin", "breach", "criminal", "proxy_level", "resolved_at", "voided_at", "due_at", "township",
    ]

    /// Appends this state as one row of a binary COPY into `record_state`.
    func append(to data: inout BinaryCopyData, defaultDeadlineDays days: Int) throws(PostgresError) {
        data.startRow()
        try data.uuid(recordId)
        data.text(entity?.rawValue)
        data.text(subject)
        data.text(county)
        data.int4(year)
        data.timestamp(micros: registeredAt?.unixMicros)
        if let registeredEvent { try data.uuid(registeredEvent) } else { data.null() }
        data.timestamp(micros: deadline?.unixMicros)
        data.int4(persons)
        data.bool(online)
        data.text(origin?.rawValue)
        data.text(breach?.rawValue)
        data.bool(criminal)
        data.int4(Int64(proxyLevel))
        data.timestamp(micros: resolvedAt?.unixMicros)
        data.timestamp(micros: voidedAt?.unixMicros)
        data.timestamp(micros: due(defaultDeadlineDays: days)?.unixMicros)
        data.text(township)
    }
}
