import LakeCodecs
import LakeColumnar

/// A column chunk ready to be written: its pages (dictionary page first) and its metadata with
/// offsets relative to the chunk start.
struct EncodedChunk {
    var bytes: [UInt8] = []
    var metadata: ColumnMetaData
    var dictionaryPageOffset: Int?
    var dataPageOffset = 0
    var pageLocations: [PageLocation] = []
    var columnIndex: ColumnIndex?
    var bloomFilter: [UInt8]?
    /// Chunk statistics (also inside `metadata`), kept for Iceberg metrics.
    var statistics: ColumnStatistics
}

/// Encodes one leaf's buffered row-group data into pages.
struct ColumnChunkEncoder {
    let leaf: LeafBuffer
    let properties: WriterProperties
    let requestedEncoding: ColumnEncoding
    let bloomOptions: BloomFilterOptions?

    struct PagePlan {
        var entries: Range<Int>
        var values: Range<Int>
        var firstRow: Int64
        var rows: Int
    }

    /// Splits the entries into pages at row boundaries by value bytes and row count.
    func planPages() -> [PagePlan] {
        let d = leaf.descriptor
        let maxDef = d.maxDefinitionLevel, maxRep = d.maxRepetitionLevel
        var pages: [PagePlan] = []
        var entryStart = 0, valueStart = 0, value = 0, rows = 0, bytes = 0
        var firstRow: Int64 = 0
        let fixedWidth: Int
        switch d.physicalType {
        case .boolean: fixedWidth = 1
        case .int32, .float: fixedWidth = 4
        case .int64, .double: fixedWidth = 8
        case .fixedLenByteArray: fixedWidth = d.typeLength ?? 1
        default: fixedWidth = 0
        }
        for e in 0..<leaf.entryCount {
            let rowStart = maxRep == 0 || leaf.repetitionLevels[e] == 0
            if rowStart {
                if rows > 0 && (rows >= properties.dataPageRowLimit || bytes >= properties.dataPageSize) {
                    pages.append(PagePlan(entries: entryStart..<e, values: valueStart..<value, firstRow: firstRow, rows: rows))
                    firstRow += Int64(rows)
                    entryStart = e
                    valueStart = value
                    rows = 0
                    bytes = 0
                }
                rows += 1
            }
            if maxDef == 0 || leaf.definitionLevels[e] == maxDef {
                bytes += fixedWidth > 0 ? fixedWidth : leaf.bytes.range(value).count + 4
                value += 1
            }
        }
        if leaf.entryCount > entryStart || pages.isEmpty {
            pages.append(PagePlan(entries: entryStart..<leaf.entryCount, values: valueStart..<value, firstRow: firstRow, rows: rows))
        }
        return pages
    }

