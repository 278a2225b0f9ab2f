import LakeCodecs
import LakeColumnar

/// A column chunk ready to be written: its pages (dictionary page first, each page one part) and
/// its metadata with offsets relative to the chunk start.
struct EncodedChunk {
    /// The chunk's bytes, in parts written back to back (kept apart so a growing chunk is never
    /// copied into a larger buffer).
    var parts: [[UInt8]] = []
    var metadata: ColumnMetaData
    var dictionaryPageOffset: Int?
    var dataPageOffset = 0
    var pageLocations: [PageLocation] = []
    var columnIndex: ColumnIndex?
    var bloomFilter: [UInt8]?
    /// Chunk statistics (also inside `metadata`), kept for Iceberg metrics.
    var statistics: ColumnStatistics
}

/// What changes value by value while a chunk is written, kept together so the hot loops take
/// it `inout` once per slice of rows (one exclusivity access, not one per value).
struct ChunkState: ~Copyable {
    var page = PageBuffer()
    /// Dictionary of BYTE_ARRAY and FIXED_LEN_BYTE_ARRAY chunks.
    var bytes = ByteStringInterner()
    /// Dictionary of numeric chunks.
    var numbers = NumberDictionary()
    /// Whether values are still dictionary-encoded (false after falling back, or never).
    var dictionaryActive: Bool
    /// Size of the dictionary page's PLAIN body.
    var dictionarySize = 0
    /// Per dictionary entry, the last page that used it (pages count from 1).
    var stamps: [Int32] = []
    var pageNumber: Int32 = 1

    init(dictionaryActive: Bool) { self.dictionaryActive = dictionaryActive }

    var dictionaryCount: Int { max(bytes.count, numbers.count) }

    /// Records that the current page uses dictionary entry `index` (for its bounds).
    @inline(__always)
    mutating func use(_ index: Int32, isNew: Bool) {
        if isNew { stamps.append(0) }
        if stamps[Int(index)] != pageNumber {
            stamps[Int(index)] = pageNumber
            page.usedEntries.append(index)
        }
        page.indices.append(UInt32(bitPattern: index))
    }
}

/// Writes one leaf column of the open row group: values arrive batch by batch, pages are
/// encoded, compressed and buffered as they fill, and ``finish()`` returns the chunk with its
/// dictionary page, statistics, page index and bloom filter. Memory per column is the current
/// page plus the compressed pages of the row group.
final class ColumnWriter {
    let descriptor: LeafDescriptor
    let properties: WriterProperties
    let requestedEncoding: ColumnEncoding
    let bloomOptions: BloomFilterOptions?
    private let maxDefinition: Int16
    private let maxRepetition: Int16
    private let usesDictionary: Bool
    /// BYTE_ARRAY pages that are written PLAIN keep their values PLAIN-encoded from the start.
    private let plainByteArrayPages: Bool

    private var state: ChunkState
    // The chunk so far.
    /// The encoded pages so far, each header and body in one part.
    private var pages: [[UInt8]] = []
    private var pagesSize = 0
    private var locations: [PageLocation] = []
    private var pageBounds: [(Bounds?, nulls: Int64, nans: Int64, values: Int)] = []
    private var encodingsUsed: Set<Encoding> = []
    private var pageEncodingCounts: [Encoding: Int32] = [:]
    private var uncompressedTotal = 0
    private var definitionHistogram: [Int64]
    private var repetitionHistogram: [Int64]
    private var unencodedBytes: Int64 = 0
    private var entryTotal = 0
    private var fellBack = false
    /// The dictionary page of a chunk that fell back, built at the fallback so that the
    /// dictionary and its hash table are freed then instead of at the end of the row group.
    private var earlyDictionaryPage: (bytes: [UInt8], entries: Int)?
    private var bloomHashes: [UInt64] = []
    private var firstRowOfPage: Int64 = 0
    /// Compresses this column's pages: the compressor of the thread writing the column (set by
    /// the file writer before each use; never shared between threads at the same time).
    var compressor: PageCompressor
    // Reused page by page, so steady writing allocates nothing new.
    private var valuesScratch: [UInt8] = []
    private var repetitionScratch: [UInt8] = []
    private var definitionScratch: [UInt8] = []
    private var rawScratch: [UInt8] = []

    init(descriptor: LeafDescriptor, properties: WriterProperties, encoding: ColumnEncoding, bloom: BloomFilterOptions?,
         compressor: PageCompressor) {
        self.compressor = compressor
        self.descriptor = descriptor
        self.properties = properties
        requestedEncoding = encoding
        bloomOptions = bloom
        maxDefinition = descriptor.maxDefinitionLevel
        maxRepetition = descriptor.maxRepetitionLevel
        usesDictionary = encoding == .dictionary && descriptor.physicalType != .boolean
        plainByteArrayPages = descriptor.physicalType == .byteArray
            && (encoding == .plain || (encoding == .dictionary && properties.dataPageVersion == .v1))
        state = ChunkState(dictionaryActive: usesDictionary)
        definitionHistogram = [Int64](repeating: 0, count: Int(descriptor.maxDefinitionLevel) + 1)
        repetitionHistogram = [Int64](repeating: 0, count: Int(descriptor.maxRepetitionLevel) + 1)
    }

    /// Compressed pages plus the open page and dictionary: what the row group holds in memory.
    var bufferedBytes: Int { pagesSize + state.page.estimatedBytes + state.dictionarySize + (earlyDictionaryPage?.bytes.count ?? 0) }

    // MARK: - Flat columns

