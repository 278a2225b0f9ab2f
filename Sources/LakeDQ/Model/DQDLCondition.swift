/// A comparison operator shared by every condition kind.
public enum DQDLOperator: Sendable, Hashable {
    case equal, notEqual, greater, greaterEqual, less, lessEqual
    /// Exclusive: `a < x < b`.
    case between
    /// `x <= a || x >= b`.
    case notBetween
    case `in`, notIn
    /// String conditions only: the whole value matches the regular expression.
    case matches, notMatches

    /// Whether the operator is a negative form, which lets null rows pass in `ColumnValues`.
    public var isNegative: Bool {
        switch self {
        case .notEqual, .notBetween, .notIn, .notMatches: return true
        default: return false
        }
    }
}

/// `<op> <number…>`.
public struct DQDLNumberCondition: Sendable, Hashable {
    public var op: DQDLOperator
    public var operands: [DQDLNumber]
    public init(op: DQDLOperator, operands: [DQDLNumber]) {
        self.op = op
        self.operands = operands
    }
}

/// `<op> <string…>`; `in $list` keeps the variable name in `listVariable` until resolution.
public struct DQDLStringCondition: Sendable, Hashable {
    public var op: DQDLOperator
    public var operands: [DQDLStringValue]
    public var listVariable: String?
    public init(op: DQDLOperator, operands: [DQDLStringValue], listVariable: String? = nil) {
        self.op = op
        self.operands = operands
        self.listVariable = listVariable
    }
}

/// `<op> <date…>`.
public struct DQDLDateCondition: Sendable, Hashable {
    public var op: DQDLOperator
    public var operands: [DQDLDate]
    public init(op: DQDLOperator, operands: [DQDLDate]) {
        self.op = op
        self.operands = operands
    }
}

/// `<op> <duration…>`.
public struct DQDLDurationCondition: Sendable, Hashable {
    public var op: DQDLOperator
    public var operands: [DQDLDuration]
    public init(op: DQDLOperator, operands: [DQDLDuration]) {
        self.op = op
        self.operands = operands
    }
}

/// `<op> <size…>`.
public struct DQDLSizeCondition: Sendable, Hashable {
    public var op: DQDLOperator
    public var operands: [DQDLSize]
    public init(op: DQDLOperator, operands: [DQDLSize]) {
        self.op = op
        self.operands = operands
    }
}

/// The condition a rule's metric is checked against; its kind follows the rule's return type.
public enum DQDLCondition: Sendable, Hashable {
    case number(DQDLNumberCondition)
    case string(DQDLStringCondition)
    case date(DQDLDateCondition)
    case duration(DQDLDurationCondition)
    case size(DQDLSizeCondition)
}
