public import IcebergKit
public import LakeColumnar

/// The `x_edge_request_id`s silver already holds, looked up an hour at a time.
///
/// A log line delivered again (under another object key) carries the same request id and the
/// same timestamp, so a duplicate can only be found among rows of the same hour: the index reads
/// silver's key and timestamp columns for the hours a new batch touches (the scan prunes by
/// partition day and by the timestamp statistics of files, row groups and pages), never the
/// whole table. Keys of rows accepted by ``filter(_:table:branch:)`` join the index, so
/// duplicates within an object are caught too.
///
/// Memory: keys are held as bytes (the hour and the id), never as a `String` each, in a
/// ``SpilledKeySet``: the bytes go to an unlinked scratch file and memory holds 8 to 16 bytes of
/// hash table per key (16 MB for a million-line hourly object). Only the hours touched since
/// ``release()`` are held: ``SilverIngest`` releases them after each object's commit, so the next
/// object loads its hours from silver again (a new hour reads nothing: the scan prunes it).
public final class DeduplicationIndex {
    private let keyColumn: String
    private let keys: SpilledKeySet
    private var hours: Set<Int64> = []
    private var key: [UInt8] = []
    /// Silver rows read to load hours so far.
    public private(set) var rowsRead = 0
    /// The most keys held at once since the index was made.
    public private(set) var peakKeys = 0

    /// An index of `keyColumn` (default `x_edge_request_id`).
    public convenience init(keyColumn: String = MedallionTables.deduplicationKey) {
        self.init(keyColumn: keyColumn, hash: ByteKeyTable.seededHash)
    }

    /// An index whose key set uses `hash` (tests force collisions with a weak one).
    package init(keyColumn: String = MedallionTables.deduplicationKey, hash: @escaping ByteKeyTable.HashFunction) {
        self.keyColumn = keyColumn
        keys = SpilledKeySet(hash: hash)
    }

    static let hourMicros: Int64 = 3_600_000_000

    /// The hours held.
    public var heldHours: Set<Int64> { hours }

    /// Bytes of memory the key set holds.
    public var memoryBytes: Int { keys.memoryBytes }

    /// `batch` without its rows whose key silver (at `branch` of `table`, or `main` when that
    /// branch does not exist yet) or an earlier accepted row already holds; and how many rows
    /// were dropped. Rows without a key or timestamp are kept.
    public func filter(_ batch: RecordBatch, table: Table, branch: String) async throws -> (batch: RecordBatch, duplicates: Int) {
        guard case let .int64(timestamps)? = batch.column(named: "timestamp") else {
            throw PipelineError("the batch has no int64 timestamp column")
        }
        let ids = KeyBytes(batch.column(named: keyColumn))
        // Hours first, so that the loop over rows below is synchronous.
        for row in 0..<batch.rowCount {
            guard let ts = timestamps[row] else { continue }
            let hour = Self.floorDiv(ts, Self.hourMicros)
            if !hours.contains(hour) { try await load(hour, table: table, branch: branch) }
        }
        var keep: [Int] = []
        keep.reserveCapacity(batch.rowCount)
        for row in 0..<batch.rowCount {
            guard let ts = timestamps[row], ids.isValid(row) else {
                keep.append(row)
                continue
            }
            if try insert(hour: Self.floorDiv(ts, Self.hourMicros), ids, row) { keep.append(row) }
        }
        peakKeys = max(peakKeys, keys.count)
        let duplicates = batch.rowCount - keep.count
        return (duplicates == 0 ? batch : batch.take(keep), duplicates)
    }

    /// Forgets every hour and key (after each object's commit, and after a failed commit, when
    /// the index may hold keys silver does not).
    public func release() throws {
        hours.removeAll()
        try keys.removeAll()
    }

    /// Inserts the key of `row` of `ids` in `hour`: the hour's 8 bytes, then the id's bytes.
    private func insert(hour: Int64, _ ids: KeyBytes, _ row: Int) throws -> Bool {
        key.removeAll(keepingCapacity: true)
        withUnsafeBytes(of: hour.littleEndian) { key.append(contentsOf: $0) }
        ids.append(row, to: &key)
        return try key.withUnsafeBytes { try keys.insert($0) }
    }

    private func load(_ hour: Int64, table: Table, branch: String) async throws {
        hours.insert(hour)
        let start = hour * Self.hourMicros, end = start + Self.hourMicros
        let day = Int32(Self.floorDiv(start, 86_400_000_000))
        let filter = ColumnPredicate.and(.equal("date", .int32(day)),
                                         .and(.greaterThanOrEqual("timestamp", .int64(start)), .lessThan("timestamp", .int64(end))))
        let scan: TableScan? = table.metadata.refs[branch] != nil
            ? try table.scan(ref: branch, filter: filter, columns: ["timestamp", keyColumn])
            : (table.currentSnapshot == nil ? nil : table.scan(filter: filter, columns: ["timestamp", keyColumn]))
        guard let scan else { return }
        for try await part in scan.batches() {
            rowsRead += part.rowCount
            guard case let .int64(ts)? = part.column(named: "timestamp") else { continue }
            let ids = KeyBytes(part.column(named: keyColumn))
            // The scan prunes by statistics only: rows of other hours are skipped here.
            for row in 0..<part.rowCount {
                guard let t = ts[row], t >= start, t < end, ids.isValid(row) else { continue }
                _ = try insert(hour: hour, ids, row)
            }
        }
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }
}
