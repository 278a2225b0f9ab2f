public import LakeColumnar
import ParquetWriter

/// The rows of a ``TableScan`` as record batches of at most ``TableScan/batchSize`` rows.
///
/// Planning happens on the first ``AsyncIterator/next()``; then each planned file is opened
/// through the table's ``FileIO`` (footer by one ranged read), its surviving row groups are read
/// one by one (only the projected column chunks fetched) and decoded a batch of rows at a time
/// (pages decoded only as far as the batch needs), deletes are applied and columns are brought
/// to the read schema. Memory holds one row group's compressed projected chunks, one batch of
/// decoded columns and the delete files that apply to the file being read.
public struct ScanBatches: AsyncSequence, Sendable {
    public typealias Element = RecordBatch
    public typealias Failure = IcebergError
    let scan: TableScan

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(scan: scan) }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let scan: TableScan
        private var tasks: [FileScanTask]?
        private var nextTask = 0
        private var file: OpenFile?
        private var deleteCache = DeleteCache()

        init(scan: TableScan) { self.scan = scan }

        /// Reads `tasks` instead of planning `scan` (incremental scans plan their own files).
        init(scan: TableScan, tasks: [FileScanTask]) {
            self.scan = scan
            self.tasks = tasks
        }

        /// A data file being read.
        struct OpenFile {
            var input: ParquetFileInput
            var plan: ReadPlan
            var rowGroups: [Int]
            var nextGroup = 0
            /// The row group being read, a slice at a time.
            var slices: RowGroupSlices?
            var sliceGroup = 0
            var path: String { input.input.location }
            var firstRows: [Int64]
            /// The scan's filter over this file's column names, for page-index pruning.
            var pagePredicate: ColumnPredicate?
            /// Rows of a page-pruned row group still to return: contiguous pieces with the
            /// position of their first row in the file.
            var pruned: [(batch: RecordBatch, firstRow: Int64)] = []
            /// The next row group's chunks, fetched while this one decodes.
            var prefetch: (group: Int, task: Task<Result<ParquetFileInput.Fetched, IcebergError>, Never>)?
            /// Deleted positions, ascending.
            var positions: [Int64]
            var equality: [EqualityDeleteSet]
        }


        public mutating func next() async throws(IcebergError) -> RecordBatch? {
            if tasks == nil {
                // Reading needs no file's column metrics beyond the filter's.
                var planning = scan
                planning.includeColumnStats = false
                tasks = try await planning.planFiles()
            }
            while true {
                if var open = file {
                    if !open.pruned.isEmpty {
                        let piece = open.pruned.removeFirst()
                        file = open
                        let batch = try Self.process(piece.batch, firstRow: piece.firstRow, of: open)
                        if batch.rowCount > 0 { return batch }
                        continue
                    }
                    if var slices = open.slices {
                        let raw: RecordBatch?
                        do { raw = try slices.next() } catch { throw IcebergError(.invalidMetadata("\(error)"), path: open.path) }
                        open.slices = raw == nil ? nil : slices
                        file = open
                        guard let raw else { continue }
                        let first = open.firstRows[open.sliceGroup] + Int64(slices.rowsRead - raw.rowCount)
                        let batch = try Self.process(raw, firstRow: first, of: open)
                        if batch.rowCount > 0 { return batch }
                        continue
                    }
                    if open.nextGroup < open.rowGroups.count {
                        let group = open.rowGroups[open.nextGroup]
                        open.nextGroup += 1
                        if let predicate = open.pagePredicate,
                           let pruned = try await open.input.prunedRowGroup(group, fieldIDs: open.plan.fileIDs, predicate: predicate) {
                            // Only the candidate pages' rows were decoded: return them a piece of
                            // contiguous rows at a time, each at its position in the file.
                            var offset = 0
                            let step = Swift.max(1, scan.batchSize)
                            for range in pruned.rows.ranges {
                                var start = 0
                                while start < range.count {
                                    let count = Swift.min(step, range.count - start)
                                    open.pruned.append((pruned.batch.slice((offset + start)..<(offset + start + count)),
                                                        open.firstRows[group] + range.lowerBound + Int64(start)))
                                    start += count
                                }
                                offset += range.count
                            }
                            file = open
                            continue
                        }
                        if let prefetch = open.prefetch {
                            open.prefetch = nil
                            let fetched = try await prefetch.task.value.get()
                            if prefetch.group == group { open.input.adopt(fetched) }
                        }
                        open.slices = try await open.input.rowGroupSlices(group, fieldIDs: open.plan.fileIDs,
                                                                          rowsPerSlice: Swift.max(1, scan.batchSize))
                        open.sliceGroup = group
                        // The next row group's chunks come while this one decodes (one row group
                        // ahead: its compressed projected chunks are the memory this costs).
                        if scan.prefetchRowGroups, open.pagePredicate == nil, open.nextGroup < open.rowGroups.count {
                            let next = open.rowGroups[open.nextGroup]
                            open.prefetch = (next, try open.input.prefetch(next, fieldIDs: open.plan.fileIDs))
                        }
                        file = open
                        continue
                    }
                }
                file = nil
                guard let tasks, nextTask < tasks.count else { return nil }
                let task = tasks[nextTask]
                nextTask += 1
                file = try await open(task)
            }
        }

        private mutating func open(_ task: FileScanTask) async throws(IcebergError) -> OpenFile {
            // Files without field ids (registered by add_files) are read through the table's name mapping.
            let input = try await ParquetFileInput.open(task.file.filePath, io: scan.table.io, expectedSize: task.file.fileSizeInBytes,
                                                        nameMapping: try scan.table.nameMapping(),
                                                        options: ParquetReadOptions(decodeThreads: scan.decodeThreads))
            var positions: [Int64] = []
            var equality: [EqualityDeleteSet] = []
            let schema = try scan.readSchema()
            for d in task.deletes {
                if d.content == DataFile.Content.positionDeletes.rawValue {
                    positions += try await deleteCache.positions(in: d, for: task.file.filePath, io: scan.table.io)
                } else {
                    equality.append(try await deleteCache.equalitySet(d, schema: scan.table.metadata.currentSchema ?? schema,
                                                                      io: scan.table.io))
                }
            }
            positions.sort()
            let current = scan.table.metadata.currentSchema ?? schema
            let keyFields = equality.flatMap(\.fieldIDs).compactMap { current.field(id: $0) }
            let plan = try ReadPlan(fields: try scan.projectedFields(), fileSchema: input.reader.schema,
                                    extraFields: keyFields, path: task.file.filePath)
            let reader = input.reader
            var groups = Array(reader.metadata.rowGroups.indices)
            if let filter = scan.filter {
                // Row-group statistics, with the filter's column names resolved by field id in
                // this file (a renamed column keeps its id).
                let names = Dictionary(schema.fields.map { ($0.name, $0.id) }, uniquingKeysWith: { a, _ in a })
                groups = groups.filter { g in
                    filter.mightMatch { name in
                        guard let id = names[name], let i = reader.schema.index(ofFieldID: id) else { return nil }
                        return reader.statistics(rowGroup: g, column: reader.schema.fields[i].name)
                    }
                }
            }
            var pagePredicate: ColumnPredicate?
            if let filter = scan.filter {
                let ids = Dictionary(schema.fields.map { ($0.name, $0.id) }, uniquingKeysWith: { a, _ in a })
                pagePredicate = Self.renamed(filter) { name in
                    guard let id = ids[name], let i = reader.schema.index(ofFieldID: id) else { return nil }
                    return reader.schema.fields[i].name
                }
            }
            return OpenFile(input: input, plan: plan, rowGroups: groups, firstRows: reader.rowGroupFirstRows,
                            pagePredicate: pagePredicate, positions: positions, equality: equality)
        }

        /// `predicate` over other column names (`name` maps them; `nil`: the column is not in
        /// the file). A comparison on a missing column becomes `alwaysTrue`: the page index can
        /// rule nothing out by it (and `not` is never pruned by the page index).
        static func renamed(_ predicate: ColumnPredicate, _ name: (String) -> String?) -> ColumnPredicate {
            switch predicate {
            case .alwaysTrue, .alwaysFalse: return predicate
            case let .and(a, b): return .and(renamed(a, name), renamed(b, name))
            case let .or(a, b): return .or(renamed(a, name), renamed(b, name))
            case let .not(p): return .not(renamed(p, name))
            case let .equal(c, v): return name(c).map { .equal($0, v) } ?? .alwaysTrue
            case let .notEqual(c, v): return name(c).map { .notEqual($0, v) } ?? .alwaysTrue
            case let .lessThan(c, v): return name(c).map { .lessThan($0, v) } ?? .alwaysTrue
            case let .lessThanOrEqual(c, v): return name(c).map { .lessThanOrEqual($0, v) } ?? .alwaysTrue
            case let .greaterThan(c, v): return name(c).map { .greaterThan($0, v) } ?? .alwaysTrue
            case let .greaterThanOrEqual(c, v): return name(c).map { .greaterThanOrEqual($0, v) } ?? .alwaysTrue
            case let .isIn(c, values): return name(c).map { .isIn($0, values) } ?? .alwaysTrue
            case let .isNull(c): return name(c).map { .isNull($0) } ?? .alwaysTrue
            case let .isNotNull(c): return name(c).map { .isNotNull($0) } ?? .alwaysTrue
            case let .startsWith(c, prefix): return name(c).map { .startsWith($0, prefix) } ?? .alwaysTrue
            }
        }

        /// A slice of a data file (its first row at `firstRow` in the file) with deletes applied
        /// and columns brought to the read schema.
        static func process(_ raw: RecordBatch, firstRow first: Int64, of file: OpenFile) throws(IcebergError) -> RecordBatch {
            var columns = try file.plan.adapt(raw)
            let rows = raw.rowCount
            // Rows to keep: not at a deleted position, not matching an equality delete.
            var keep: [Int]?
            if !file.positions.isEmpty {
                let lower = Self.lowerBound(file.positions, first)
                let upper = Self.lowerBound(file.positions, first + Int64(rows))
                if lower < upper {
                    var deleted = Set<Int>()
                    for p in file.positions[lower..<upper] { deleted.insert(Int(p - first)) }
                    keep = (0..<rows).filter { !deleted.contains($0) }
                }
            }
            if !file.equality.isEmpty {
                let candidates = keep ?? Array(0..<rows)
                keep = candidates.filter { r in
                    !file.equality.contains { set in set.contains(row: r, columns: columns) }
                }
            }
            if let keep, keep.count < rows {
                for id in columns.keys { columns[id] = columns[id]?.take(keep) }
            }
            return try file.plan.batch(columns, rows: keep?.count ?? rows)
        }

        static func lowerBound(_ values: [Int64], _ target: Int64) -> Int {
            var lo = 0, hi = values.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if values[mid] < target { lo = mid + 1 } else { hi = mid }
            }
            return lo
        }
    }
}

