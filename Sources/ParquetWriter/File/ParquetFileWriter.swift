#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization
public import LakeColumnar

/// What a column looks like across the whole file: the metrics Iceberg's manifests need.
public struct ColumnSummary: Sendable, Hashable {
    public var descriptor: LeafDescriptor
    /// Compressed bytes of all chunks (headers included).
    public var compressedSize: Int64
    /// Level entries (values and nulls).
    public var valueCount: Int64
    public var nullCount: Int64
    /// NaN values (floating-point columns only).
    public var nanCount: Int64?
    /// PLAIN-encoded bounds over all row groups (nil when no orderable value).
    public var lowerBound: [UInt8]?
    public var upperBound: [UInt8]?
    public var lowerBoundExact: Bool
    public var upperBoundExact: Bool
}

/// The outcome of a completed file.
public struct ParquetWriteResult: Sendable {
    public var path: String
    public var fileSize: Int64
    public var rowCount: Int64
    public var metadata: FileMetaData
    /// One per leaf column, in schema order.
    public var columns: [ColumnSummary]
}

/// Writes record batches to a Parquet file.
///
/// ```swift
/// let writer = try ParquetFileWriter(path: "part-0.parquet", schema: batch.schema)
/// try writer.write(batch)
/// let result = try writer.close()   // footer metadata and per-column metrics
/// ```
///
/// Memory is bounded by the open row group. Bytes go to a ``ParquetSink``: a local file written
/// under a temporary name and renamed into place only by a successful ``close()`` (so a failed
/// or abandoned write never leaves a file that looks valid at `path`), or any other sink, such
/// as ``ParquetMemorySink`` drained into an object-store upload while encoding goes on.
public final class ParquetFileWriter {
    public let path: String
    public let schema: Schema
    public let properties: WriterProperties
    let parquetSchema: ParquetSchema
    let nodes: [Shredder.Node]
    let writers: [ColumnWriter]
    /// One per encoding thread.
    let compressors: [PageCompressor]

    private let sink: any ParquetSink
    private var position: Int64 = 0
    /// Small writes gathered before they go to the file (see ``output(_:)``).
    private var pendingOutput: [UInt8] = []
    private var rowGroups: [RowGroup] = []
    private var pendingIndexes: [[(ColumnIndex?, OffsetIndex, bloom: [UInt8]?)]] = []
    private var summaries: [ColumnSummary]
    private var bufferedRows = 0
    private var totalRows: Int64 = 0
    private var state: State = .open

    private enum State { case open, closed, failed }

    /// Creates `path` (replacing it only on a successful close) for batches of `schema`.
    public convenience init(path: String, schema: Schema, properties: WriterProperties = WriterProperties()) throws(ParquetError) {
        try self.init(sink: try LocalFileSink(path: path), name: path, schema: schema, properties: properties)
    }

    /// Writes into `sink` (an object-store upload, memory, …); `name` identifies the file in
    /// errors and results.
    public init(sink: any ParquetSink, name: String, schema: Schema, properties: WriterProperties = WriterProperties()) throws(ParquetError) {
        self.path = name
        self.sink = sink
        self.schema = schema
        self.properties = properties
        let parquetSchema: ParquetSchema
        do {
            parquetSchema = try ParquetSchema(schema)
        } catch {
            throw ParquetError(error.kind, path: path)
        }
        self.parquetSchema = parquetSchema
        var next = 0
        nodes = schema.fields.map { Shredder.node(for: $0, nextLeaf: &next, rep: 0) }
        let compressors = (0..<max(1, properties.encodingThreads)).map { _ in PageCompressor(properties: properties) }
        self.compressors = compressors
        writers = parquetSchema.leaves.map { leaf in
            let top = leaf.path.first ?? "", dotted = leaf.path.joined(separator: ".")
            let encoding = properties.columnEncodings[dotted] ?? properties.columnEncodings[top]
                ?? (leaf.physicalType == .boolean ? .plain : .dictionary)
            return ColumnWriter(descriptor: leaf, properties: properties, encoding: encoding,
                                bloom: properties.bloomFilters[dotted] ?? properties.bloomFilters[top], compressor: compressors[0])
        }
        summaries = parquetSchema.leaves.map {
            ColumnSummary(descriptor: $0, compressedSize: 0, valueCount: 0, nullCount: 0,
                          nanCount: $0.physicalType == .float || $0.physicalType == .double ? 0 : nil,
                          lowerBound: nil, upperBound: nil, lowerBoundExact: true, upperBoundExact: true)
        }
        try output(Array("PAR1".utf8))
    }

