import Foundation
public import LakeColumnar

/// A ruleset evaluated over a dataset that arrives a record batch at a time, in bounded memory.
///
/// Feed the primary dataset's batches with ``add(_:)`` — from an Iceberg scan, a Parquet
/// reader, the log parser — and call ``finish()`` once for the report. Batches are grouped into
/// chunks of ``DQEvaluationOptions/chunkRows`` rows; every rule folds each chunk into a small
/// state (counts, moments, an exact counter of values for the frequency rules) and decides
/// its outcome from that state at the end, so the result does not depend on how the rows were
/// split. Memory is one chunk plus the rules' states: frequency rules (Uniqueness,
/// DistinctValuesCount, Entropy, IsPrimaryKey…) count values by their bytes in at most
/// ``DQEvaluationOptions/counterEntries`` × 16 bytes of memory and spill by hash partition to
/// ``DQEvaluationOptions/spillDirectory`` beyond that. Reference datasets (for
/// ReferentialIntegrity, DatasetMatch, RowCountMatch…) are held in memory.
///
/// ```swift
/// let evaluation = try DQStreamingEvaluation(ruleset, schema: table.schema.columnarSchema(), name: "silver")
/// for try await batch in table.scan().batches() { try evaluation.add(batch) }
/// let report = try evaluation.finish()
/// ```
///
/// Per-row outcomes (``DQEvaluationOptions/rowLevel``) are kept for every row seen, so they
/// cost memory in proportion to the dataset; Uniqueness, IsUnique and IsPrimaryKey have them only
/// when the dataset fits one chunk, because a row's verdict needs its value's final count.
public final class DQStreamingEvaluation {
    public let ruleset: DQDLRuleset
    public let schema: Schema
    public let name: String
    public let files: [DQFile]
    public let options: DQEvaluationOptions

    private let now: Int64
    private let history: [DQHistoryEntry]
    private let references: DQReferenceCache
    private let rules: [RuleAccumulator]
    private let analyzers: [AnalyzerAccumulator]
    private var pending: [RecordBatch] = []
    private var pendingRows = 0
    private var rowCount = 0
    private var chunks = 0
    private var finished = false
    /// Set while ``addChunk(_:)`` evaluates a dataset given whole.
    private var wholeDataset = false

    /// The columns the rules read (``DQDLRuleset/columnsRead(in:)``): batches may carry only
    /// these; `nil` when every column is read.
    public let columnsRead: [String]?

    /// Starts an evaluation of `ruleset` on a dataset called `name` with `schema`.
    ///
    /// - Parameters:
    ///   - files: the files the dataset was read from, for the `File*` rules.
    ///   - references: the additional data sources by alias, in memory.
    /// - Throws: ``DQDataError`` when the metric history cannot be read.
    public init(_ ruleset: DQDLRuleset, schema: Schema, name: String = "primary", files: [DQFile] = [],
                references: [String: DQDataset] = [:], options: DQEvaluationOptions = DQEvaluationOptions()) throws(DQDataError) {
        self.ruleset = ruleset
        self.schema = schema
        self.name = name
        self.files = files
        self.options = options
        now = options.now ?? Int64(Date().timeIntervalSince1970 * 1_000_000)
        history = try options.history?.load(dataset: name) ?? []
        self.references = DQReferenceCache(datasets: references)
        columnsRead = ruleset.columnsRead(in: schema)
        rules = ruleset.rules.map(RuleAccumulator.init)
        analyzers = (ruleset.analyzers ?? []).map(AnalyzerAccumulator.init)
    }

    /// The rows added so far.
    public var rowsAdded: Int { rowCount + pendingRows }

    /// Adds the next batch of the primary dataset.
    ///
    /// - Throws: ``DQDataError`` when the batch's columns do not match ``schema`` or after
    ///   ``finish()``.
    public func add(_ batch: RecordBatch) throws(DQDataError) {
        guard !finished else { throw DQDataError(path: name, reason: "the evaluation has finished") }
        try check(batch)
        guard batch.rowCount > 0 else { return }
        // A chunk holds batches of one layout.
        if let first = pending.first, first.schema.fields.map(\.name) != batch.schema.fields.map(\.name) { evaluatePending() }
        pending.append(batch)
        pendingRows += batch.rowCount
        if pendingRows >= options.chunkRows { evaluatePending() }
    }

    /// Adds several batches as one chunk, whatever their size (the in-memory path).
    func addChunk(_ batches: [RecordBatch]) throws(DQDataError) {
        for batch in batches { try check(batch) }
        if let first = batches.first, batches.contains(where: { $0.schema.fields.map(\.name) != first.schema.fields.map(\.name) }) {
            throw DQDataError(path: name, reason: "the batches of one dataset have different columns")
        }
        evaluatePending()
        pending = batches
        pendingRows = batches.reduce(0) { $0 + $1.rowCount }
        wholeDataset = chunks == 0
        evaluatePending()
        wholeDataset = false
    }

