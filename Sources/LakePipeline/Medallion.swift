public import LakeDQ
import Logging

/// The whole pipeline in order — ingest (bronze → staged silver), audit and publish silver,
/// gold, gold's quality check, maintenance, dashboard — as the `medallion` example and the
/// CLI's `demo` run it. Each step is also a job of its own (``SilverIngest``, ``SilverAudit``,
/// ``GoldJob``, ``GoldQuality``, ``MaintenanceJob``, ``Dashboard``).
public struct Medallion: Sendable {
    /// What a run did, step by step.
    public struct Report: Sendable {
        /// Bronze → silver.
        public var ingest: SilverIngest.Report
        /// The audit of what was staged.
        public var audit: SilverAudit.Outcome
        /// Silver → gold.
        public var gold: GoldJob.Report
        /// Gold's ruleset (nil when gold is empty).
        public var goldQuality: DQReport?
        /// Maintenance (empty when skipped).
        public var maintenance: [MaintenanceJob.TableOutcome]
        /// The dashboard files.
        public var dashboard: Dashboard.Output
    }

    /// The warehouse.
    public var warehouse: MedallionWarehouse
    /// Silver's and gold's rulesets.
    public var silverRuleset: DQDLRuleset, goldRuleset: DQDLRuleset
    /// Where failures are reported.
    public var alerts: any AlertSink
    /// Ingest options (rejects directory, threads).
    public var ingestOptions = SilverIngest.Options()
    /// Whether to run maintenance.
    public var maintain = true
    /// Where the dashboard goes (default: the warehouse's `dashboard/`).
    public var dashboardDirectory: String?

    /// A pipeline over `warehouse`.
    public init(warehouse: MedallionWarehouse, silverRuleset: DQDLRuleset, goldRuleset: DQDLRuleset,
                alerts: any AlertSink = LoggingAlertSink()) {
        self.warehouse = warehouse
        self.silverRuleset = silverRuleset
        self.goldRuleset = goldRuleset
        self.alerts = alerts
    }

    /// Runs every step over `objects` (the bronze objects offered; those already in silver are
    /// skipped).
    public func run(_ objects: [BronzeObject]) async throws -> Report {
        var options = ingestOptions
        options.branch = "audit"
        let ingest = try await SilverIngest(warehouse: warehouse, options: options).run(objects)
        // Each stage's freed memory goes back to the kernel before the next stage (see FreeMemory).
        FreeMemory.release()
        let audit = try await SilverAudit(warehouse: warehouse, ruleset: silverRuleset, alerts: alerts).run()
        FreeMemory.release()
        let gold = try await GoldJob(warehouse: warehouse).run()
        FreeMemory.release()
        let goldQuality = try await GoldQuality(warehouse: warehouse, ruleset: goldRuleset, alerts: alerts).run()
        // Only when something changed: maintenance commits (compaction, expiry) would otherwise
        // make a run with nothing new change the tables.
        let changed = audit.published || gold.dailySnapshotID != nil || gold.topSnapshotID != nil
        let maintenance = maintain && changed ? try await MaintenanceJob(warehouse: warehouse).run() : []
        let dashboard = try await Dashboard(warehouse: warehouse, directory: dashboardDirectory).write()
        return Report(ingest: ingest, audit: audit, gold: gold, goldQuality: goldQuality, maintenance: maintenance, dashboard: dashboard)
    }
}
