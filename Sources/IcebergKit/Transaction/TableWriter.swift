#if canImport(Glibc)
import Glibc
#endif
public import LakeColumnar
public import ParquetWriter

/// Writes record batches into a table's data files, streaming, through the table's ``FileIO``.
///
/// Rows are routed to partitions through the spec's transforms (hidden partitioning: a
/// `day(timestamp)` spec needs no day column); each partition streams into its own Parquet file
/// with field ids; a file that reaches the target size is closed and the next one started.
/// Encoding is synchronous; the encoded bytes go to each file's ``FileWriter`` as they are
/// produced (on S3, parts of a multipart upload). Memory holds the open files' row groups, at
/// most ``maximumOpenFiles`` of them: when more partitions are open, the one used longest ago is
/// closed. ``close()`` returns the files with the metrics manifests need; a failed or abandoned
/// writer deletes what it wrote.
///
/// When the table has a default sort order, rows are sorted by it within bounded runs: each
/// open file buffers the rows routed to it, and when the rows buffered across all files pass
/// ``sortBufferRows`` the largest buffer is sorted and written as one run (a file's last run is
/// written when it closes). A file written as a single run is wholly sorted and records the
/// order's id (`sort_order_id`); a file of several runs is sorted only within each run and
/// records none, so readers never trust an order that does not hold.
///
/// ```swift
/// let writer = try TableWriter(table: table)
/// for batch in batches { try await writer.write(batch) }
/// let files = try await writer.close()     // then commit them, e.g. with a RowDelta
/// ```
public final class TableWriter {
    public let metadata: TableMetadata
    public let io: any FileIO
    public let properties: WriterProperties
    /// A data file is closed once its estimated size reaches this (Iceberg's
    /// `write.target-file-size-bytes`; 128 MiB by default).
    public let targetFileSize: Int64
    /// Partitions with an open file at once.
    public let maximumOpenFiles: Int
    /// String bounds are truncated to this many characters (Iceberg's default `truncate(16)`).
    public var truncateLength = 16
    /// Rows held for sorting across all open files (with a sort order): what bounds the memory
    /// sorting takes, and the largest file that can come out wholly sorted.
    public var sortBufferRows = 32_768
    /// Closes a file after each sorted run (compaction's sort strategy): every file is then
    /// wholly sorted and records the order's id, and holds no more rows than a run (those
    /// waiting when they passed ``sortBufferRows``).
    public var filePerSortedRun = false
    /// Rows arrive already in the sort order (a merge of sorted runs, compaction's sort
    /// strategy): they are written as they come, not buffered into runs, and every file,
    /// holding a stretch of that sequence, records the order's id when the table has it.
    var inputSorted = false

    private let schema: IcebergSchema
    private let spec: PartitionSpec
    private let partitionTypes: [IcebergType]
    private let router: PartitionRouter
    /// The columnar form of the table's current schema: what batches must have.
    public let batchSchema: Schema
    private struct OpenFile {
        var writer: ParquetFileWriter
        var sink: ParquetMemorySink
        var output: any FileWriter
        var path: String
        var lastUse: Int
        /// Rows waiting to be sorted (with a sort order), and the sorted runs written so far.
        var pending: [RecordBatch] = []
        var pendingRows = 0
        var runs = 0
    }
    private var sorter: RowSorter?
    private var pendingRows = 0
    private var open: [[Scalar?]: OpenFile] = [:]
    private var finished: [DataFile] = []
    private var uses = 0
    private var closed = false

    /// A writer for the table's current schema and default spec. Batches must have the schema's
    /// columnar form (``IcebergSchema/columnarSchema()``).
    public convenience init(table: Table, properties: WriterProperties = WriterProperties(), targetFileSize: Int64? = nil,
                            maximumOpenFiles: Int = 16) throws(IcebergError) {
        try self.init(metadata: table.metadata, io: table.io, properties: properties,
                      targetFileSize: targetFileSize ?? table.targetFileSize, maximumOpenFiles: maximumOpenFiles)
    }

