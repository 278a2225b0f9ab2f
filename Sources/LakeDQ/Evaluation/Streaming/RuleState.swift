/// What one rule has gathered from the chunks of the primary dataset seen so far.
///
/// A rule runs in two steps so that a dataset can stream through it a chunk at a time: each
/// chunk folds into the rule's state (``RuleRunner/accumulate(_:into:)``), and the outcome is
/// decided once from the state (``RuleRunner/finish(_:_:)``). Every state is mergeable by
/// construction — counts add up, moments merge (Chan et al.), value counts go to a
/// ``ValueCounter`` — so the outcome does not depend on how the rows were split.
class RuleState {}

/// Per-row outcomes of a rule over the rows seen so far: 1 passed, 0 failed, -1 skipped.
/// `nil` once any chunk had none (row-level results off, or not computable for that rule).
struct RowOutcomes {
    private(set) var values: [Int8]? = []

    mutating func append(_ chunk: [Int8]?) {
        guard values != nil else { return }
        guard let chunk else {
            values = nil
            return
        }
        values?.append(contentsOf: chunk)
    }
}

/// Rules decided from the dataset's schema, files and row count alone (ColumnCount,
/// SchemaMatch, RowCountMatch, File rules…): nothing to gather.
final class SummaryState: RuleState {}

/// RowCount: selected rows.
final class CountState: RuleState {
    var count = 0
}

/// Compliance rules (ColumnValues, DataFreshness, ColumnDataType, Completeness, CustomSql
/// returning rows): compliant rows among the selected ones.
final class TallyState: RuleState {
    var compliant = 0
    var total = 0
    var rows = RowOutcomes()
}

/// Mean, Sum, StandardDeviation, Variance.
final class MomentsState: RuleState {
    var moments = Moments()
}

/// ColumnCorrelation.
final class CorrelationState: RuleState {
    var moments = CoMoments()
}

/// ColumnLength: lengths of the selected, present values.
final class LengthState: RuleState {
    var minimum = Double.infinity
    var maximum = -Double.infinity
    var present = 0
    var compliant = 0
    var rows = RowOutcomes()
}

/// Uniqueness, IsUnique, DistinctValuesCount, UniqueValueRatio, Entropy: counts of each value.
final class FrequencyState: RuleState {
    let counter: ValueCounter
    /// Selected rows, nulls included.
    var selected = 0
    var chunks = 0
    /// The first chunk's grouping, kept for per-row outcomes while it is the only chunk (per-row
    /// uniqueness needs every row's final count, known in one pass only then).
    var single: (frequencies: Frequencies, selection: RowSelection, nulls: [[Bool]])?
    /// Whether ``single`` keeps the grouping columns' null flags (IsPrimaryKey's per-row outcome).
    var wantsNulls = false
    /// The chunk last counted: rules sharing this state count each chunk once.
    var lastChunk = -1
    /// The counts when the dataset was one chunk: exact, from the chunk's grouping, without
    /// the counter.
    var exact: FrequencySummary?

    /// The summary once read from the counter (rules sharing this state read it once).
    private var counted: (rows: Int, summary: FrequencySummary)?

    init(counter: ValueCounter) {
        self.counter = counter
    }

    /// Distinct values, singletons and entropy over every chunk counted.
    func summary() throws(RuleError) -> FrequencySummary {
        if let exact { return exact }
        if let counted, counted.rows == selected { return counted.summary }
        let summary = try FrequencySummary(rowCount: selected, counter: counter)
        counted = (selected, summary)
        return summary
    }
}

/// IsPrimaryKey: completeness of each key column and uniqueness of the key.
final class PrimaryKeyState: RuleState {
    var present: [Int]
    let frequencies: FrequencyState

    init(columns: Int, frequencies: FrequencyState) {
        present = [Int](repeating: 0, count: columns)
        self.frequencies = frequencies
    }
}

/// ReferentialIntegrity, DatasetMatch: primary rows matched in the reference.
final class MatchState: RuleState {
    var matched = 0
    var total = 0
    var rows = RowOutcomes()
}

/// CustomSql with a number condition.
final class AggregateState: RuleState {
    var expression: SQLAggregateExpression

    init(_ expression: SQLAggregateExpression) {
        self.expression = expression
    }
}

/// AggregateMatch: two aggregates, each over the primary dataset (streamed) or a reference
/// (computed once).
final class AggregatePairState: RuleState {
    var first: SQLAggregateExpression
    var second: SQLAggregateExpression

    init(first: SQLAggregateExpression, second: SQLAggregateExpression) {
        self.first = first
        self.second = second
    }
}

/// DetectAnomalies: the state of the rule measuring the followed metric.
final class AnomalyState: RuleState {
    let probe: DQDLRule
    var inner: RuleState?

    init(probe: DQDLRule) {
        self.probe = probe
    }
}
