import EventContract

// How compliance is computed (DESIGN.md section 5), each rule written once. The maintained view
// applies them in Swift as events arrive; where Postgres must evaluate one (the recomputation
// from the facts, the subject page, the index behind it), it gets the SQL rendered from here.

/// The three zeros (三零). A subject breaches a zero in a year when a live (registered, not
/// voided) record of that year breaches it; a subject is compliant with none breached.
public enum Zero: String, Sendable, Hashable, CaseIterable, Comparable {
    case petition, accident
    case `case`

    /// The registration that can breach this zero, and the rule that says when it does:
    /// - 零上访: a petition lodged above the unit (township or higher), or a collective one;
    /// - 零事故: an accident with at least one death or injury;
    /// - 零案件: a criminal case, or a public-order case of major impact.
    public var breachRule: Condition {
        switch self {
        case .petition: Self.petitionRule
        case .accident: Self.accidentRule
        case .case: Self.caseRule
        }
    }

    private static let petitionRule = Condition.any([.textIsNot(.lodgedLevel, LodgedLevel.unit.rawValue), .flag(.collective)])
    private static let accidentRule = Condition.sumAtLeast([.deaths, .injuries], 1)
    private static let caseRule = Condition.any([
        .textIs(.kind, CaseKind.criminal.rawValue), .all([.textIs(.kind, CaseKind.publicOrder.rawValue), .flag(.majorImpact)]),
    ])

    public var registration: EventType {
        switch self {
        case .petition: .petitionRegistered
        case .accident: .accidentReported
        case .case: .caseFiled
        }
    }

    public var entity: Entity { registration.entity }

    /// 零上访, 零事故, 零案件
    public var label: String {
        switch self {
        case .petition: "零上访"
        case .accident: "零事故"
        case .case: "零案件"
        }
    }

    /// The column of `subject_year` holding the subject's live breaching records of this zero.
    public var column: String { self == .case ? "\"case\"" : rawValue }

    public static func < (a: Zero, b: Zero) -> Bool { allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)! }

    /// The zero an event breaches, if it is a registration that breaches one.
    public static func breached(by data: EventData) -> Zero? {
        let zero: Zero
        switch data {
        case .petitionRegistered: zero = .petition
        case .accidentReported: zero = .accident
        case .caseFiled: zero = .case
        default: return nil
        }
        return zero.breachRule.holds(for: FactColumns(data)) ? zero : nil
    }

    /// A row of `facts` that registers a record breaching this zero.
    public var factSQL: String { "(type = \(SQL.literal(registration.rawValue)) AND \(breachRule.operand))" }

    /// The facts that can stand behind a breach on the subject page: registrations that breach a
    /// zero, and voids (which retract them). The partial index `facts_behind_breaches` is made from
    /// this text; a query that wants the index includes it.
    public static let behindBreachesSQL = "(" + allCases.map(\.factSQL).joined(separator: "\n    OR ") + "\n    OR type LIKE '%.voided')"

    /// The name of the zero a row of `facts` breaches, or NULL.
    public static let breachedZeroSQL = "CASE " + allCases.map { "WHEN \($0.factSQL) THEN \(SQL.literal($0.rawValue))" }.joined(separator: " ") + " END"

    /// The registering types of the zeros, for `IN`.
    public static let registrationsSQL = SQL.list(allCases.map(\.registration.rawValue))
}

/// The problem kinds of the ledger (问题台账): found, resolved (or rectified), open, overdue.
public enum ProblemKind: String, Sendable, Hashable, CaseIterable, Codable {
    case dispute, hazard
    case securityProblem = "security_problem"

    public var entity: Entity {
        switch self {
        case .dispute: .dispute
        case .hazard: .hazard
        case .securityProblem: .securityProblem
        }
    }

    public init?(entity: Entity) {
        self.init(rawValue: entity.rawValue)
    }

    /// 矛盾纠纷, 安全隐患, 治安问题
    public var label: String {
        switch self {
        case .dispute: "矛盾纠纷"
        case .hazard: "安全隐患"
        case .securityProblem: "治安问题"
        }
    }

    public var registration: EventType {
        switch self {
        case .dispute: .disputeFound
        case .hazard: .hazardFound
        case .securityProblem: .securityProblemFound
        }
    }

    public var resolution: EventType {
        switch self {
        case .dispute: .disputeResolved
        case .hazard: .hazardRectified
        case .securityProblem: .securityProblemResolved
        }
    }

    /// `('dispute', 'hazard', 'security_problem')`, for `entity IN` in SQL.
    public static let entitiesSQL = SQL.list(allCases.map(\.rawValue))
    public static let resolutionsSQL = SQL.list(allCases.map(\.resolution.rawValue))

    /// When an unresolved problem becomes overdue: its deadline, or the default after registration.
    public static func due(registeredAt: Timestamp, deadline: Timestamp?, defaultDeadlineDays days: Int) -> Timestamp {
        deadline ?? Timestamp(unixMicros: registeredAt.unixMicros + Int64(days) * 86_400_000_000)
    }

    /// The same in SQL, over columns named `deadline` and `registered`.
    public static func dueSQL(deadline: String = "deadline", registered: String, days: String) -> String {
        "coalesce(\(deadline), \(registered) + make_interval(days => \(days)))"
    }

    /// Overdue at `asOf`: open then, and due before it.
    public static func isOverdue(due: Timestamp, resolvedAt: Timestamp?, asOf: Timestamp) -> Bool {
        (resolvedAt.map { $0 > asOf } ?? true) && due < asOf
    }
}

/// Who ranks above whom in a ranking notice (排名通报): the higher share of problems resolved,
/// then the higher compliance rate, then the code.
public struct RankingKey: Sendable, Equatable {
    public var code: String
    public var resolutionRate: Double
    public var complianceRate: Double

    public init(code: String, resolutionRate: Double, complianceRate: Double) {
        (self.code, self.resolutionRate, self.complianceRate) = (code, resolutionRate, complianceRate)
    }

    public func ranksAbove(_ other: RankingKey) -> Bool {
        if resolutionRate != other.resolutionRate { return resolutionRate > other.resolutionRate }
        if complianceRate != other.complianceRate { return complianceRate > other.complianceRate }
        return code < other.code
    }
}

/// The share of a whole, 1 when there is nothing to count (no subjects: nothing breached; no problems: none left).
public func share(_ part: Int, of whole: Int) -> Double {
    whole == 0 ? 1 : Double(part) / Double(whole)
}
