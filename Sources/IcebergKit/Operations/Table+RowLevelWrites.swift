public import LakeColumnar

/// What a row-level write did: the rows it removed and added, the files it removed and wrote,
/// and the table as committed.
public struct RowLevelWriteResult: Sendable {
    /// The table as committed (unchanged when nothing was committed).
    public var table: Table
    /// The snapshot committed, or nil when nothing needed committing.
    public var snapshotID: Int64?
    /// Rows the filter matched (or, for a dynamic overwrite, the rows of the replaced partitions).
    public var deletedRows: Int64
    /// New rows written (an overwrite's input).
    public var insertedRows: Int64
    /// Data files removed from the table.
    public var removedDataFiles: Int
    /// Data files written: the rows kept from rewritten files and the new rows.
    public var addedDataFiles: Int
    /// Rows carried from rewritten files into new ones (copy-on-write).
    public var rewrittenRows: Int64
}

/// The table property choosing how ``Table/delete(where:branch:attempts:)`` removes rows
/// (`write.delete.mode`: `copy-on-write`, the default as in Java, or `merge-on-read`).
public enum RowLevelWriteMode: String, Sendable {
    case copyOnWrite = "copy-on-write"
    case mergeOnRead = "merge-on-read"

    /// The mode `properties` set for deletes.
    public static func forDelete(_ properties: [String: String]) throws(IcebergError) -> RowLevelWriteMode {
        guard let text = properties["write.delete.mode"] else { return .copyOnWrite }
        guard let mode = RowLevelWriteMode(rawValue: text.lowercased()) else {
            throw IcebergError(.invalidMetadata("write.delete.mode is '\(text)': expected copy-on-write or merge-on-read"))
        }
        return mode
    }
}

extension Table {
    /// Deletes the rows matching `filter` (SQL logic: a row whose comparison is unknown because
    /// of a null is kept), as one snapshot on `branch`.
    ///
    /// The table property `write.delete.mode` chooses how: `copy-on-write` (the default, as
    /// Java) drops files all of whose rows match without reading them (by partition values and
    /// column metrics), skips files none of whose rows can match, and rewrites the others with
    /// the rows that do not match; `merge-on-read` writes position delete files for the matching
    /// rows instead (``MergeOnReadDelete``).
    ///
    /// Concurrent commits are checked as Java's copy-on-write delete: the isolation level of
    /// `write.delete.isolation-level` (``IsolationLevel``; `serializable` by default) decides
    /// whether data appended meanwhile that may match `filter` fails the commit; deletes added
    /// meanwhile for the files rewritten, or the removal of one of them, always do
    /// (``IcebergError/Kind/validationFailed(_:)``; the table is then as the other writer left it).
    ///
    /// Memory holds one batch of rows and the writer's open files.
    @discardableResult
    public func delete(where filter: ColumnPredicate, branch: String = "main",
                       attempts: Int = 30) async throws(IcebergError) -> RowLevelWriteResult {
        switch try RowLevelWriteMode.forDelete(metadata.properties) {
        case .copyOnWrite:
            return try await CopyOnWrite(table: self, filter: filter, branch: branch,
                                         isolation: try IsolationLevel.forCommand(.delete, properties: metadata.properties))
                .commit(inserting: EmptyBatches(), attempts: attempts)
        case .mergeOnRead:
            var delete = MergeOnReadDelete(table: self)
            delete.branch = branch
            let result = try await delete.delete(where: filter, attempts: attempts)
            let snapshotID = result.deletedRows > 0 ? result.table.metadata.refs[branch]?.snapshotID : nil
            return RowLevelWriteResult(table: result.table, snapshotID: snapshotID, deletedRows: result.deletedRows, insertedRows: 0,
                                       removedDataFiles: 0, addedDataFiles: 0, rewrittenRows: 0)
        }
    }

    /// Replaces the rows matching `filter` with `batches`, in one `overwrite` snapshot on
    /// `branch`: matching rows are deleted copy-on-write (as ``delete(where:branch:attempts:)``)
    /// and the new rows appended. Every new row must match `filter` (as Java's
    /// `validateAddedFilesMatchOverwriteFilter`, checked row by row here): one that does not is
    /// ``IcebergError/Kind/validationFailed(_:)`` and nothing is committed.
    ///
    /// `batches` is read once, a batch at a time. Conflicts are checked as for an overwrite at
    /// `write.update.isolation-level` (default `serializable`: data appended meanwhile that may
    /// match `filter` fails the commit).
    @discardableResult
    public func overwrite<S: AsyncSequence>(_ batches: S, where filter: ColumnPredicate, branch: String = "main",
                                                     attempts: Int = 30) async throws(IcebergError) -> RowLevelWriteResult
    where S.Element == RecordBatch {
        try await CopyOnWrite(table: self, filter: filter, branch: branch,
                              isolation: try IsolationLevel.forCommand(.update, properties: metadata.properties))
            .commit(inserting: batches, attempts: attempts)
    }

