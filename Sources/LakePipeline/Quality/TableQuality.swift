public import IcebergKit
public import LakeDQ

/// A DQDL ruleset evaluated on an Iceberg table, streamed: scan batches of only the columns the
/// rules read go through the rules as they are decoded, so memory does not grow with the table.
public enum TableQuality {
    /// The report of `ruleset` over `table` at `ref` (a branch or tag; nil: the current snapshot).
    public static func evaluate(_ ruleset: DQDLRuleset, table: Table, ref: String? = nil, name: String,
                                evaluator: DQEvaluator = DQEvaluator()) async throws -> DQReport {
        let schema = try table.schema.columnarSchema()
        // At least one column, for the row count.
        let columns = ruleset.columnsRead(in: schema).map { $0.isEmpty ? Array(schema.fields.prefix(1).map(\.name)) : $0 }
        let scan = try ref.map { try table.scan(ref: $0, columns: columns) } ?? table.scan(columns: columns)
        return try await evaluator.evaluate(ruleset, schema: schema, batches: scan.batches(), name: name)
    }
}
