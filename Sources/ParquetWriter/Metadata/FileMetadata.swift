/// One node of the flattened Parquet schema (depth-first from the root).
public struct SchemaElement: Sendable, Hashable {
    public var type: PhysicalType?
    public var typeLength: Int32?
    public var repetition: Repetition?
    public var name: String
    public var numChildren: Int32?
    public var convertedType: ConvertedType?
    public var scale: Int32?
    public var precision: Int32?
    public var fieldID: Int32?
    public var logicalType: LogicalType?

    func write(to w: inout CompactWriter) {
        if let type { w.field(1, i32: type.rawValue) }
        if let typeLength { w.field(2, i32: typeLength) }
        if let repetition { w.field(3, i32: repetition.rawValue) }
        w.field(4, string: name)
        if let numChildren { w.field(5, i32: numChildren) }
        if let convertedType { w.field(6, i32: convertedType.rawValue) }
        if let scale { w.field(7, i32: scale) }
        if let precision { w.field(8, i32: precision) }
        if let fieldID { w.field(9, i32: fieldID) }
        if let logicalType { w.structField(10) { logicalType.write(to: &$0) } }
    }
}

/// Column statistics as stored in the footer and page headers.
public struct ColumnStatistics: Sendable, Hashable {
    /// Minimum in the column's sort order, PLAIN-encoded (possibly truncated).
    public var minValue: [UInt8]?
    /// Maximum in the column's sort order, PLAIN-encoded (possibly truncated).
    public var maxValue: [UInt8]?
    public var nullCount: Int64
    public var distinctCount: Int64?
    public var isMinValueExact: Bool?
    public var isMaxValueExact: Bool?
    /// NaN values (floating-point columns only).
    public var nanCount: Int64?
    /// Whether the file recorded ``nullCount`` (old writers leave it out; it then reads as 0).
    public var nullCountKnown = true

    func write(to w: inout CompactWriter) {
        w.field(3, i64: nullCount)
        if let distinctCount { w.field(4, i64: distinctCount) }
        if let maxValue { w.field(5, binary: maxValue) }
        if let minValue { w.field(6, binary: minValue) }
        if let isMaxValueExact { w.field(7, isMaxValueExact) }
        if let isMinValueExact { w.field(8, isMinValueExact) }
        if let nanCount { w.field(9, i64: nanCount) }
    }
}

/// How many pages of a chunk used which encoding.
public struct PageEncodingStats: Sendable, Hashable {
    public var pageType: PageType
    public var encoding: Encoding
    public var count: Int32
}

/// Per-chunk size statistics (unencoded byte-array bytes and level histograms).
public struct SizeStatistics: Sendable, Hashable {
    public var unencodedByteArrayDataBytes: Int64?
    public var repetitionLevelHistogram: [Int64]?
    public var definitionLevelHistogram: [Int64]?

    func write(to w: inout CompactWriter) {
        if let unencodedByteArrayDataBytes { w.field(1, i64: unencodedByteArrayDataBytes) }
        if let repetitionLevelHistogram { w.i64ListField(2, repetitionLevelHistogram) }
        if let definitionLevelHistogram { w.i64ListField(3, definitionLevelHistogram) }
    }
}

/// The metadata of one column chunk.
public struct ColumnMetaData: Sendable, Hashable {
    public var type: PhysicalType
    public var encodings: [Encoding]
    public var pathInSchema: [String]
    public var codec: ParquetCodec
    public var numValues: Int64
    public var totalUncompressedSize: Int64
    public var totalCompressedSize: Int64
    public var keyValueMetadata: [String: String]
    public var dataPageOffset: Int64
    public var dictionaryPageOffset: Int64?
    public var statistics: ColumnStatistics?
    public var encodingStats: [PageEncodingStats]
    public var bloomFilterOffset: Int64?
    public var bloomFilterLength: Int32?
    public var sizeStatistics: SizeStatistics?

