public import LakeColumnar

/// Which top-level columns to read.
public enum ColumnSelection: Sendable, Hashable {
    case all
    /// By name, in this order.
    case names([String])
    /// By field id, in this order (Iceberg projects by id).
    case fieldIDs([Int32])
}

/// Reader settings.
public struct ParquetReadOptions: Sendable {
    /// Check page CRCs where pages carry one (off by default, like every common reader).
    public var verifyChecksums = false
    /// Rows per batch from ``ParquetReader/batches(columns:predicate:batchSize:)``.
    public var batchSize = 65_536
    /// Threads decoding the column chunks of a row group (or of a row group's slice) at once,
    /// the calling thread among them; 1 decodes every column on the calling thread. The batches
    /// are the same either way. Default: the CPUs this process may run on
    /// (``ParquetReadOptions/availableCores``). Memory grows little with it: the columns of a
    /// step are decoded at once instead of one after another.
    public var decodeThreads: Int

    /// The CPUs this process may run on (its affinity mask, so 1 under `taskset -c 0`).
    public static var availableCores: Int { ColumnDecodeWorkers.availableCores }

    public init(verifyChecksums: Bool = false, batchSize: Int = 65_536, decodeThreads: Int? = nil) {
        self.verifyChecksums = verifyChecksums
        self.batchSize = max(1, batchSize)
        self.decodeThreads = max(1, decodeThreads ?? ColumnDecodeWorkers.availableCores)
    }
}

/// Reads Parquet files into record batches: flat and nested columns, every standard encoding,
/// UNCOMPRESSED/SNAPPY/GZIP/ZSTD, data pages V1 and V2, projection by name or field id, and
/// row-group pruning by statistics.
///
/// ```swift
/// let reader = try ParquetReader(path: "part-0.parquet")
/// for try batch in try reader.batches(columns: .names(["sc_status", "cs_uri_stem"])) { … }
/// ```
///
/// Memory is bounded by one row group's projected columns.
public final class ParquetReader {
    public let path: String
    public let metadata: FileMetaData
    /// The file's schema as columnar fields (ids from the file, or assigned above the highest one).
    public let schema: Schema
    public let options: ParquetReadOptions
    let readSchema: ReadSchema
    let file: any ParquetByteSource

    public convenience init(path: String, options: ParquetReadOptions = ParquetReadOptions()) throws(ParquetReadError) {
        try self.init(file: try RandomAccessFile(path: path), options: options)
    }

    /// Reads a file held in memory; `name` identifies it in errors.
    public convenience init(bytes: [UInt8], name: String = "<memory>", options: ParquetReadOptions = ParquetReadOptions()) throws(ParquetReadError) {
        try self.init(file: RandomAccessFile(bytes: bytes, name: name), options: options)
    }

    convenience init(file: any ParquetByteSource, options: ParquetReadOptions) throws(ParquetReadError) {
        try self.init(source: file, metadata: try ParquetFooter.read(file), options: options)
    }

    /// Reads from `source` a file whose footer was already decoded (see
    /// ``ParquetFooter/parse(tail:fileSize:name:)``): the way to read a file an asynchronous
    /// reader fetches in ranges (``ParquetFetchedRanges``).
    public init(source: any ParquetByteSource, metadata: FileMetaData, options: ParquetReadOptions = ParquetReadOptions()) throws(ParquetReadError) {
        let file = source
        path = file.path
        self.options = options
        self.metadata = metadata
        self.file = file
        do {
            readSchema = try ReadSchema(metadata)
        } catch {
            var located = error
            located.path = path
            throw located
        }
        schema = readSchema.schema
        for (g, group) in metadata.rowGroups.enumerated() where group.columns.count != readSchema.leaves.count {
            throw ParquetReadError(.invalidMetadata("row group \(g) has \(group.columns.count) columns for \(readSchema.leaves.count) leaves"),
                                   path: path)
        }
    }

    /// The number of row groups.
    public var rowGroupCount: Int { metadata.rowGroups.count }

    /// Top-level field indices for a selection.
    public func fieldIndices(_ selection: ColumnSelection) throws(ParquetReadError) -> [Int] {
        switch selection {
        case .all: return Array(schema.fields.indices)
        case let .names(names):
            var out: [Int] = []
            for n in names {
                guard let i = schema.index(ofField: n) else { throw ParquetReadError(.invalidMetadata("no column '\(n)'"), path: path) }
                out.append(i)
            }
            return out
        case let .fieldIDs(ids):
            var out: [Int] = []
            for id in ids {
                guard let i = schema.index(ofFieldID: id) else { throw ParquetReadError(.invalidMetadata("no field id \(id)"), path: path) }
                out.append(i)
            }
            return out
        }
    }

