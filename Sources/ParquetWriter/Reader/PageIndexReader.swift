public import LakeColumnar

/// Sorted, disjoint row ranges of a row group.
public struct RowRanges: Sendable, Hashable {
    public private(set) var ranges: [Range<Int64>]

    public init(_ ranges: [Range<Int64>]) {
        var sorted = ranges.filter { !$0.isEmpty }.sorted { $0.lowerBound < $1.lowerBound }
        var merged: [Range<Int64>] = []
        for r in sorted {
            if let last = merged.last, r.lowerBound <= last.upperBound {
                merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, r.upperBound)
            } else {
                merged.append(r)
            }
        }
        sorted = merged
        self.ranges = sorted
    }

    public static func all(_ rows: Int64) -> RowRanges { RowRanges([0..<rows]) }

    public var rowCount: Int64 { ranges.reduce(0) { $0 + Int64($1.count) } }

    public func union(_ other: RowRanges) -> RowRanges { RowRanges(ranges + other.ranges) }

    public func intersection(_ other: RowRanges) -> RowRanges {
        var out: [Range<Int64>] = []
        var i = 0, j = 0
        while i < ranges.count && j < other.ranges.count {
            let a = ranges[i], b = other.ranges[j]
            let lo = max(a.lowerBound, b.lowerBound), hi = min(a.upperBound, b.upperBound)
            if lo < hi { out.append(lo..<hi) }
            if a.upperBound < b.upperBound { i += 1 } else { j += 1 }
        }
        return RowRanges(out)
    }

    public func contains(_ row: Int64) -> Bool {
        var lo = 0, hi = ranges.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if ranges[mid].upperBound <= row { lo = mid + 1 } else { hi = mid }
        }
        return lo < ranges.count && ranges[lo].contains(row)
    }

    public func overlaps(_ r: Range<Int64>) -> Bool { ranges.contains { $0.overlaps(r) } }
}

/// A chunk's page index, decoded.
struct PageIndex {
    var locations: [PageLocation]
    var nullPages: [Bool]?
    var minValues: [[UInt8]]?
    var maxValues: [[UInt8]]?
    var nullCounts: [Int64]?
}

extension ParquetReader {
    func pageIndex(rowGroup: Int, leaf: Int) throws(ParquetReadError) -> PageIndex? {
        let chunk = metadata.rowGroups[rowGroup].columns[leaf]
        guard let offset = chunk.offsetIndexOffset, let length = chunk.offsetIndexLength, length > 0 else { return nil }
        func decode(_ o: Int64, _ l: Int32) throws(ParquetReadError) -> ThriftStruct {
            let bytes = try file.read(at: o, count: Int(l))
            var reader = CompactReader(bytes)
            do { return try reader.readStruct() } catch {
                throw ParquetReadError(.corruptMetadata("page index: \(error.message)"), offset: o + Int64(error.offset), path: path)
            }
        }
        let offsetIndex = try decode(offset, length)
        let locations: [PageLocation] = (offsetIndex.structList(1) ?? []).compactMap { p in
            guard let o = p.int(1), let size = p.int(2), let first = p.int(3) else { return nil }
            return PageLocation(offset: o, compressedPageSize: Int32(truncatingIfNeeded: size), firstRowIndex: first)
        }
        var index = PageIndex(locations: locations)
        if let cOffset = chunk.columnIndexOffset, let cLength = chunk.columnIndexLength, cLength > 0 {
            let c = try decode(cOffset, cLength)
            index.nullPages = c.list(1)?.map { if case let .bool(b) = $0 { return b } else { return false } }
            index.minValues = c.list(2)?.map { if case let .binary(b) = $0 { return b } else { return [] } }
            index.maxValues = c.list(3)?.map { if case let .binary(b) = $0 { return b } else { return [] } }
            index.nullCounts = c.list(5)?.map { if case let .int(v) = $0 { return v } else { return 0 } }
        }
        return index
    }

