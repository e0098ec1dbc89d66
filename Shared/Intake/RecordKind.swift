import EventContract
import Postgres
import ServiceSupport

/// One kind of record a department keeps (a petition, a hazard, ...): how it is registered, the
/// actions that move it on, and who may write it. The generic store and controller do the rest.
public struct RecordKind: Sendable {
    public var entity: Entity
    /// The URL collection: `petitions`, `security-problems`, ...
    public var collection: String
    /// The event that registers a record of this kind.
    public var registers: EventType
    public var initialStatus: String
    /// Statuses in which the record still needs work (for `?overdue=true`).
    public var openStatuses: Set<String>
    public var actions: [RecordAction]
    /// The role that may write records of this kind.
    public var clerk: Role
    /// Fields only this service keeps (the petitioner's identity), never published.
    public var privateFields: PrivateFields?

    public init(
        entity: Entity, collection: String, registers: EventType, initialStatus: String, openStatuses: Set<String>,
        actions: [RecordAction], clerk: Role, privateFields: PrivateFields? = nil
    ) {
        self.entity = entity
        self.collection = collection
        self.registers = registers
        self.initialStatus = initialStatus
        self.openStatuses = openStatuses
        self.actions = actions + [.void(entity)]
        self.clerk = clerk
        self.privateFields = privateFields
    }

    public func action(named name: String) -> RecordAction? { actions.first { $0.name == name } }

    /// Every status a record of this kind can have.
    public var statuses: [String] {
        var all = [initialStatus]
        for action in actions { for s in action.resultingStatuses where !all.contains(s) { all.append(s) } }
        return all
    }
}

/// An action on a record: the statuses it is allowed from, the event it publishes, and the
/// status it leads to. An action without an event is the department's own bookkeeping (a hazard
/// whose rectification has begun): kept in history, published nowhere.
public struct RecordAction: Sendable {
    public var name: String
    public var event: EventType?
    public var from: Set<String>
    public var resultingStatuses: [String]
    /// The status after the action, from its payload (a petition resolves to `resolved` or `closed`).
    public var nextStatus: @Sendable (EventData?) -> String
    /// A refusal beyond the status check (e.g. a proxy down a level), or nil.
    public var check: @Sendable (RecordView, EventData?) -> String?

    public init(
        name: String, event: EventType?, from: Set<String>, to status: String,
        check: @escaping @Sendable (RecordView, EventData?) -> String? = { _, _ in nil }
    ) {
        self.init(name: name, event: event, from: from, resultingStatuses: [status], nextStatus: { _ in status }, check: check)
    }

    public init(
        name: String, event: EventType?, from: Set<String>, resultingStatuses: [String],
        nextStatus: @escaping @Sendable (EventData?) -> String,
        check: @escaping @Sendable (RecordView, EventData?) -> String? = { _, _ in nil }
    ) {
        self.name = name
        self.event = event
        self.from = from
        self.resultingStatuses = resultingStatuses
        self.nextStatus = nextStatus
        self.check = check
    }

    public static let voidedStatus = "voided"

    /// Any record not already voided can be voided, with a reason; it then counts nowhere.
    static func void(_ entity: Entity) -> RecordAction {
        RecordAction(name: "void", event: entity.voidType!, from: [], to: voidedStatus)
    }

    func allows(_ status: String) -> Bool {
        name == "void" ? status != Self.voidedStatus : from.contains(status)
    }
}

/// Data a kind keeps only in this service's database (sealed), shown only to some roles.
public struct PrivateFields: Sendable {
    /// The request field that carries them, e.g. `petitioner`.
    public var field: String
    public var required: Bool
    public var visibleTo: Set<Role>
    /// Validates and stores the value for a new record, in the record's transaction.
    public var store: @Sendable (PostgresConnection, _ recordId: String, JSONValue) throws -> Void
    /// The value for display, or nil when there is none (or it was erased).
    public var load: @Sendable (PostgresConnection, _ recordId: String) throws -> JSONValue?
    /// The field's JSON Schema, for the OpenAPI document.
    public var schema: JSONValue

    public init(
        field: String, required: Bool, visibleTo: Set<Role>,
        store: @escaping @Sendable (PostgresConnection, String, JSONValue) throws -> Void,
        load: @escaping @Sendable (PostgresConnection, String) throws -> JSONValue?,
        schema: JSONValue
    ) {
        self.field = field
        self.required = required
        self.visibleTo = visibleTo
        self.store = store
        self.load = load
        self.schema = schema
    }
}
