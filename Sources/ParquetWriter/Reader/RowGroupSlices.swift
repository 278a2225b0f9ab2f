public import LakeColumnar

/// A row group read a slice of rows at a time: each projected flat column decodes pages only as
/// far as the slice needs, so memory holds one slice of every column (plus at most a page of each
/// decoded ahead) rather than the whole row group. Columns with repetition (lists, maps) or
/// nested structs are assembled whole once and handed out in slices (O(1) views).
///
/// ```swift
/// var slices = try reader.rowGroupSlices(0, columns: .names(["date", "sc_status"]), rowsPerSlice: 65_536)
/// while let batch = try slices.next() { … }
/// ```
public struct RowGroupSlices {
    let reader: ParquetReader
    let index: Int
    let fields: [Int]
    let columns: ColumnSelection
    let rowCount: Int
    public let rowsPerSlice: Int
    private var cursors: [Source]
    /// Positions in ``fields``, costliest column chunk first (the order threads take them in).
    private let decodeOrder: [Int]

    enum Source {
        case pages(LeafCursor)
        case assembled(Column)
    }
    /// Rows handed out so far (the next slice's first row within the row group).
    public private(set) var rowsRead = 0

    struct LeafCursor {
        var reader: ColumnChunkReader
        let leaf: Int
        let bytes: [UInt8]
        let start: Int64
        let totalValues: Int64
        var position = 0
        var valuesRead: Int64 = 0
        /// The decoded page being handed out, and how much of it has been: level entries and
        /// values. A page is decoded into a buffer of its own and sliced from, never shifted.
        var page: LeafBuffer
        var pageEntry = 0
        var pageValue = 0

        /// The next `n` entries (rows, for a flat column).
        mutating func take(_ n: Int) throws(ParquetReadError) -> LeafBuffer {
            var out = LeafBuffer(descriptor: page.descriptor)
            while out.entryCount < n {
                let available = page.entryCount - pageEntry
                if available == 0 {
                    guard position < bytes.count && valuesRead < totalValues else {
                        throw ParquetReadError(.corruptPage("column chunk holds \(valuesRead) values, metadata says \(totalValues)"),
                                               offset: start, path: reader.file.path)
                    }
                    page = LeafBuffer(descriptor: page.descriptor)
                    pageEntry = 0
                    pageValue = 0
                    let (next, values) = try reader.decodePage(bytes, at: position, base: start, into: &page)
                    position = next
                    valuesRead += values
                    continue
                }
                let wanted = n - out.entryCount
                if out.entryCount == 0 && pageEntry == 0 && available <= wanted {
                    // The whole page goes into this slice: hand its arrays over.
                    swap(&out, &page)
                    page = LeafBuffer(descriptor: out.descriptor)
                    continue
                }
                let k = Swift.min(wanted, available)
                pageValue = try out.appendEntries(of: page, from: pageEntry, count: k, firstValue: pageValue)
                pageEntry += k
            }
            return out
        }
    }

    init(reader: ParquetReader, index: Int, columns: ColumnSelection, rowsPerSlice: Int) throws(ParquetReadError) {
        guard index >= 0, index < reader.metadata.rowGroups.count else {
            throw ParquetReadError(.invalidMetadata("no row group \(index)"), path: reader.path)
        }
        let group = reader.metadata.rowGroups[index]
        guard group.numRows >= 0, group.numRows <= Int64(Int32.max) else {
            throw ParquetReadError(.invalidMetadata("row group \(index) claims \(group.numRows) rows"), path: reader.path)
        }
        self.reader = reader
        self.index = index
        self.columns = columns
        self.rowsPerSlice = max(1, rowsPerSlice)
        rowCount = Int(group.numRows)
        fields = try reader.fieldIndices(columns)
        var cursors: [Source] = []
        for f in fields {
            guard case let .primitive(leaf, _) = reader.readSchema.nodes[f], leaf >= 0,
                  reader.readSchema.leaves[leaf].maxRepetitionLevel == 0 else {
                cursors.append(.assembled(try reader.readColumn(index, field: f)))
                continue
            }
            let descriptor = reader.readSchema.leaves[leaf]
            let chunkReader = ColumnChunkReader(file: reader.file, chunk: group.columns[leaf], descriptor: descriptor,
                                                verifyChecksums: reader.options.verifyChecksums)
            let total = group.columns[leaf].metaData.numValues
            let (bytes, start) = total > 0 ? try chunkReader.chunkBytes() : ([], 0)
            cursors.append(.pages(LeafCursor(reader: chunkReader, leaf: leaf, bytes: bytes, start: start, totalValues: total,
                                             page: LeafBuffer(descriptor: descriptor))))
        }
        self.cursors = cursors
        decodeOrder = reader.decodeOrder(rowGroup: index, fields: fields)
    }

    /// The next slice of rows, or nil after the last.
    ///
    /// The projected columns' slices are decoded on up to ``ParquetReadOptions/decodeThreads``
    /// threads, each column from its own cursor (the batch is the same with one thread or many).
    public mutating func next() throws(ParquetReadError) -> RecordBatch? {
        guard rowsRead < rowCount else { return nil }
        let n = min(rowsPerSlice, rowCount - rowsRead)
        let rows = rowsRead..<(rowsRead + n)
        let empty: [LeafBuffer] = reader.readSchema.leaves.map { LeafBuffer(descriptor: $0) }
        let reader = self.reader
        let fields = self.fields
        let out: [Column] = try cursors.withUnsafeMutableBufferPointer { (sources) throws(ParquetReadError) -> [Column] in
            try ColumnDecodeWorkers.decode(order: decodeOrder, threads: reader.options.decodeThreads) { (k) throws(ParquetReadError) -> Column in
                try Self.slice(&sources[k], field: fields[k], rows: rows, reader: reader, empty: empty)
            }
        }
        rowsRead += n
        do {
            return try RecordBatch(schema: reader.schema.projected(fields), columns: out)
        } catch {
            throw ParquetReadError(.invalidMetadata("\(error)"), path: reader.path)
        }
    }

    /// Rows `rows` of field `f` from its source (which advances past them).
    private static func slice(_ source: inout Source, field f: Int, rows: Range<Int>, reader: ParquetReader,
                              empty: [LeafBuffer]) throws(ParquetReadError) -> Column {
        switch source {
        case let .assembled(column):
            return column.slice(rows)
        case var .pages(cursor):
            var leaves = empty
            leaves[cursor.leaf] = try cursor.take(rows.count)
            source = .pages(cursor)
            var assembler = RecordAssembler(leaves: leaves, conversions: reader.readSchema.leafConversions)
            do {
                return try assembler.column(reader.readSchema.nodes[f], field: reader.schema.fields[f], rows: rows.count)
            } catch {
                var located = error
                located.path = reader.path
                throw located
            }
        }
    }
}

extension ParquetReader {
    /// Row group `index`, projected, in slices of at most `rowsPerSlice` rows (see
    /// ``RowGroupSlices``). The column chunks are read from the source when this is called.
    public func rowGroupSlices(_ index: Int, columns: ColumnSelection = .all, rowsPerSlice: Int) throws(ParquetReadError) -> RowGroupSlices {
        try RowGroupSlices(reader: self, index: index, columns: columns, rowsPerSlice: rowsPerSlice)
    }
}
