/// An arithmetic operator in a DQDL number expression.
///
/// The grammar gives `+ - * /` one precedence and associates them to the left, so
/// `1 + 2 * 3` is `(1 + 2) * 3` in DQDL; LakeDQ follows the grammar.
public enum DQDLArithmeticOperator: String, Sendable, Hashable {
    case add = "+", subtract = "-", multiply = "*", divide = "/"
}

/// A number operand: a literal, `NULL`, a parenthesised or arithmetic expression, or a call
/// such as `avg(last(7))` (a dynamic rule, evaluated against the metric history).
public indirect enum DQDLNumber: Sendable, Hashable {
    /// A literal; `text` keeps its spelling (`0.50` prints as `0.50`).
    case literal(value: Double, text: String)
    case null
    case parenthesized(DQDLNumber)
    case binary(DQDLNumber, DQDLArithmeticOperator, DQDLNumber)
    case call(name: String, arguments: [DQDLNumber])

    /// Whether the expression calls a function (a dynamic rule).
    public var isDynamic: Bool {
        switch self {
        case .literal, .null: return false
        case let .parenthesized(inner): return inner.isDynamic
        case let .binary(lhs, _, rhs): return lhs.isDynamic || rhs.isDynamic
        case .call: return true
        }
    }
}

/// The units of a DQDL duration.
public enum DQDLDurationUnit: String, Sendable, Hashable {
    case days, hours, minutes

    /// The unit in seconds.
    public var seconds: Int64 {
        switch self {
        case .days: return 86_400
        case .hours: return 3_600
        case .minutes: return 60
        }
    }
}

/// A duration such as `26 hours`.
public struct DQDLDuration: Sendable, Hashable {
    public var amount: Int64
    public var unit: DQDLDurationUnit

    public init(amount: Int64, unit: DQDLDurationUnit) {
        self.amount = amount
        self.unit = unit
    }

    /// The duration in seconds.
    public var seconds: Double { Double(amount) * Double(unit.seconds) }
}

/// The units of a DQDL size; they are 1024-based.
public enum DQDLSizeUnit: String, Sendable, Hashable {
    case bytes = "B", kilobytes = "KB", megabytes = "MB", gigabytes = "GB", terabytes = "TB"

    /// The unit in bytes.
    public var bytes: Double {
        switch self {
        case .bytes: return 1
        case .kilobytes: return 1024
        case .megabytes: return 1024 * 1024
        case .gigabytes: return 1024 * 1024 * 1024
        case .terabytes: return 1024 * 1024 * 1024 * 1024
        }
    }
}

/// A size such as `128 MB`.
public struct DQDLSize: Sendable, Hashable {
    public var amount: Int64
    /// `nil` for a plain number of bytes given where a size was expected.
    public var unit: DQDLSizeUnit?

    public init(amount: Int64, unit: DQDLSizeUnit?) {
        self.amount = amount
        self.unit = unit
    }

    /// The size in bytes.
    public var bytes: Double { Double(amount) * (unit?.bytes ?? 1) }
}

/// A date operand.
public enum DQDLDate: Sendable, Hashable {
    /// `"YYYY-MM-DD"`.
    case date(String)
    /// `now()`.
    case now
    /// `(now() - 3 days)` or `(now() + 2 hours)`.
    case nowOffset(DQDLArithmeticOperator, DQDLDuration)
    /// `"7:05 PM"` or `"19:05"`: today at that time in the rule's `timeZone`.
    case time(String)
    case null
}

/// A string operand.
public enum DQDLStringValue: Sendable, Hashable {
    case quoted(String)
    /// `$name`; resolved against the ruleset's variables.
    case variable(String)
    case null
    /// The empty string.
    case empty
    /// A non-empty string of only whitespace.
    case whitespacesOnly
}