    /// Rows of row group `rowGroup` that may satisfy `predicate`, from the page index (column
    /// index bounds of flat columns); all rows where the index cannot tell.
    public func candidateRows(rowGroup: Int, predicate: ColumnPredicate) throws(ParquetReadError) -> RowRanges {
        let rows = metadata.rowGroups[rowGroup].numRows
        func pages(for column: String, _ leafPredicate: ColumnPredicate) throws(ParquetReadError) -> RowRanges {
            guard let f = schema.index(ofField: column), case let .primitive(leaf, _) = readSchema.nodes[f],
                  readSchema.leaves[leaf].maxRepetitionLevel == 0,
                  let index = try pageIndex(rowGroup: rowGroup, leaf: leaf),
                  let mins = index.minValues, let maxs = index.maxValues, let nullPages = index.nullPages,
                  mins.count == index.locations.count, maxs.count == mins.count, nullPages.count == mins.count else {
                return .all(rows)
            }
            var out: [Range<Int64>] = []
            let d = readSchema.leaves[leaf]
            for (i, location) in index.locations.enumerated() {
                let end = i + 1 < index.locations.count ? index.locations[i + 1].firstRowIndex : rows
                let pageRows = location.firstRowIndex..<end
                let nulls = index.nullCounts?[i] ?? 0
                let bounds = ColumnBounds(lower: nullPages[i] ? nil : decodeBound(mins[i], leaf: leaf, descriptor: d),
                                          upper: nullPages[i] ? nil : decodeBound(maxs[i], leaf: leaf, descriptor: d),
                                          nullCount: nullPages[i] ? Int64(pageRows.count) : nulls,
                                          valueCount: Int64(pageRows.count), type: schema.fields[f].type)
                if leafPredicate.mightMatch({ $0 == column ? bounds : nil }) { out.append(pageRows) }
            }
            return RowRanges(out)
        }
        func ranges(_ p: ColumnPredicate) throws(ParquetReadError) -> RowRanges {
            switch p {
            case .alwaysTrue, .not: return .all(rows)
            case .alwaysFalse: return RowRanges([])
            case let .and(a, b): return try ranges(a).intersection(try ranges(b))
            case let .or(a, b): return try ranges(a).union(try ranges(b))
            default:
                guard let column = p.columns.first else { return .all(rows) }
                return try pages(for: column, p)
            }
        }
        return try ranges(predicate)
    }

    func decodeBound(_ bytes: [UInt8], leaf: Int, descriptor d: LeafDescriptor) -> Scalar? {
        var buffer = LeafBuffer(descriptor: d)
        let reader = ColumnChunkReader(file: file, chunk: metadata.rowGroups[0].columns[leaf], descriptor: d, verifyChecksums: false)
        let ok: Bool = bytes.withUnsafeBytes { raw in
            if d.physicalType == .byteArray {
                buffer.bytes.append(raw)  // bounds carry byte arrays without a length prefix
                return true
            }
            var cursor = ByteCursor(raw)
            return (try? reader.decodePlain(&cursor, count: 1, into: &buffer, 0)) != nil
        }
        guard ok, buffer.valueCount == 1 else { return nil }
        return try? RecordAssembler(leaves: [buffer], conversions: [readSchema.leafConversions[leaf]]).scalar(0, 0)
    }

    /// Reads the rows of row group `index` that the page index cannot rule out for `predicate`,
    /// decoding only the pages that hold them. Falls back to the whole row group when a projected
    /// column is nested or has no offset index.
    public func readRowGroup(_ index: Int, columns: ColumnSelection = .all,
                             predicate: ColumnPredicate) throws(ParquetReadError) -> RecordBatch {
        let selection = try candidateRows(rowGroup: index, predicate: predicate)
        let group = metadata.rowGroups[index]
        if selection.rowCount == group.numRows { return try readRowGroup(index, columns: columns) }
        let fields = try fieldIndices(columns)
        var leafBuffers: [LeafBuffer] = readSchema.leaves.map { LeafBuffer(descriptor: $0) }
        for f in fields {
            guard case let .primitive(leaf, _) = readSchema.nodes[f], readSchema.leaves[leaf].maxRepetitionLevel == 0,
                  let pageIndex = try pageIndex(rowGroup: index, leaf: leaf), !pageIndex.locations.isEmpty else {
                return try readRowGroup(index, columns: columns)
            }
            leafBuffers[leaf] = try readPages(rowGroup: index, leaf: leaf, locations: pageIndex.locations, selection: selection)
        }
        var assembler = RecordAssembler(leaves: leafBuffers, conversions: readSchema.leafConversions)
        var out: [Column] = []
        for f in fields {
            out.append(try assembler.column(readSchema.nodes[f], field: schema.fields[f], rows: Int(selection.rowCount)))
        }
        do {
            return try RecordBatch(schema: schema.projected(fields), columns: out)
        } catch {
            throw ParquetReadError(.invalidMetadata("\(error)"), path: path)
        }
    }

    /// Decodes the dictionary page and the data pages overlapping `selection`, keeping only the
    /// selected rows (flat columns: one entry per row).
    func readPages(rowGroup: Int, leaf: Int, locations: [PageLocation], selection: RowRanges) throws(ParquetReadError) -> LeafBuffer {
        let group = metadata.rowGroups[rowGroup]
        let chunk = group.columns[leaf]
        var reader = ColumnChunkReader(file: file, chunk: chunk, descriptor: readSchema.leaves[leaf], verifyChecksums: options.verifyChecksums)
        var scratch = LeafBuffer(descriptor: readSchema.leaves[leaf])
        let m = chunk.metaData
        var chunkStart = m.dataPageOffset
        if let d = m.dictionaryPageOffset, d > 0, d < chunkStart { chunkStart = d }
        if let first = locations.first, first.offset > chunkStart {
            // The dictionary page sits before the first data page.
            let bytes = try file.read(at: chunkStart, count: Int(first.offset - chunkStart))
            _ = try reader.decodePage(bytes, at: 0, base: chunkStart, into: &scratch)
        }
        var result = LeafBuffer(descriptor: readSchema.leaves[leaf])
        for (i, location) in locations.enumerated() {
            let end = i + 1 < locations.count ? locations[i + 1].firstRowIndex : group.numRows
            let rows = location.firstRowIndex..<end
            guard selection.overlaps(rows) else { continue }
            guard location.compressedPageSize > 0 else { throw ParquetReadError(.corruptMetadata("page location of size 0"), path: path) }
            let bytes = try file.read(at: location.offset, count: Int(location.compressedPageSize))
            var page = LeafBuffer(descriptor: readSchema.leaves[leaf])
            _ = try reader.decodePage(bytes, at: 0, base: location.offset, into: &page)
            guard page.entryCount == rows.count else {
                throw ParquetReadError(.corruptPage("page holds \(page.entryCount) rows, offset index says \(rows.count)"), offset: location.offset, path: path)
            }
            let maxDef = page.descriptor.maxDefinitionLevel
            var value = 0
            for e in 0..<page.entryCount {
                let present = maxDef == 0 || page.definitionLevels[e] == maxDef
                if selection.contains(rows.lowerBound + Int64(e)) {
                    result.appendLevels(rep: 0, def: maxDef == 0 ? 0 : page.definitionLevels[e])
                    if present { result.appendCopy(from: page, value) }
                }
                if present { value += 1 }
            }
        }
        return result
    }
}

