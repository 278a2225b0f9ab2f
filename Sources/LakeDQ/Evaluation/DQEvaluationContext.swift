import Foundation
import LakeColumnar

/// Why a rule could not be evaluated; becomes an `Error` outcome with this reason.
struct RuleError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

/// Which rows of the primary dataset a rule looks at (its `where` clause).
struct RowSelection {
    /// `nil` when every row is selected.
    var mask: [Bool]?
    var count: Int

    @inline(__always)
    func contains(_ row: Int) -> Bool { mask?[row] ?? true }
}

/// Counts of values for frequency-based metrics over one column set and selection.
struct Frequencies {
    /// Selected rows (nulls included), Deequ's `numRows`.
    var rowCount: Int
    /// Occurrences of each grouping code among the selected rows.
    var counts: [Int]
    /// Grouping code of each row (-1: null).
    var codes: [Int32]

    var distinct: Int { counts.reduce(0) { $0 + ($1 > 0 ? 1 : 0) } }
    var singletons: Int { counts.reduce(0) { $0 + ($1 == 1 ? 1 : 0) } }

    /// `-Σ p ln p` with `p = count / rowCount` (natural log, as Deequ).
    var entropy: Double {
        let n = Double(rowCount)
        var total = 0.0
        for count in counts where count > 0 {
            let p = Double(count) / n
            total -= p * log(p)
        }
        return total
    }
}

/// State shared by the rules of one evaluation: prepared columns, `where` selections and
/// metric scans are computed once and reused by every rule that needs them.
final class DQEvaluationContext: SQLColumnSource {
    let primary: DQDataset
    let now: Int64
    let history: [DQHistoryEntry]
    let ruleset: DQDLRuleset
    /// Whether rules compute per-row outcomes (row-level results, composites of them).
    let keepRows: Bool
    /// The rows of ``primary`` this context stands for: its batches' rows, or the whole
    /// dataset's when the context only summarises a streamed dataset (no batches).
    let rowCount: Int
    /// State about reference datasets, shared by the contexts of every chunk of one run.
    let references: DQReferenceCache

    private var prepared: [String: [String: DQColumnValues]] = [:]
    private var selections: [String: Result<RowSelection, RuleError>] = [:]
    private var momentsCache: [String: Moments] = [:]
    private var nullFlagCache: [String: [Bool]] = [:]
    private var lengthCache: [String: [Int32]] = [:]
    private var frequencyCache: [String: Frequencies] = [:]

    /// The chunk of the run this context reads (0, 1, …).
    let chunkIndex: Int
    /// Whether this chunk is the whole dataset (no other chunk came or will come): rules may
    /// then decide from it directly (exact value counts without fingerprints).
    let isOnlyChunk: Bool
    /// The memory budget of each ``ValueCounter``, in 16-byte entries, and where it spills.
    let counterEntries: Int
    let spillDirectory: URL?

    init(primary: DQDataset, references: DQReferenceCache, now: Int64, history: [DQHistoryEntry],
         ruleset: DQDLRuleset, keepRows: Bool, rowCount: Int? = nil, counterEntries: Int = 1 << 18,
         spillDirectory: URL? = nil, chunkIndex: Int = 0, isOnlyChunk: Bool = false) {
        self.chunkIndex = chunkIndex
        self.isOnlyChunk = isOnlyChunk
        self.counterEntries = counterEntries
        self.spillDirectory = spillDirectory
        self.primary = primary
        self.references = references
        self.now = now
        self.history = history
        self.ruleset = ruleset
        self.keepRows = keepRows
        self.rowCount = rowCount ?? primary.rowCount
    }

    // MARK: Datasets and columns

    func dataset(_ alias: String) throws(RuleError) -> DQDataset {
        if alias == "primary" || alias == primary.name { return primary }
        guard let dataset = references.datasets[alias] else {
            throw RuleError("Reference dataset '\(alias)' was not provided")
        }
        return dataset
    }

