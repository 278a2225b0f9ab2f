public import Foundation
public import LakeColumnar

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
    /// Rows a streamed dataset is evaluated in at a time (``DQStreamingEvaluation``); batches
    /// are grouped until they reach it. Larger chunks amortise per-chunk work, smaller ones
    /// bound memory more tightly.
    public var chunkRows: Int
    /// The memory a frequency rule (Uniqueness, DistinctValuesCount, Entropy…) counts values in,
    /// in units of 16 bytes (default 262,144: 4 MiB). Values are counted exactly, keyed by their
    /// bytes; past the budget the counts spill by hash partition to ``spillDirectory`` and are
    /// totalled a partition at a time. Rules over the same columns and `where` clause share one
    /// counter.
    public var counterEntries: Int
    /// Where frequency rules spill (default: the system's temporary directory).
    public var spillDirectory: URL?

    public init(now: Int64? = nil, rowLevel: Bool = false, history: DQMetricHistory? = nil, recordHistory: Bool = true,
                chunkRows: Int = 65_536, counterEntries: Int = 1 << 18, spillDirectory: URL? = nil) {
        self.now = now
        self.rowLevel = rowLevel
        self.history = history
        self.recordHistory = recordHistory
        self.chunkRows = max(1, chunkRows)
        self.counterEntries = counterEntries
        self.spillDirectory = spillDirectory
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

    /// Evaluates `ruleset` on `primary`, held in memory; `references` are the additional data
    /// sources by alias.
    ///
    /// - Throws: ``DQDataError`` only when the metric history cannot be read or written.
    public func evaluate(_ ruleset: DQDLRuleset, primary: DQDataset,
                         references: [String: DQDataset] = [:]) throws(DQDataError) -> DQReport {
        let evaluation = try DQStreamingEvaluation(ruleset, schema: primary.schema, name: primary.name, files: primary.files,
                                                   references: references, options: options)
        try evaluation.addChunk(primary.batches)
        return try evaluation.finish()
    }

    /// Evaluates `ruleset` on a dataset streamed as record batches (see ``DQStreamingEvaluation``),
    /// in bounded memory.
    ///
    /// - Throws: ``DQDataError`` when a batch does not match `schema` or the history cannot be
    ///   read or written; any error of `batches`.
    public func evaluate<Batches: AsyncSequence>(_ ruleset: DQDLRuleset, schema: Schema, batches: Batches,
                                                 name: String = "primary", files: [DQFile] = [],
                                                 references: [String: DQDataset] = [:]) async throws -> DQReport
        where Batches.Element == RecordBatch {
        let evaluation = try DQStreamingEvaluation(ruleset, schema: schema, name: name, files: files, references: references,
                                                   options: options)
        for try await batch in batches { try evaluation.add(batch) }
        return try evaluation.finish()
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