    /// Appends rows `rows` of a top-level primitive column. `remap` maps a dictionary column's
    /// indices onto this chunk's dictionary (see ``dictionaryRemap(_:)``).
    func appendFlat(_ column: Column, rows: Range<Int>, remap: DictionaryRemap?) throws(ParquetError) {
        var start = rows.lowerBound
        while start < rows.upperBound {
            // Slices small enough that a page overshoots its limits by little.
            let room = max(1, properties.dataPageRowLimit - state.page.rowCount)
            let end = min(rows.upperBound, start + min(room, 1024))
            appendSlice(column, start..<end, remap: remap)
            start = end
            try checkLimits()
        }
    }

    private func appendSlice(_ column: Column, _ rows: Range<Int>, remap: DictionaryRemap?) {
        let validity = column.validity
        if maxDefinition > 0 { Self.appendDefinitionLevels(&state.page.definitionLevels, rows: rows, validity: validity) }
        state.page.entryCount += rows.count
        state.page.rowCount += rows.count
        let type = descriptor.physicalType
        switch column {
        case let .int32(c) where type == .int32:
            c.withUnsafeBufferPointer { Self.appendNumbers(&state, $0, rows: rows, validity: validity) { UInt64(UInt32(bitPattern: $0)) } }
        case let .int64(c) where type == .int64:
            c.withUnsafeBufferPointer { Self.appendNumbers(&state, $0, rows: rows, validity: validity) { UInt64(bitPattern: $0) } }
        case let .float32(c) where type == .float:
            c.withUnsafeBufferPointer { Self.appendNumbers(&state, $0, rows: rows, validity: validity) { UInt64($0.bitPattern) } }
        case let .float64(c) where type == .double:
            c.withUnsafeBufferPointer { Self.appendNumbers(&state, $0, rows: rows, validity: validity) { $0.bitPattern } }
        case let .binary(c) where type == .byteArray:
            Self.appendBinary(&state, c, rows: rows, validity: validity, plainPages: plainByteArrayPages)
        case let .dictionary(c) where type == .byteArray:
            Self.appendDictionary(&state, c, rows: rows, remap: remap, plainPages: plainByteArrayPages)
        default:
            for r in rows where validity?[r] ?? true { appendValue(column, r) }
        }
    }

    /// Definition levels of a flat optional column: 1 for a value, 0 for a null.
    private static func appendDefinitionLevels(_ levels: inout [Int16], rows: Range<Int>, validity: Bitmap?) {
        let base = levels.count
        levels.append(contentsOf: repeatElement(1, count: rows.count))
        guard let validity else { return }
        levels.withUnsafeMutableBufferPointer { out in
            var k = base
            for r in rows {
                if !validity[r] { out[k] = 0 }
                k &+= 1
            }
        }
    }

    /// Dictionary indices written into memory reserved for a whole slice (no per-value array
    /// bookkeeping); the entries used, stamped so each is listed once per page.
    private struct IndexSink: ~Copyable {
        var indices: [UInt32] = []
        var stamps: [Int32] = []
        var used: [Int32] = []
        let start: Int
        var written = 0

        /// Moves the arrays out of `s` (no copy), with room for `rows` values and as many new entries.
        init(_ s: inout ChunkState, rows: Int) {
            swap(&indices, &s.page.indices)
            swap(&stamps, &s.stamps)
            swap(&used, &s.page.usedEntries)
            start = indices.count
            indices.append(contentsOf: repeatElement(0, count: rows))
            stamps.append(contentsOf: repeatElement(0, count: rows))
        }

        /// Moves the arrays back, trimmed to what was written.
        consuming func finish(_ s: inout ChunkState) {
            indices.removeLast(indices.count - start - written)
            stamps.removeLast(stamps.count - s.dictionaryCount)
            swap(&indices, &s.page.indices)
            swap(&stamps, &s.stamps)
            swap(&used, &s.page.usedEntries)
        }
    }

    private static func appendNumbers<T: BitwiseCopyable>(_ s: inout ChunkState, _ values: UnsafeBufferPointer<T>, rows: Range<Int>,
                                                          validity: Bitmap?, key: (T) -> UInt64) {
        let width = MemoryLayout<T>.size
        let isFloat = T.self == Float.self || T.self == Double.self
        var nans: Int64 = 0
        var count = 0
        if s.dictionaryActive {
            var sink = IndexSink(&s, rows: rows.count)
            let page = s.pageNumber
            sink.indices.withUnsafeMutableBufferPointer { out in
                sink.stamps.withUnsafeMutableBufferPointer { stamps in
                    for r in rows where validity?[r] ?? true {
                        let k = key(values[r])
                        if isFloat && isNaN(k, width: width) { nans &+= 1 }
                        let before = s.numbers.count
                        let index = s.numbers.intern(k)
                        if s.numbers.count > before { s.dictionarySize += width }
                        if stamps[Int(index)] != page {
                            stamps[Int(index)] = page
                            sink.used.append(index)
                        }
                        out[sink.start &+ count] = UInt32(bitPattern: index)
                        count &+= 1
                    }
                }
            }
            sink.written = count
            sink.finish(&s)
        } else {
            for r in rows where validity?[r] ?? true {
                let k = key(values[r])
                if isFloat && isNaN(k, width: width) { nans &+= 1 }
                appendPlain(&s.page, k, width: width, isFloat: isFloat)
                count &+= 1
            }
            s.page.estimatedBytes += width * count
        }
        s.page.valueCount += count
        s.page.nanCount += nans
    }

    @inline(__always)
    private static func isNaN(_ bits: UInt64, width: Int) -> Bool {
        width == 4 ? Float(bitPattern: UInt32(truncatingIfNeeded: bits)).isNaN : Double(bitPattern: bits).isNaN
    }

