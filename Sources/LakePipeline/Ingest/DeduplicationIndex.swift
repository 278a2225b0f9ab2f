public import IcebergKit
public import LakeColumnar

/// The `x_edge_request_id`s silver already holds, looked up an hour at a time.
///
/// A log line delivered again (under another object key) carries the same request id and the
/// same timestamp, so a duplicate can only be found among rows of the same hour: the index reads
/// silver's key and timestamp columns for the hours a new batch touches (the scan prunes by
/// partition day and by the timestamp statistics of files, row groups and pages), never the
/// whole table. Memory: the keys of the hours held (≈ 100 bytes a key), evicting the hours used
/// longest ago beyond ``maximumHours``. Keys of rows accepted by ``filter(_:)`` join the index,
/// so duplicates within a run are caught too.
public final class DeduplicationIndex {
    private let keyColumn: String
    private var hours: [Int64: Set<String>] = [:]
    private var lastUse: [Int64: Int] = [:]
    private var clock = 0
    /// The most hours whose keys are held at once.
    public var maximumHours = 6
    /// Silver rows read to load hours so far.
    public private(set) var rowsRead = 0

    /// An index of `keyColumn` (default `x_edge_request_id`).
    public init(keyColumn: String = MedallionTables.deduplicationKey) {
        self.keyColumn = keyColumn
    }

    static let hourMicros: Int64 = 3_600_000_000

    /// `batch` without its rows whose key silver (at `branch` of `table`, or `main` when that
    /// branch does not exist yet) or an earlier accepted row already holds; and how many rows
    /// were dropped. Rows without a key or timestamp are kept.
    public func filter(_ batch: RecordBatch, table: Table, branch: String) async throws -> (batch: RecordBatch, duplicates: Int) {
        guard case let .int64(timestamps)? = batch.column(named: "timestamp") else {
            throw PipelineError("the batch has no int64 timestamp column")
        }
        let keys = StringAccess(batch.column(named: keyColumn))
        var keep: [Int] = []
        keep.reserveCapacity(batch.rowCount)
        for row in 0..<batch.rowCount {
            guard let ts = timestamps[row], let key = keys.string(at: row) else {
                keep.append(row)
                continue
            }
            let hour = Self.floorDiv(ts, Self.hourMicros)
            if hours[hour] == nil { try await load(hour, table: table, branch: branch) }
            clock += 1
            lastUse[hour] = clock
            if hours[hour]?.insert(key).inserted ?? true { keep.append(row) }
        }
        let duplicates = batch.rowCount - keep.count
        return (duplicates == 0 ? batch : batch.take(keep), duplicates)
    }

    /// Forgets every hour (after a failed commit, the index may hold keys silver does not).
    public func reset() {
        hours.removeAll()
        lastUse.removeAll()
    }

    private func load(_ hour: Int64, table: Table, branch: String) async throws {
        while hours.count >= maximumHours, let oldest = lastUse.min(by: { $0.value < $1.value })?.key {
            hours[oldest] = nil
            lastUse[oldest] = nil
        }
        var keys = Set<String>()
        let start = hour * Self.hourMicros, end = start + Self.hourMicros
        let day = Int32(Self.floorDiv(start, 86_400_000_000))
        let filter = ColumnPredicate.and(.equal("date", .int32(day)),
                                         .and(.greaterThanOrEqual("timestamp", .int64(start)), .lessThan("timestamp", .int64(end))))
        let scan: TableScan? = table.metadata.refs[branch] != nil
            ? try table.scan(ref: branch, filter: filter, columns: ["timestamp", keyColumn])
            : (table.currentSnapshot == nil ? nil : table.scan(filter: filter, columns: ["timestamp", keyColumn]))
        if let scan {
            for try await part in scan.batches() {
                rowsRead += part.rowCount
                guard case let .int64(ts)? = part.column(named: "timestamp") else { continue }
                let ids = StringAccess(part.column(named: keyColumn))
                // The scan prunes by statistics only: rows of other hours are skipped here.
                for row in 0..<part.rowCount {
                    guard let t = ts[row], t >= start, t < end, let id = ids.string(at: row) else { continue }
                    keys.insert(id)
                }
            }
        }
        hours[hour] = keys
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }
}