    deinit {
        if state == .open { abort() }
    }

    /// Bytes written so far plus the compressed pages buffered for the open row group: what the
    /// file would take if closed now, roughly (for rolling files at a target size).
    public var estimatedSize: Int64 { position + Int64(writers.reduce(0) { $0 + $1.bufferedBytes }) }

    /// Appends a batch. The batch is checked (schema, UTF-8 of string columns) before anything
    /// of it is buffered.
    public func write(_ batch: RecordBatch) throws(ParquetError) {
        guard state == .open else { throw ParquetError(.closed, path: path) }
        try validate(batch)
        var start = 0
        while start < batch.rowCount {
            var end = batch.rowCount
            if let cap = properties.rowGroupRows { end = min(end, start + (cap - bufferedRows)) }
            let rows = start..<end
            try guarded { () throws(ParquetError) in
                if compressors.count > 1 && nodes.count > 1 {
                    try writeInParallel(batch, rows: rows)
                } else {
                    for i in nodes.indices { try writeField(i, of: batch, rows: rows) }
                }
            }
            bufferedRows += rows.count
            start = end
            let bytes = writers.reduce(0) { $0 + $1.bufferedBytes }
            if bufferedRows >= (properties.rowGroupRows ?? .max) || bytes >= properties.rowGroupBytes {
                try guarded { () throws(ParquetError) in try flushRowGroup() }
            }
        }
    }

    private func writeField(_ i: Int, of batch: RecordBatch, rows: Range<Int>) throws(ParquetError) {
        let node = nodes[i]
        let column = batch.columns[i]
        var remap: DictionaryRemap?
        if case let .primitive(leaf, _) = node, case let .dictionary(c) = column {
            remap = writers[leaf].dictionaryRemap(c.dictionary)
        }
        try Shredder.write(column, rows: rows, node: node, writers: writers, remap: remap)
    }

    /// Writes the batch's fields on ``WriterProperties/encodingThreads`` threads: each takes the
    /// next field not yet taken, costliest (by bytes) first, and compresses with its own
    /// compressor.
    private func writeInParallel(_ batch: RecordBatch, rows: Range<Int>) throws(ParquetError) {
        let order = nodes.indices.sorted { Self.cost(batch.columns[$0]) > Self.cost(batch.columns[$1]) }
        let next = Atomic<Int>(0)
        let failures = Mutex<[Int: ParquetError]>([:])
        let work = ParallelFields(writer: self, batch: batch)
        DispatchQueue.concurrentPerform(iterations: compressors.count) { worker in
            while true {
                let k = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard k < order.count else { return }
                let field = order[k]
                for leaf in work.writer.nodes[field].leaves { work.writer.writers[leaf].compressor = work.writer.compressors[worker] }
                do throws(ParquetError) {
                    try work.writer.writeField(field, of: work.batch, rows: rows)
                } catch {
                    failures.withLock { $0[field] = error }
                    return
                }
            }
        }
        // Every column used the first thread's compressor outside this call.
        for w in writers { w.compressor = compressors[0] }
        if let (_, error) = failures.withLock({ $0.min { $0.key < $1.key } }) { throw error }
    }

