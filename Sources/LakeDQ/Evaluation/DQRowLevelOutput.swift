public import LakeColumnar

extension DQReport {
    /// The primary dataset's batches with Glue's row-level outcome columns appended:
    /// `DataQualityRulesPass`, `DataQualityRulesFail`, `DataQualityRulesSkip` (lists of rule texts)
    /// and `DataQualityEvaluationResult` (`Passed`, or `Failed` when any rule failed the row).
    ///
    /// - Parameter dataset: the dataset this report was evaluated on (same rows, same order).
    /// - Throws: ``ColumnarError`` when the report has no row-level outcomes or the row counts differ.
    public func rowLevelBatches(for dataset: DQDataset) throws(ColumnarError) -> [RecordBatch] {
        guard let rowLevel, dataset.rowCount == rowCount else {
            throw ColumnarError(.lengthMismatch(expected: rowCount, actual: dataset.rowCount))
        }
        let rules = results.map(\.rule)
        var nextID = (dataset.schema.fields.map(\.id).max() ?? 0) + 1
        func listField(_ name: String) -> Field {
            let element = Field(name: "element", id: nextID, type: .string, isNullable: false)
            nextID += 1
            defer { nextID += 1 }
            return Field(name: name, id: nextID, type: .list(element), isNullable: false)
        }
        let passField = listField("DataQualityRulesPass")
        let failField = listField("DataQualityRulesFail")
        let skipField = listField("DataQualityRulesSkip")
        let resultField = Field(name: "DataQualityEvaluationResult", id: nextID, type: .string, isNullable: false)
        let schema = try Schema(fields: dataset.schema.fields + [passField, failField, skipField, resultField],
                                metadata: dataset.schema.metadata)
        var batches: [RecordBatch] = []
        var base = 0
        for batch in dataset.batches {
            var offsets: [[Int]] = [[0], [0], [0]]
            var texts: [[String?]] = [[], [], []]
            var verdicts: [String?] = []
            for row in 0..<batch.rowCount {
                let outcome = rowLevel.outcome(row: base + row)
                for (slot, indices) in [outcome.passed, outcome.failed, outcome.skipped].enumerated() {
                    texts[slot] += indices.map { rules[$0] }
                    offsets[slot].append(texts[slot].count)
                }
                verdicts.append(outcome.failed.isEmpty ? "Passed" : "Failed")
            }
            var columns = batch.columns
            for slot in 0..<3 {
                columns.append(.list(try ListColumn(offsets: offsets[slot], values: .binary(BinaryColumn(texts[slot])))))
            }
            columns.append(.binary(BinaryColumn(verdicts)))
            batches.append(try RecordBatch(schema: schema, columns: columns))
            base += batch.rowCount
        }
        return batches
    }
}
