public import LakeColumnar

/// Whether a row of a ``ChangelogScan`` was inserted or deleted.
public enum ChangeType: String, Sendable, Hashable {
    case insert = "INSERT"
    case delete = "DELETE"
}

/// The rows inserted and deleted between two snapshots (Java's `IncrementalChangelogScan`): for
/// each snapshot after ``fromSnapshotExclusive`` up to and including ``toSnapshotInclusive``
/// along the history of the latter, the rows it added and the rows it removed, each with its
/// ``ChangeType``, the snapshot's ordinal in the range (0 for the first) and its id.
///
/// A snapshot's changes are found by comparing what it reads with what its parent reads, file by
/// file: rows of a data file it added are inserts; rows of a data file it removed (a copy-on-write
/// delete or overwrite) are deletes, as they read before it; rows a position or equality delete
/// file it added hides from a file that stays are deletes too. `replace` snapshots (compaction,
/// rewrites) change no rows and are left out, as in Java. A row inserted and deleted within the
/// range appears twice (an insert, then a delete at a later ordinal).
///
/// One case cannot be reported correctly and throws ``IcebergError/Kind/unsupported(_:)``: a
/// snapshot other than a `replace` that takes delete files away from a data file it keeps (rows
/// would come back). Every batch carries the projected columns followed by ``changeTypeColumn``,
/// ``changeOrdinalColumn`` and ``commitSnapshotIDColumn``; rows are read with the table's current
/// schema and streamed a batch at a time. ``filter`` prunes files and row groups (rows are not
/// filtered further).
///
/// Cost: every snapshot of the range and its parent are planned (their manifests read), and a
/// data file that gained deletes is read twice (before and after) and compared row by row.
public struct ChangelogScan: Sendable {
    public let table: Table
    /// The snapshot the range starts after (nil: from the oldest snapshot in the history).
    public var fromSnapshotExclusive: Int64?
    /// The last snapshot of the range (nil: the table's current snapshot).
    public var toSnapshotInclusive: Int64?
    /// Prunes files and row groups that cannot hold matching rows.
    public var filter: ColumnPredicate?
    /// Top-level column names to read (all when nil), in this order, before the change columns.
    public var columns: [String]?
    /// The most rows in one batch.
    public var batchSize = 8_192

    /// The column holding each row's ``ChangeType`` (`INSERT` or `DELETE`), as Java names it.
    public static let changeTypeColumn = "_change_type"
    /// The column holding the ordinal of the row's snapshot in the range (0 for the first).
    public static let changeOrdinalColumn = "_change_ordinal"
    /// The column holding the id of the snapshot that made the change.
    public static let commitSnapshotIDColumn = "_commit_snapshot_id"

    public init(table: Table, fromSnapshotExclusive: Int64? = nil, toSnapshotInclusive: Int64? = nil) {
        self.table = table
        self.fromSnapshotExclusive = fromSnapshotExclusive
        self.toSnapshotInclusive = toSnapshotInclusive
    }

    /// One file's contribution to the changelog: the rows of ``after`` (inserts), of ``before``
    /// (deletes of a removed file), or the rows of ``before`` that ``after`` no longer reads
    /// (deletes by new delete files).
    public struct Change: Sendable, Hashable {
        public var type: ChangeType
        /// The ordinal of ``snapshotID`` in the range.
        public var ordinal: Int32
        public var snapshotID: Int64
        /// The file as the parent snapshot read it (nil for an insert).
        public var before: FileScanTask?
        /// The file as the snapshot reads it (nil when the snapshot removed it).
        public var after: FileScanTask?
    }

    /// The snapshots of the range whose changes are reported, oldest first: every one but
    /// `replace` snapshots. Throws ``IcebergError/Kind/validationFailed(_:)`` when
    /// ``fromSnapshotExclusive`` is not an ancestor of ``toSnapshotInclusive``.
    public func changelogSnapshots() throws(IcebergError) -> [Snapshot] {
        guard let to = toSnapshotInclusive ?? table.metadata.currentSnapshotID else {
            if let from = fromSnapshotExclusive { throw IcebergError(.notFound("snapshot \(from) (the table has no snapshot)")) }
            return []
        }
        return try table.metadata.snapshots(after: fromSnapshotExclusive, upTo: to).filter { $0.operation != "replace" }
    }

    /// The scan that reads the changed files: the current schema, this scan's filter, columns
    /// and batch size.
    var fileScan: TableScan {
        var scan = TableScan(table: table)
        scan.filter = filter
        scan.columns = columns
        scan.batchSize = batchSize
        return scan
    }

