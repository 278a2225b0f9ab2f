import IcebergKit
public import LakeDQ
import Logging

/// Write-audit-publish for silver: the ingest's commits wait on a staging branch; silver's
/// ruleset runs over that branch; `main` fast-forwards to it only when every rule passes.
/// Otherwise `main` is unchanged, the alert sink is called, and the staging branch is removed so
/// that the next ingest stages the objects again from `main` (its ledger does not hold them).
/// After a publish the staging branch is removed too: every ingest stages from `main`'s head.
public struct SilverAudit: Sendable {
    /// What an audit did.
    public struct Outcome: Sendable {
        /// The DQ report over the staged branch (nil when nothing was staged).
        public var report: DQReport?
        /// Whether `main` now holds the staged snapshots.
        public var published: Bool
        /// `main`'s snapshot after the audit.
        public var mainSnapshotID: Int64?
        /// Why it was not published (rules failed, or `main` moved after staging).
        public var failure: String?
    }

    /// The warehouse.
    public let warehouse: MedallionWarehouse
    /// Silver's ruleset.
    public let ruleset: DQDLRuleset
    /// Where failures are reported.
    public let alerts: any AlertSink
    /// The staging branch.
    public var branch = "audit"
    private let logger = Logger(label: "lakehouse.pipeline.quality")

    /// An audit of `warehouse`'s silver with `ruleset`, alerting `alerts`.
    public init(warehouse: MedallionWarehouse, ruleset: DQDLRuleset, alerts: any AlertSink) {
        self.warehouse = warehouse
        self.ruleset = ruleset
        self.alerts = alerts
    }

    /// Audits the staged branch and publishes or refuses it.
    public func run() async throws -> Outcome {
        let table = try await warehouse.silver()
        guard let staged = table.metadata.refs[branch]?.snapshotID else {
            return Outcome(report: nil, published: false, mainSnapshotID: table.metadata.currentSnapshotID)
        }
        let results = QualityResults(directory: warehouse.qualityDirectory)
        let evaluator = DQEvaluator(options: DQEvaluationOptions(history: results.history))
        let report = try await TableQuality.evaluate(ruleset, table: table, ref: branch, name: MedallionTables.silver.description,
                                                     evaluator: evaluator)
        var failure: String?
        var published = table
        if report.allPassed {
            do throws(IcebergError) {
                published = try await Self.publish(table, staged: staged, branch: branch)
            } catch {
                guard case .validationFailed = error.kind else { throw error }
                failure = "main moved after staging: \(error)"
            }
        } else {
            failure = report.results.filter { $0.outcome != .passed }
                .map { "[\($0.outcome.rawValue)] \($0.rule): \($0.failureReason ?? "")" }.joined(separator: "; ")
        }
        try results.record(report, table: MedallionTables.silver.description, ref: branch, snapshotID: staged, published: failure == nil)
        if let failure {
            logger.warning("silver audit failed; main unchanged", metadata: ["failure": "\(failure)"])
            // Unstaged, so that the next ingest stages the objects again from main.
            published = try await table.refresh().manageSnapshots().removeBranch(branch).commit()
            try await alerts.send(PipelineAlert(subject: "silver.cloudfront: audit failed, main not published",
                                                message: failure, table: MedallionTables.silver.description))
        }
        return Outcome(report: report, published: failure == nil, mainSnapshotID: published.metadata.currentSnapshotID, failure: failure)
    }

    /// Moves `main` to the staged snapshot (creating `main` on a table's first publish) and
    /// removes the staging branch, in one commit.
    static func publish(_ table: Table, staged: Int64, branch: String) async throws(IcebergError) -> Table {
        let manage = table.manageSnapshots()
        if table.metadata.refs["main"] == nil {
            manage.createBranch("main", snapshotID: staged)
        } else {
            manage.fastForwardBranch("main", to: branch)
        }
        return try await manage.removeBranch(branch).commit()
    }
}