    /// Appends a numeric value by its bit pattern to the page's typed array.
    @inline(__always)
    private static func appendPlain(_ page: inout PageBuffer, _ bits: UInt64, width: Int, isFloat: Bool) {
        switch (width, isFloat) {
        case (4, false): page.int32s.append(Int32(bitPattern: UInt32(truncatingIfNeeded: bits)))
        case (8, false): page.int64s.append(Int64(bitPattern: bits))
        case (4, true): page.floats.append(Float(bitPattern: UInt32(truncatingIfNeeded: bits)))
        default: page.doubles.append(Double(bitPattern: bits))
        }
    }

    private static func appendBinary(_ s: inout ChunkState, _ c: BinaryColumn, rows: Range<Int>, validity: Bitmap?,
                                     plainPages: Bool) {
        c.withUnsafeOffsetsAndBytes { offsets, bytes in
            let base = bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
            var values = 0
            var unencoded = 0
            if s.dictionaryActive {
                var sink = IndexSink(&s, rows: rows.count)
                let page = s.pageNumber
                sink.indices.withUnsafeMutableBufferPointer { out in
                    sink.stamps.withUnsafeMutableBufferPointer { stamps in
                        for r in rows where validity?[r] ?? true {
                            let lo = offsets[r], n = offsets[r &+ 1] &- lo
                            var isNew = false
                            let index = s.bytes.intern(base + lo, n, isNew: &isNew)
                            if isNew { s.dictionarySize &+= n &+ 4 }
                            if stamps[Int(index)] != page {
                                stamps[Int(index)] = page
                                sink.used.append(index)
                            }
                            out[sink.start &+ values] = UInt32(bitPattern: index)
                            values &+= 1
                            unencoded &+= n
                        }
                    }
                }
                sink.written = values
                sink.finish(&s)
            } else if plainPages {
                // Nulls are empty in the column, so the slice's bytes bound its values' bytes.
                let total = offsets[rows.upperBound] &- offsets[rows.lowerBound]
                s.page.appendPlain(maxBytes: total + 4 * rows.count) { out in
                    var o = 0
                    for r in rows where validity?[r] ?? true {
                        let lo = offsets[r], n = offsets[r &+ 1] &- lo
                        o &+= PageBuffer.writePlain(base + lo, n, to: out + o)
                        values &+= 1
                        unencoded &+= n
                    }
                    return o
                }
                s.page.estimatedBytes += unencoded + 4 * values
            } else {
                s.page.bytes.reserve(values: rows.count, bytes: offsets[rows.upperBound] - offsets[rows.lowerBound])
                for r in rows where validity?[r] ?? true {
                    let lo = offsets[r], n = offsets[r &+ 1] &- lo
                    s.page.bytes.append(base + lo, n)
                    values &+= 1
                    unencoded &+= n
                }
                s.page.estimatedBytes += unencoded + 4 * values
            }
            s.page.valueCount += values
            s.page.unencodedBytes += Int64(unencoded)
        }
    }

    private static func appendDictionary(_ s: inout ChunkState, _ c: DictionaryColumn, rows: Range<Int>, remap: DictionaryRemap?,
                                         plainPages: Bool) {
        let validity = c.validity
        c.indices.withUnsafeBufferPointer { indices in
            c.dictionary.withUnsafeOffsetsAndBytes { offsets, bytes in
                let base = bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
                var values = 0
                var unencoded = 0
                if s.dictionaryActive, let remap {
                    var sink = IndexSink(&s, rows: rows.count)
                    let page = s.pageNumber
                    remap.indices.withUnsafeBufferPointer { map in
                        sink.indices.withUnsafeMutableBufferPointer { out in
                            sink.stamps.withUnsafeMutableBufferPointer { stamps in
                                for r in rows where validity?[r] ?? true {
                                    let source = Int(indices[r])
                                    let entry = map[source]
                                    if stamps[Int(entry)] != page {
                                        stamps[Int(entry)] = page
                                        sink.used.append(entry)
                                    }
                                    out[sink.start &+ values] = UInt32(bitPattern: entry)
                                    values &+= 1
                                    unencoded &+= offsets[source &+ 1] &- offsets[source]
                                }
                            }
                        }
                    }
                    sink.written = values
                    sink.finish(&s)
                } else if plainPages {
                    var total = 0
                    for r in rows where validity?[r] ?? true {
                        let source = Int(indices[r])
                        total &+= offsets[source &+ 1] &- offsets[source]
                    }
                    s.page.appendPlain(maxBytes: total + 4 * rows.count) { out in
                        var o = 0
                        for r in rows where validity?[r] ?? true {
                            let source = Int(indices[r])
                            let lo = offsets[source], n = offsets[source &+ 1] &- lo
                            o &+= PageBuffer.writePlain(base + lo, n, to: out + o)
                            values &+= 1
                        }
                        return o
                    }
                    unencoded = total
                    s.page.estimatedBytes += unencoded + 4 * values
                } else {
                    for r in rows where validity?[r] ?? true {
                        let source = Int(indices[r])
                        let lo = offsets[source], n = offsets[source &+ 1] &- lo
                        s.page.bytes.append(base + lo, n)
                        values &+= 1
                        unencoded &+= n
                    }
                    s.page.estimatedBytes += unencoded + 4 * values
                }
                s.page.valueCount += values
                s.page.unencodedBytes += Int64(unencoded)
            }
        }
    }

    /// Maps a batch dictionary onto this chunk's dictionary: each of its values is interned once,
    /// so rows cost one lookup. Nil once the chunk no longer dictionary-encodes.
    func dictionaryRemap(_ dictionary: BinaryColumn) -> DictionaryRemap? {
        guard state.dictionaryActive, descriptor.physicalType == .byteArray else { return nil }
        return Self.remap(&state, dictionary)
    }

