/// The value encoding chosen for a column.
public enum ColumnEncoding: Sendable, Hashable {
    /// Dictionary (RLE_DICTIONARY) with fallback once the dictionary outgrows its limit.
    case dictionary
    case plain
    /// RLE (booleans only).
    case rle
    /// DELTA_BINARY_PACKED (INT32/INT64).
    case deltaBinaryPacked
    /// DELTA_LENGTH_BYTE_ARRAY (BYTE_ARRAY).
    case deltaLengthByteArray
    /// DELTA_BYTE_ARRAY (BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY).
    case deltaByteArray
    /// BYTE_STREAM_SPLIT (FLOAT, DOUBLE, INT32, INT64, FIXED_LEN_BYTE_ARRAY).
    case byteStreamSplit
}

/// Data page format.
public enum DataPageVersion: Sendable, Hashable {
    case v1, v2
}

/// Split-block bloom filter settings for one column.
public struct BloomFilterOptions: Sendable, Hashable {
    /// Target false-positive probability.
    public var falsePositiveProbability: Double
    /// Expected number of distinct values; nil sizes the filter for the chunk's value count.
    public var distinctValues: Int?

    public init(falsePositiveProbability: Double = 0.01, distinctValues: Int? = nil) {
        self.falsePositiveProbability = falsePositiveProbability
        self.distinctValues = distinctValues
    }
}

/// Settings of a ``ParquetFileWriter``. Defaults follow Arrow C++ and Iceberg: 1 MiB / 20,000-row
/// pages, 1 MiB dictionaries, row groups of 128 MiB or 1Mi rows, ZSTD level 3, page index on, V1 pages.
public struct WriterProperties: Sendable {
    public var codec: ParquetCodec = .zstd
    public var zstdLevel: Int32 = 3
    public var gzipLevel: Int32 = 6
    public var dataPageVersion: DataPageVersion = .v1
    public var dataPageSize = 1 << 20
    public var dataPageRowLimit = 20_000
    public var dictionaryPageSizeLimit = 1 << 20
    /// Target uncompressed bytes of a row group (estimated from buffered values).
    public var rowGroupBytes = 128 << 20
    /// Cap on rows per row group (Arrow's default, 1Mi rows); nil for bytes only.
    public var rowGroupRows: Int? = 1 << 20
    /// Byte-array statistics and column-index bounds longer than this are truncated (0: never).
    public var statisticsTruncateLength = 64
    public var writePageIndex = true
    /// Write page statistics into data page headers too.
    public var writePageHeaderStatistics = true
    public var pageChecksums = false
    /// Whether to compute `distinct_count` for chunk statistics.
    public var writeDistinctCounts = false
    /// Per-column encodings by dotted path (`a.b.list.element`) or top-level name.
    public var columnEncodings: [String: ColumnEncoding] = [:]
    /// Per-column bloom filters by dotted path or top-level name.
    public var bloomFilters: [String: BloomFilterOptions] = [:]
    /// File key-value metadata.
    public var keyValueMetadata: [String: String] = [:]
    public var createdBy = "lakehouse version \(ParquetWriterVersion.string) (build swift)"
    /// Threads that encode a batch's columns (1: the calling thread only). Columns are
    /// independent, so with several threads each takes whole columns, the costliest first; each
    /// thread has its own compressor.
    public var encodingThreads = 1

    public init() {}
}