    /// Row groups of 16 MiB unless the table asks for another size: a row group is buffered
    /// (compressed) until it is complete, so its size bounds the writer's memory — Java's 128 MiB
    /// default would put a small worker over its budget.
    public static let defaultRowGroupBytes = 16 << 20

    /// The row-group size: the table's `write.parquet.row-group-size-bytes` when set, else the
    /// smaller of the requested size and ``defaultRowGroupBytes``.
    static func rowGroupBytes(_ metadata: TableMetadata, requested: Int) -> Int {
        if let configured = metadata.properties["write.parquet.row-group-size-bytes"].flatMap(Int.init), configured > 0 {
            return configured
        }
        return min(requested, defaultRowGroupBytes)
    }

    /// A writer for `metadata`'s current schema and default spec, writing through `io`.
    public init(metadata: TableMetadata, io: any FileIO, properties: WriterProperties = WriterProperties(),
                targetFileSize: Int64 = 128 << 20, maximumOpenFiles: Int = 16) throws(IcebergError) {
        guard let schema = metadata.currentSchema, let spec = metadata.defaultSpec else {
            throw IcebergError(.invalidMetadata("table has no current schema or default spec"))
        }
        self.metadata = metadata
        self.io = io
        var properties = properties
        properties.rowGroupBytes = Self.rowGroupBytes(metadata, requested: properties.rowGroupBytes)
        try Self.applyCompression(metadata.properties, to: &properties)
        self.properties = properties
        self.targetFileSize = max(targetFileSize, 1)
        self.maximumOpenFiles = max(maximumOpenFiles, 1)
        self.schema = schema
        self.spec = spec
        partitionTypes = try ManifestCodec.partitionTypes(spec, schema)
        batchSchema = try schema.columnarSchema()
        router = try PartitionRouter(spec: spec, schema: batchSchema)
        let columnar = batchSchema
        sorter = metadata.sortOrders.first { $0.orderID == metadata.defaultSortOrderID }
            .flatMap { RowSorter(order: $0, batchSchema: columnar) }
    }

    deinit {
        guard !closed else { return }
        // Abandoned without close or abort: open files' writers discard their temporary output
        // when released; finished files are deleted in the background.
        for file in open.values { file.writer.abort() }
        let io = io, paths = finished.map(\.filePath)
        if !paths.isEmpty { Task { await io.deleteQuietly(paths) } }
    }

    /// Sorts the rows of the files written from now on by `order` instead of the table's
    /// default order (before the first ``write(_:)``); a file records the order's id only when
    /// the table has that order.
    public func sort(by order: SortOrder) throws(IcebergError) {
        guard open.isEmpty, finished.isEmpty else { throw IcebergError(.validationFailed("the sort order is set before the first write")) }
        guard let sorter = RowSorter(order: order, batchSchema: batchSchema) else {
            throw IcebergError(.unsupported("sorting by \(order.fields.count) fields of which one is not a top-level column"))
        }
        self.sorter = sorter
    }

    /// Writes `batch`: each row goes to its partition's open file.
    public func write(_ batch: RecordBatch) async throws(IcebergError) {
        guard !closed else { throw IcebergError(.io("table writer is closed")) }
        // Dictionary-encoded text is written as is (see `RecordBatch.conformed(to:)`).
        guard batch.schema.holdsSameValues(as: batchSchema) else {
            throw IcebergError(.invalidMetadata("batch does not match the table schema: " + Self.firstDifference(batch.schema, batchSchema)))
        }
        do throws(IcebergError) {
            for (key, rows) in try router.route(batch) {
                let part = rows.map { batch.take($0) } ?? batch
                try await append(part, to: key)
            }
        } catch {
            await abort()
            throw error
        }
    }

