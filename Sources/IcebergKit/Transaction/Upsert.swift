public import LakeColumnar

/// Merges rows into a table by key (as pyiceberg's `Table.upsert`), in one snapshot: a row whose
/// key is already in the table replaces that row when a value changed (``WhenMatched/update``) or
/// is dropped (``WhenMatched/ignore``); a row whose key is new is inserted
/// (``WhenNotMatched/insert``) or dropped (``WhenNotMatched/ignore``).
///
/// Copy-on-write (the default): the data files holding a key to update are rewritten without those rows and
/// the new values written with the inserted rows, committed as one `overwrite` (an ``OverwriteFiles``
/// that checks, as Java's, that no data matching the keys and no deletes for the rewritten files
/// were committed meanwhile); inserts alone are one `append`. Merge-on-read (`write.merge.mode`,
/// else `write.update.mode`, set to `merge-on-read`): the old rows are deleted by position delete
/// files and the new values appended, in one ``RowDelta`` that requires the data files to still exist. The input (its key set) is held in
/// memory; the table is streamed a batch at a time, pruned to the files whose column metrics
/// may hold an input key. With ``WhenMatched/ignore`` no file is rewritten, so de-duplicating
/// new rows against the table reads only the key columns.
///
/// ```swift
/// let result = try await table.upsert(batches, keys: ["x_edge_request_id"], whenMatched: .ignore)
/// ```
public struct Upsert: Sendable {
    /// What happens to an input row whose key is in the table.
    public enum WhenMatched: Sendable {
        /// The table's row is replaced when one of its values differs.
        case update
        /// The input row is dropped.
        case ignore
    }

    /// What happens to an input row whose key is not in the table.
    public enum WhenNotMatched: Sendable {
        /// The row is inserted.
        case insert
        /// The row is dropped.
        case ignore
    }

    /// What an upsert did.
    public struct Result: Sendable {
        /// The table as committed (unchanged when nothing changed).
        public var table: Table
        /// The snapshot committed, or nil when nothing changed.
        public var snapshotID: Int64?
        /// Table rows replaced by input rows with changed values.
        public var updatedRows: Int64
        /// Input rows inserted under new keys.
        public var insertedRows: Int64
        /// Data files rewritten without the updated rows (copy-on-write; 0 for merge-on-read).
        public var rewrittenDataFiles: Int
    }

    /// The table merged into.
    public let table: Table
    /// The columns identifying a row.
    public let keys: [String]
    public var whenMatched: WhenMatched = .update
    public var whenNotMatched: WhenNotMatched = .insert
    /// The branch read and committed to.
    public var branch = "main"

    /// An upsert into `table` as loaded, rows identified by the columns `keys`.
    public init(table: Table, keys: [String]) {
        self.table = table
        self.keys = keys
    }

