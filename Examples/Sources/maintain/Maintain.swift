import ArgumentParser
import LakePipeline
import MedallionSupport

/// Compaction, snapshot expiry and orphan removal on silver and gold.
@main
struct Maintain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Compact, expire snapshots and remove orphans on the medallion's tables.")
    @OptionGroup var warehouse: WarehouseOptions
    @Option(help: "Keep snapshots younger than this many days.") var retainDays = 5
    @Option(help: "Keep at least this many snapshots per branch.") var retainLast = 10
    @Option(help: "Remove orphan files older than this many days.") var orphanDays = 3
    @Flag(help: "Skip compaction.") var noCompact = false

    func run() async throws {
        var job = MaintenanceJob(warehouse: try warehouse.open())
        job.snapshotRetentionMs = Int64(retainDays) * 86_400_000
        job.retainLast = retainLast
        job.orphanAgeMs = Int64(orphanDays) * 86_400_000
        job.compact = !noCompact
        print(Summary.maintenance(try await job.run()))
    }
}
