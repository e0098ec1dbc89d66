import EventContract

/// The columns of a registering fact that the rules read: what `FactColumns` holds in Swift and
/// what the `facts` table holds in SQL, under these names.
public enum TextColumn: String, Sendable {
    case lodgedLevel = "lodged_level"
    case kind
}

public enum FlagColumn: String, Sendable {
    case collective
    case majorImpact = "major_impact"
}

public enum NumberColumn: String, Sendable {
    case deaths, injuries
}

/// A condition over the columns of one fact, written once and evaluated two ways: in Swift on
/// the event as it is applied (`holds(for:)`), and by Postgres over rows of `facts` (`sql`),
/// where the recomputation, the subject page and the index behind it need it.
public indirect enum Condition: Sendable {
    case textIs(TextColumn, String)
    case textIsNot(TextColumn, String)
    case flag(FlagColumn)
    case sumAtLeast([NumberColumn], Int64)
    case all([Condition])
    case any([Condition])

    public func holds(for row: FactColumns) -> Bool {
        switch self {
        case .textIs(let column, let value): row[column] == value
        case .textIsNot(let column, let value): row[column].map { $0 != value } ?? false
        case .flag(let column): row[column] ?? false
        case .sumAtLeast(let columns, let bound):
            columns.allSatisfy { row[$0] != nil } && columns.reduce(0) { $0 + row[$1]! } >= bound
        case .all(let conditions): conditions.allSatisfy { $0.holds(for: row) }
        case .any(let conditions): conditions.contains { $0.holds(for: row) }
        }
    }

    /// The condition as SQL over the columns of `facts` (the operators Postgres' planner needs to
    /// see, unchanged, to match the partial index made from the same text).
    public var sql: String {
        switch self {
        case .textIs(let column, let value): "\(column.rawValue) = \(SQL.literal(value))"
        case .textIsNot(let column, let value): "\(column.rawValue) <> \(SQL.literal(value))"
        case .flag(let column): column.rawValue
        case .sumAtLeast(let columns, let bound): columns.map(\.rawValue).joined(separator: " + ") + " >= \(bound)"
        case .all(let conditions): conditions.map(\.operand).joined(separator: " AND ")
        case .any(let conditions): conditions.map(\.operand).joined(separator: " OR ")
        }
    }

    /// `sql`, in parentheses where it combines others.
    public var operand: String {
        switch self {
        case .all(let c) where c.count > 1, .any(let c) where c.count > 1: "(\(sql))"
        default: sql
        }
    }
}

/// Rendering Swift values into SQL text: only the rules' own constants go through here.
public enum SQL {
    /// A string literal (quotes doubled).
    public static func literal(_ text: String) -> String {
        "'" + text.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "''") + "'"
    }

    /// `('a', 'b', 'c')`, for `IN`.
    public static func list(_ texts: some Sequence<String>) -> String {
        "(" + texts.map(literal).joined(separator: ", ") + ")"
    }
}