/// How one data file's columns become the scan's output: which field ids to read from it, and
/// how each read column is brought to the read schema's type.
struct ReadPlan {
    let fields: [NestedField]
    /// Fields read only to match equality deletes.
    let extraFields: [NestedField]
    /// Ids read from the file, in read order (the projection, then equality-delete keys).
    let fileIDs: [Int32]
    /// The file's columnar type of each id read.
    let fileTypes: [Int32: DataType]
    let path: String

    init(fields: [NestedField], fileSchema: Schema, extraFields: [NestedField], path: String) throws(IcebergError) {
        self.fields = fields
        self.extraFields = extraFields
        self.path = path
        var ids: [Int32] = []
        var types: [Int32: DataType] = [:]
        for id in (fields + extraFields).map(\.id) where types[id] == nil {
            guard let i = fileSchema.index(ofFieldID: id) else { continue }
            ids.append(id)
            types[id] = fileSchema.fields[i].type
        }
        fileIDs = ids
        fileTypes = types
        for f in fields where types[f.id] == nil && f.required {
            throw IcebergError(.invalidMetadata("required column '\(f.name)' (id \(f.id)) is missing from the file"), path: path)
        }
    }

    /// The read columns by field id, each at its table type (ints and floats widened).
    func adapt(_ batch: RecordBatch) throws(IcebergError) -> [Int32: Column] {
        var out: [Int32: Column] = [:]
        for (id, column) in zip(fileIDs, batch.columns) {
            guard let fileType = fileTypes[id] else { continue }
            let expected = (fields + extraFields).first { $0.id == id }?.type.columnarType ?? fileType
            out[id] = try Self.widen(column, from: fileType, to: expected, path: path, id: id)
        }
        return out
    }