    /// The work a column takes, roughly: its bytes.
    private static func cost(_ column: Column) -> Int {
        switch column {
        case let .binary(c): return c.totalByteCount + c.count * 4
        case let .dictionary(c): return c.count * 2
        case let .structure(s): return s.children.reduce(0) { $0 + cost($1) }
        case let .list(l): return cost(l.values)
        case let .map(m): return cost(m.keys) + cost(m.values)
        default: return column.count * 4
        }
    }

    /// Finishes the file: the last row group, page indexes, bloom filters, footer; then renames
    /// it into place.
    public func close() throws(ParquetError) -> ParquetWriteResult {
        guard state == .open else { throw ParquetError(.closed, path: path) }
        return try guarded { () throws(ParquetError) -> ParquetWriteResult in
            if bufferedRows > 0 || rowGroups.isEmpty { try flushRowGroup() }
            // Bloom filters, then column indexes, then offset indexes (the layout Arrow uses).
            for g in rowGroups.indices {
                for c in rowGroups[g].columns.indices {
                    if let bloom = pendingIndexes[g][c].bloom {
                        rowGroups[g].columns[c].metaData.bloomFilterOffset = position
                        rowGroups[g].columns[c].metaData.bloomFilterLength = Int32(bloom.count)
                        try output(bloom)
                    }
                }
            }
            for g in rowGroups.indices {
                for c in rowGroups[g].columns.indices {
                    if let index = pendingIndexes[g][c].0 {
                        let bytes = index.serialized()
                        rowGroups[g].columns[c].columnIndexOffset = position
                        rowGroups[g].columns[c].columnIndexLength = Int32(bytes.count)
                        try output(bytes)
                    }
                }
            }
            if properties.writePageIndex {
                for g in rowGroups.indices {
                    for c in rowGroups[g].columns.indices {
                        let bytes = pendingIndexes[g][c].1.serialized()
                        rowGroups[g].columns[c].offsetIndexOffset = position
                        rowGroups[g].columns[c].offsetIndexLength = Int32(bytes.count)
                        try output(bytes)
                    }
                }
            }
            var keyValue = properties.keyValueMetadata
            for (k, v) in schema.metadata where keyValue[k] == nil { keyValue[k] = v }
            let metadata = FileMetaData(version: 1, schema: parquetSchema.elements, numRows: totalRows, rowGroups: rowGroups,
                                        keyValueMetadata: keyValue, createdBy: properties.createdBy,
                                        columnOrderCount: parquetSchema.leaves.count)
            let footer = metadata.serialized()
            try output(footer)
            try output(withUnsafeBytes(of: UInt32(footer.count).littleEndian) { Array($0) })
            try output(Array("PAR1".utf8))
            try flushOutput()
            try sink.finish()
            state = .closed
            return ParquetWriteResult(path: path, fileSize: position, rowCount: totalRows, metadata: metadata, columns: summaries)
        }
    }

    /// Abandons the file: the sink discards it and nothing appears at `path`.
    public func abort() {
        if state == .open { sink.abort() }
        state = .failed
    }

    /// Runs `body`; any error abandons the file.
    private func guarded<R>(_ body: () throws(ParquetError) -> R) throws(ParquetError) -> R {
        do {
            return try body()
        } catch {
            abort()
            throw error
        }
    }

    /// Queues `bytes` for the file: small writes (page headers, indexes) are gathered into one
    /// buffer and written together; large ones (page bodies) are handed to the sink as they are
    /// (``ParquetSink/write(owned:)``: a memory sink keeps the array, so a row group is never
    /// held twice).
    private func output(_ bytes: [UInt8]) throws(ParquetError) {
        if bytes.count >= Self.ownedPartSize {
            try flushOutput()
            try sink.write(owned: bytes)
        } else {
            if pendingOutput.count + bytes.count > Self.outputBufferSize { try flushOutput() }
            pendingOutput += bytes
        }
        position += Int64(bytes.count)
    }