    func encode() throws(ParquetError) -> EncodedChunk {
        let d = leaf.descriptor
        let pages = planPages()
        var dictionary = requestedEncoding == .dictionary && d.physicalType != .boolean ? DictionaryState(d) : nil
        dictionary?.adoptKnownIndices(of: leaf, limit: properties.dictionaryPageSizeLimit)
        var fellBack = false

        var data: [UInt8] = []
        var locations: [PageLocation] = []
        var pageBounds: [(Bounds?, nulls: Int64, nans: Int64, values: Int)] = []
        var encodingsUsed: Set<Encoding> = []
        var pageEncodingCounts: [Encoding: Int32] = [:]
        var uncompressedTotal = 0
        let pageType: PageType = properties.dataPageVersion == .v1 ? .dataPage : .dataPageV2
        var defHistogram = [Int64](repeating: 0, count: Int(d.maxDefinitionLevel) + 1)
        var repHistogram = [Int64](repeating: 0, count: Int(d.maxRepetitionLevel) + 1)
        var unencodedBytes: Int64 = 0

        for page in pages {
            // Values.
            var values: [UInt8] = []
            let encoding: Encoding
            if var dict = dictionary, !fellBack {
                let indices = dict.intern(leaf, page.values)
                let width = BitPacking.bitWidth(UInt64(max(dict.count - 1, 0)))
                values.append(UInt8(width))
                var rle = RLEHybridEncoder(bitWidth: width)
                for i in indices { rle.append(UInt64(i)) }
                values += rle.finish()
                encoding = .rleDictionary
                if dict.plainSize > properties.dictionaryPageSizeLimit { fellBack = true }
                dictionary = dict
            } else {
                encoding = try encodeValues(page.values, fallback: requestedEncoding == .dictionary, into: &values)
            }
            encodingsUsed.insert(encoding)
            pageEncodingCounts[encoding, default: 0] += 1

            // Levels.
            var repBytes: [UInt8] = [], defBytes: [UInt8] = []
            if d.maxRepetitionLevel > 0 {
                var rle = RLEHybridEncoder(bitWidth: BitPacking.bitWidth(UInt64(d.maxRepetitionLevel)))
                for e in page.entries {
                    let l = leaf.repetitionLevels[e]
                    rle.append(UInt64(l))
                    repHistogram[Int(l)] += 1
                }
                repBytes = rle.finish()
            }
            var nulls: Int64 = 0
            if d.maxDefinitionLevel > 0 {
                var rle = RLEHybridEncoder(bitWidth: BitPacking.bitWidth(UInt64(d.maxDefinitionLevel)))
                for e in page.entries {
                    let l = leaf.definitionLevels[e]
                    rle.append(UInt64(l))
                    defHistogram[Int(l)] += 1
                    if l < d.maxDefinitionLevel { nulls += 1 }
                }
                defBytes = rle.finish()
                encodingsUsed.insert(.rle)
            }
            if d.maxRepetitionLevel > 0 { encodingsUsed.insert(.rle) }
            if d.maxRepetitionLevel == 0 { repHistogram[0] += Int64(page.entries.count) }
            if d.maxDefinitionLevel == 0 { defHistogram[0] += Int64(page.entries.count) }
            if d.physicalType == .byteArray {
                for v in page.values { unencodedBytes += Int64(leaf.bytes.range(v).count) }
            }

            // Statistics.
            let (bounds, nans) = BoundsCalculator.compute(leaf, page.values, truncateTo: properties.statisticsTruncateLength)
            pageBounds.append((bounds, nulls, nans, page.values.count))
            let isFloat = d.physicalType == .float || d.physicalType == .double
            let pageStats = properties.writePageHeaderStatistics
                ? ColumnStatistics(minValue: bounds?.min, maxValue: bounds?.max, nullCount: nulls,
                                   isMinValueExact: bounds.map { $0.minExact }, isMaxValueExact: bounds.map { $0.maxExact },
                                   nanCount: isFloat ? nans : nil)
                : nil

            // Assemble the page.
            var body: [UInt8]
            var header: PageHeader
            switch properties.dataPageVersion {
            case .v1:
                var raw: [UInt8] = []
                if d.maxRepetitionLevel > 0 { Self.appendLengthPrefixed(repBytes, to: &raw) }
                if d.maxDefinitionLevel > 0 { Self.appendLengthPrefixed(defBytes, to: &raw) }
                raw += values
                body = try compress(raw)
                header = PageHeader(type: .dataPage, uncompressedPageSize: Int32(raw.count),
                                    compressedPageSize: Int32(body.count),
                                    dataPage: DataPageHeader(numValues: Int32(page.entries.count), encoding: encoding,
                                                             statistics: pageStats))
                uncompressedTotal += raw.count
            case .v2:
                let compressedValues = values.isEmpty ? [] : try compress(values)
                let isCompressed = properties.codec != .uncompressed && !values.isEmpty
                body = repBytes + defBytes + (isCompressed ? compressedValues : values)
                header = PageHeader(type: .dataPageV2, uncompressedPageSize: Int32(repBytes.count + defBytes.count + values.count),
                                    compressedPageSize: Int32(body.count),
                                    dataPageV2: DataPageHeaderV2(numValues: Int32(page.entries.count), numNulls: Int32(nulls),
                                                                 numRows: Int32(page.rows), encoding: encoding,
                                                                 definitionLevelsByteLength: Int32(defBytes.count),
                                                                 repetitionLevelsByteLength: Int32(repBytes.count),
                                                                 isCompressed: isCompressed, statistics: pageStats))
                uncompressedTotal += repBytes.count + defBytes.count + values.count
            }
            if properties.pageChecksums { header.crc = Int32(bitPattern: CRC32.checksum(body)) }
            let headerBytes = header.serialized()
            uncompressedTotal += headerBytes.count
            locations.append(PageLocation(offset: Int64(data.count), compressedPageSize: Int32(headerBytes.count + body.count),
                                          firstRowIndex: page.firstRow))
            data += headerBytes
            data += body
        }

        // Dictionary page, placed before the data pages.
        var chunk: [UInt8] = []
        var dictionaryOffset: Int?
        var encodingStats: [PageEncodingStats] = []
        if let dict = dictionary, dict.count > 0 || pageEncodingCounts[.rleDictionary] != nil {
            let raw = dict.plainEncoded()
            let body = try compress(raw)
            var header = PageHeader(type: .dictionaryPage, uncompressedPageSize: Int32(raw.count),
                                    compressedPageSize: Int32(body.count),
                                    dictionaryPage: DictionaryPageHeader(numValues: Int32(dict.count)))
            if properties.pageChecksums { header.crc = Int32(bitPattern: CRC32.checksum(body)) }
            let headerBytes = header.serialized()
            dictionaryOffset = 0
            chunk = headerBytes + body
            uncompressedTotal += headerBytes.count + raw.count
            encodingsUsed.insert(.plain)
            encodingStats.append(PageEncodingStats(pageType: .dictionaryPage, encoding: .plain, count: 1))
        }
        let shift = chunk.count
        for i in locations.indices { locations[i].offset += Int64(shift) }
        chunk += data
        for (encoding, count) in pageEncodingCounts.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            encodingStats.append(PageEncodingStats(pageType: pageType, encoding: encoding, count: count))
        }