    /// Merges `batches` (the table's columns, by name) into the table.
    ///
    /// - Throws: ``IcebergError/Kind/validationFailed(_:)`` for an empty or unknown key column, a
    ///   floating-point or nested key, a key that appears twice in the input, rows that do not
    ///   fit the table's schema, or a conflicting concurrent commit. Nothing is committed then.
    public func commit(_ batches: [RecordBatch], attempts: Int = 30) async throws(IcebergError) -> Result {
        let schema = table.schema
        guard !keys.isEmpty, Set(keys).count == keys.count else {
            throw IcebergError(.validationFailed("an upsert needs distinct key columns"))
        }
        for k in keys {
            guard let field = schema.fields.first(where: { $0.name == k }) else {
                throw IcebergError(.validationFailed("key column '\(k)' is not a column of \(table.identifier)"))
            }
            guard field.type.isPrimitive, field.type != .float, field.type != .double else {
                throw IcebergError(.validationFailed("key column '\(k)' is \(field.type): keys are primitive and not floating-point"))
            }
        }
        if let ref = table.metadata.refs[branch], !ref.isBranch {
            throw IcebergError(.validationFailed("'\(branch)' is a tag, not a branch: rows are written to branches"))
        }
        let mergeOnRead = try Self.mergeOnRead(table.metadata.properties)
        if mergeOnRead, table.metadata.formatVersion < 2 {
            throw IcebergError(.unsupported("merge-on-read upserts on a format v\(table.metadata.formatVersion) table (position deletes need v2)"))
        }
        let columnar = try schema.columnarSchema()
        let input = try batches.map { (b) throws(IcebergError) -> RecordBatch in try CopyOnWrite.conform(b, to: columnar) }

        // The input's keys, each once, encoded from the typed buffers (no Scalar per row):
        // entry e of the index is input row locations[e].
        let inputKeys = input.map { batch in keys.compactMap { batch.column(named: $0) } }
        var index = KeyIndex(capacity: input.reduce(0) { $0 + $1.rowCount })
        var locations: [(batch: Int, row: Int)] = []
        var summaries = keys.map { KeyColumnSummary(name: $0) }
        var encoder = KeyEncoder()
        for (b, batch) in input.enumerated() {
            let keyColumns = inputKeys[b]
            encoder.encode(keyColumns, rows: batch.rowCount)
            for r in 0..<batch.rowCount {
                guard encoder.withKey(r, { index.insert($0).inserted }) else {
                    throw IcebergError(.validationFailed("key \(Self.describe(keyColumns.map { $0.scalar(at: r) })) appears more than once in the upsert input"))
                }
                locations.append((b, r))
            }
            for k in summaries.indices {
                summaries[k].add(keyColumns[k], batch: b) { inputKeys[$0][k] }
            }
        }
        guard index.count > 0 else { return Result(table: table, snapshotID: nil, updatedRows: 0, insertedRows: 0, rewrittenDataFiles: 0) }

        let start = table.metadata.refs[branch]?.snapshotID ?? table.metadata.currentSnapshotID
        // Files are pruned by each key column's values (few) or range (many), through partition values and metrics.
        var filter: ColumnPredicate = .alwaysTrue
        for (k, summary) in summaries.enumerated() {
            let test = summary.filter { inputKeys[$0][k] }
            filter = k == 0 ? test : .and(filter, test)
        }
        var scan = table.scan(filter: filter, snapshotID: start)
        scan.batchSize = 8_192
        let tasks = start == nil ? [] : try await scan.planFiles()

        // Pass 1: which input keys exist, and which of those change a row (and in which files).
        var found = [Bool](repeating: false, count: index.count)
        var changed = [Bool](repeating: false, count: index.count)
        var changedCount = 0
        var rewrite: [FileScanTask] = []
        let names = schema.fields.map(\.name)
        let inputColumns = input.map { batch in names.map { batch.column(named: $0) } }
        for task in tasks {
            var read = table.scan(columns: whenMatched == .update ? names : keys, snapshotID: start)
            read.batchSize = 8_192
            var rows = ScanBatches.AsyncIterator(scan: read, tasks: [task])
            var touches = false
            while let batch = try await rows.next() {
                encoder.encode(keys.compactMap { batch.column(named: $0) }, rows: batch.rowCount)
                let columns = whenMatched == .update ? names.map { batch.column(named: $0) } : []
                for r in 0..<batch.rowCount {
                    guard let e = encoder.withKey(r, { index.find($0) }) else { continue }
                    found[e] = true
                    guard whenMatched == .update, !changed[e] else { continue }
                    let at = locations[e], source = inputColumns[at.batch]
                    let differs = zip(columns, source).contains { ours, theirs in
                        switch (ours, theirs) {
                        case let (a?, b?): return !a.sameValue(at: r, as: b, at: at.row)
                        case (nil, nil): return false
                        default: return true
                        }
                    }
                    if differs {
                        changed[e] = true
                        changedCount += 1
                        touches = true
                    }
                }
            }
            if touches { rewrite.append(task) }
        }
        /// Whether each row of `batch` has a key whose row changes.
        func changedRows(_ batch: RecordBatch, _ encoder: inout KeyEncoder) -> [Bool] {
            encoder.encode(keys.compactMap { batch.column(named: $0) }, rows: batch.rowCount)
            return (0..<batch.rowCount).map { r in encoder.withKey(r) { index.find($0) }.map { changed[$0] } ?? false }
        }

        // Merge-on-read: the changed rows' positions, by partition, for position delete files.
        struct PartitionKey: Hashable {
            var specID: Int32
            var partition: [Scalar?]
        }
        var deletes: [PartitionKey: [String: [Int64]]] = [:]
        if mergeOnRead {
            var cache = DeleteCache()
            let reader = MergeOnReadDelete(table: table)
            let keyFields = keys.compactMap { k in schema.fields.first { $0.name == k } }
            for task in rewrite {
                var rowEncoder = KeyEncoder()
                let positions = try await reader.livePositions(task, fields: keyFields, prune: filter, everyRow: false, schema: schema,
                                                               cache: &cache) { batch in
                    Bitmap(changedRows(batch, &rowEncoder))
                }
                deletes[PartitionKey(specID: task.specID, partition: task.file.partition), default: [:]][task.file.filePath] = positions
            }
        }

        // Pass 2 (copy-on-write): the rewritten files without the changed rows; then the changed and new rows.
        let writer = try TableWriter(table: table)
        var inserted: Int64 = 0
        do throws(IcebergError) {
            for task in rewrite where !mergeOnRead {
                var full = table.scan(snapshotID: start)
                full.batchSize = 8_192
                var rows = ScanBatches.AsyncIterator(scan: full, tasks: [task])
                while let batch = try await rows.next() {
                    let drop = changedRows(batch, &encoder)
                    let keep = (0..<batch.rowCount).filter { !drop[$0] }
                    guard !keep.isEmpty else { continue }
                    try await writer.write(try CopyOnWrite.conform(keep.count == batch.rowCount ? batch : batch.take(keep), to: writer.batchSchema))
                }
            }
            // Input rows are the index's entries in order: entry e is row locations[e].
            var entry = 0
            for batch in input {
                let first = entry
                entry += batch.rowCount
                let take = (0..<batch.rowCount).filter { r in
                    let e = first + r
                    if changed[e] { return true }
                    if !found[e], whenNotMatched == .insert {
                        inserted += 1
                        return true
                    }
                    return false
                }
                guard !take.isEmpty else { continue }
                try await writer.write(try CopyOnWrite.conform(take.count == batch.rowCount ? batch : batch.take(take), to: writer.batchSchema))
            }
        } catch {
            await writer.abort()
            throw error
        }
        let files = try await writer.close()
        guard !files.isEmpty || !rewrite.isEmpty else {
            return Result(table: table, snapshotID: nil, updatedRows: 0, insertedRows: 0, rewrittenDataFiles: 0)
        }
        let committed: Table
        var deleteFiles: [String] = []
        do throws(IcebergError) {
            // What was read decides what is inserted: under serializable isolation (Java's
            // default for MERGE) rows with these keys committed meanwhile fail the commit, so two
            // upserts of one key never both insert it; under either level, concurrent deletes of them do.
            let isolation = try IsolationLevel.forCommand(.merge, properties: table.metadata.properties)
            func guarded(_ delta: RowDelta) -> RowDelta {
                delta.validateFromSnapshot(start).conflictDetectionFilter(filter).validateNoConflictingDeleteFiles()
                if isolation == .serializable { delta.validateNoConflictingDataFiles() }
                return delta
            }
            if mergeOnRead, !deletes.isEmpty {
                // One row delta: position deletes for the old rows, the new values and inserts as data.
                let delta = guarded(table.newRowDelta().toBranch(branch))
                    .validateDataFilesExist(rewrite.map(\.file.filePath))
                let deleteWriter = DeleteFileWriter(table: table)
                for (key, positions) in deletes {
                    let file = try await deleteWriter.writePositionDeletes(positions, partition: key.partition)
                    deleteFiles.append(file.filePath)
                    delta.addDeletes(file, specID: key.specID)
                }
                for f in files { delta.addRows(f) }
                committed = try await delta.commit(attempts: attempts)
            } else if rewrite.isEmpty {
                let delta = guarded(table.newRowDelta().toBranch(branch))
                for f in files { delta.addRows(f) }
                committed = try await delta.commit(attempts: attempts)
            } else {
                // Rows with these keys committed meanwhile, or deletes for the rewritten files, fail the commit.
                let overwrite = table.newOverwrite().toBranch(branch).validateFromSnapshot(start).conflictDetectionFilter(filter)
                    .validateNoConflictingData().validateNoConflictingDeletes()
                for task in rewrite { overwrite.deleteFile(task.file) }
                for f in files { overwrite.addFile(f) }
                committed = try await overwrite.commit(attempts: attempts)
            }
        } catch {
            if case .commitStateUnknown = error.kind { throw error }
            await table.io.deleteQuietly(files.map(\.filePath) + deleteFiles)
            throw error
        }
        return Result(table: committed, snapshotID: committed.metadata.refs[branch]?.snapshotID ?? committed.metadata.currentSnapshotID,
                      updatedRows: Int64(changedCount), insertedRows: inserted, rewrittenDataFiles: mergeOnRead ? 0 : rewrite.count)
    }