    private static let outputBufferSize = 1 << 20
    /// Writes of at least this many bytes go to the sink without being gathered.
    private static let ownedPartSize = 64 << 10

    /// Writes the gathered small writes.
    private func flushOutput() throws(ParquetError) {
        guard !pendingOutput.isEmpty else { return }
        try pendingOutput.withUnsafeBytesTyped { (raw) throws(ParquetError) in try writeFully(raw) }
        pendingOutput.removeAll(keepingCapacity: true)
    }

    private func writeFully(_ raw: UnsafeRawBufferPointer) throws(ParquetError) {
        try sink.write(raw)
    }

    private func flushRowGroup() throws(ParquetError) {
        var columns: [ColumnChunk] = []
        var indexes: [(ColumnIndex?, OffsetIndex, bloom: [UInt8]?)] = []
        let groupStart = position
        var uncompressed: Int64 = 0
        var finished = compressors.count > 1 ? try finishInParallel() : nil
        for i in writers.indices {
            var chunk: EncodedChunk
            if let ready = finished?[i] {
                chunk = ready
                finished?[i].parts = []
            } else {
                chunk = try writers[i].finish()
            }
            let base = position
            // The pages leave the chunk as they go out: a page handed over (64 KiB and more) is
            // held once, by the chunk or the sink; only smaller ones are copied.
            let parts = chunk.parts
            chunk.parts = []
            for part in parts { try output(part) }
            chunk.metadata.dataPageOffset += base
            if let d = chunk.metadata.dictionaryPageOffset { chunk.metadata.dictionaryPageOffset = d + base }
            let locations = chunk.pageLocations.map {
                PageLocation(offset: $0.offset + base, compressedPageSize: $0.compressedPageSize, firstRowIndex: $0.firstRowIndex)
            }
            columns.append(ColumnChunk(metaData: chunk.metadata))
            indexes.append((chunk.columnIndex, OffsetIndex(pageLocations: locations), chunk.bloomFilter))
            uncompressed += chunk.metadata.totalUncompressedSize
            summarize(i, chunk)
        }
        rowGroups.append(RowGroup(columns: columns, totalByteSize: uncompressed, numRows: Int64(bufferedRows),
                                  fileOffset: groupStart, totalCompressedSize: position - groupStart,
                                  ordinal: Int16(truncatingIfNeeded: rowGroups.count)))
        pendingIndexes.append(indexes)
        totalRows += Int64(bufferedRows)
        bufferedRows = 0
    }

    /// Finishes every column chunk (last pages, dictionary pages) on the encoding threads.
    private func finishInParallel() throws(ParquetError) -> [EncodedChunk] {
        let results = UnsafeMutableBufferPointer<Result<EncodedChunk, ParquetError>?>.allocate(capacity: writers.count)
        results.initialize(repeating: nil)
        defer {
            results.deinitialize()
            results.deallocate()
        }
        let next = Atomic<Int>(0)
        let work = ParallelChunks(writer: self, results: results)
        DispatchQueue.concurrentPerform(iterations: compressors.count) { worker in
            while true {
                let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard i < work.writer.writers.count else { return }
                let column = work.writer.writers[i]
                column.compressor = work.writer.compressors[worker]
                do throws(ParquetError) {
                    work.results[i] = .success(try column.finish())
                } catch {
                    work.results[i] = .failure(error)
                }
                column.compressor = work.writer.compressors[0]
            }
        }
        var chunks: [EncodedChunk] = []
        chunks.reserveCapacity(writers.count)
        for result in results {
            switch result {
            case let .success(chunk)?: chunks.append(chunk)
            case let .failure(error)?: throw error
            case nil: throw ParquetError(.io("a column chunk was not finished"), path: path)
            }
        }
        return chunks
    }