        // Chunk statistics from the page bounds.
        var statistics = ColumnStatistics(nullCount: pageBounds.reduce(0) { $0 + $1.nulls })
        let isFloat = d.physicalType == .float || d.physicalType == .double
        if isFloat { statistics.nanCount = pageBounds.reduce(0) { $0 + $1.nans } }
        var chunkMin: Bounds?
        for (b, _, _, _) in pageBounds {
            guard let b else { continue }
            guard var current = chunkMin else { chunkMin = b; continue }
            if BoundsCalculator.compare(b.min, current.min, d) < 0 { current.min = b.min; current.minExact = b.minExact }
            if BoundsCalculator.compare(b.max, current.max, d) > 0 { current.max = b.max; current.maxExact = b.maxExact }
            chunkMin = current
        }
        if let b = chunkMin {
            statistics.minValue = b.min
            statistics.maxValue = b.max
            statistics.isMinValueExact = b.minExact
            statistics.isMaxValueExact = b.maxExact
        }
        if properties.writeDistinctCounts, let dict = dictionary, !fellBack { statistics.distinctCount = Int64(dict.count) }

        // Column index: not for float chunks with an all-NaN page (no valid bounds for it).
        var columnIndex: ColumnIndex?
        let allNaNPage = pageBounds.contains { $0.0 == nil && $0.values > 0 }
        if properties.writePageIndex && !allNaNPage {
            let nullPages = pageBounds.map { $0.0 == nil }
            let mins = pageBounds.map { $0.0?.min ?? [] }, maxs = pageBounds.map { $0.0?.max ?? [] }
            columnIndex = ColumnIndex(nullPages: nullPages, minValues: mins, maxValues: maxs,
                                      boundaryOrder: Self.boundaryOrder(pageBounds.map(\.0), d),
                                      nullCounts: pageBounds.map(\.nulls))
        }

