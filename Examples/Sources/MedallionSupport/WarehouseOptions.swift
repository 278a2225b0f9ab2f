import ArgumentParser
import Foundation
public import LakeDQ
public import LakePipeline

/// `--warehouse DIR`: the local warehouse (SQLite catalog `catalog.db` and the tables under it).
public struct WarehouseOptions: ParsableArguments {
    @Option(help: "Warehouse directory (created if missing).") public var warehouse: String

    public init() {}

    /// The warehouse.
    public func open() throws -> MedallionWarehouse { try MedallionWarehouse.local(warehouse) }
}

/// `--silver-rules FILE`, `--gold-rules FILE`: the rulesets, by default those shipped in
/// Sources/MedallionSupport/Rulesets.
public struct RulesetOptions: ParsableArguments {
    @Option(help: "Silver's DQDL ruleset (default: the one shipped with the examples).") public var silverRules: String?
    @Option(help: "Gold's DQDL ruleset (default: the one shipped with the examples).") public var goldRules: String?

    public init() {}

    /// Silver's ruleset.
    public func silver() throws -> DQDLRuleset {
        try Self.parse(silverRules, default: String(decoding: PackageResources.silver_dqdl, as: UTF8.self))
    }

    /// Gold's ruleset.
    public func gold() throws -> DQDLRuleset {
        try Self.parse(goldRules, default: String(decoding: PackageResources.gold_dqdl, as: UTF8.self))
    }

    private static func parse(_ path: String?, default text: String) throws -> DQDLRuleset {
        guard let path else { return try DQDLRuleset.parse(text) }
        return try DQDLRuleset.parse(try String(contentsOfFile: path, encoding: .utf8))
    }
}

/// One-line summaries of the jobs' reports, shared by the executables.
public enum Summary {
    public static func ingest(_ r: SilverIngest.Report) -> String {
        r.ingested.isEmpty
            ? "ingest: nothing new (\(r.objects.count) objects already in silver)"
            : "ingest: \(r.ingested.count) objects, \(r.dataLines) lines → \(r.appendedRows) rows on branch \(r.branch), "
                + "\(r.duplicateRows) duplicates dropped, \(r.rejectedLines) rejected (\(String(format: "%.2f", r.seconds)) s)"
    }

    public static func audit(_ o: SilverAudit.Outcome) -> String {
        guard let report = o.report else { return "quality: silver: nothing staged" }
        return "quality: silver: \(report.passedCount)/\(report.results.count) rules passed over \(report.rowCount) staged rows → "
            + (o.published ? "published to main" : "NOT published (main unchanged): \(o.failure ?? "")")
    }

    public static func gold(_ r: GoldJob.Report) -> String {
        r.recomputedDays.isEmpty ? "gold: up to date"
            : "gold: \(r.recomputedDays.count) day(s) recomputed from \(r.silverRowsRead) silver rows"
                + (r.fullRecomputeReason.map { " (all days: \($0))" } ?? "")
    }

    public static func goldQuality(_ report: DQReport?) -> String {
        report.map { "quality: gold: \($0.passedCount)/\($0.results.count) rules passed" } ?? "quality: gold: empty"
    }

    public static func maintenance(_ outcomes: [MaintenanceJob.TableOutcome]) -> String {
        outcomes.isEmpty ? "maintain: skipped (nothing changed)"
            : "maintain: " + outcomes.map { "\($0.table): \($0.rewrittenFiles)→\($0.addedFiles) files, \($0.expiredSnapshots) snapshots expired, "
                + "\($0.orphansRemoved) orphans" }.joined(separator: "; ")
    }

    public static func dashboard(_ o: Dashboard.Output) -> String {
        "dashboard: \(o.days) day(s) → \(o.html) (open it in a browser) and \(o.json)"
    }
}
