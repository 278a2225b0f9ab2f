/// A binary SQL operator of LakeDQ's expression subset.
public enum SQLBinaryOperator: String, Sendable, Hashable {
    case add = "+", subtract = "-", multiply = "*", divide = "/", modulo = "%", concat = "||"
    case equal = "=", notEqual = "<>", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
    case and = "AND", or = "OR"
}

/// An expression of the SQL subset used by `where` clauses, `CustomSql` and `AggregateMatch`.
///
/// Supported: column references (optionally qualified, quoted with backticks or double
/// quotes), number / string / boolean / NULL literals, arithmetic, `||`, comparisons,
/// `AND`/`OR`/`NOT`, `[NOT] IN (…)`, `[NOT] BETWEEN`, `[NOT] LIKE`, `IS [NOT] NULL`, scalar
/// functions (`lower`, `upper`, `length`, `trim`, `abs`, `round`, `coalesce`, `substring`,
/// `year`, `month`, `day`, `hour`, `current_date`, `current_timestamp`, `now`) and the aggregates
/// `count`, `sum`, `avg`, `min`, `max`, `stddev`, `variance` (with `DISTINCT` for `count`).
public indirect enum SQLExpression: Sendable, Hashable {
    case column(qualifier: String?, name: String)
    case number(Double)
    case string(String)
    case boolean(Bool)
    case null
    case negate(SQLExpression)
    case not(SQLExpression)
    case binary(SQLExpression, SQLBinaryOperator, SQLExpression)
    case isNull(SQLExpression, negated: Bool)
    case between(SQLExpression, low: SQLExpression, high: SQLExpression, negated: Bool)
    case inList(SQLExpression, [SQLExpression], negated: Bool)
    case like(SQLExpression, pattern: SQLExpression, negated: Bool)
    /// A function call; `star` for `count(*)`.
    case function(name: String, arguments: [SQLExpression], distinct: Bool, star: Bool)

    static let aggregateNames: Set<String> = ["count", "sum", "avg", "mean", "min", "max", "stddev", "stddev_pop",
                                               "variance", "var_pop"]

    /// Whether the expression contains an aggregate call.
    public var containsAggregate: Bool {
        switch self {
        case .column, .number, .string, .boolean, .null: return false
        case let .negate(inner), let .not(inner), let .isNull(inner, _): return inner.containsAggregate
        case let .binary(lhs, _, rhs): return lhs.containsAggregate || rhs.containsAggregate
        case let .between(value, low, high, _):
            return value.containsAggregate || low.containsAggregate || high.containsAggregate
        case let .inList(value, list, _): return value.containsAggregate || list.contains { $0.containsAggregate }
        case let .like(value, pattern, _): return value.containsAggregate || pattern.containsAggregate
        case let .function(name, arguments, _, _):
            return Self.aggregateNames.contains(name) || arguments.contains { $0.containsAggregate }
        }
    }

    /// The qualifiers of every column reference (`ref` in `ref.col`).
    public var qualifiers: Set<String> {
        switch self {
        case let .column(qualifier, _): return qualifier.map { [$0] } ?? []
        case .number, .string, .boolean, .null: return []
        case let .negate(inner), let .not(inner), let .isNull(inner, _): return inner.qualifiers
        case let .binary(lhs, _, rhs): return lhs.qualifiers.union(rhs.qualifiers)
        case let .between(value, low, high, _): return value.qualifiers.union(low.qualifiers).union(high.qualifiers)
        case let .inList(value, list, _): return list.reduce(value.qualifiers) { $0.union($1.qualifiers) }
        case let .like(value, pattern, _): return value.qualifiers.union(pattern.qualifiers)
        case let .function(_, arguments, _, _): return arguments.reduce([]) { $0.union($1.qualifiers) }
        }
    }
}

/// One item of a `SELECT` list.
public enum SQLSelectItem: Sendable, Hashable {
    /// `*`.
    case all
    case expression(SQLExpression, alias: String?)
}

/// `SELECT items FROM table [AS alias] [WHERE predicate]` — the statement shape `CustomSql`
/// accepts. Joins, grouping, ordering and subqueries are outside the subset.
public struct SQLSelect: Sendable, Hashable {
    public var items: [SQLSelectItem]
    public var table: String
    public var alias: String?
    public var predicate: SQLExpression?
}

/// A SQL text outside LakeDQ's subset or malformed; says where (0-based character offset).
public struct SQLError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var offset: Int

    public init(message: String, offset: Int) {
        self.message = message
        self.offset = offset
    }

    public var description: String { "SQL error at character \(offset): \(message)" }
}