    /// `column` as `target` when the spec allows reading `source` as it (type promotion).
    static func widen(_ column: Column, from source: DataType, to target: DataType, path: String, id: Int32) throws(IcebergError) -> Column {
        if source.holdsSameValues(as: target) { return column }
        switch (source, target, column) {
        case let (.int32, .int64, .int32(c)):
            return .int64(PrimitiveColumn(values: c.withUnsafeBufferPointer { $0.map(Int64.init) }, validity: c.validity))
        case let (.float32, .float64, .float32(c)):
            return .float64(PrimitiveColumn(values: c.withUnsafeBufferPointer { $0.map(Double.init) }, validity: c.validity))
        case let (.decimal(_, s1), .decimal(_, s2), _) where s1 == s2:
            return column  // a wider precision holds the same unscaled values
        case let (.structure(fileFields), .structure(tableFields), .structure(c)):
            // An evolved struct: children matched by field id (renamed, reordered, promoted),
            // added ones null, dropped ones left out.
            var children: [Column] = []
            for t in tableFields {
                if let i = fileFields.firstIndex(where: { $0.id == t.id }), i < c.children.count {
                    children.append(try widen(c.children[i], from: fileFields[i].type, to: t.type, path: path, id: t.id))
                } else {
                    do { children.append(try Column(scalars: [Scalar?](repeating: nil, count: c.children.first?.count ?? c.count), type: t.type)) } catch {
                        throw IcebergError(.unsupported("null column of type \(t.type): \(error)"), path: path)
                    }
                }
            }
            do { return .structure(try StructColumn(children: children, count: c.count, validity: c.validity)) } catch {
                throw IcebergError(.invalidMetadata("\(error)"), path: path)
            }
        case let (.list(fileElement), .list(tableElement), .list(c)):
            let values = try widen(c.values, from: fileElement.type, to: tableElement.type, path: path, id: tableElement.id)
            let offsets = c.count == 0 ? [0] : (0..<c.count).map { c.valueRange(at: $0).lowerBound } + [c.valueRange(at: c.count - 1).upperBound]
            do { return .list(try ListColumn(offsets: offsets, values: values, validity: c.validity)) } catch {
                throw IcebergError(.invalidMetadata("\(error)"), path: path)
            }
        case let (.map(fileKey, fileValue), .map(tableKey, tableValue), .map(c)):
            let keys = try widen(c.keys, from: fileKey.type, to: tableKey.type, path: path, id: tableKey.id)
            let values = try widen(c.values, from: fileValue.type, to: tableValue.type, path: path, id: tableValue.id)
            let list = c.entries
            let offsets = c.count == 0 ? [0] : (0..<c.count).map { list.valueRange(at: $0).lowerBound } + [list.valueRange(at: c.count - 1).upperBound]
            do { return .map(try MapColumn(offsets: offsets, keys: keys, values: values, validity: c.validity)) } catch {
                throw IcebergError(.invalidMetadata("\(error)"), path: path)
            }
        default:
            throw IcebergError(.unsupported("column id \(id) is \(source) in the file and \(target) in the table (not a type promotion this version reads)"),
                               path: path)
        }
    }