    func write(to w: inout CompactWriter) {
        w.field(1, i32: type.rawValue)
        w.i32ListField(2, encodings.map(\.rawValue))
        w.binaryListField(3, pathInSchema.map { Array($0.utf8) })
        w.field(4, i32: codec.rawValue)
        w.field(5, i64: numValues)
        w.field(6, i64: totalUncompressedSize)
        w.field(7, i64: totalCompressedSize)
        if !keyValueMetadata.isEmpty {
            w.structListField(8, keyValueMetadata.sorted { $0.key < $1.key }) { w, kv in
                w.field(1, string: kv.key)
                w.field(2, string: kv.value)
            }
        }
        w.field(9, i64: dataPageOffset)
        if let dictionaryPageOffset { w.field(11, i64: dictionaryPageOffset) }
        if let statistics { w.structField(12) { statistics.write(to: &$0) } }
        if !encodingStats.isEmpty {
            w.structListField(13, encodingStats) { w, s in
                w.field(1, i32: s.pageType.rawValue)
                w.field(2, i32: s.encoding.rawValue)
                w.field(3, i32: s.count)
            }
        }
        if let bloomFilterOffset { w.field(14, i64: bloomFilterOffset) }
        if let bloomFilterLength { w.field(15, i32: bloomFilterLength) }
        if let sizeStatistics { w.structField(16) { sizeStatistics.write(to: &$0) } }
    }
}

/// A column chunk entry of a row group.
public struct ColumnChunk: Sendable, Hashable {
    public var metaData: ColumnMetaData
    public var offsetIndexOffset: Int64?
    public var offsetIndexLength: Int32?
    public var columnIndexOffset: Int64?
    public var columnIndexLength: Int32?

    func write(to w: inout CompactWriter) {
        w.field(2, i64: 0)
        w.structField(3) { metaData.write(to: &$0) }
        if let offsetIndexOffset { w.field(4, i64: offsetIndexOffset) }
        if let offsetIndexLength { w.field(5, i32: offsetIndexLength) }
        if let columnIndexOffset { w.field(6, i64: columnIndexOffset) }
        if let columnIndexLength { w.field(7, i32: columnIndexLength) }
    }
}

/// A row group entry of the footer.
public struct RowGroup: Sendable, Hashable {
    public var columns: [ColumnChunk]
    public var totalByteSize: Int64
    public var numRows: Int64
    public var fileOffset: Int64
    public var totalCompressedSize: Int64
    public var ordinal: Int16

    func write(to w: inout CompactWriter) {
        w.structListField(1, columns) { w, c in c.write(to: &w) }
        w.field(2, i64: totalByteSize)
        w.field(3, i64: numRows)
        w.field(5, i64: fileOffset)
        w.field(6, i64: totalCompressedSize)
        w.field(7, i16: ordinal)
    }
}

/// The file footer.
public struct FileMetaData: Sendable, Hashable {
    public var version: Int32
    public var schema: [SchemaElement]
    public var numRows: Int64
    public var rowGroups: [RowGroup]
    public var keyValueMetadata: [String: String]
    public var createdBy: String
    /// One TYPE_ORDER per leaf (without it Arrow ignores min/max).
    public var columnOrderCount: Int

    func serialized() -> [UInt8] {
        CompactWriter.encode { w in
            w.field(1, i32: version)
            w.structListField(2, schema) { w, e in e.write(to: &w) }
            w.field(3, i64: numRows)
            w.structListField(4, rowGroups) { w, g in g.write(to: &w) }
            if !keyValueMetadata.isEmpty {
                w.structListField(5, keyValueMetadata.sorted { $0.key < $1.key }) { w, kv in
                    w.field(1, string: kv.key)
                    w.field(2, string: kv.value)
                }
            }
            w.field(6, string: createdBy)
            w.structListField(7, Array(repeating: 0, count: columnOrderCount)) { w, _ in
                w.structField(1) { _ in }  // TYPE_ORDER
            }
        }
    }
}