    private static func remap(_ s: inout ChunkState, _ dictionary: BinaryColumn) -> DictionaryRemap {
        var indices: [Int32] = []
        indices.reserveCapacity(dictionary.count)
        dictionary.withUnsafeOffsetsAndBytes { offsets, bytes in
            let base = bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
            for d in 0..<dictionary.count {
                let lo = offsets[d], n = offsets[d + 1] - lo
                var isNew = false
                let index = s.bytes.intern(base + lo, n, isNew: &isNew)
                if isNew {
                    s.dictionarySize += n + 4
                    s.stamps.append(0)
                }
                indices.append(index)
            }
        }
        return DictionaryRemap(indices: indices)
    }

    // MARK: - Nested columns and odd types (one value at a time)

    /// Appends the levels of one entry (nested columns).
    func appendLevels(repetition: Int16, definition: Int16) {
        if maxDefinition > 0 { state.page.definitionLevels.append(definition) }
        if maxRepetition > 0 { state.page.repetitionLevels.append(repetition) }
        state.page.entryCount += 1
        if repetition == 0 { state.page.rowCount += 1 }
    }

    /// Appends the value at `index` of `column` (which must be present) to the page.
    func appendValue(_ column: Column, _ index: Int) {
        state.page.valueCount += 1
        switch column {
        case let .boolean(c):
            state.page.bools.append(c.values[index])
            state.page.estimatedBytes += 1
        case let .int32(c): appendNumber(UInt64(UInt32(bitPattern: c.value(at: index))))
        case let .int64(c): appendNumber(UInt64(bitPattern: c.value(at: index)))
        case let .float32(c): appendNumber(UInt64(c.value(at: index).bitPattern))
        case let .float64(c): appendNumber(c.value(at: index).bitPattern)
        case let .decimal128(c):
            let v = c.value(at: index)
            switch descriptor.physicalType {
            case .int32: appendNumber(UInt64(UInt32(truncatingIfNeeded: v)))
            case .int64: appendNumber(UInt64(truncatingIfNeeded: v))
            default:
                // Big-endian two's complement in the FLBA width.
                let width = descriptor.typeLength ?? 16
                var be = [UInt8](repeating: 0, count: width)
                for k in 0..<width { be[width - 1 - k] = UInt8(truncatingIfNeeded: v >> (8 * k)) }
                be.withUnsafeBytes { appendBytes($0) }
            }
        case let .binary(c): c.withValueBytes(at: index) { appendBytes($0) }
        case let .fixedSizeBinary(c): c.withValueBytes(at: index) { appendBytes($0) }
        case let .dictionary(c): c.dictionary.withValueBytes(at: Int(c.indices.value(at: index))) { appendBytes($0) }
        case .structure, .list, .map:
            preconditionFailure("nested column at a leaf")
        }
    }

    private func appendNumber(_ bits: UInt64) {
        let width = descriptor.physicalType == .int32 || descriptor.physicalType == .float ? 4 : 8
        let isFloat = descriptor.physicalType == .float || descriptor.physicalType == .double
        if isFloat && Self.isNaN(bits, width: width) { state.page.nanCount += 1 }
        if state.dictionaryActive {
            let before = state.numbers.count
            let index = state.numbers.intern(bits)
            let isNew = state.numbers.count > before
            if isNew { state.dictionarySize += width }
            state.use(index, isNew: isNew)
        } else {
            state.page.estimatedBytes += width
            Self.appendPlain(&state.page, bits, width: width, isFloat: isFloat)
        }
    }

    private func appendBytes(_ value: UnsafeRawBufferPointer) {
        let isByteArray = descriptor.physicalType == .byteArray
        if isByteArray { state.page.unencodedBytes += Int64(value.count) }
        if state.dictionaryActive {
            var isNew = false
            let index = state.bytes.intern(value.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, value.count, isNew: &isNew)
            if isNew { state.dictionarySize += value.count + (isByteArray ? 4 : 0) }
            state.use(index, isNew: isNew)
        } else if plainByteArrayPages {
            state.page.appendPlain(maxBytes: value.count + 4) { out in
                PageBuffer.writePlain(value.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, value.count, to: out)
            }
            state.page.estimatedBytes += value.count + 4
        } else {
            state.page.bytes.append(value)
            state.page.estimatedBytes += value.count + (isByteArray ? 4 : 0)
        }
    }

    /// Ends a row of a nested column: the page is closed when full (pages end at row boundaries).
    func endRows() throws(ParquetError) { try checkLimits() }

    // MARK: - Pages

    private func checkLimits() throws(ParquetError) {
        if state.dictionaryActive && state.dictionarySize > properties.dictionaryPageSizeLimit {
            // The dictionary outgrew its limit: this page keeps it, later pages do without. Its
            // page is written now and the dictionary dropped: a high-cardinality column would
            // otherwise hold a full dictionary and its hash table until the row group ends.
            try flushPage()
            earlyDictionaryPage = (try dictionaryPage(), state.dictionaryCount)
            state.bytes = ByteStringInterner()
            state.numbers = NumberDictionary()
            state.stamps = []
            state.dictionarySize = 0
            state.dictionaryActive = false
            fellBack = true
            return
        }
        // Fields read one by one: copying the page buffer would retain each of its arrays.
        var bytes = state.page.estimatedBytes
        if state.dictionaryActive {
            bytes = state.page.indices.count * BitPacking.bitWidth(UInt64(max(state.dictionaryCount - 1, 0))) / 8
        }
        if state.page.rowCount >= properties.dataPageRowLimit || bytes >= properties.dataPageSize { try flushPage() }
    }

