/// A variable declared before the rules: `methods = ["GET", "HEAD"]`.
public struct DQDLVariable: Sendable, Hashable {
    public enum Value: Sendable, Hashable {
        case single(DQDLStringValue)
        case list([DQDLStringValue])
    }

    public var name: String
    public var value: Value

    public init(name: String, value: Value) {
        self.name = name
        self.value = value
    }
}

/// A parsed and validated DQDL document.
///
/// Print it with `description` to get the canonical text; parsing that text gives an equal
/// ruleset.
public struct DQDLRuleset: Sendable, Hashable {
    /// The `Metadata` section (only `Version` is accepted).
    public var metadata: [String: String]?
    /// `DataSources.Primary`.
    public var primarySource: String?
    /// `DataSources.AdditionalDataSources`.
    public var additionalSources: [String]?
    public var variables: [DQDLVariable]
    public var defaultLabels: [DQDLLabel]?
    public var rules: [DQDLRuleNode]
    /// `nil` when the document has no `Analyzers` section.
    public var analyzers: [DQDLAnalyzer]?
    /// Whether the document has a `Rules` section (possibly empty when analyzers exist).
    public var hasRulesSection: Bool

    public init(metadata: [String: String]? = nil, primarySource: String? = nil, additionalSources: [String]? = nil,
                variables: [DQDLVariable] = [], defaultLabels: [DQDLLabel]? = nil, rules: [DQDLRuleNode],
                analyzers: [DQDLAnalyzer]? = nil, hasRulesSection: Bool = true) {
        self.metadata = metadata
        self.primarySource = primarySource
        self.additionalSources = additionalSources
        self.variables = variables
        self.defaultLabels = defaultLabels
        self.rules = rules
        self.analyzers = analyzers
        self.hasRulesSection = hasRulesSection
    }

    /// The variable named `name`.
    public func variable(_ name: String) -> DQDLVariable? {
        variables.first { $0.name == name }
    }

    /// Parses and validates `source`.
    ///
    /// - Throws: ``DQDLError`` listing every problem, each with its location where known.
    public static func parse(_ source: String) throws(DQDLError) -> DQDLRuleset {
        try DQDLParser.parse(source)
    }
}
