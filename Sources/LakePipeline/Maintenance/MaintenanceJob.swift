public import IcebergKit
import Logging

/// Table maintenance of the medallion's tables: compaction (bin-pack `RewriteDataFiles`),
/// snapshot expiry (`ExpireSnapshots`; silver's exactly-once ledger survives it) and orphan
/// removal (`RemoveOrphanFiles`), table by table.
///
/// Run it when no audit is pending: a compaction of silver's `main` while ingest commits wait on
/// the staging branch makes their publish fail (`main` moved), and they are staged again.
public struct MaintenanceJob: Sendable {
    /// What was done to one table.
    public struct TableOutcome: Sendable {
        /// The table.
        public var table: String
        /// Data files compacted away and written.
        public var rewrittenFiles = 0, addedFiles = 0
        /// Snapshots expired.
        public var expiredSnapshots = 0
        /// Orphan files removed.
        public var orphansRemoved = 0
    }

    /// The warehouse.
    public let warehouse: MedallionWarehouse
    /// Snapshots younger than this stay (default 5 days, Iceberg's).
    public var snapshotRetentionMs: Int64 = 5 * 86_400_000
    /// At least this many snapshots stay per branch.
    public var retainLast = 10
    /// Orphans younger than this stay (default 3 days: a commit in flight has its files there).
    public var orphanAgeMs: Int64 = 3 * 86_400_000
    /// Whether to compact.
    public var compact = true
    private let logger = Logger(label: "lakehouse.pipeline.maintain")

    /// Maintenance of `warehouse`'s tables.
    public init(warehouse: MedallionWarehouse) {
        self.warehouse = warehouse
    }

    /// Maintains silver, then both gold tables.
    public func run(nowMs: Int64 = currentTimeMs()) async throws -> [TableOutcome] {
        var outcomes: [TableOutcome] = []
        for table in [try await warehouse.silver(), try await warehouse.goldDaily(), try await warehouse.goldDailyTop()] {
            var outcome = TableOutcome(table: table.identifier.description)
            guard table.currentSnapshot != nil else {
                outcomes.append(outcome)
                continue
            }
            var current = table
            if compact {
                let rewrite = try await current.rewriteDataFiles().execute()
                outcome.rewrittenFiles = rewrite.rewrittenDataFiles
                outcome.addedFiles = rewrite.addedDataFiles
                current = rewrite.table
            }
            let expiry = try await current.expireSnapshots().expireOlderThan(nowMs - snapshotRetentionMs).retainLast(retainLast)
                .commit(nowMs: nowMs)
            outcome.expiredSnapshots = expiry.expiredSnapshotIDs.count
            let orphans = try await expiry.table.removeOrphanFiles().olderThan(nowMs - orphanAgeMs).execute(nowMs: nowMs)
            outcome.orphansRemoved = orphans.orphans.count
            logger.info("maintained", metadata: ["table": "\(outcome.table)", "compacted": "\(outcome.rewrittenFiles)",
                                                 "expired": "\(outcome.expiredSnapshots)", "orphans": "\(outcome.orphansRemoved)"])
            outcomes.append(outcome)
        }
        return outcomes
    }
}