    /// Encodes, compresses and buffers the open page.
    private func flushPage() throws(ParquetError) {
        let d = descriptor
        let encoding: Encoding
        let dictionaryEncoded = state.dictionaryActive
        valuesScratch.removeAll(keepingCapacity: true)
        // PLAIN BYTE_ARRAY values are already encoded in the page buffer: used in place (V1).
        var plainPageValues = false
        if dictionaryEncoded {
            let width = BitPacking.bitWidth(UInt64(max(state.dictionaryCount - 1, 0)))
            valuesScratch.append(UInt8(width))
            state.page.indices.withUnsafeBufferPointer { RLEHybrid.encode($0, bitWidth: width, into: &valuesScratch) }
            encoding = .rleDictionary
        } else if plainByteArrayPages && properties.dataPageVersion == .v1 {
            encoding = .plain
            plainPageValues = true
            if bloomOptions != nil { collectBloomHashes() }
        } else {
            encoding = try encodePlainValues(into: &valuesScratch)
            if bloomOptions != nil { collectBloomHashes() }
        }
        encodingsUsed.insert(encoding)
        pageEncodingCounts[encoding, default: 0] += 1

        repetitionScratch.removeAll(keepingCapacity: true)
        definitionScratch.removeAll(keepingCapacity: true)
        let entries = state.page.entryCount
        if d.maxRepetitionLevel > 0 {
            for l in state.page.repetitionLevels { repetitionHistogram[Int(l)] += 1 }
            state.page.repetitionLevels.withUnsafeBufferPointer {
                RLEHybrid.encode($0, bitWidth: BitPacking.bitWidth(UInt64(d.maxRepetitionLevel)), into: &repetitionScratch)
            }
            encodingsUsed.insert(.rle)
        } else {
            repetitionHistogram[0] += Int64(entries)
        }
        var nulls: Int64 = 0
        if d.maxDefinitionLevel > 0 {
            nulls = Int64(entries - state.page.valueCount)
            if d.maxDefinitionLevel == 1 {
                definitionHistogram[0] += nulls
                definitionHistogram[1] += Int64(state.page.valueCount)
            } else {
                for l in state.page.definitionLevels { definitionHistogram[Int(l)] += 1 }
            }
            state.page.definitionLevels.withUnsafeBufferPointer {
                RLEHybrid.encode($0, bitWidth: BitPacking.bitWidth(UInt64(d.maxDefinitionLevel)), into: &definitionScratch)
            }
            encodingsUsed.insert(.rle)
        } else {
            definitionHistogram[0] += Int64(entries)
        }
        unencodedBytes += state.page.unencodedBytes
        entryTotal += entries

        let bounds = dictionaryEncoded ? dictionaryBounds() : plainBounds()
        let nans = state.page.nanCount
        pageBounds.append((bounds, nulls, nans, state.page.valueCount))
        let isFloat = d.physicalType == .float || d.physicalType == .double
        let pageStats = properties.writePageHeaderStatistics
            ? ColumnStatistics(minValue: bounds?.min, maxValue: bounds?.max, nullCount: nulls,
                               isMinValueExact: bounds.map { $0.minExact }, isMaxValueExact: bounds.map { $0.maxExact },
                               nanCount: isFloat ? nans : nil)
            : nil

        var header: PageHeader
        // A fresh body per page: it becomes one of the chunk's parts as it is.
        var bodyScratch: [UInt8] = []
        switch properties.dataPageVersion {
        case .v1:
            rawScratch.removeAll(keepingCapacity: true)
            if d.maxRepetitionLevel > 0 { Self.appendLengthPrefixed(repetitionScratch, to: &rawScratch) }
            if d.maxDefinitionLevel > 0 { Self.appendLengthPrefixed(definitionScratch, to: &rawScratch) }
            if plainPageValues { rawScratch += state.page.plain } else { rawScratch += valuesScratch }
            try compressor.compress(rawScratch, appendingTo: &bodyScratch)
            header = PageHeader(type: .dataPage, uncompressedPageSize: Int32(rawScratch.count), compressedPageSize: Int32(bodyScratch.count),
                                dataPage: DataPageHeader(numValues: Int32(entries), encoding: encoding,
                                                         definitionLevelEncoding: .rle, repetitionLevelEncoding: .rle,
                                                         statistics: pageStats))
            uncompressedTotal += rawScratch.count
        case .v2:
            bodyScratch += repetitionScratch
            bodyScratch += definitionScratch
            let isCompressed = compressor.codec != .uncompressed && !valuesScratch.isEmpty
            if isCompressed { try compressor.compress(valuesScratch, appendingTo: &bodyScratch) } else { bodyScratch += valuesScratch }
            header = PageHeader(type: .dataPageV2,
                                uncompressedPageSize: Int32(repetitionScratch.count + definitionScratch.count + valuesScratch.count),
                                compressedPageSize: Int32(bodyScratch.count),
                                dataPageV2: DataPageHeaderV2(numValues: Int32(entries), numNulls: Int32(nulls),
                                                             numRows: Int32(state.page.rowCount), encoding: encoding,
                                                             definitionLevelsByteLength: Int32(definitionScratch.count),
                                                             repetitionLevelsByteLength: Int32(repetitionScratch.count),
                                                             isCompressed: isCompressed, statistics: pageStats))
            uncompressedTotal += repetitionScratch.count + definitionScratch.count + valuesScratch.count
        }
        if properties.pageChecksums { header.crc = Int32(bitPattern: CRC32.checksum(bodyScratch)) }
        let headerBytes = header.serialized()
        uncompressedTotal += headerBytes.count
        locations.append(PageLocation(offset: Int64(pagesSize), compressedPageSize: Int32(headerBytes.count + bodyScratch.count),
                                      firstRowIndex: firstRowOfPage))
        firstRowOfPage += Int64(state.page.rowCount)
        pagesSize += headerBytes.count + bodyScratch.count
        pages.append(headerBytes)
        pages.append(bodyScratch)
        state.pageNumber += 1
        state.page.removeAll()
    }