    /// The field index of `name`: exact match first, then case-insensitive (as Spark resolves).
    static func fieldIndex(_ name: String, in schema: Schema) -> Int? {
        if let index = schema.index(ofField: name) { return index }
        let lower = name.lowercased()
        return schema.fields.firstIndex { $0.name.lowercased() == lower }
    }

    func column(_ name: String, in dataset: DQDataset) throws(RuleError) -> DQColumnValues {
        guard dataset.name == primary.name else { return try references.column(name, in: dataset) }
        if let cached = prepared[dataset.name]?[name] { return cached }
        guard let index = Self.fieldIndex(name, in: dataset.schema) else {
            throw RuleError("Column '\(name)' does not exist in dataset '\(dataset.name)'")
        }
        let values = DQColumnValues.prepare(field: dataset.schema.fields[index], batches: dataset.batches, index: index)
        prepared[dataset.name, default: [:]][name] = values
        return values
    }

    func column(_ name: String) throws(RuleError) -> DQColumnValues {
        try column(name, in: primary)
    }

    /// Whether primary column `name` has been prepared (interned) already.
    func isPrepared(_ name: String) -> Bool {
        prepared[primary.name]?[name] != nil
    }

    func field(_ name: String) throws(RuleError) -> Field {
        guard let index = Self.fieldIndex(name, in: primary.schema) else {
            throw RuleError("Column '\(name)' does not exist in dataset '\(primary.name)'")
        }
        return primary.schema.fields[index]
    }

    /// Null flags of primary column `name` (shared with its prepared form when present).
    func nullFlags(_ name: String) throws(RuleError) -> [Bool] {
        if let cached = nullFlagCache[name] { return cached }
        let flags: [Bool]
        if let prepared = prepared[primary.name]?[name] {
            flags = (0..<prepared.count).map { prepared.isNull($0) }
        } else {
            guard let index = Self.fieldIndex(name, in: primary.schema) else {
                throw RuleError("Column '\(name)' does not exist in dataset '\(primary.name)'")
            }
            flags = DQColumnValues.nullFlags(primary.batches, index)
        }
        nullFlagCache[name] = flags
        return flags
    }

    /// Character lengths of primary text column `name` (-1 for null).
    func characterLengths(_ name: String) throws(RuleError) -> [Int32] {
        if let cached = lengthCache[name] { return cached }
        guard let index = Self.fieldIndex(name, in: primary.schema) else {
            throw RuleError("Column '\(name)' does not exist in dataset '\(primary.name)'")
        }
        guard let lengths = DQColumnValues.characterLengths(primary.batches, index) else {
            throw RuleError("ColumnLength needs a text column; '\(name)' is not")
        }
        lengthCache[name] = lengths
        return lengths
    }

    // SQLColumnSource: unqualified and `primary.` names read the primary dataset.
    func column(qualifier: String?, name: String) throws(SQLError) -> DQColumnValues {
        do {
            let dataset = try self.dataset(qualifier ?? "primary")
            return try column(name, in: dataset)
        } catch {
            throw SQLError(message: error.message, offset: 0)
        }
    }

    // MARK: Selections

    /// The rows a `where` clause selects (every row when `nil`).
    func selection(_ whereClause: String?) throws(RuleError) -> RowSelection {
        guard let whereClause else { return RowSelection(mask: nil, count: rowCount) }
        if let cached = selections[whereClause] { return try cached.get() }
        let result: Result<RowSelection, RuleError>
        do {
            let expression = try SQLParser.parseExpression(whereClause)
            let compiler = SQLCompiler(source: self, nowMicroseconds: now, aggregateRows: nil, rowCount: rowCount)
            if expression.containsAggregate { throw SQLError(message: "aggregates are not allowed in a where clause", offset: 0) }
            let predicate = try compiler.predicate(expression)
            var mask = [Bool](repeating: false, count: rowCount)
            var count = 0
            for row in 0..<rowCount where predicate(row) == 1 {
                mask[row] = true
                count += 1
            }
            result = .success(RowSelection(mask: mask, count: count))
        } catch {
            result = .failure(RuleError("Invalid where clause \"\(whereClause)\": \(error)"))
        }
        selections[whereClause] = result
        return try result.get()
    }