    /// The files `snapshotID` reads (nil: none), with their delete files.
    func plan(_ snapshotID: Int64?) async throws(IcebergError) -> [FileScanTask] {
        guard let snapshotID else { return [] }
        var scan = TableScan(table: table)
        scan.snapshotID = snapshotID
        scan.filter = filter
        return try await scan.planFiles()
    }

    /// The changes of the range, oldest snapshot first (in a snapshot: deletes, then inserts).
    public func planChanges() async throws(IcebergError) -> [Change] {
        let snapshots = try changelogSnapshots()
        var changes: [Change] = []
        var cached: (id: Int64?, tasks: [FileScanTask])?
        for (index, snapshot) in snapshots.enumerated() {
            let ordinal = Int32(clamping: index)
            let before: [FileScanTask]
            if let cached, cached.id == snapshot.parentSnapshotID {
                before = cached.tasks
            } else {
                before = try await plan(snapshot.parentSnapshotID)
            }
            let after = try await plan(snapshot.snapshotID)
            cached = (snapshot.snapshotID, after)
            let beforeByPath = Dictionary(before.map { ($0.file.filePath, $0) }, uniquingKeysWith: { first, _ in first })
            let afterPaths = Set(after.map(\.file.filePath))
            for task in before where !afterPaths.contains(task.file.filePath) {
                changes.append(Change(type: .delete, ordinal: ordinal, snapshotID: snapshot.snapshotID, before: task, after: nil))
            }
            var inserts: [Change] = []
            for task in after {
                guard let old = beforeByPath[task.file.filePath] else {
                    inserts.append(Change(type: .insert, ordinal: ordinal, snapshotID: snapshot.snapshotID, before: nil, after: task))
                    continue
                }
                let oldDeletes = Set(old.deletes.map(\.filePath)), newDeletes = Set(task.deletes.map(\.filePath))
                if oldDeletes == newDeletes { continue }
                guard newDeletes.isSuperset(of: oldDeletes) else {
                    throw IcebergError(.unsupported("a changelog over snapshot \(snapshot.snapshotID) (\(snapshot.operation ?? "unknown operation")), "
                                                    + "which removes delete files from data file \(task.file.filePath) while keeping the file"))
                }
                changes.append(Change(type: .delete, ordinal: ordinal, snapshotID: snapshot.snapshotID, before: old, after: task))
            }
            changes += inserts
        }
        return changes
    }

    /// The changed rows as a stream of record batches.
    public func batches() -> ChangelogBatches { ChangelogBatches(scan: self) }

    /// Every batch, gathered: for small ranges and tests (``batches()`` streams).
    public func readAll() async throws(IcebergError) -> [RecordBatch] {
        var out: [RecordBatch] = []
        var iterator = batches().makeAsyncIterator()
        while let b = try await iterator.next() { out.append(b) }
        return out
    }
}

/// The rows of a ``ChangelogScan`` as record batches of at most ``ChangelogScan/batchSize``
/// rows; planning happens on the first `next()`.
public struct ChangelogBatches: AsyncSequence, Sendable {
    public typealias Element = RecordBatch
    public typealias Failure = IcebergError
    let scan: ChangelogScan

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(scan: scan) }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let scan: ChangelogScan
        private var changes: [ChangelogScan.Change]?
        private var nextChange = 0
        private var current: (change: ChangelogScan.Change, rows: ChangedRows)?

        init(scan: ChangelogScan) { self.scan = scan }

        public mutating func next() async throws(IcebergError) -> RecordBatch? {
            if changes == nil { changes = try await scan.planChanges() }
            let changes = self.changes ?? []
            while true {
                if var open = current {
                    let batch = try await open.rows.next()
                    current = open
                    if let batch {
                        if batch.rowCount == 0 { continue }
                        return try Self.labelled(batch, open.change)
                    }
                    current = nil
                }
                guard nextChange < changes.count else { return nil }
                let change = changes[nextChange]
                nextChange += 1
                current = (change, ChangedRows(change, scan: scan.fileScan))
            }
        }

        /// `batch` with the change columns appended.
        static func labelled(_ batch: RecordBatch, _ change: ChangelogScan.Change) throws(IcebergError) -> RecordBatch {
            let n = batch.rowCount
            do {
                let schema = try Schema(fields: batch.schema.fields + [
                    Field(name: ChangelogScan.changeTypeColumn, id: Int32.max - 104, type: .string, isNullable: false),
                    Field(name: ChangelogScan.changeOrdinalColumn, id: Int32.max - 105, type: .int32, isNullable: false),
                    Field(name: ChangelogScan.commitSnapshotIDColumn, id: Int32.max - 106, type: .int64, isNullable: false),
                ])
                return try RecordBatch(schema: schema, columns: batch.columns + [
                    .binary(BinaryColumn([String?](repeating: change.type.rawValue, count: n))),
                    .int32(PrimitiveColumn<Int32>(values: [Int32](repeating: change.ordinal, count: n))),
                    .int64(PrimitiveColumn<Int64>(values: [Int64](repeating: change.snapshotID, count: n))),
                ])
            } catch {
                throw IcebergError(.invalidMetadata("changelog columns: \(error)"))
            }
        }
    }
}