        var encodings = encodingsUsed.sorted { $0.rawValue < $1.rawValue }
        if encodings.isEmpty { encodings = [.plain] }
        let metadata = ColumnMetaData(
            type: d.physicalType, encodings: encodings, pathInSchema: d.path, codec: properties.codec,
            numValues: Int64(leaf.entryCount), totalUncompressedSize: Int64(uncompressedTotal),
            totalCompressedSize: Int64(chunk.count), keyValueMetadata: d.keyValueMetadata, dataPageOffset: Int64(shift),
            dictionaryPageOffset: dictionaryOffset.map(Int64.init), statistics: statistics, encodingStats: encodingStats,
            sizeStatistics: SizeStatistics(
                unencodedByteArrayDataBytes: d.physicalType == .byteArray ? unencodedBytes : nil,
                repetitionLevelHistogram: d.maxRepetitionLevel > 0 ? repHistogram : nil,
                definitionLevelHistogram: d.maxDefinitionLevel > 0 ? defHistogram : nil))
        var result = EncodedChunk(bytes: chunk, metadata: metadata, dictionaryPageOffset: dictionaryOffset,
                                  dataPageOffset: shift, pageLocations: locations, columnIndex: columnIndex,
                                  statistics: statistics)
        if let bloomOptions {
            result.bloomFilter = SplitBlockBloomFilter.build(leaf, options: bloomOptions).serialized()
        }
        return result
    }

    static func appendLengthPrefixed(_ bytes: [UInt8], to out: inout [UInt8]) {
        withUnsafeBytes(of: UInt32(bytes.count).littleEndian) { out.append(contentsOf: $0) }
        out += bytes
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

    func compress(_ raw: [UInt8]) throws(ParquetError) -> [UInt8] {
        do {
            switch properties.codec {
            case .uncompressed: return raw
            case .snappy: return Snappy.compress(raw)
            case .gzip: return try Gzip.compress(raw, level: properties.gzipLevel)
            case .zstd: return try Zstd.compress(raw, level: properties.zstdLevel)
            }
        } catch {
            throw ParquetError(.codec(error.description))
        }
    }

    /// Encodes values `range` with the requested (or, after dictionary fallback, the fallback)
    /// encoding; returns the encoding used.
    func encodeValues(_ range: Range<Int>, fallback: Bool, into out: inout [UInt8]) throws(ParquetError) -> Encoding {
        let d = leaf.descriptor
        var encoding = requestedEncoding
        if fallback {
            // After a dictionary overflows: V1 falls back to PLAIN, V2 to the delta encodings.
            switch (properties.dataPageVersion, d.physicalType) {
            case (.v2, .int32), (.v2, .int64): encoding = .deltaBinaryPacked
            case (.v2, .byteArray): encoding = .deltaByteArray
            default: encoding = .plain
            }
        }
        switch (encoding, d.physicalType) {
        case (.rle, .boolean):
            var rle = RLEHybridEncoder(bitWidth: 1)
            for i in range { rle.append(leaf.bools[i] ? 1 : 0) }
            Self.appendLengthPrefixed(rle.finish(), to: &out)
            return .rle
        case (.deltaBinaryPacked, .int32):
            DeltaBinaryPackedEncoder.encode(leaf.int32s[range].map(Int64.init), into: &out)
            return .deltaBinaryPacked
        case (.deltaBinaryPacked, .int64):
            DeltaBinaryPackedEncoder.encode(Array(leaf.int64s[range]), into: &out)
            return .deltaBinaryPacked
        case (.deltaLengthByteArray, .byteArray):
            DeltaByteArrayEncoder.encodeLengths(leaf.bytes, range: range, into: &out)
            return .deltaLengthByteArray
        case (.deltaByteArray, .byteArray), (.deltaByteArray, .fixedLenByteArray):
            DeltaByteArrayEncoder.encodeIncremental(leaf.bytes, range: range, into: &out)
            return .deltaByteArray
        case (.byteStreamSplit, .float), (.byteStreamSplit, .double), (.byteStreamSplit, .int32),
             (.byteStreamSplit, .int64), (.byteStreamSplit, .fixedLenByteArray):
            var plain: [UInt8] = []
            encodePlain(range, into: &plain)
            let width: Int
            switch d.physicalType {
            case .float, .int32: width = 4
            case .double, .int64: width = 8
            default: width = d.typeLength ?? 1
            }
            ByteStreamSplitEncoder.encode(plain, width: width, into: &out)
            return .byteStreamSplit
        case (.plain, _), (.dictionary, _):
            encodePlain(range, into: &out)
            return .plain
        default:
            throw ParquetError(.unsupportedSchema("encoding \(encoding) cannot encode \(d.physicalType) column \(d.path.joined(separator: "."))"))
        }
    }

    func encodePlain(_ range: Range<Int>, into out: inout [UInt8]) {
        switch leaf.descriptor.physicalType {
        case .boolean: PlainEncoder.encode(leaf.bools[range], into: &out)
        case .int32: PlainEncoder.encode(leaf.int32s[range], into: &out)
        case .int64: PlainEncoder.encode(leaf.int64s[range], into: &out)
        case .float: PlainEncoder.encode(leaf.floats[range], into: &out)
        case .double: PlainEncoder.encode(leaf.doubles[range], into: &out)
        case .byteArray: PlainEncoder.encodeByteArrays(leaf.bytes, range: range, into: &out)
        case .fixedLenByteArray, .int96: PlainEncoder.encodeFixed(leaf.bytes, range: range, into: &out)
        }
    }
}