    // MARK: Shared scans

    /// Moments of numeric column `name` over the selection (nulls skipped).
    func moments(_ name: String, where whereClause: String?) throws(RuleError) -> Moments {
        let key = name + "\u{1}" + (whereClause ?? "")
        if let cached = momentsCache[key] { return cached }
        let selection = try self.selection(whereClause)
        guard case let .numeric(values, valid, _) = try column(name) else {
            throw RuleError("Column '\(name)' is not numeric")
        }
        var moments = Moments()
        values.withUnsafeBufferPointer { values in
            valid.withUnsafeBufferPointer { valid in
                if let mask = selection.mask {
                    for row in 0..<values.count where valid[row] && mask[row] { moments.add(values[row]) }
                } else {
                    for row in 0..<values.count where valid[row] { moments.add(values[row]) }
                }
            }
        }
        momentsCache[key] = moments
        return moments
    }

    /// Value frequencies of `names` (grouped together) over the selection.
    func frequencies(_ names: [String], where whereClause: String?) throws(RuleError) -> Frequencies {
        let key = names.joined(separator: "\u{2}") + "\u{1}" + (whereClause ?? "")
        if let cached = frequencyCache[key] { return cached }
        let selection = try self.selection(whereClause)
        var columns: [DQColumnValues] = []
        for name in names { columns.append(try column(name)) }
        let (codes, cardinality) = combinedGroupCodes(columns)
        var counts = [Int](repeating: 0, count: cardinality)
        codes.withUnsafeBufferPointer { codes in
            counts.withUnsafeMutableBufferPointer { counts in
                for row in 0..<codes.count where codes[row] >= 0 && selection.contains(row) {
                    counts[Int(codes[row])] += 1
                }
            }
        }
        let frequencies = Frequencies(rowCount: selection.count, counts: counts, codes: codes)
        frequencyCache[key] = frequencies
        return frequencies
    }

    /// A counter of values with this run's memory budget (``DQEvaluationOptions/counterEntries``
    /// × 16 bytes).
    func makeCounter() -> ValueCounter {
        let (budget, overflow) = counterEntries.multipliedReportingOverflow(by: 16)
        return ValueCounter(memoryBudget: overflow ? .max : budget, spillDirectory: spillDirectory)
    }

    /// Calls `body` with each grouping code of `frequencies` (computed over columns `names`) and
    /// the bytes of its key, from the values of the code's first row: equal values get equal
    /// keys in every chunk, whatever codes the chunk gave them. A key is, per column, a tag
    /// byte (null, text, number, boolean, nested) and the value: text as a 4-byte length and
    /// its bytes, numbers as 8 bytes (-0 as 0, every NaN alike, as values group).
    func forEachGroupKey(_ names: [String], _ frequencies: Frequencies,
                         _ body: (Int, UnsafeRawBufferPointer) throws(RuleError) -> Void) throws(RuleError) {
        var columns: [DQColumnValues] = []
        for name in names { columns.append(try column(name)) }
        var firstRow = [Int](repeating: -1, count: frequencies.counts.count)
        var pending = firstRow.count
        for (row, code) in frequencies.codes.enumerated() where code >= 0 && firstRow[Int(code)] < 0 {
            firstRow[Int(code)] = row
            pending -= 1
            if pending == 0 { break }
        }
        var key: [UInt8] = []
        for (code, row) in firstRow.enumerated() where row >= 0 {
            key.removeAll(keepingCapacity: true)
            for column in columns { column.appendKey(row, to: &key) }
            try key.withRuleErrorBytes { bytes throws(RuleError) in try body(code, bytes) }
        }
    }

    // MARK: History

    /// Past primary-metric values of the rule with text `rule`, most recent first.
    func history(rule: String) -> [Double] {
        history.reversed().compactMap { $0.rules[rule] }
    }

    /// Past values of metric `key`, most recent first.
    func history(metric key: String) -> [Double] {
        history.reversed().compactMap { $0.metrics[key] }
    }
}