/// The rows of one ``ChangelogScan/Change``: a file read as is, or the rows of the file as its
/// parent read it that the snapshot no longer reads.
struct ChangedRows {
    private var rows: ScanBatches.AsyncIterator
    /// The file as the snapshot reads it, when only its vanished rows are wanted.
    private var remaining: ScanBatches.AsyncIterator?
    private var remainingBatch: RecordBatch?
    private var remainingRow = 0
    private var remainingDone = false

    init(_ change: ChangelogScan.Change, scan: TableScan) {
        switch (change.before, change.after) {
        case let (before?, after?):
            rows = ScanBatches.AsyncIterator(scan: scan, tasks: [before])
            remaining = ScanBatches.AsyncIterator(scan: scan, tasks: [after])
        case let (before?, nil):
            rows = ScanBatches.AsyncIterator(scan: scan, tasks: [before])
        case let (nil, after?):
            rows = ScanBatches.AsyncIterator(scan: scan, tasks: [after])
        case (nil, nil):
            rows = ScanBatches.AsyncIterator(scan: scan, tasks: [])
        }
    }

    /// The next batch (possibly empty when every row of a slice survived); nil at the end.
    mutating func next() async throws(IcebergError) -> RecordBatch? {
        guard remaining != nil else { return try await rows.next() }
        guard let batch = try await rows.next() else {
            // The file as the snapshot reads it is the file as its parent read it less some rows,
            // in the same order: a row left over means that does not hold, and the diff would lie.
            if try await nextRemaining() != nil {
                throw IcebergError(.unsupported("a changelog of a data file whose rows changed other than by deletes"))
            }
            return nil
        }
        // Rows read after the snapshot are a subsequence of those read before it: walking both in
        // order, a row before that is not the next row after was deleted (a greedy match finds
        // the deleted rows' values exactly, whatever duplicates the file holds).
        var deleted: [Int] = []
        for r in 0..<batch.rowCount {
            if let (other, row) = try await nextRemaining(), Self.sameRow(batch, r, other, row) {
                remainingRow += 1
            } else {
                deleted.append(r)
            }
        }
        return deleted.count == batch.rowCount ? batch : batch.take(deleted)
    }

    /// The next row the snapshot reads, without consuming it.
    private mutating func nextRemaining() async throws(IcebergError) -> (RecordBatch, Int)? {
        while true {
            if let b = remainingBatch, remainingRow < b.rowCount { return (b, remainingRow) }
            if remainingDone { return nil }
            remainingBatch = try await remaining?.next()
            remainingRow = 0
            if remainingBatch == nil { remainingDone = true }
        }
    }

    static func sameRow(_ a: RecordBatch, _ r: Int, _ b: RecordBatch, _ s: Int) -> Bool {
        guard a.columns.count == b.columns.count else { return false }
        for c in a.columns.indices where !same(a.columns[c].scalar(at: r), b.columns[c].scalar(at: s)) { return false }
        return true
    }

    /// Scalar equality where NaN equals NaN (the same row read twice).
    static func same(_ x: Scalar?, _ y: Scalar?) -> Bool {
        switch (x, y) {
        case let (.float64(p)?, .float64(q)?): return p == q || (p.isNaN && q.isNaN)
        case let (.float32(p)?, .float32(q)?): return p == q || (p.isNaN && q.isNaN)
        default: return x == y
        }
    }
}

extension Table {
    /// The rows inserted and deleted after `fromSnapshotExclusive` (nil: from the start) up to
    /// and including `toSnapshotInclusive` (nil: the current snapshot); see ``ChangelogScan``.
    public func changelogScan(fromSnapshotExclusive: Int64?, toSnapshotInclusive: Int64? = nil,
                              filter: ColumnPredicate? = nil, columns: [String]? = nil) -> ChangelogScan {
        var scan = ChangelogScan(table: self, fromSnapshotExclusive: fromSnapshotExclusive, toSnapshotInclusive: toSnapshotInclusive)
        scan.filter = filter
        scan.columns = columns
        return scan
    }
}