    private func append(_ batch: RecordBatch, to key: [Scalar?]) async throws(IcebergError) {
        uses += 1
        var file: OpenFile
        if let existing = open[key] {
            file = existing
        } else {
            if open.count >= maximumOpenFiles, let oldest = open.min(by: { $0.value.lastUse < $1.value.lastUse })?.key {
                try await closeFile(oldest)
            }
            file = try await newFile(key)
        }
        file.lastUse = uses
        if sorter != nil, !inputSorted {
            file.pending.append(batch)
            file.pendingRows += batch.rowCount
            pendingRows += batch.rowCount
            open[key] = file
            // Over the budget: the largest buffers are sorted and written until it holds again.
            while pendingRows > sortBufferRows, let largest = open.max(by: { $0.value.pendingRows < $1.value.pendingRows })?.key {
                try await flushRun(largest)
                if let f = open[largest], filePerSortedRun || f.writer.estimatedSize >= targetFileSize { try await closeFile(largest) }
            }
            return
        }
        open[key] = file
        do {
            try file.writer.write(batch)
        } catch {
            throw IcebergError(.io("\(error)"), path: file.path)
        }
        try await drain(file)
        if file.writer.estimatedSize >= targetFileSize { try await closeFile(key) }
    }

    /// Rows of a sorted run gathered and encoded at a time: the sorted copy of a run is never
    /// held whole, only this much of it beside the rows waiting.
    static let sortedPieceRows = 8_192

    /// Sorts the rows the file at `key` holds and writes them as one run, a piece at a time.
    private func flushRun(_ key: [Scalar?]) async throws(IcebergError) {
        guard let sorter, var file = open[key], !file.pending.isEmpty else { return }
        let parts = file.pending.filter { $0.rowCount > 0 }
        let order = try sorter.order(parts)
        pendingRows -= file.pendingRows
        file.pending = []
        file.pendingRows = 0
        file.runs += 1
        open[key] = file
        var start = order.startIndex
        while start < order.endIndex {
            let end = min(start + Self.sortedPieceRows, order.endIndex)
            let piece = try RowSorter.gather(parts, order[start..<end], schema: batchSchema)
            do {
                try file.writer.write(piece)
            } catch {
                throw IcebergError(.io("\(error)"), path: file.path)
            }
            try await drain(file)
            start = end
        }
    }

    /// Hands the bytes encoded so far to the file's output, part by part as the writer produced
    /// them (its pages, not one copy of the row group), each released once written.
    private func drain(_ file: OpenFile) async throws(IcebergError) {
        guard file.sink.pendingCount > 0 else { return }
        var parts = file.sink.takeParts()
        for i in parts.indices {
            let part = parts[i]
            parts[i] = []
            try await file.output.write(part)
        }
    }

    private func newFile(_ key: [Scalar?]) async throws(IcebergError) -> OpenFile {
        let directory = spec.fields.isEmpty ? "" : zip(spec.fields, zip(key, partitionTypes)).map { f, kv in
            f.name + "=" + Self.partitionText(kv.0, kv.1)
        }.joined(separator: "/") + "/"
        let path = metadata.location + "/data/" + directory + Identifiers.uuid() + ".parquet"
        let output = try await io.newOutputFile(path).writer(mode: .createNew)
        let sink = ParquetMemorySink()
        do {
            let writer = try ParquetFileWriter(sink: sink, name: path, schema: batchSchema, properties: properties)
            return OpenFile(writer: writer, sink: sink, output: output, path: path, lastUse: uses)
        } catch {
            await output.abort()
            throw IcebergError(.io("\(error)"), path: path)
        }
    }

    private func closeFile(_ key: [Scalar?]) async throws(IcebergError) {
        try await flushRun(key)
        guard let file = open.removeValue(forKey: key) else { return }
        let result: ParquetWriteResult
        do {
            result = try file.writer.close()
        } catch {
            await file.output.abort()
            throw IcebergError(.io("\(error)"), path: file.path)
        }
        do throws(IcebergError) {
            try await drain(file)
            try await file.output.close()
        } catch {
            await file.output.abort()
            throw error
        }
        var written = dataFile(result, path: file.path, partition: key)
        // An order the table does not know (a compaction's own) is not recorded.
        if let sorter, file.runs == 1 || inputSorted, metadata.sortOrders.contains(sorter.order) { written.sortOrderID = sorter.order.orderID }
        finished.append(written)
    }