    /// ``overwrite(_:where:branch:attempts:)`` for batches in memory.
    @discardableResult
    public func overwrite(_ batches: [RecordBatch], where filter: ColumnPredicate, branch: String = "main",
                          attempts: Int = 30) async throws(IcebergError) -> RowLevelWriteResult {
        try await overwrite(ArrayBatches(batches: batches), where: filter, branch: branch, attempts: attempts)
    }

    /// Replaces exactly the partitions `batches` write to (dynamic partition overwrite, Java's
    /// `ReplacePartitions`): every data and delete file of those partitions is removed and the
    /// new rows added, in one `overwrite` snapshot with `replace-partitions=true`. Partitions
    /// the new rows do not touch are kept as they are.
    ///
    /// On an unpartitioned table the whole table is one partition and is replaced, as Java's
    /// `ReplacePartitions` does (pyiceberg refuses instead). With no rows nothing is committed.
    /// Partitions are those of the default spec; files of older specs are kept. No conflict
    /// check is made unless `validateNoConflicts` is set (Java's default): then data or deletes
    /// committed meanwhile to a replaced partition fail the commit.
    @discardableResult
    public func dynamicPartitionOverwrite<S: AsyncSequence>(_ batches: S, branch: String = "main", validateNoConflicts: Bool = false,
                                                                       attempts: Int = 30) async throws(IcebergError) -> RowLevelWriteResult
    where S.Element == RecordBatch {
        let writer = try TableWriter(table: self)
        var inserted: Int64 = 0
        do throws(IcebergError) {
            var iterator = batches.makeAsyncIterator()
            while true {
                let next: RecordBatch?
                do { next = try await iterator.next() } catch let error as IcebergError { throw error } catch {
                    throw IcebergError(.io("reading the rows to write: \(error)"))
                }
                guard let batch = next else { break }
                try await writer.write(try CopyOnWrite.conform(batch, to: writer.batchSchema))
                inserted += Int64(batch.rowCount)
            }
        } catch {
            await writer.abort()
            throw error
        }
        let files = try await writer.close()
        guard !files.isEmpty else {
            return RowLevelWriteResult(table: self, snapshotID: nil, deletedRows: 0, insertedRows: 0, removedDataFiles: 0,
                                       addedDataFiles: 0, rewrittenRows: 0)
        }
        let replace = newReplacePartitions().toBranch(branch)
        for f in files { replace.addFile(f) }
        if validateNoConflicts { replace.validateNoConflictingData().validateNoConflictingDeletes() }
        let committed: Table
        do throws(IcebergError) {
            committed = try await replace.commit(attempts: attempts)
        } catch {
            if case .commitStateUnknown = error.kind { throw error }
            await io.deleteQuietly(files.map(\.filePath))
            throw error
        }
        let snapshot = committed.metadata.refs[branch].flatMap { committed.metadata.snapshot(id: $0.snapshotID) }
        return RowLevelWriteResult(table: committed, snapshotID: snapshot?.snapshotID,
                                   deletedRows: snapshot?.summary["deleted-records"].flatMap(Int64.init) ?? 0, insertedRows: inserted,
                                   removedDataFiles: Int(snapshot?.summary["deleted-data-files"].flatMap(Int.init) ?? 0),
                                   addedDataFiles: files.count, rewrittenRows: 0)
    }

    /// ``dynamicPartitionOverwrite(_:branch:validateNoConflicts:attempts:)`` for batches in memory.
    @discardableResult
    public func dynamicPartitionOverwrite(_ batches: [RecordBatch], branch: String = "main", validateNoConflicts: Bool = false,
                                          attempts: Int = 30) async throws(IcebergError) -> RowLevelWriteResult {
        try await dynamicPartitionOverwrite(ArrayBatches(batches: batches), branch: branch, validateNoConflicts: validateNoConflicts,
                                            attempts: attempts)
    }
}

/// Batches held in memory, as an async sequence.
struct ArrayBatches: AsyncSequence, Sendable {
    typealias Element = RecordBatch
    let batches: [RecordBatch]

    struct AsyncIterator: AsyncIteratorProtocol {
        var rest: ArraySlice<RecordBatch>
        mutating func next() async throws -> RecordBatch? { rest.popFirst() }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(rest: batches[...]) }
}

/// No batches.
struct EmptyBatches: AsyncSequence, Sendable {
    typealias Element = RecordBatch
    struct AsyncIterator: AsyncIteratorProtocol {
        mutating func next() async throws -> RecordBatch? { nil }
    }
    func makeAsyncIterator() -> AsyncIterator { AsyncIterator() }
}

/// A copy-on-write removal of the rows matching a filter (with new rows, for an overwrite),
/// planned at the branch's snapshot and committed as an ``OverwriteFiles``.
struct CopyOnWrite {
    let table: Table
    let filter: ColumnPredicate
    let branch: String
    let isolation: IsolationLevel

    static func conform(_ batch: RecordBatch, to schema: Schema) throws(IcebergError) -> RecordBatch {
        do { return try batch.conformed(to: schema) } catch {
            throw IcebergError(.validationFailed("rows do not match the table schema: \(error)"))
        }
    }