    /// Batches carry the dataset's columns, or a projection of them (``columnsRead``), each
    /// with the dataset's type for that name.
    private func check(_ batch: RecordBatch) throws(DQDataError) {
        for field in batch.schema.fields {
            guard let index = DQEvaluationContext.fieldIndex(field.name, in: schema) else {
                throw DQDataError(path: name, reason: "a batch has column '\(field.name)', which the dataset's schema does not")
            }
            let expected = schema.fields[index]
            guard Self.sameValues(field.type, expected.type) else {
                throw DQDataError(path: name, reason: "column '\(expected.name)' is \(expected.type) in the schema but \(field.type) in a batch")
            }
        }
        if let columnsRead {
            let present = Set(batch.schema.fields.map { $0.name.lowercased() })
            if let missing = columnsRead.first(where: { !present.contains($0.lowercased()) }) {
                throw DQDataError(path: name, reason: "a batch lacks column '\(missing)', which the rules read")
            }
        } else if batch.schema.fields.count != schema.fields.count {
            throw DQDataError(path: name, reason: "a batch has \(batch.schema.fields.count) columns; the rules read all \(schema.fields.count)")
        }
    }

    /// Whether columns of the two types are read the same way (text in any layout is text).
    private static func sameValues(_ a: DataType, _ b: DataType) -> Bool {
        let text: Set<String> = ["string", "binary", "dictionaryString"]
        if text.contains(Self.kind(a)) && text.contains(Self.kind(b)) { return true }
        return a == b
    }

    private static func kind(_ type: DataType) -> String {
        switch type {
        case .string: "string"
        case .binary: "binary"
        case .dictionaryString: "dictionaryString"
        default: "\(type)"
        }
    }

    /// A context over `batches` (in their own layout), or the summary of the whole dataset.
    private func context(batches: [RecordBatch], rowCount: Int? = nil, isOnlyChunk: Bool = false) -> DQEvaluationContext {
        DQEvaluationContext(primary: DQDataset(name: name, schema: batches.first?.schema ?? schema, batches: batches, files: files),
                            references: references, now: now, history: history, ruleset: ruleset,
                            keepRows: options.rowLevel, rowCount: rowCount, counterEntries: options.counterEntries,
                            spillDirectory: options.spillDirectory, chunkIndex: chunks, isOnlyChunk: isOnlyChunk)
    }

    private func evaluatePending() {
        guard pendingRows > 0 || (chunks == 0 && finished) else { return }
        // The last chunk with none before it is the whole dataset.
        let runner = RuleRunner(context: context(batches: pending, isOnlyChunk: chunks == 0 && (finished || wholeDataset)))
        for rule in rules { rule.add(runner) }
        for analyzer in analyzers { analyzer.add(runner) }
        rowCount += pendingRows
        chunks += 1
        pending = []
        pendingRows = 0
    }

    /// Decides every rule and analyzer over the rows added.
    ///
    /// - Throws: ``DQDataError`` when the metric history cannot be written, or when called twice.
    public func finish() throws(DQDataError) -> DQReport {
        guard !finished else { throw DQDataError(path: name, reason: "the evaluation has finished") }
        finished = true
        // An empty dataset still runs one (empty) chunk: a missing column is an error either way.
        evaluatePending()
        let runner = RuleRunner(context: context(batches: [], rowCount: rowCount))
        var defaults: [String: String] = [:]
        for label in ruleset.defaultLabels ?? [] { defaults[label.key] = label.value }

        var results: [DQRuleResult] = []
        var rowLevel: [[Int8]?] = []
        var ruleMetrics: [String: Double] = [:]
        var allMetrics: [String: Double] = [:]
        for accumulator in rules {
            let node = accumulator.node
            let evaluation = accumulator.finish(runner)
            let text = node.description
            var labels = defaults
            for label in node.labels ?? [] { labels[label.key] = label.value }
            results.append(DQRuleResult(rule: text, outcome: evaluation.outcome, failureReason: evaluation.failureReason,
                                        evaluatedMetrics: evaluation.metrics, evaluatedRule: evaluation.evaluatedRule,
                                        labels: labels, message: evaluation.message))
            rowLevel.append(options.rowLevel && evaluation.rows?.count == rowCount ? evaluation.rows : nil)
            if let metric = evaluation.primaryMetric { ruleMetrics[text] = metric }
            allMetrics.merge(evaluation.metrics) { _, new in new }
        }
        var analyzerResults: [DQAnalyzerResult] = []
        for accumulator in analyzers {
            let result = accumulator.finish(runner)
            analyzerResults.append(result)
            allMetrics.merge(result.evaluatedMetrics) { _, new in new }
        }
        if let store = options.history, options.recordHistory {
            try store.append(DQHistoryEntry(dataset: name, time: now, rules: ruleMetrics, metrics: allMetrics))
        }
        return DQReport(dataset: name, rowCount: rowCount, results: results, analyzers: analyzerResults,
                        rowLevel: options.rowLevel ? DQRowLevelOutcomes(perRule: rowLevel) : nil)
    }
}