    /// Closes every open file and returns all the data files written.
    public func close() async throws(IcebergError) -> [DataFile] {
        guard !closed else { throw IcebergError(.io("table writer is closed")) }
        do throws(IcebergError) {
            // In order of first use, so files come out in a stable order.
            for key in open.sorted(by: { $0.value.lastUse < $1.value.lastUse }).map(\.key) { try await closeFile(key) }
        } catch {
            await abort()
            throw error
        }
        closed = true
        return finished
    }

    /// Abandons the writer: open files are discarded and finished ones deleted.
    public func abort() async {
        for file in open.values {
            file.writer.abort()
            await file.output.abort()
        }
        open.removeAll()
        pendingRows = 0
        await io.deleteQuietly(finished.map(\.filePath))
        finished.removeAll()
        closed = true
    }

    /// The data file of a finished Parquet file, with its metrics from the footer.
    func dataFile(_ result: ParquetWriteResult, path: String, partition: [Scalar?]) -> DataFile {
        var file = DataFile(filePath: path, partition: partition, recordCount: result.rowCount, fileSizeInBytes: result.fileSize)
        for c in result.columns {
            guard let id = c.descriptor.fieldID else { continue }
            file.columnSizes[id, default: 0] += c.compressedSize
            file.valueCounts[id, default: 0] += c.valueCount
            file.nullValueCounts[id, default: 0] += c.nullCount
            if let nans = c.nanCount { file.nanValueCounts[id, default: 0] += nans }
            guard c.descriptor.maxRepetitionLevel == 0, let field = schema.field(id: id) else { continue }
            if let lo = c.lowerBound, let b = SingleValue.fromParquet(lo, type: field.type, physical: c.descriptor.physicalType,
                                                                    isUpper: false, truncate: truncateLength) {
                file.lowerBounds[id] = b
            }
            if let hi = c.upperBound, let b = SingleValue.fromParquet(hi, type: field.type, physical: c.descriptor.physicalType,
                                                                    isUpper: true, truncate: truncateLength) {
                file.upperBounds[id] = b
            }
        }
        file.splitOffsets = result.metadata.rowGroups.map(\.fileOffset)
        return file
    }

    /// The first field where `got` differs from `want`, said plainly (name, id, type, nullability).
    static func firstDifference(_ got: Schema, _ want: Schema) -> String {
        for (g, w) in zip(got.fields, want.fields) where !g.holdsSameValues(as: w) {
            func describe(_ f: Field) -> String { "'\(f.name)' (id \(f.id), \(f.type), \(f.isNullable ? "optional" : "required"))" }
            return "column \(describe(g)) where the table has \(describe(w))"
        }
        return "\(got.fields.count) columns where the table has \(want.fields.count)"
    }

    /// An unscaled decimal with its point placed (`1234`, scale 2 → `12.34`), as Java's
    /// `BigDecimal.toPlainString` writes partition paths.
    static func decimalText(_ unscaled: Int128, scale: Int) -> String {
        guard scale > 0 else { return String(unscaled) }
        let negative = unscaled < 0
        var digits = String(negative ? -unscaled : unscaled)
        if digits.count <= scale { digits = String(repeating: "0", count: scale - digits.count + 1) + digits }
        digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -scale))
        return (negative ? "-" : "") + digits
    }

    /// A partition value as a path segment (`date_day=2024-03-07`).
    static func partitionText(_ v: Scalar?, _ t: IcebergType) -> String {
        guard let v else { return "null" }
        switch (t, v) {
        case let (.date, .int32(d)): return CivilCalendar.isoDate(days: Int(d))
        case let (_, .int32(x)): return String(x)
        case let (_, .int64(x)): return String(x)
        case let (.decimal(_, scale), .decimal128(x)): return decimalText(x, scale: scale)
        case let (_, .binary(b)):
            return String(decoding: b, as: UTF8.self).map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? String($0) : "%" }.joined()
        default: return "\(v)"
        }
    }
}