    private func summarize(_ i: Int, _ chunk: EncodedChunk) {
        let d = summaries[i].descriptor
        summaries[i].compressedSize += chunk.metadata.totalCompressedSize
        summaries[i].valueCount += chunk.metadata.numValues
        summaries[i].nullCount += chunk.statistics.nullCount
        if let nans = chunk.statistics.nanCount { summaries[i].nanCount = (summaries[i].nanCount ?? 0) + nans }
        if let lo = chunk.statistics.minValue {
            if summaries[i].lowerBound == nil || BoundsCalculator.compare(lo, summaries[i].lowerBound!, d) < 0 {
                summaries[i].lowerBound = lo
                summaries[i].lowerBoundExact = chunk.statistics.isMinValueExact ?? true
            }
        }
        if let hi = chunk.statistics.maxValue {
            if summaries[i].upperBound == nil || BoundsCalculator.compare(hi, summaries[i].upperBound!, d) > 0 {
                summaries[i].upperBound = hi
                summaries[i].upperBoundExact = chunk.statistics.isMaxValueExact ?? true
            }
        }
    }

    private func validate(_ batch: RecordBatch) throws(ParquetError) {
        // Text may arrive plain or dictionary-encoded whichever the writer's schema says: both
        // are written as the same BYTE_ARRAY STRING column.
        guard batch.schema.holdsSameValues(as: schema) else {
            if batch.schema.count == schema.count,
               let (got, want) = zip(batch.schema.fields, schema.fields).first(where: { !$0.holdsSameValues(as: $1) }) {
                throw ParquetError(.schemaMismatch("field '\(got.name)' (id \(got.id), \(got.type)) where the writer has '\(want.name)' (id \(want.id), \(want.type))"), path: path)
            }
            throw ParquetError(.schemaMismatch("fields \(batch.schema.fields.map(\.name)) vs \(schema.fields.map(\.name))"), path: path)
        }
        for (field, column) in zip(batch.schema.fields, batch.columns) {
            try checkUTF8(column, field.type, name: field.name)
        }
    }

    private func checkUTF8(_ column: Column, _ type: DataType, name: String) throws(ParquetError) {
        switch (type, column) {
        case let (.string, .binary(c)):
            let badRow: Int? = c.withUnsafeBytes { all in
                // Whole-buffer check first: pure ASCII needs no per-value work.
                if RawBytes.isASCII(all) { return nil }
                for row in 0..<c.count where c.isValid(row) {
                    if String(validating: UnsafeRawBufferPointer(rebasing: all[c.byteRange(at: row)]), as: UTF8.self) == nil {
                        return row
                    }
                }
                return nil
            }
            if let badRow { throw ParquetError(.invalidUTF8(column: name, row: badRow), path: path) }
        case let (.dictionaryString, .dictionary(c)):
            for i in 0..<c.dictionary.count {
                let ok = c.dictionary.withValueBytes(at: i) { String(validating: $0, as: UTF8.self) != nil }
                if !ok { throw ParquetError(.invalidUTF8(column: name, row: -1), path: path) }
            }
        case let (.structure(fields), .structure(s)):
            for (f, child) in zip(fields, s.children) { try checkUTF8(child, f.type, name: name + "." + f.name) }
        case let (.list(element), .list(l)):
            try checkUTF8(l.values, element.type, name: name + ".element")
        case let (.map(key, value), .map(m)):
            try checkUTF8(m.keys, key.type, name: name + ".key")
            try checkUTF8(m.values, value.type, name: name + ".value")
        default:
            break
        }
    }
}

/// What the encoding threads share for one batch; each thread touches only the columns it
/// took, so no column is used by two threads at once.
private struct ParallelFields: @unchecked Sendable {
    let writer: ParquetFileWriter
    let batch: RecordBatch
}

/// The encoding threads finishing a row group: each writes only the result slots of the
/// columns it took.
private struct ParallelChunks: @unchecked Sendable {
    let writer: ParquetFileWriter
    let results: UnsafeMutableBufferPointer<Result<EncodedChunk, ParquetError>?>
}
