import EventContract

/// The typed columns of one fact (a row of `facts`): which payload field of which event type
/// lands in which column, said once, for the binary COPY into `facts` and for the rules.
public struct FactColumns: Sendable {
    public var category: String?
    public var persons: Int64?
    public var channel: String?
    public var origin: String?
    public var lodgedLevel: String?
    public var collective: Bool?
    public var level: String?
    public var deaths: Int64?
    public var injuries: Int64?
    public var kind: String?
    public var majorImpact: Bool?
    /// The contract's deadline field of a problem, if the event has one.
    public var deadline: Timestamp?

    public init(_ data: EventData) {
        switch data {
        case .petitionRegistered(let p):
            (category, persons, channel, origin) = (p.category, p.persons, p.channel.rawValue, p.origin.rawValue)
            (lodgedLevel, collective) = (p.lodgedLevel.rawValue, p.collective)
        case .petitionProxied(let p): level = p.level.rawValue
        case .disputeFound(let d): category = d.category
        case .hazardFound(let h): category = h.category
        case .accidentReported(let a): (kind, deaths, injuries) = (a.kind, a.deaths, a.injuries)
        case .caseFiled(let c): (kind, category, majorImpact) = (c.kind.rawValue, c.category.rawValue, c.majorImpact)
        case .securityProblemFound(let s): category = s.category
        case .petitionResolved, .disputeResolved, .hazardRectified, .caseSolved, .securityProblemResolved, .subjectUpserted, .voided: break
        case .supervisionOpened, .supervisionUrged, .supervisionEscalated, .supervisionClosed, .supervisionAnswered: break
        }
        deadline = data.deadline
    }

    subscript(column: TextColumn) -> String? {
        switch column {
        case .lodgedLevel: lodgedLevel
        case .kind: kind
        }
    }

    subscript(column: FlagColumn) -> Bool? {
        switch column {
        case .collective: collective
        case .majorImpact: majorImpact
        }
    }

    subscript(column: NumberColumn) -> Int64? {
        switch column {
        case .deaths: deaths
        case .injuries: injuries
        }
    }
}