    /// The output batch from the adapted (and delete-filtered) columns.
    func batch(_ columns: [Int32: Column], rows: Int) throws(IcebergError) -> RecordBatch {
        var outFields: [Field] = []
        var outColumns: [Column] = []
        for f in fields {
            let expected = f.type.columnarType
            if let c = columns[f.id] {
                // Text read dictionary-encoded stays so (the same values; see RecordBatch.conformed).
                let type: DataType = c.storage == .dictionary && expected.isString ? .dictionaryString : expected
                outFields.append(Field(name: f.name, id: f.id, type: type, isNullable: !f.required))
                outColumns.append(c)
            } else {
                // A column added after the file was written: null in every row.
                outFields.append(Field(name: f.name, id: f.id, type: expected, isNullable: true))
                do {
                    outColumns.append(try Column(scalars: [Scalar?](repeating: nil, count: rows), type: expected))
                } catch {
                    throw IcebergError(.unsupported("null column of type \(expected): \(error)"), path: path)
                }
            }
        }
        do {
            return try RecordBatch(schema: try Schema(fields: outFields), columns: outColumns)
        } catch {
            throw IcebergError(.invalidMetadata("\(error)"), path: path)
        }
    }
}

/// The rows an equality delete file removes: the values of its key columns.
struct EqualityDeleteSet: Sendable {
    let fieldIDs: [Int32]
    let keys: Set<[Scalar?]>