extension ParquetReader {
    /// The byte ranges of the page indexes (column index and offset index) that
    /// ``candidateRows(rowGroup:predicate:)`` and ``readRowGroup(_:columns:predicate:)`` read in
    /// row group `index`: those of the projected flat columns and of the columns `predicate`
    /// names. A reader over fetched ranges fetches these first.
    public func pageIndexByteRanges(rowGroup index: Int, columns: ColumnSelection,
                                    predicate: ColumnPredicate) throws(ParquetReadError) -> [Range<Int64>] {
        guard index >= 0, index < metadata.rowGroups.count else {
            throw ParquetReadError(.invalidMetadata("no row group \(index)"), path: path)
        }
        var fields = Set(try fieldIndices(columns))
        for name in predicate.columns { if let f = schema.index(ofField: name) { fields.insert(f) } }
        var ranges: [Range<Int64>] = []
        for f in fields.sorted() {
            for leaf in readSchema.nodes[f].leaves where leaf >= 0 {
                let chunk = metadata.rowGroups[index].columns[leaf]
                if let o = chunk.offsetIndexOffset, let l = chunk.offsetIndexLength, o >= 0, l > 0 { ranges.append(o..<(o + Int64(l))) }
                if let o = chunk.columnIndexOffset, let l = chunk.columnIndexLength, o >= 0, l > 0 { ranges.append(o..<(o + Int64(l))) }
            }
        }
        return RowRanges.merged(ranges, gap: 0)
    }

    /// The byte ranges ``readRowGroup(_:columns:predicate:)`` reads to decode `rows` of row group
    /// `index`: each projected column's dictionary page and the data pages that overlap `rows`
    /// (merged when closer than `gap`). `nil` when it would read the whole row group instead (a
    /// projected column is nested or has no offset index). The offset indexes must be readable
    /// (``pageIndexByteRanges(rowGroup:columns:predicate:)``).
    public func pageByteRanges(rowGroup index: Int, columns: ColumnSelection, rows: RowRanges,
                               gap: Int64 = 64 << 10) throws(ParquetReadError) -> [Range<Int64>]? {
        guard index >= 0, index < metadata.rowGroups.count else {
            throw ParquetReadError(.invalidMetadata("no row group \(index)"), path: path)
        }
        let group = metadata.rowGroups[index]
        var ranges: [Range<Int64>] = []
        for f in try fieldIndices(columns) {
            guard case let .primitive(leaf, _) = readSchema.nodes[f], readSchema.leaves[leaf].maxRepetitionLevel == 0,
                  let pageIndex = try pageIndex(rowGroup: index, leaf: leaf), let first = pageIndex.locations.first else {
                return nil
            }
            let m = group.columns[leaf].metaData
            var chunkStart = m.dataPageOffset
            if let d = m.dictionaryPageOffset, d > 0, d < chunkStart { chunkStart = d }
            if first.offset > chunkStart { ranges.append(chunkStart..<first.offset) }
            for (i, location) in pageIndex.locations.enumerated() {
                let end = i + 1 < pageIndex.locations.count ? pageIndex.locations[i + 1].firstRowIndex : group.numRows
                guard rows.overlaps(location.firstRowIndex..<end), location.compressedPageSize > 0 else { continue }
                ranges.append(location.offset..<(location.offset + Int64(location.compressedPageSize)))
            }
        }
        return RowRanges.merged(ranges, gap: gap)
    }
}

extension RowRanges {
    /// `ranges` sorted, with ranges closer than `gap` merged.
    static func merged(_ ranges: [Range<Int64>], gap: Int64) -> [Range<Int64>] {
        var merged: [Range<Int64>] = []
        for r in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) where !r.isEmpty {
            if let last = merged.last, r.lowerBound <= last.upperBound + gap {
                merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, r.upperBound)
            } else {
                merged.append(r)
            }
        }
        return merged
    }
}
