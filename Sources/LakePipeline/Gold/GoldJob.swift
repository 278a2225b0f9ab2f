import Foundation
public import IcebergKit
import LakeColumnar
import Logging

/// Silver → gold, incrementally: only the days that silver snapshots committed since gold's last
/// run touched are aggregated again, each from silver by a filtered scan, and replaced in
/// `gold.daily` and `gold.daily_top` with a dynamic partition overwrite.
///
/// Each gold commit records in its summary (``MedallionTables/silverSnapshotSummaryKey``) the
/// silver snapshot it is computed up to, so a crash between the two gold tables, or after
/// silver moved, never counts a row twice or misses one: the next run starts from what each
/// gold table says. The days are read from the data files silver's `append` snapshots added
/// since (`IncrementalAppendScan.planFiles`, from the files' `date` bounds, reading no data);
/// `replace` snapshots (compaction, manifest rewrites) add no rows and change nothing. A silver
/// `overwrite` or `delete` since, or a recorded snapshot that is no longer in silver's history
/// (expired), makes every day be recomputed. Memory: one day's ``DayAggregate`` at a time, and
/// gold's new rows (a row per day, 80 per day for the top lists).
public struct GoldJob: Sendable {
    /// What a run did.
    public struct Report: Sendable {
        /// The silver snapshot gold is now computed up to.
        public var silverSnapshotID: Int64?
        /// Days aggregated again (days since 1970-01-01), ascending.
        public var recomputedDays: [Int32] = []
        /// Silver rows read.
        public var silverRowsRead = 0
        /// The new snapshot of `gold.daily` and of `gold.daily_top` (nil: unchanged).
        public var dailySnapshotID: Int64?, topSnapshotID: Int64?
        /// Why every day was recomputed, when it was.
        public var fullRecomputeReason: String?
    }

    /// The warehouse.
    public let warehouse: MedallionWarehouse
    /// Keys per day and dimension in `gold.daily_top`.
    public var topN = 20
    private let logger = Logger(label: "lakehouse.pipeline.gold")

    /// A gold job over `warehouse`.
    public init(warehouse: MedallionWarehouse) {
        self.warehouse = warehouse
    }

    /// Brings gold up to silver's `main`.
    public func run() async throws -> Report {
        let silver = try await warehouse.silver()
        var daily = try await warehouse.goldDaily()
        var top = try await warehouse.goldDailyTop()
        var report = Report(silverSnapshotID: silver.metadata.currentSnapshotID)
        guard let current = silver.metadata.currentSnapshotID else { return report }
        let dailyDays = try await daysToRecompute(gold: daily, silver: silver, current: current, report: &report)
        let topDays = try await daysToRecompute(gold: top, silver: silver, current: current, report: &report)
        let days = dailyDays.union(topDays).sorted()
        report.recomputedDays = days
        guard !days.isEmpty else { return report }

        var dailyRows: [DailyRow] = [], topRows: [TopRow] = []
        for day in days {
            var aggregate = DayAggregate(day: day)
            let scan = silver.scan(filter: .equal("date", .int32(day)), columns: DayAggregate.columns)
            for try await batch in scan.batches() {
                report.silverRowsRead += batch.rowCount
                try aggregate.add(batch)
            }
            // A day with no rows left (deleted from silver) gets no gold rows: the day's old
            // gold rows stay, as dynamic overwrite replaces only the days it writes.
            guard aggregate.requests > 0 else { continue }
            if dailyDays.contains(day) { dailyRows.append(aggregate.dailyRow()) }
            if topDays.contains(day) { topRows += aggregate.topRows(topN) }
        }
        if !dailyRows.isEmpty {
            daily = try await replaceDays(of: daily, with: try DailyRow.batch(dailyRows), silverSnapshot: current)
            report.dailySnapshotID = daily.metadata.currentSnapshotID
        }
        if !topRows.isEmpty {
            top = try await replaceDays(of: top, with: try TopRow.batch(topRows), silverSnapshot: current)
            report.topSnapshotID = top.metadata.currentSnapshotID
        }
        logger.info("gold updated", metadata: ["days": "\(days.count)", "silver-rows": "\(report.silverRowsRead)",
                                              "silver-snapshot": "\(current)"])
        return report
    }

    /// The silver snapshot `gold` was last computed up to.
    public static func silverSnapshot(of gold: Table) -> Int64? {
        gold.metadata.currentAncestry.lazy.compactMap { $0.summary[MedallionTables.silverSnapshotSummaryKey].flatMap(Int64.init) }.first
    }

    private func daysToRecompute(gold: Table, silver: Table, current: Int64, report: inout Report) async throws -> Set<Int32> {
        let recorded = Self.silverSnapshot(of: gold)
        if recorded == current { return [] }
        var reason: String?
        if let recorded {
            if silver.metadata.snapshot(id: recorded) == nil || !silver.metadata.isAncestor(recorded, of: current) {
                reason = "silver snapshot \(recorded) recorded by \(gold.identifier) is no longer in silver's history"
            } else if let rewrite = try silver.metadata.snapshots(after: recorded, upTo: current)
                        .first(where: { $0.operation != "append" && $0.operation != "replace" }) {
                reason = "silver snapshot \(rewrite.snapshotID) is an \(rewrite.operation ?? "unknown") operation"
            }
        }
        let tasks: [FileScanTask]
        if recorded == nil || reason != nil {
            if let reason {
                report.fullRecomputeReason = reason
                logger.notice("every day recomputed", metadata: ["reason": "\(reason)"])
            }
            tasks = try await silver.scan().planFiles()
        } else {
            tasks = try await silver.incrementalAppendScan(fromSnapshotExclusive: recorded, toSnapshotInclusive: current).planFiles()
        }
        var days = Set<Int32>()
        for task in tasks {
            let (low, high) = try Self.dayRange(task.file)
            guard low <= high, high - low <= 366 else { throw PipelineError("\(task.file.filePath): date bounds \(low)...\(high)") }
            for day in low...high { days.insert(day) }
        }
        return days
    }

    /// The days a silver data file holds, from its `date` (field 1) bounds.
    static func dayRange(_ file: DataFile) throws -> (Int32, Int32) {
        func day(_ bytes: [UInt8]?) -> Int32? {
            guard let bytes, bytes.count == 4 else { return nil }
            return Int32(bitPattern: UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24)
        }
        if let low = day(file.lowerBounds[1]), let high = day(file.upperBounds[1]) { return (low, high) }
        if case let .int32(partitionDay)?? = file.partition.first { return (partitionDay, partitionDay) }
        throw PipelineError("\(file.filePath) records neither date bounds nor a day partition: its days are unknown")
    }

    /// Replaces the days of `rows` in `gold` (one `overwrite` snapshot, `replace-partitions`),
    /// recording `silverSnapshot`.
    private func replaceDays(of gold: Table, with rows: RecordBatch, silverSnapshot: Int64) async throws -> Table {
        let writer = try TableWriter(table: gold)
        let files: [DataFile]
        do {
            try await writer.write(rows)
            files = try await writer.close()
        } catch {
            await writer.abort()
            throw error
        }
        let replace = gold.newReplacePartitions()
        for file in files { replace.addFile(file) }
        replace.setSummaryProperty(MedallionTables.silverSnapshotSummaryKey, String(silverSnapshot))
        do throws(IcebergError) {
            return try await replace.commit()
        } catch {
            if case .commitStateUnknown = error.kind { throw error }
            // Files of a commit that did not happen; one that cannot be deleted is an orphan.
            _ = await gold.io.delete(files.map(\.filePath))
            throw error
        }
    }
}