    /// Whether row `row` of `columns` (by field id) has a deleted key; null equals null here,
    /// as the spec's equality deletes compare.
    func contains(row: Int, columns: [Int32: Column]) -> Bool {
        var key: [Scalar?] = []
        key.reserveCapacity(fieldIDs.count)
        for id in fieldIDs { key.append(columns[id]?.scalar(at: row)) }
        return keys.contains(key)
    }
}

/// Delete files read once per scan and kept while files they apply to are read.
struct DeleteCache: Sendable {
    private var positionFiles: [String: [String: [Int64]]] = [:]
    private var equalityFiles: [String: EqualityDeleteSet] = [:]

    /// The positions `delete` removes from `dataFile`.
    mutating func positions(in delete: DataFile, for dataFile: String, io: any FileIO) async throws(IcebergError) -> [Int64] {
        if let cached = positionFiles[delete.filePath] { return cached[dataFile] ?? [] }
        let input = try await ParquetFileInput.open(delete.filePath, io: io, expectedSize: delete.fileSizeInBytes)
        let ids = [DeleteFileWriter.filePathFieldID, DeleteFileWriter.positionFieldID]
        for id in ids where input.reader.schema.index(ofFieldID: id) == nil {
            throw IcebergError(.invalidMetadata("position delete file without field id \(id)"), path: delete.filePath)
        }
        var byPath: [String: [Int64]] = [:]
        for g in input.reader.metadata.rowGroups.indices {
            let batch = try await input.readRowGroup(g, fieldIDs: ids)
            let paths = batch.columns[0], positions = batch.columns[1]
            for r in 0..<batch.rowCount {
                guard case let .binary(p)? = paths.scalar(at: r), case let .int64(pos)? = positions.scalar(at: r) else {
                    throw IcebergError(.invalidMetadata("position delete row \(r) has a null path or position"), path: delete.filePath)
                }
                byPath[String(decoding: p, as: UTF8.self), default: []].append(pos)
            }
        }
        positionFiles[delete.filePath] = byPath
        return byPath[dataFile] ?? []
    }

    /// The keys of an equality delete file, at the table's current column types.
    mutating func equalitySet(_ delete: DataFile, schema: IcebergSchema, io: any FileIO) async throws(IcebergError) -> EqualityDeleteSet {
        if let cached = equalityFiles[delete.filePath] { return cached }
        let ids = delete.equalityIDs ?? []
        let input = try await ParquetFileInput.open(delete.filePath, io: io, expectedSize: delete.fileSizeInBytes)
        var fields: [NestedField] = []
        for id in ids {
            guard let f = schema.field(id: id) else {
                throw IcebergError(.invalidMetadata("equality field id \(id) is not in the table schema"), path: delete.filePath)
            }
            guard input.reader.schema.index(ofFieldID: id) != nil else {
                throw IcebergError(.invalidMetadata("equality delete file lacks its key column id \(id)"), path: delete.filePath)
            }
            fields.append(f)
        }
        let plan = try ReadPlan(fields: fields, fileSchema: input.reader.schema, extraFields: [], path: delete.filePath)
        var keys = Set<[Scalar?]>()
        for g in input.reader.metadata.rowGroups.indices {
            let columns = try plan.adapt(try await input.readRowGroup(g, fieldIDs: plan.fileIDs))
            let rows = columns.values.first?.count ?? 0
            for r in 0..<rows { keys.insert(ids.map { columns[$0]?.scalar(at: r) }) }
        }
        let set = EqualityDeleteSet(fieldIDs: ids, keys: keys)
        equalityFiles[delete.filePath] = set
        return set
    }
}