    /// Whether the table's properties ask for merge-on-read upserts: `write.merge.mode`, else
    /// `write.update.mode` (`copy-on-write` by default, as Java).
    static func mergeOnRead(_ properties: [String: String]) throws(IcebergError) -> Bool {
        for name in ["write.merge.mode", "write.update.mode"] {
            guard let text = properties[name] else { continue }
            switch text.lowercased() {
            case "merge-on-read": return true
            case "copy-on-write": return false
            default: throw IcebergError(.invalidMetadata("\(name) is '\(text)': expected copy-on-write or merge-on-read"))
            }
        }
        return false
    }

    static func describe(_ key: [Scalar?]) -> String {
        "(" + key.map { value -> String in
            switch value {
            case nil: return "null"
            case let .binary(bytes)?: return "'" + String(decoding: bytes, as: UTF8.self) + "'"
            case let v?: return "\(v)"
            }
        }.joined(separator: ", ") + ")"
    }
}

extension Table {
    /// Merges `batches` into the table by the columns `keys` (see ``Upsert``): rows with a key
    /// already in the table update it (or are ignored), the others are inserted (or ignored), in
    /// one snapshot on `branch`.
    public func upsert(_ batches: [RecordBatch], keys: [String], whenMatched: Upsert.WhenMatched = .update,
                       whenNotMatched: Upsert.WhenNotMatched = .insert, branch: String = "main") async throws(IcebergError) -> Upsert.Result {
        var upsert = Upsert(table: self, keys: keys)
        upsert.whenMatched = whenMatched
        upsert.whenNotMatched = whenNotMatched
        upsert.branch = branch
        return try await upsert.commit(batches)
    }
}