/// The dictionary of one chunk: distinct values in first-seen order.
struct DictionaryState {
    let descriptor: LeafDescriptor
    var bytes = DictionaryColumnBuilder()
    var numbers: [UInt64: Int32] = [:]
    var numberOrder: [UInt64] = []
    var byteSize = 0

    /// Indices already known for every value (see `LeafBuffer.knownIndices`), used instead of hashing.
    var known: [Int32]?

    init(_ descriptor: LeafDescriptor) { self.descriptor = descriptor }

    /// Takes over the leaf's precomputed dictionary when it is complete and within the limit.
    mutating func adoptKnownIndices(of leaf: LeafBuffer, limit: Int) {
        guard descriptor.physicalType == .byteArray, leaf.knownIndicesValid, leaf.knownIndices.count == leaf.bytes.count,
              leaf.bytes.count > 0 else { return }
        var copy = leaf.knownDictionary
        let values = copy.finish().dictionary
        let size = values.totalByteCount + 4 * values.count
        guard size <= limit else { return }
        bytes = leaf.knownDictionary
        byteSize = size
        known = leaf.knownIndices
    }

    var count: Int {
        switch descriptor.physicalType {
        case .byteArray, .fixedLenByteArray: return bytes.dictionarySize
        default: return numberOrder.count
        }
    }

    /// Size of the dictionary page's PLAIN body.
    var plainSize: Int { byteSize }

    mutating func intern(_ leaf: LeafBuffer, _ range: Range<Int>) -> [Int32] {
        if let known { return Array(known[range]) }
        var out: [Int32] = []
        out.reserveCapacity(range.count)
        switch descriptor.physicalType {
        case .byteArray, .fixedLenByteArray:
            let perValue = descriptor.physicalType == .byteArray ? 4 : 0
            leaf.bytes.data.withUnsafeBytes { all in
                for i in range {
                    let r = leaf.bytes.range(i)
                    let before = bytes.dictionarySize
                    let index = bytes.intern(UnsafeRawBufferPointer(rebasing: all[r]))
                    if bytes.dictionarySize > before { byteSize += r.count + perValue }
                    out.append(index)
                }
            }
        case .int32: for i in range { out.append(internNumber(UInt64(UInt32(bitPattern: leaf.int32s[i])), width: 4)) }
        case .int64: for i in range { out.append(internNumber(UInt64(bitPattern: leaf.int64s[i]), width: 8)) }
        case .float: for i in range { out.append(internNumber(UInt64(leaf.floats[i].bitPattern), width: 4)) }
        case .double: for i in range { out.append(internNumber(leaf.doubles[i].bitPattern, width: 8)) }
        default: break
        }
        return out
    }

    mutating func internNumber(_ key: UInt64, width: Int) -> Int32 {
        if let index = numbers[key] { return index }
        let index = Int32(numberOrder.count)
        numbers[key] = index
        numberOrder.append(key)
        byteSize += width
        return index
    }

    /// The dictionary page body (PLAIN).
    func plainEncoded() -> [UInt8] {
        var out: [UInt8] = []
        switch descriptor.physicalType {
        case .byteArray, .fixedLenByteArray:
            var copy = bytes
            let dictionary = copy.finish().dictionary
            for i in 0..<dictionary.count {
                dictionary.withValueBytes(at: i) { value in
                    if descriptor.physicalType == .byteArray {
                        withUnsafeBytes(of: UInt32(value.count).littleEndian) { out.append(contentsOf: $0) }
                    }
                    out.append(contentsOf: value)
                }
            }
        case .int32, .float:
            for k in numberOrder { withUnsafeBytes(of: UInt32(truncatingIfNeeded: k).littleEndian) { out.append(contentsOf: $0) } }
        default:
            for k in numberOrder { withUnsafeBytes(of: k.littleEndian) { out.append(contentsOf: $0) } }
        }
        return out
    }
}
