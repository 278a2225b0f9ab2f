public import LakeColumnar

/// Deletes the rows matching a predicate without rewriting data files (merge-on-read): the
/// positions of the matching rows are written as v2 position delete files and committed with a
/// ``RowDelta``, as `write.delete.mode=merge-on-read` asks.
///
/// The data files that may hold matching rows are planned from the manifests (partition values
/// and column metrics), their row groups pruned by statistics, and only the predicate's columns
/// (and the keys of equality deletes already applying) are read, a batch at a time, evaluated
/// with ``ColumnPredicate/evaluate(_:)``. Rows already deleted are not deleted again. One delete
/// file is written per partition (spec and partition values), its rows sorted by file path and
/// position as the spec requires. The commit requires every data file a delete names to still be
/// in the table (``RowDelta/validateDataFilesExist(_:)``), checked again on every retry.
///
/// Memory holds one batch of the predicate's columns and the deleted positions (eight bytes a
/// deleted row).
///
/// ```swift
/// let result = try await MergeOnReadDelete(table: table).delete(where: .greaterThanOrEqual("sc_status", .int32(500)))
/// print(result.deletedRows)
/// ```
public struct MergeOnReadDelete: Sendable {
    /// What a merge-on-read delete did.
    public struct Result: Sendable {
        /// The table as committed (unchanged when no row matched).
        public var table: Table
        /// Rows deleted by this commit (rows deleted before are not counted again).
        public var deletedRows: Int64
        /// The position delete files written and committed.
        public var deleteFiles: [DataFile]
        /// The data files holding deleted rows.
        public var dataFiles: [String]
    }

    /// The table deleted from.
    public let table: Table
    /// The most rows read at once from a data file.
    public var batchSize = 8_192
    /// The branch read and committed to (a branch that does not exist yet starts at the
    /// table's current snapshot, as ``RowDelta/toBranch(_:)`` creates it).
    public var branch = "main"

    /// A merge-on-read delete from `table` as loaded.
    public init(table: Table) {
        self.table = table
    }

    /// Deletes the rows for which `filter` is true (SQL logic: a row where it is unknown, a
    /// comparison with null, stays), committing one `delete` snapshot; no snapshot when no row
    /// matches.
    ///
    /// - Throws: ``IcebergError/Kind/notFound(_:)`` for a column the table does not have,
    ///   ``IcebergError/Kind/unsupported(_:)`` on a format v1 table (position deletes are v2),
    ///   ``IcebergError/Kind/validationFailed(_:)`` when a concurrent commit conflicts (under `write.delete.isolation-level`) or removed a data file
    ///   the deletes name. Nothing is committed then, and the delete files written are removed.
    public func delete(where filter: ColumnPredicate, attempts: Int = 30) async throws(IcebergError) -> Result {
        guard table.metadata.formatVersion >= 2 else {
            throw IcebergError(.unsupported("merge-on-read deletes on a format v\(table.metadata.formatVersion) table (position deletes need v2)"))
        }
        let schema = table.schema
        for name in filter.columns.sorted() where !schema.fields.contains(where: { $0.name == name }) {
            throw IcebergError(.notFound("column '\(name)' in \(table.identifier)"))
        }
        let base = table.metadata.latestSnapshotID(onBranch: branch)
        let scan = table.metadata.refs[branch] != nil ? try table.scan(ref: branch, filter: filter) : table.scan(filter: filter)
        let tasks = try await scan.planFiles()

        struct PartitionKey: Hashable {
            var specID: Int32
            var partition: [Scalar?]
        }
        var byPartition: [PartitionKey: [String: [Int64]]] = [:]
        var cache = DeleteCache()
        var deletedRows: Int64 = 0
        for task in tasks {
            let positions = try await matchingPositions(task, filter: filter, schema: schema, cache: &cache)
            guard !positions.isEmpty else { continue }
            deletedRows += Int64(positions.count)
            byPartition[PartitionKey(specID: task.specID, partition: task.file.partition), default: [:]][task.file.filePath] = positions
        }
        guard !byPartition.isEmpty else { return Result(table: table, deletedRows: 0, deleteFiles: [], dataFiles: []) }

        var written: [(file: DataFile, specID: Int32)] = []
        let writer = DeleteFileWriter(table: table)
        do throws(IcebergError) {
            for (key, deletes) in byPartition {
                written.append((try await writer.writePositionDeletes(deletes, partition: key.partition), key.specID))
            }
        } catch {
            await table.io.deleteQuietly(written.map(\.file.filePath))
            throw error
        }
        let dataFiles = byPartition.values.flatMap(\.keys).sorted()
        // Java's checks for a merge-on-read delete: concurrent deletes of these rows always
        // conflict; under serializable isolation (the default) so does data appended meanwhile
        // that the filter may match (it would have been deleted too).
        let delta = table.newRowDelta().validateDataFilesExist(dataFiles).validateFromSnapshot(base).toBranch(branch)
            .conflictDetectionFilter(filter).validateNoConflictingDeleteFiles()
        if try IsolationLevel.forCommand(.delete, properties: table.metadata.properties) == .serializable {
            delta.validateNoConflictingDataFiles()
        }
        for (file, specID) in written { delta.addDeletes(file, specID: specID) }
        do throws(IcebergError) {
            let committed = try await delta.commit(attempts: attempts)
            return Result(table: committed, deletedRows: deletedRows, deleteFiles: written.map(\.file), dataFiles: dataFiles)
        } catch {
            // The row delta removes its manifests; the delete files are ours to remove.
            if case .commitStateUnknown = error.kind { throw error }
            await table.io.deleteQuietly(written.map(\.file.filePath))
            throw error
        }
    }

