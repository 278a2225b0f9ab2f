/// A `"key" = "value"` label.
public struct DQDLLabel: Sendable, Hashable {
    public var key: String
    public var value: String
    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}

/// A rule parameter as written: a quoted string, a bare identifier or a `$variable`.
public struct DQDLParameter: Sendable, Hashable {
    public enum Form: Sendable, Hashable { case quoted, identifier, variable }

    public var form: Form
    /// The text (the variable name for `.variable`).
    public var text: String
    /// A leading `of` / `and`, which carries no meaning but is kept for display.
    public var connector: String?

    public init(form: Form, text: String, connector: String? = nil) {
        self.form = form
        self.text = text
        self.connector = connector
    }
}

/// A `with name <condition>` tag other than `threshold`, e.g. `with timeZone = "Europe/Berlin"`.
public struct DQDLTag: Sendable, Hashable {
    public var name: String
    /// The value; tags accept only `=`.
    public var value: String
    /// Whether the value was written quoted.
    public var isQuoted: Bool

    public init(name: String, value: String, isQuoted: Bool) {
        self.name = name
        self.value = value
        self.isQuoted = isQuoted
    }
}

/// One rule: `RuleType params… [condition] [where "…"] [labels = […]] [with tag cond]…`.
public struct DQDLRule: Sendable, Hashable {
    public var type: String
    public var parameters: [DQDLParameter]
    /// `nil` for rules returning BOOLEAN.
    public var condition: DQDLCondition?
    public var whereClause: String?
    /// `with threshold <number condition>`: checked against the share of compliant rows.
    public var threshold: DQDLNumberCondition?
    public var tags: [DQDLTag]
    /// The rule's own labels (defaults are merged at evaluation).
    public var labels: [DQDLLabel]?
    public var location: DQDLLocation?

    public init(type: String, parameters: [DQDLParameter] = [], condition: DQDLCondition? = nil,
                whereClause: String? = nil, threshold: DQDLNumberCondition? = nil, tags: [DQDLTag] = [],
                labels: [DQDLLabel]? = nil, location: DQDLLocation? = nil) {
        self.type = type
        self.parameters = parameters
        self.condition = condition
        self.whereClause = whereClause
        self.threshold = threshold
        self.tags = tags
        self.labels = labels
        self.location = location
    }

    /// The value of tag `name`, if present.
    public func tag(_ name: String) -> String? {
        tags.first { $0.name == name }?.value
    }

    /// Equality ignores source locations, so a reprinted rule equals the original.
    public static func == (lhs: DQDLRule, rhs: DQDLRule) -> Bool {
        lhs.type == rhs.type && lhs.parameters == rhs.parameters && lhs.condition == rhs.condition
            && lhs.whereClause == rhs.whereClause && lhs.threshold == rhs.threshold && lhs.tags == rhs.tags
            && lhs.labels == rhs.labels
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(type)
        hasher.combine(parameters)
        hasher.combine(condition)
        hasher.combine(whereClause)
    }
}

/// `and` / `or` between composite rule operands.
public enum DQDLLogicalOperator: String, Sendable, Hashable {
    case and, or
}

/// An entry of the `Rules` section: a rule or a composite of parenthesised rules.
public indirect enum DQDLRuleNode: Sendable, Hashable {
    case rule(DQDLRule)
    /// `(a) and (b) and (c)`: operands of one operator are flattened; `labels` come from
    /// `( … ) labels = […]` around the composite.
    case composite(DQDLLogicalOperator, [DQDLRuleNode], labels: [DQDLLabel]?)

    /// The rules at the leaves, left to right.
    public var leaves: [DQDLRule] {
        switch self {
        case let .rule(rule): return [rule]
        case let .composite(_, operands, _): return operands.flatMap(\.leaves)
        }
    }

    /// The node's own labels.
    public var labels: [DQDLLabel]? {
        switch self {
        case let .rule(rule): return rule.labels
        case let .composite(_, _, labels): return labels
        }
    }
}

/// An entry of the `Analyzers` section: a metric computed without a condition.
public struct DQDLAnalyzer: Sendable, Hashable {
    public var type: String
    public var parameters: [DQDLParameter]
    public var location: DQDLLocation?

    public init(type: String, parameters: [DQDLParameter], location: DQDLLocation? = nil) {
        self.type = type
        self.parameters = parameters
        self.location = location
    }

    public static func == (lhs: DQDLAnalyzer, rhs: DQDLAnalyzer) -> Bool {
        lhs.type == rhs.type && lhs.parameters == rhs.parameters
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(type)
        hasher.combine(parameters)
    }
}