    func commit<S: AsyncSequence>(inserting batches: S, attempts: Int) async throws(IcebergError) -> RowLevelWriteResult
    where S.Element == RecordBatch {
        let schema = table.schema
        let names = Set(schema.fields.map(\.name))
        if let unknown = filter.columns.subtracting(names).sorted().first {
            throw IcebergError(.validationFailed("the filter names column '\(unknown)', which the table does not have"))
        }
        if let ref = table.metadata.refs[branch], !ref.isBranch {
            throw IcebergError(.validationFailed("'\(branch)' is a tag, not a branch: rows are written to branches"))
        }
        let start = table.metadata.latestSnapshotID(onBranch: branch)
        var scan = table.scan(filter: filter, snapshotID: start)
        scan.batchSize = 8_192
        let tasks = start == nil ? [] : try await scan.planFiles()
        let writer = try TableWriter(table: table)
        var removed: [DataFile] = []
        var deleted: Int64 = 0, rewritten: Int64 = 0, inserted: Int64 = 0
        do throws(IcebergError) {
            for task in tasks {
                guard let spec = table.metadata.partitionSpecs.first(where: { $0.specID == task.specID }) else {
                    throw IcebergError(.invalidMetadata("unknown partition spec \(task.specID)"), path: task.file.filePath)
                }
                if task.deletes.isEmpty, FileMetricsEvaluator.mustMatch(filter, task.file, spec: spec, schema: schema) {
                    // Every row matches: dropped without reading.
                    removed.append(task.file)
                    deleted += task.file.recordCount
                    continue
                }
                // Read the filter's columns first: a file none of whose live rows match stays.
                let matches = try await countMatches(task, at: start)
                guard matches > 0 else { continue }
                removed.append(task.file)
                deleted += matches
                var full = table.scan(snapshotID: start)
                full.batchSize = scan.batchSize
                var rows = ScanBatches.AsyncIterator(scan: full, tasks: [task])
                while let batch = try await rows.next() {
                    // Rows the filter does not select (false or unknown) are kept.
                    let selected = filter.selection(batch)
                    guard selected.setCount < batch.rowCount else { continue }
                    var keep: [Int] = []
                    keep.reserveCapacity(batch.rowCount - selected.setCount)
                    for r in 0..<batch.rowCount where !selected[r] { keep.append(r) }
                    let kept = keep.count == batch.rowCount ? batch : batch.take(keep)
                    try await writer.write(try Self.conform(kept, to: writer.batchSchema))
                    rewritten += Int64(keep.count)
                }
            }
            var iterator = batches.makeAsyncIterator()
            while true {
                let next: RecordBatch?
                do { next = try await iterator.next() } catch let error as IcebergError { throw error } catch {
                    throw IcebergError(.io("reading the rows to write: \(error)"))
                }
                guard let batch = next else { break }
                let selected = filter.selection(batch)
                if selected.setCount < batch.rowCount, let r = (0..<batch.rowCount).first(where: { !selected[$0] }) {
                    throw IcebergError(.validationFailed("row \(inserted + Int64(r)) of the new rows does not match the overwrite filter \(filter)"))
                }
                try await writer.write(try Self.conform(batch, to: writer.batchSchema))
                inserted += Int64(batch.rowCount)
            }
        } catch {
            await writer.abort()
            throw error
        }
        let files = try await writer.close()
        guard !removed.isEmpty || !files.isEmpty else {
            return RowLevelWriteResult(table: table, snapshotID: nil, deletedRows: 0, insertedRows: 0, removedDataFiles: 0,
                                       addedDataFiles: 0, rewrittenRows: 0)
        }
        let overwrite = table.newOverwrite().toBranch(branch).validateFromSnapshot(start).conflictDetectionFilter(filter)
            .validateNoConflictingDeletes()
        if isolation == .serializable { overwrite.validateNoConflictingData() }
        for f in removed { overwrite.deleteFile(f) }
        for f in files { overwrite.addFile(f) }
        let committed: Table
        do throws(IcebergError) {
            committed = try await overwrite.commit(attempts: attempts)
        } catch {
            if case .commitStateUnknown = error.kind { throw error }
            await table.io.deleteQuietly(files.map(\.filePath))
            throw error
        }
        return RowLevelWriteResult(table: committed, snapshotID: committed.metadata.refs[branch]?.snapshotID, deletedRows: deleted,
                                   insertedRows: inserted, removedDataFiles: removed.count, addedDataFiles: files.count,
                                   rewrittenRows: rewritten)
    }

    /// The live rows of `task` matching the filter, reading only the filter's columns.
    func countMatches(_ task: FileScanTask, at snapshotID: Int64?) async throws(IcebergError) -> Int64 {
        // A filter of no column (always true) still needs rows: the first column counts them.
        let columns = filter.columns.isEmpty ? Array(table.schema.fields.prefix(1).map(\.name)) : filter.columns.sorted()
        var scan = table.scan(columns: columns, snapshotID: snapshotID)
        scan.batchSize = 8_192
        var rows = ScanBatches.AsyncIterator(scan: scan, tasks: [task])
        var count: Int64 = 0
        while let batch = try await rows.next() {
            count += Int64(filter.selection(batch).setCount)
        }
        return count
    }
}
