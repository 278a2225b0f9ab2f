/// How a rule ended, as Glue Data Quality reports it.
public enum DQOutcome: String, Sendable, Hashable, Codable {
    case passed = "Passed"
    case failed = "Failed"
    /// The rule could not be evaluated (missing column, SQL outside the subset, …).
    case error = "Error"
}

/// The result of one top-level rule, shaped like Glue's `DataQualityRuleResult`.
public struct DQRuleResult: Sendable, Hashable, Codable {
    /// The canonical rule text.
    public var rule: String
    public var outcome: DQOutcome
    public var failureReason: String?
    /// Metrics under Glue's names (`Dataset.*.RowCount`, `Column.<c>.Completeness`, …).
    public var evaluatedMetrics: [String: Double]
    /// The rule with variables and dynamic functions replaced by their values.
    public var evaluatedRule: String
    /// Default labels merged with the rule's labels (the rule's win).
    public var labels: [String: String]
    /// A note that is not a failure, e.g. not enough history for anomaly detection.
    public var message: String?

    enum CodingKeys: String, CodingKey {
        case rule = "Rule", outcome = "Outcome", failureReason = "FailureReason"
        case evaluatedMetrics = "EvaluatedMetrics", evaluatedRule = "EvaluatedRule", labels = "Labels"
        case message = "EvaluationMessage"
    }
}

/// The metrics of one analyzer.
public struct DQAnalyzerResult: Sendable, Hashable, Codable {
    public var analyzer: String
    public var evaluatedMetrics: [String: Double]
    public var error: String?

    enum CodingKeys: String, CodingKey {
        case analyzer = "Analyzer", evaluatedMetrics = "EvaluatedMetrics", error = "Error"
    }
}

/// Per-row outcomes of the rules that have them.
public struct DQRowLevelOutcomes: Sendable, Hashable {
    /// For each top-level rule (in ruleset order), its per-row result: 1 passed, 0 failed,
    /// -1 skipped; `nil` when the rule has no row-level result.
    public var perRule: [[Int8]?]

    /// The rule indices row `row` passed, failed and skipped.
    public func outcome(row: Int) -> (passed: [Int], failed: [Int], skipped: [Int]) {
        var passed: [Int] = [], failed: [Int] = [], skipped: [Int] = []
        for (index, results) in perRule.enumerated() {
            switch results?[row] {
            case 1?: passed.append(index)
            case 0?: failed.append(index)
            default: skipped.append(index)
            }
        }
        return (passed, failed, skipped)
    }
}

/// Everything one evaluation produced.
public struct DQReport: Sendable, Hashable {
    public var dataset: String
    public var rowCount: Int
    public var results: [DQRuleResult]
    public var analyzers: [DQAnalyzerResult]
    /// Present when row-level outcomes were requested.
    public var rowLevel: DQRowLevelOutcomes?

    /// Whether every rule passed.
    public var allPassed: Bool { results.allSatisfy { $0.outcome == .passed } }

    public var passedCount: Int { results.filter { $0.outcome == .passed }.count }
    public var failedCount: Int { results.filter { $0.outcome == .failed }.count }
    public var errorCount: Int { results.filter { $0.outcome == .error }.count }
}
