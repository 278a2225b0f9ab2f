/// A page header (the Thrift struct written before every page).
struct PageHeader {
    var type: PageType
    var uncompressedPageSize: Int32
    var compressedPageSize: Int32
    var crc: Int32?
    var dataPage: DataPageHeader?
    var dictionaryPage: DictionaryPageHeader?
    var dataPageV2: DataPageHeaderV2?

    func serialized() -> [UInt8] {
        CompactWriter.encode { w in
            w.field(1, i32: type.rawValue)
            w.field(2, i32: uncompressedPageSize)
            w.field(3, i32: compressedPageSize)
            if let crc { w.field(4, i32: crc) }
            if let dataPage { w.structField(5) { dataPage.write(to: &$0) } }
            if let dictionaryPage { w.structField(7) { dictionaryPage.write(to: &$0) } }
            if let dataPageV2 { w.structField(8) { dataPageV2.write(to: &$0) } }
        }
    }
}

struct DataPageHeader {
    var numValues: Int32
    var encoding: Encoding
    var definitionLevelEncoding: Encoding = .rle
    var repetitionLevelEncoding: Encoding = .rle
    var statistics: ColumnStatistics?

    func write(to w: inout CompactWriter) {
        w.field(1, i32: numValues)
        w.field(2, i32: encoding.rawValue)
        w.field(3, i32: definitionLevelEncoding.rawValue)
        w.field(4, i32: repetitionLevelEncoding.rawValue)
        if let statistics { w.structField(5) { statistics.write(to: &$0) } }
    }
}

struct DataPageHeaderV2 {
    var numValues: Int32
    var numNulls: Int32
    var numRows: Int32
    var encoding: Encoding
    var definitionLevelsByteLength: Int32
    var repetitionLevelsByteLength: Int32
    var isCompressed: Bool
    var statistics: ColumnStatistics?

    func write(to w: inout CompactWriter) {
        w.field(1, i32: numValues)
        w.field(2, i32: numNulls)
        w.field(3, i32: numRows)
        w.field(4, i32: encoding.rawValue)
        w.field(5, i32: definitionLevelsByteLength)
        w.field(6, i32: repetitionLevelsByteLength)
        w.field(7, isCompressed)
        if let statistics { w.structField(8) { statistics.write(to: &$0) } }
    }
}

struct DictionaryPageHeader {
    var numValues: Int32
    var encoding: Encoding = .plain

    func write(to w: inout CompactWriter) {
        w.field(1, i32: numValues)
        w.field(2, i32: encoding.rawValue)
    }
}

/// The column index of one chunk: per data page, null flags, bounds and null counts.
struct ColumnIndex {
    var nullPages: [Bool]
    var minValues: [[UInt8]]
    var maxValues: [[UInt8]]
    var boundaryOrder: BoundaryOrder
    var nullCounts: [Int64]

    func serialized() -> [UInt8] {
        CompactWriter.encode { w in
            w.boolListField(1, nullPages)
            w.binaryListField(2, minValues)
            w.binaryListField(3, maxValues)
            w.field(4, i32: boundaryOrder.rawValue)
            w.i64ListField(5, nullCounts)
        }
    }
}

/// Where one data page is and which row it starts at.
public struct PageLocation: Sendable, Hashable {
    public var offset: Int64
    /// The page size including its header.
    public var compressedPageSize: Int32
    public var firstRowIndex: Int64
}

struct OffsetIndex {
    var pageLocations: [PageLocation]

    func serialized() -> [UInt8] {
        CompactWriter.encode { w in
            w.structListField(1, pageLocations) { w, p in
                w.field(1, i64: p.offset)
                w.field(2, i32: p.compressedPageSize)
                w.field(3, i64: p.firstRowIndex)
            }
        }
    }
}

struct BloomFilterHeader {
    var numBytes: Int32

    func serialized() -> [UInt8] {
        CompactWriter.encode { w in
            w.field(1, i32: numBytes)
            w.structField(2) { w in w.structField(1) { _ in } }  // BLOCK
            w.structField(3) { w in w.structField(1) { _ in } }  // XXHASH
            w.structField(4) { w in w.structField(1) { _ in } }  // UNCOMPRESSED
        }
    }
}