    /// Bounds of a dictionary-encoded page: over the entries it used, each compared once.
    private func dictionaryBounds() -> Bounds? {
        let d = descriptor
        let used = state.page.usedEntries
        guard !used.isEmpty else { return nil }
        switch d.physicalType {
        case .byteArray, .fixedLenByteArray:
            var lo = Int(used[0]), hi = lo
            let signed = d.isSignedFixed
            for e in used.dropFirst() {
                let entry = Int(e)
                if BoundsCalculator.compareValues(state.bytes.value(at: entry), state.bytes.value(at: lo), signed: signed) < 0 { lo = entry }
                if BoundsCalculator.compareValues(state.bytes.value(at: entry), state.bytes.value(at: hi), signed: signed) > 0 { hi = entry }
            }
            return BoundsCalculator.byteBounds(min: Array(state.bytes.value(at: lo)), max: Array(state.bytes.value(at: hi)), d,
                                               truncateTo: properties.statisticsTruncateLength)
        default:
            let keys = state.numbers.keys
            return BoundsCalculator.numberBounds(used.lazy.map { keys[Int($0)] }, d)
        }
    }

    /// Bounds of a PLAIN page, over its values.
    private func plainBounds() -> Bounds? {
        let page = state.page
        guard page.valueCount > 0 else { return nil }
        switch descriptor.physicalType {
        case .boolean:
            return BoundsCalculator.numberBounds(page.bools.lazy.map { $0 ? 1 : 0 }, descriptor)
        case .int32: return BoundsCalculator.numberBounds(page.int32s.lazy.map { UInt64(UInt32(bitPattern: $0)) }, descriptor)
        case .int64: return BoundsCalculator.numberBounds(page.int64s.lazy.map { UInt64(bitPattern: $0) }, descriptor)
        case .float: return BoundsCalculator.numberBounds(page.floats.lazy.map { UInt64($0.bitPattern) }, descriptor)
        case .double: return BoundsCalculator.numberBounds(page.doubles.lazy.map { $0.bitPattern }, descriptor)
        case .byteArray where plainByteArrayPages:
            return BoundsCalculator.plainByteArrayBounds(page.plain, descriptor, truncateTo: properties.statisticsTruncateLength)
        case .byteArray, .fixedLenByteArray, .int96:
            return BoundsCalculator.byteArrayBounds(page.bytes, descriptor, truncateTo: properties.statisticsTruncateLength)
        }
    }

    /// Encodes the page's values with the requested encoding (or, after a dictionary fallback,
    /// the fallback encoding); returns the encoding used.
    private func encodePlainValues(into out: inout [UInt8]) throws(ParquetError) -> Encoding {
        let d = descriptor
        let page = state.page
        var encoding = requestedEncoding
        if usesDictionary {
            // After a dictionary overflows: V1 falls back to PLAIN, V2 to the delta encodings.
            switch (properties.dataPageVersion, d.physicalType) {
            case (.v2, .int32), (.v2, .int64): encoding = .deltaBinaryPacked
            case (.v2, .byteArray): encoding = .deltaByteArray
            default: encoding = .plain
            }
        }
        let all = 0..<page.valueCount
        switch (encoding, d.physicalType) {
        case (.rle, .boolean):
            var levels: [UInt8] = []
            page.bools.lazy.map { $0 ? UInt8(1) : 0 }.withContiguousArray { RLEHybrid.encode($0, bitWidth: 1, into: &levels) }
            Self.appendLengthPrefixed(levels, to: &out)
            return .rle
        case (.deltaBinaryPacked, .int32):
            DeltaBinaryPackedEncoder.encode(page.int32s.map(Int64.init), into: &out)
            return .deltaBinaryPacked
        case (.deltaBinaryPacked, .int64):
            DeltaBinaryPackedEncoder.encode(page.int64s, into: &out)
            return .deltaBinaryPacked
        case (.deltaLengthByteArray, .byteArray):
            DeltaByteArrayEncoder.encodeLengths(page.bytes, range: all, into: &out)
            return .deltaLengthByteArray
        case (.deltaByteArray, .byteArray), (.deltaByteArray, .fixedLenByteArray):
            DeltaByteArrayEncoder.encodeIncremental(page.bytes, range: all, into: &out)
            return .deltaByteArray
        case (.byteStreamSplit, .float), (.byteStreamSplit, .double), (.byteStreamSplit, .int32),
             (.byteStreamSplit, .int64), (.byteStreamSplit, .fixedLenByteArray):
            var plain: [UInt8] = []
            encodePlain(into: &plain)
            let width: Int
            switch d.physicalType {
            case .float, .int32: width = 4
            case .double, .int64: width = 8
            default: width = d.typeLength ?? 1
            }
            ByteStreamSplitEncoder.encode(plain, width: width, into: &out)
            return .byteStreamSplit
        case (.plain, _), (.dictionary, _):
            encodePlain(into: &out)
            return .plain
        default:
            throw ParquetError(.unsupportedSchema("encoding \(encoding) cannot encode \(d.physicalType) column \(d.path.joined(separator: "."))"))
        }
    }

