import Foundation
import LakeColumnar

/// Options of one evaluation.
public struct DQEvaluationOptions: Sendable {
    /// "Now" for `now()`, freshness and `current_timestamp`, microseconds since the Unix epoch
    /// (default: the clock at evaluation).
    public var now: Int64?
    /// Whether to compute per-row outcomes (``DQReport/rowLevel``).
    public var rowLevel: Bool
    /// Where metrics of earlier runs live, for dynamic rules and `DetectAnomalies`.
    public var history: DQMetricHistory?
    /// Whether to append this run's metrics to ``history``.
    public var recordHistory: Bool

    public init(now: Int64? = nil, rowLevel: Bool = false, history: DQMetricHistory? = nil, recordHistory: Bool = true) {
        self.now = now
        self.rowLevel = rowLevel
        self.history = history
        self.recordHistory = recordHistory
    }
}

/// Runs a DQDL ruleset against datasets in-process, as AWS Glue Data Quality would.
///
/// ```swift
/// let ruleset = try DQDLRuleset.parse("""
///     Rules = [ RowCount > 0, IsComplete "x_edge_request_id", Mean "time_taken" < 2.5 ]
///     """)
/// let report = try DQEvaluator().evaluate(ruleset, primary: DQDataset(schema: schema, batches: batches))
/// print(report.allPassed)
/// ```
///
/// Every rule gets an outcome: a rule that cannot be evaluated (a missing column, SQL outside
/// the supported subset) is an `Error` with the reason, never a silent pass. Work is shared
/// between rules: each column is prepared once, each `where` clause evaluated once, and rules
/// over the same column and selection (Mean, Sum, StandardDeviation, Variance; Uniqueness,
/// Entropy, DistinctValuesCount, …) share one scan.
public struct DQEvaluator: Sendable {
    public var options: DQEvaluationOptions

    public init(options: DQEvaluationOptions = DQEvaluationOptions()) {
        self.options = options
    }

    /// Evaluates `ruleset` on `primary`; `references` are the additional data sources by alias.
    ///
    /// - Throws: ``DQDataError`` only when the metric history cannot be read or written.
    public func evaluate(_ ruleset: DQDLRuleset, primary: DQDataset,
                         references: [String: DQDataset] = [:]) throws(DQDataError) -> DQReport {
        let now = options.now ?? Int64(Date().timeIntervalSince1970 * 1_000_000)
        let history = try options.history?.load(dataset: primary.name) ?? []
        let context = DQEvaluationContext(primary: primary, references: references, now: now, history: history,
                                          ruleset: ruleset)
        var defaults: [String: String] = [:]
        for label in ruleset.defaultLabels ?? [] { defaults[label.key] = label.value }

        var results: [DQRuleResult] = []
        var rowLevel: [[Int8]?] = []
        var ruleMetrics: [String: Double] = [:]
        var allMetrics: [String: Double] = [:]
        for node in ruleset.rules {
            let evaluation = RuleRunner(context: context).evaluate(node, topLevel: true)
            let text = node.description
            var labels = defaults
            for label in node.labels ?? [] { labels[label.key] = label.value }
            results.append(DQRuleResult(rule: text, outcome: evaluation.outcome, failureReason: evaluation.failureReason,
                                        evaluatedMetrics: evaluation.metrics, evaluatedRule: evaluation.evaluatedRule,
                                        labels: labels, message: evaluation.message))
            rowLevel.append(options.rowLevel ? evaluation.rows : nil)
            if let metric = evaluation.primaryMetric { ruleMetrics[text] = metric }
            allMetrics.merge(evaluation.metrics) { _, new in new }
        }
        var analyzerResults: [DQAnalyzerResult] = []
        for analyzer in ruleset.analyzers ?? [] {
            let result = AnalyzerRunner(context: context).run(analyzer)
            analyzerResults.append(result)
            allMetrics.merge(result.evaluatedMetrics) { _, new in new }
        }
        if let store = options.history, options.recordHistory {
            try store.append(DQHistoryEntry(dataset: primary.name, time: now, rules: ruleMetrics, metrics: allMetrics))
        }
        return DQReport(dataset: primary.name, rowCount: primary.rowCount, results: results, analyzers: analyzerResults,
                        rowLevel: options.rowLevel ? DQRowLevelOutcomes(perRule: rowLevel) : nil)
    }
}

/// The outcome of one rule or composite before it becomes a ``DQRuleResult``.
struct RuleEvaluation {
    var outcome: DQOutcome
    var failureReason: String?
    var metrics: [String: Double] = [:]
    /// The value the condition was checked against (recorded in the history).
    var primaryMetric: Double?
    /// Per-row results over the primary dataset: 1 passed, 0 failed, -1 skipped.
    var rows: [Int8]?
    var message: String?
    var evaluatedRule: String = ""

    static func error(_ message: String, rule: String) -> RuleEvaluation {
        RuleEvaluation(outcome: .error, failureReason: message, evaluatedRule: rule)
    }
}
