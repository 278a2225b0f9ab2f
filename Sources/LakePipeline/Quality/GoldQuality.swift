import IcebergKit
public import LakeDQ

/// Gold's ruleset over `gold.daily` (after the gold job): results recorded with
/// ``QualityResults``, the alert sink called when a rule does not pass. Gold is derived and
/// replaced day by day, so there is nothing to hold back: the check reports.
public struct GoldQuality: Sendable {
    /// The warehouse.
    public let warehouse: MedallionWarehouse
    /// Gold's ruleset (over `gold.daily`).
    public let ruleset: DQDLRuleset
    /// Where failures are reported.
    public let alerts: any AlertSink

    /// A check of `warehouse`'s gold with `ruleset`, alerting `alerts`.
    public init(warehouse: MedallionWarehouse, ruleset: DQDLRuleset, alerts: any AlertSink) {
        self.warehouse = warehouse
        self.ruleset = ruleset
        self.alerts = alerts
    }

    /// The report (nil when gold is still empty).
    public func run() async throws -> DQReport? {
        let table = try await warehouse.goldDaily()
        guard let snapshot = table.metadata.currentSnapshotID else { return nil }
        let results = QualityResults(directory: warehouse.qualityDirectory)
        let report = try await TableQuality.evaluate(ruleset, table: table, name: MedallionTables.goldDaily.description,
                                                     evaluator: DQEvaluator(options: DQEvaluationOptions(history: results.history)))
        try results.record(report, table: MedallionTables.goldDaily.description, ref: "main", snapshotID: snapshot, published: nil)
        if !report.allPassed {
            let failure = report.results.filter { $0.outcome != .passed }
                .map { "[\($0.outcome.rawValue)] \($0.rule): \($0.failureReason ?? "")" }.joined(separator: "; ")
            try await alerts.send(PipelineAlert(subject: "gold.daily: data quality rules failed", message: failure,
                                                table: MedallionTables.goldDaily.description))
        }
        return report
    }
}
