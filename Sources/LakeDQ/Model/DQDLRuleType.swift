/// What a rule type's metric is, which decides the condition it takes.
public enum DQDLReturnType: String, Sendable, Hashable {
    case boolean = "BOOLEAN", number = "NUMBER", string = "STRING", date = "DATE", duration = "DURATION", size = "SIZE"
}

/// One entry of the rule-type registry (awslabs/dqdl `rules-config.json`).
public struct DQDLRuleType: Sendable, Hashable {
    public var name: String
    /// The parameter names, in order.
    public var parameters: [String]
    /// Whether the last parameter repeats (at least once).
    public var isVarArg: Bool
    /// Accepted condition kinds, tried in order (`NUMBER|BOOLEAN` takes the first that parses).
    public var returnTypes: [DQDLReturnType]
    public var supportsWhere: Bool
    public var supportsThreshold: Bool
    public var isAnalyzerOnly: Bool
    public var isExperimental: Bool
    /// Whether the rule has no row-level result inside a composite rule.
    public var isExcludedAtRowLevelInComposite: Bool

    init(_ name: String, _ parameters: [String], _ returnTypes: [DQDLReturnType], varArg: Bool = false,
         where supportsWhere: Bool = false, threshold: Bool = false, analyzerOnly: Bool = false,
         experimental: Bool = false, excludedInComposite: Bool = false) {
        self.name = name
        self.parameters = parameters
        self.isVarArg = varArg
        self.returnTypes = returnTypes
        self.supportsWhere = supportsWhere
        self.supportsThreshold = threshold
        self.isAnalyzerOnly = analyzerOnly
        self.isExperimental = experimental
        self.isExcludedAtRowLevelInComposite = excludedInComposite
    }

    /// Whether `count` parameters fit this overload.
    func accepts(parameterCount count: Int) -> Bool {
        isVarArg ? count >= parameters.count : count == parameters.count
    }

    /// The registry, in the reference's order (overloads are listed separately).
    public static let all: [DQDLRuleType] = [
        .init("RowCount", [], [.number], where: true),
        .init("RowCountMatch", ["ReferenceDatasetAlias"], [.number]),
        .init("ColumnCount", [], [.number]),
        .init("Completeness", ["TargetColumn"], [.number], where: true, excludedInComposite: true),
        .init("IsComplete", ["TargetColumn"], [.boolean], where: true),
        .init("ColumnDataType", ["TargetColumn"], [.string], where: true, threshold: true),
        .init("ColumnNamesMatchPattern", ["PatternToMatch"], [.boolean]),
        .init("ColumnExists", ["TargetColumn"], [.boolean]),
        .init("ColumnCorrelation", ["TargetColumn1", "TargetColumn2"], [.number], where: true),
        .init("Uniqueness", ["TargetColumn"], [.number], varArg: true, where: true, excludedInComposite: true),
        .init("IsUnique", ["TargetColumn"], [.boolean], varArg: true, where: true),
        .init("Mean", ["TargetColumn"], [.number], where: true),
        .init("Sum", ["TargetColumn"], [.number], where: true),
        .init("StandardDeviation", ["TargetColumn"], [.number], where: true),
        .init("Variance", ["TargetColumn"], [.number], where: true),
        .init("Entropy", ["TargetColumn"], [.number], where: true),
        .init("DistinctValuesCount", ["TargetColumn"], [.number], where: true),
        .init("UniqueValueRatio", ["TargetColumn"], [.number], where: true),
        .init("ColumnLength", ["TargetColumn"], [.number], where: true),
        .init("IsPrimaryKey", ["TargetColumn"], [.boolean], varArg: true, where: true),
        .init("ColumnValues", ["TargetColumn"], [.string, .number, .date], where: true, threshold: true),
        .init("DataFreshness", ["TargetColumn"], [.duration], where: true),
        .init("CustomSql", ["CustomSqlStatement"], [.number, .boolean], threshold: true),
        .init("ReferentialIntegrity", ["PrimaryDatasetColumns", "ReferenceDatasetColumns"], [.number],
              excludedInComposite: true),
        .init("DatasetMatch", ["ReferenceDatasetAlias", "KeyColumnMappings"], [.number], excludedInComposite: true),
        .init("DatasetMatch", ["ReferenceDatasetAlias", "KeyColumnMappings", "MatchColumnMappings"], [.number]),
        .init("SchemaMatch", ["ReferenceDatasetAlias"], [.number]),
        .init("AggregateMatch", ["AggregateExpression1", "AggregateExpression2"], [.number]),
        .init("DetectAnomalies", ["MetricParameter"], [.boolean], varArg: true),
        .init("AllStatistics", ["TargetColumn"], [.number], analyzerOnly: true),
        .init("FileMatch", ["DataPath", "CompareDataPath"], [.boolean], experimental: true),
        .init("FileMatch", ["DataPath"], [.string], experimental: true),
        .init("FileMatch", [], [.string], experimental: true),
        .init("FileUniqueness", ["DataPath"], [.number], experimental: true),
        .init("FileUniqueness", [], [.number], experimental: true),
        .init("FileFreshness", ["DataPath"], [.date], threshold: true, experimental: true),
        .init("FileFreshness", [], [.date], threshold: true, experimental: true),
        .init("FileSize", ["DataPath"], [.size], threshold: true, experimental: true),
        .init("FileSize", [], [.size], threshold: true, experimental: true),
    ]

    /// The overload of `name` taking `parameterCount` parameters.
    public static func lookup(_ name: String, parameterCount: Int) -> DQDLRuleType? {
        all.first { $0.name == name && $0.accepts(parameterCount: parameterCount) }
    }

    /// Whether any overload is named `name`.
    public static func exists(_ name: String) -> Bool {
        all.contains { $0.name == name }
    }
}