    /// The positions in `task`'s data file of live rows (not deleted by the delete files that
    /// apply to it) where `filter` is true, ascending.
    func matchingPositions(_ task: FileScanTask, filter: ColumnPredicate, schema: IcebergSchema,
                           cache: inout DeleteCache) async throws(IcebergError) -> [Int64] {
        try await livePositions(task, fields: schema.fields.filter { filter.columns.contains($0.name) }, prune: filter,
                                everyRow: Self.constant(filter) == true, schema: schema, cache: &cache) { filter.evaluate($0).isTrue }
    }

    /// The positions in `task`'s data file of live rows that `select` picks from batches of
    /// `fields` (row groups pruned by `prune`'s statistics; `everyRow`: whether every row is
    /// picked when `fields` is empty), ascending.
    func livePositions(_ task: FileScanTask, fields filterFields: [NestedField], prune filter: ColumnPredicate, everyRow: Bool,
                       schema: IcebergSchema, cache: inout DeleteCache,
                       select: (RecordBatch) -> Bitmap) async throws(IcebergError) -> [Int64] {
        let path = task.file.filePath
        let input = try await ParquetFileInput.open(path, io: table.io, expectedSize: task.file.fileSizeInBytes)
        var deleted: [Int64] = []
        var equality: [EqualityDeleteSet] = []
        for d in task.deletes {
            if d.content == DataFile.Content.positionDeletes.rawValue {
                deleted += try await cache.positions(in: d, for: path, io: table.io)
            } else {
                equality.append(try await cache.equalitySet(d, schema: schema, io: table.io))
            }
        }
        deleted.sort()
        func live(_ position: Int64) -> Bool {
            let i = ScanBatches.AsyncIterator.lowerBound(deleted, position)
            return i == deleted.count || deleted[i] != position
        }
        let reader = input.reader
        let keyFields = equality.flatMap(\.fieldIDs).compactMap { schema.field(id: $0) }
        let plan = try ReadPlan(fields: filterFields, fileSchema: reader.schema, extraFields: keyFields, path: path)
        // Row groups pruned by their statistics, the filter's columns found by field id in the file.
        let ids = Dictionary(schema.fields.map { ($0.name, $0.id) }, uniquingKeysWith: { a, _ in a })
        let groups = reader.metadata.rowGroups.indices.filter { g in
            filter.mightMatch { name in
                guard let id = ids[name], let i = reader.schema.index(ofFieldID: id) else { return nil }
                return reader.statistics(rowGroup: g, column: reader.schema.fields[i].name)
            }
        }
        var out: [Int64] = []
        for g in groups {
            let first = reader.rowGroupFirstRows[g]
            guard !plan.fileIDs.isEmpty else {
                // Nothing to read (a filter of constants): every live row matches, or none does.
                guard everyRow else { continue }
                let rows = Int64(reader.metadata.rowGroups[g].numRows)
                out += (first..<(first + rows)).filter(live)
                continue
            }
            var slices = try await input.rowGroupSlices(g, fieldIDs: plan.fileIDs, rowsPerSlice: Swift.max(1, batchSize))
            while true {
                let raw: RecordBatch?
                do { raw = try slices.next() } catch { throw IcebergError(.invalidMetadata("\(error)"), path: path) }
                guard let raw else { break }
                let start = first + Int64(slices.rowsRead - raw.rowCount)
                let columns = try plan.adapt(raw)
                let batch = try plan.batch(columns, rows: raw.rowCount)
                let selected = select(batch)
                for r in 0..<raw.rowCount where selected[r] {
                    let position = start + Int64(r)
                    guard live(position), !equality.contains(where: { $0.contains(row: r, columns: columns) }) else { continue }
                    out.append(position)
                }
            }
        }
        return out
    }
}

extension MergeOnReadDelete {
    /// The value of a predicate that names no column.
    static func constant(_ p: ColumnPredicate) -> Bool? {
        switch p {
        case .alwaysTrue: return true
        case .alwaysFalse: return false
        case let .not(inner): return constant(inner).map { !$0 }
        case let .and(a, b):
            let x = constant(a), y = constant(b)
            if x == false || y == false { return false }
            return x == nil || y == nil ? nil : true
        case let .or(a, b):
            let x = constant(a), y = constant(b)
            if x == true || y == true { return true }
            return x == nil || y == nil ? nil : false
        default: return nil
        }
    }
}

extension Table {
    /// Deletes the rows matching `filter` by writing position delete files (see
    /// ``MergeOnReadDelete``): the `merge-on-read` form of a delete.
    public func deleteMergeOnRead(where filter: ColumnPredicate) async throws(IcebergError) -> MergeOnReadDelete.Result {
        try await MergeOnReadDelete(table: self).delete(where: filter)
    }
}