    /// The byte ranges row group `index` needs for `columns`: one per projected column chunk,
    /// neighbours within `gap` bytes merged (fewer requests to an object store for a few wasted
    /// bytes). Fetch them into a ``ParquetFetchedRanges`` before ``readRowGroup(_:columns:)``.
    public func byteRanges(rowGroup index: Int, columns: ColumnSelection = .all, gap: Int64 = 64 << 10) throws(ParquetReadError) -> [Range<Int64>] {
        guard index >= 0, index < metadata.rowGroups.count else {
            throw ParquetReadError(.invalidMetadata("no row group \(index)"), path: path)
        }
        let group = metadata.rowGroups[index]
        var ranges: [Range<Int64>] = []
        for f in try fieldIndices(columns) {
            for leaf in readSchema.nodes[f].leaves where leaf >= 0 {
                let m = group.columns[leaf].metaData
                guard m.numValues > 0 else { continue }
                var start = m.dataPageOffset
                if let d = m.dictionaryPageOffset, d > 0, d < start { start = d }
                guard start >= 0, m.totalCompressedSize >= 0, start <= file.size - m.totalCompressedSize else {
                    throw ParquetReadError(.invalidMetadata("column chunk \(m.pathInSchema.joined(separator: ".")) range \(start)+\(m.totalCompressedSize) outside the file"),
                                           offset: start, path: path)
                }
                ranges.append(start..<(start + m.totalCompressedSize))
            }
        }
        ranges.sort { $0.lowerBound < $1.lowerBound }
        var merged: [Range<Int64>] = []
        for r in ranges {
            if let last = merged.last, r.lowerBound <= last.upperBound + gap {
                merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, r.upperBound)
            } else {
                merged.append(r)
            }
        }
        return merged
    }

    /// The position in the file of each row group's first row (for position deletes).
    public var rowGroupFirstRows: [Int64] {
        var out: [Int64] = []
        var next: Int64 = 0
        for g in metadata.rowGroups {
            out.append(next)
            next += g.numRows
        }
        return out
    }

    /// Reads row group `index` (projected) as one batch.
    public func readRowGroup(_ index: Int, columns: ColumnSelection = .all) throws(ParquetReadError) -> RecordBatch {
        guard index >= 0, index < metadata.rowGroups.count else {
            throw ParquetReadError(.invalidMetadata("no row group \(index)"), path: path)
        }
        let group = metadata.rowGroups[index]
        guard group.numRows >= 0, group.numRows <= Int64(Int32.max) else {
            throw ParquetReadError(.invalidMetadata("row group \(index) claims \(group.numRows) rows"), path: path)
        }
        let fields = try fieldIndices(columns)
        // One field at a time on each decoding thread: its chunks decoded, its column assembled,
        // its decoded levels and values released before that thread's next field (peak memory:
        // the columns built so far plus one field's buffers per thread).
        let out = try ColumnDecodeWorkers.decode(order: decodeOrder(rowGroup: index, fields: fields),
                                                 threads: options.decodeThreads) { (k) throws(ParquetReadError) -> Column in
            try readColumn(index, field: fields[k])
        }
        do {
            return try RecordBatch(schema: schema.projected(fields), columns: out)
        } catch {
            throw ParquetReadError(.invalidMetadata("\(error)"), path: path)
        }
    }

    /// Positions in `fields` ordered by the uncompressed bytes of their column chunks in row
    /// group `index`, largest first: the order decoding threads take them in.
    func decodeOrder(rowGroup index: Int, fields: [Int]) -> [Int] {
        let group = metadata.rowGroups[index]
        let cost: [Int64] = fields.map { f in
            readSchema.nodes[f].leaves.reduce(0) { sum, leaf in
                leaf >= 0 && leaf < group.columns.count ? sum &+ Swift.max(0, group.columns[leaf].metaData.totalUncompressedSize) : sum
            }
        }
        return fields.indices.sorted { cost[$0] != cost[$1] ? cost[$0] > cost[$1] : $0 < $1 }
    }

    /// Field `f` of row group `index`, assembled whole.
    func readColumn(_ index: Int, field f: Int) throws(ParquetReadError) -> Column {
        let group = metadata.rowGroups[index]
        var leafBuffers: [LeafBuffer] = readSchema.leaves.map { LeafBuffer(descriptor: $0) }
        for leaf in readSchema.nodes[f].leaves where leaf >= 0 {
            var reader = ColumnChunkReader(file: file, chunk: group.columns[leaf], descriptor: readSchema.leaves[leaf],
                                           verifyChecksums: options.verifyChecksums)
            leafBuffers[leaf] = try reader.read(rowLimit: group.numRows)
        }
        var assembler = RecordAssembler(leaves: leafBuffers, conversions: readSchema.leafConversions)
        do {
            return try assembler.column(readSchema.nodes[f], field: schema.fields[f], rows: Int(group.numRows))
        } catch {
            var located = error
            located.path = path
            throw located
        }
    }

    /// Row groups whose statistics (and, for equality and IN, bloom filters) may satisfy
    /// `predicate` (all when nil).
    public func rowGroups(matching predicate: ColumnPredicate?) -> [Int] {
        guard let predicate else { return Array(metadata.rowGroups.indices) }
        return metadata.rowGroups.indices.filter { g in
            predicate.mightMatch { name in self.statistics(rowGroup: g, column: name) } && bloomMightMatch(predicate, rowGroup: g)
        }
    }

    /// False only when bloom filters prove no row of the row group can match.
    func bloomMightMatch(_ predicate: ColumnPredicate, rowGroup g: Int) -> Bool {
        switch predicate {
        case let .equal(c, v): return ((try? bloomFilterMightContain(rowGroup: g, column: c, value: v)) ?? nil) ?? true
        case let .isIn(c, values): return values.contains { bloomMightMatch(.equal(c, $0), rowGroup: g) }
        case let .and(a, b): return bloomMightMatch(a, rowGroup: g) && bloomMightMatch(b, rowGroup: g)
        case let .or(a, b): return bloomMightMatch(a, rowGroup: g) || bloomMightMatch(b, rowGroup: g)
        default: return true
        }
    }

    /// Statistics of a top-level primitive column in a row group, decoded to storage scalars.
    public func statistics(rowGroup: Int, column name: String) -> ColumnBounds? {
        guard let f = schema.index(ofField: name), case let .primitive(leaf, _) = readSchema.nodes[f] else { return nil }
        let chunk = metadata.rowGroups[rowGroup].columns[leaf]
        guard let stats = chunk.metaData.statistics else { return nil }
        let d = readSchema.leaves[leaf]
        let reader = ColumnChunkReader(file: file, chunk: chunk, descriptor: d, verifyChecksums: false)
        func decode(_ bytes: [UInt8]?) -> Scalar? {
            guard let bytes else { return nil }
            var buffer = LeafBuffer(descriptor: d)
            let ok: Bool = bytes.withUnsafeBytes { raw in
                if d.physicalType == .byteArray {
                    buffer.bytes.append(raw)  // statistics carry byte arrays without a length prefix
                    return true
                }
                var cursor = ByteCursor(raw)
                return (try? reader.decodePlain(&cursor, count: 1, into: &buffer, 0)) != nil
            }
            guard ok, buffer.valueCount == 1 else { return nil }
            let assembler = RecordAssembler(leaves: [buffer], conversions: [readSchema.leafConversions[leaf]])
            return try? assembler.scalar(0, 0)
        }
        // Without column orders, old writers' byte-array min/max used signed order: not trustworthy.
        let trusted = d.physicalType != .byteArray || metadata.columnOrderCount > 0
        let exact = (stats.isMinValueExact ?? true) && (stats.isMaxValueExact ?? true)
        return ColumnBounds(lower: trusted ? decode(stats.minValue) : nil, upper: trusted ? decode(stats.maxValue) : nil,
                            nullCount: stats.nullCount, valueCount: chunk.metaData.numValues, type: schema.fields[f].type,
                            exact: exact, nullCountKnown: stats.nullCountKnown)
    }

    /// Batches of at most `batchSize` rows from the row groups that may match `predicate`.
    ///
    /// Pruning is by row-group statistics; rows of a surviving row group are not filtered (apply
    /// `predicate` to the rows with ``ColumnPredicate/matches(_:row:)`` where exact results are needed).
    public func batches(columns: ColumnSelection = .all, predicate: ColumnPredicate? = nil,
                        batchSize: Int? = nil) throws(ParquetReadError) -> ParquetBatchIterator {
        _ = try fieldIndices(columns)
        return ParquetBatchIterator(reader: self, groups: rowGroups(matching: predicate), columns: columns,
                                    batchSize: batchSize ?? options.batchSize)
    }
}

/// Iterates the batches of a ``ParquetReader`` one row group at a time.
public struct ParquetBatchIterator {
    let reader: ParquetReader
    var groups: [Int]
    let columns: ColumnSelection
    let batchSize: Int
    var current: RecordBatch?
    var offset = 0

    /// The next batch, or nil at the end.
    public mutating func next() throws(ParquetReadError) -> RecordBatch? {
        while true {
            if let batch = current, offset < batch.rowCount {
                let end = min(offset + batchSize, batch.rowCount)
                defer { offset = end }
                return batch.slice(offset..<end)
            }
            guard !groups.isEmpty else { return nil }
            current = try reader.readRowGroup(groups.removeFirst(), columns: columns)
            offset = 0
        }
    }
}
