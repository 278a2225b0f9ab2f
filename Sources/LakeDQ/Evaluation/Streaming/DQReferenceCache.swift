import LakeColumnar

/// The reference datasets of one run and what rules derive from them (prepared columns, key
/// sets, aggregates), computed once and shared by the contexts of every chunk of the primary
/// dataset; and the states several rules share (one value counter for Uniqueness, Entropy and
/// DistinctValuesCount of one column). References are held in memory; only the primary
/// dataset streams.
final class DQReferenceCache {
    let datasets: [String: DQDataset]
    private var prepared: [String: [String: DQColumnValues]] = [:]
    /// Derived values by a key the rule family chooses (e.g. a key set for ReferentialIntegrity).
    private var derived: [String: Any] = [:]

    /// States shared by several rules of the run, by a key naming what they count.
    private var shared: [String: RuleState] = [:]

    /// The run's state under `key`, made by `make` the first time.
    func sharedState<S: RuleState>(_ key: String, _ make: () -> S) -> S {
        if let existing = shared[key] as? S { return existing }
        let made = make()
        shared[key] = made
        return made
    }

    init(datasets: [String: DQDataset]) {
        self.datasets = datasets
    }

    func column(_ name: String, in dataset: DQDataset) throws(RuleError) -> DQColumnValues {
        if let cached = prepared[dataset.name]?[name] { return cached }
        guard let index = DQEvaluationContext.fieldIndex(name, in: dataset.schema) else {
            throw RuleError("Column '\(name)' does not exist in dataset '\(dataset.name)'")
        }
        let values = DQColumnValues.prepare(field: dataset.schema.fields[index], batches: dataset.batches, index: index)
        prepared[dataset.name, default: [:]][name] = values
        return values
    }

    /// The value derived under `key`, made by `make` the first time.
    func derived<Value>(_ key: String, _ make: () throws(RuleError) -> Value) throws(RuleError) -> Value {
        if let cached = derived[key] as? Value { return cached }
        let value = try make()
        derived[key] = value
        return value
    }
}