    private func encodePlain(into out: inout [UInt8]) {
        let page = state.page
        let all = 0..<page.valueCount
        switch descriptor.physicalType {
        case .boolean: PlainEncoder.encode(page.bools[all], into: &out)
        case .int32: PlainEncoder.encode(page.int32s[all], into: &out)
        case .int64: PlainEncoder.encode(page.int64s[all], into: &out)
        case .float: PlainEncoder.encode(page.floats[all], into: &out)
        case .double: PlainEncoder.encode(page.doubles[all], into: &out)
        case .byteArray where plainByteArrayPages: out += page.plain
        case .byteArray: PlainEncoder.encodeByteArrays(page.bytes, range: all, into: &out)
        case .fixedLenByteArray, .int96: PlainEncoder.encodeFixed(page.bytes, range: all, into: &out)
        }
    }

    /// XXH64 of each value of a PLAIN page, for the chunk's bloom filter.
    private func collectBloomHashes() {
        let page = state.page
        func add<T>(_ v: T) { withUnsafeBytes(of: v) { bloomHashes.append(XXHash64.hash($0)) } }
        switch descriptor.physicalType {
        case .int32: for v in page.int32s { add(v.littleEndian) }
        case .int64: for v in page.int64s { add(v.littleEndian) }
        case .float: for v in page.floats { add(v.bitPattern.littleEndian) }
        case .double: for v in page.doubles { add(v.bitPattern.littleEndian) }
        case .boolean: for v in page.bools { add(UInt8(v ? 1 : 0)) }
        case .byteArray where plainByteArrayPages:
            PlainEncoder.forEachPlainByteArray(page.plain) { bloomHashes.append(XXHash64.hash($0)) }
        default:
            page.bytes.data.withUnsafeBytes { all in
                for i in 0..<page.bytes.count { bloomHashes.append(XXHash64.hash(UnsafeRawBufferPointer(rebasing: all[page.bytes.range(i)]))) }
            }
        }
    }

    static func appendLengthPrefixed(_ bytes: [UInt8], to out: inout [UInt8]) {
        withUnsafeBytes(of: UInt32(bytes.count).littleEndian) { out.append(contentsOf: $0) }
        out += bytes
    }

    // MARK: - The chunk

    /// Closes the row group's chunk: the last page, the dictionary page, statistics, page index
    /// and bloom filter. The writer is then ready for the next row group.
    func finish() throws(ParquetError) -> EncodedChunk {
        if !state.page.isEmpty || locations.isEmpty { try flushPage() }
        let d = descriptor

        // Dictionary page, placed before the data pages.
        var dictionaryPage: [UInt8] = []
        var dictionaryOffset: Int?
        var encodingStats: [PageEncodingStats] = []
        let dictionaryCount = earlyDictionaryPage?.entries ?? state.dictionaryCount
        if let early = earlyDictionaryPage {
            dictionaryPage = early.bytes
        } else if usesDictionary && (dictionaryCount > 0 || pageEncodingCounts[.rleDictionary] != nil) {
            dictionaryPage = try self.dictionaryPage()
        }
        if !dictionaryPage.isEmpty {
            dictionaryOffset = 0
            encodingsUsed.insert(.plain)
            encodingStats.append(PageEncodingStats(pageType: .dictionaryPage, encoding: .plain, count: 1))
        }
        let shift = dictionaryPage.count
        for i in locations.indices { locations[i].offset += Int64(shift) }
        let chunkSize = shift + pagesSize
        let pageType: PageType = properties.dataPageVersion == .v1 ? .dataPage : .dataPageV2
        for (encoding, count) in pageEncodingCounts.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            encodingStats.append(PageEncodingStats(pageType: pageType, encoding: encoding, count: count))
        }

        // Chunk statistics from the page bounds.
        var statistics = ColumnStatistics(nullCount: pageBounds.reduce(0) { $0 + $1.nulls })
        let isFloat = d.physicalType == .float || d.physicalType == .double
        if isFloat { statistics.nanCount = pageBounds.reduce(0) { $0 + $1.nans } }
        var chunkBounds: Bounds?
        for (b, _, _, _) in pageBounds {
            guard let b else { continue }
            guard var current = chunkBounds else { chunkBounds = b; continue }
            if BoundsCalculator.compare(b.min, current.min, d) < 0 { current.min = b.min; current.minExact = b.minExact }
            if BoundsCalculator.compare(b.max, current.max, d) > 0 { current.max = b.max; current.maxExact = b.maxExact }
            chunkBounds = current
        }
        if let b = chunkBounds {
            statistics.minValue = b.min
            statistics.maxValue = b.max
            statistics.isMinValueExact = b.minExact
            statistics.isMaxValueExact = b.maxExact
        }
        if properties.writeDistinctCounts, usesDictionary, !fellBack { statistics.distinctCount = Int64(dictionaryCount) }

        // Column index: not for float chunks with an all-NaN page (no valid bounds for it).
        var columnIndex: ColumnIndex?
        let allNaNPage = pageBounds.contains { $0.0 == nil && $0.values > 0 }
        if properties.writePageIndex && !allNaNPage {
            columnIndex = ColumnIndex(nullPages: pageBounds.map { $0.0 == nil }, minValues: pageBounds.map { $0.0?.min ?? [] },
                                      maxValues: pageBounds.map { $0.0?.max ?? [] },
                                      boundaryOrder: Self.boundaryOrder(pageBounds.map(\.0), d), nullCounts: pageBounds.map(\.nulls))
        }

        var encodings = encodingsUsed.sorted { $0.rawValue < $1.rawValue }
        if encodings.isEmpty { encodings = [.plain] }
        let metadata = ColumnMetaData(
            type: d.physicalType, encodings: encodings, pathInSchema: d.path, codec: properties.codec,
            numValues: Int64(entryTotal), totalUncompressedSize: Int64(uncompressedTotal),
            totalCompressedSize: Int64(chunkSize), keyValueMetadata: d.keyValueMetadata, dataPageOffset: Int64(shift),
            dictionaryPageOffset: dictionaryOffset.map(Int64.init), statistics: statistics, encodingStats: encodingStats,
            sizeStatistics: SizeStatistics(
                unencodedByteArrayDataBytes: d.physicalType == .byteArray ? unencodedBytes : nil,
                repetitionLevelHistogram: d.maxRepetitionLevel > 0 ? repetitionHistogram : nil,
                definitionLevelHistogram: d.maxDefinitionLevel > 0 ? definitionHistogram : nil))
        var result = EncodedChunk(parts: shift > 0 ? [dictionaryPage] + pages : pages, metadata: metadata, dictionaryPageOffset: dictionaryOffset,
                                  dataPageOffset: shift, pageLocations: locations, columnIndex: columnIndex,
                                  statistics: statistics)
        if let bloomOptions {
            let ndv = bloomOptions.distinctValues ?? pageBounds.reduce(0) { $0 + $1.values }
            var filter = SplitBlockBloomFilter(byteCount: SplitBlockBloomFilter.optimalByteCount(
                ndv: ndv, fpp: bloomOptions.falsePositiveProbability))
            for h in bloomHashes { filter.insert(hash: h) }
            result.bloomFilter = filter.serialized()
        }
        reset()
        return result
    }

    /// The dictionary page (header and compressed PLAIN body) of the dictionary so far; its
    /// values go into the bloom filter.
    private func dictionaryPage() throws(ParquetError) -> [UInt8] {
        let raw = dictionaryPageBody()
        var body: [UInt8] = []
        try compressor.compress(raw, appendingTo: &body)
        var header = PageHeader(type: .dictionaryPage, uncompressedPageSize: Int32(raw.count),
                                compressedPageSize: Int32(body.count),
                                dictionaryPage: DictionaryPageHeader(numValues: Int32(state.dictionaryCount)))
        if properties.pageChecksums { header.crc = Int32(bitPattern: CRC32.checksum(body)) }
        let headerBytes = header.serialized()
        uncompressedTotal += headerBytes.count + raw.count
        if bloomOptions != nil { collectDictionaryBloomHashes() }
        return headerBytes + body
    }

    /// The dictionary page's PLAIN body.
    private func dictionaryPageBody() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(state.dictionarySize)
        switch descriptor.physicalType {
        case .byteArray, .fixedLenByteArray:
            let lengthPrefixed = descriptor.physicalType == .byteArray
            for i in 0..<state.bytes.count {
                let value = state.bytes.value(at: i)
                if lengthPrefixed { withUnsafeBytes(of: UInt32(value.count).littleEndian) { out.append(contentsOf: $0) } }
                out.append(contentsOf: value)
            }
        case .int32, .float:
            for k in state.numbers.keys { withUnsafeBytes(of: UInt32(truncatingIfNeeded: k).littleEndian) { out.append(contentsOf: $0) } }
        default:
            for k in state.numbers.keys { withUnsafeBytes(of: k.littleEndian) { out.append(contentsOf: $0) } }
        }
        return out
    }

    private func collectDictionaryBloomHashes() {
        switch descriptor.physicalType {
        case .byteArray, .fixedLenByteArray:
            for i in 0..<state.bytes.count { bloomHashes.append(XXHash64.hash(state.bytes.value(at: i))) }
        case .int32, .float:
            for k in state.numbers.keys {
                withUnsafeBytes(of: UInt32(truncatingIfNeeded: k).littleEndian) { bloomHashes.append(XXHash64.hash($0)) }
            }
        default:
            for k in state.numbers.keys { withUnsafeBytes(of: k.littleEndian) { bloomHashes.append(XXHash64.hash($0)) } }
        }
    }

    private func reset() {
        state = ChunkState(dictionaryActive: usesDictionary)
        pages = []
        pagesSize = 0
        locations = []
        pageBounds = []
        encodingsUsed = []
        pageEncodingCounts = [:]
        uncompressedTotal = 0
        definitionHistogram = [Int64](repeating: 0, count: Int(descriptor.maxDefinitionLevel) + 1)
        repetitionHistogram = [Int64](repeating: 0, count: Int(descriptor.maxRepetitionLevel) + 1)
        unencodedBytes = 0
        entryTotal = 0
        fellBack = false
        earlyDictionaryPage = nil
        bloomHashes = []
        firstRowOfPage = 0
    }

    static func boundaryOrder(_ bounds: [Bounds?], _ d: LeafDescriptor) -> BoundaryOrder {
        let present = bounds.compactMap { $0 }
        guard present.count > 1 else { return .ascending }
        var ascending = true, descending = true
        for (a, b) in zip(present, present.dropFirst()) {
            if BoundsCalculator.compare(a.min, b.min, d) > 0 || BoundsCalculator.compare(a.max, b.max, d) > 0 { ascending = false }
            if BoundsCalculator.compare(a.min, b.min, d) < 0 || BoundsCalculator.compare(a.max, b.max, d) < 0 { descending = false }
        }
        return ascending ? .ascending : (descending ? .descending : .unordered)
    }
}

/// A batch dictionary's entries mapped to a chunk dictionary's indices.
struct DictionaryRemap {
    var indices: [Int32]
}

extension LazyMapSequence where Base: RandomAccessCollection, Element == UInt8 {
    /// The mapped values in contiguous memory.
    func withContiguousArray<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        Array(self).withUnsafeBufferPointer(body)
    }
}
