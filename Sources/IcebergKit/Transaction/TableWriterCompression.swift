import ParquetWriter

extension TableWriter {
    /// Applies the table's Parquet compression properties to `properties`:
    /// `write.parquet.compression-codec` (`zstd`, `gzip`, `snappy` or `uncompressed`) and
    /// `write.parquet.compression-level` (zstd or gzip level). A property the table does not set
    /// leaves the writer's own setting (zstd level 3 by default, the level Java's writer uses).
    ///
    /// - Throws: ``IcebergError/Kind/unsupported(_:)`` for a codec the writer does not have,
    ///   ``IcebergError/Kind/invalidMetadata(_:)`` for a level that is not a number in range.
    static func applyCompression(_ tableProperties: [String: String], to properties: inout WriterProperties) throws(IcebergError) {
        if let text = tableProperties["write.parquet.compression-codec"] {
            switch text.lowercased() {
            case "zstd": properties.codec = .zstd
            case "gzip": properties.codec = .gzip
            case "snappy": properties.codec = .snappy
            case "uncompressed", "none": properties.codec = .uncompressed
            default:
                throw IcebergError(.unsupported("write.parquet.compression-codec '\(text)' (the writer has zstd, gzip, snappy, uncompressed)"))
            }
        }
        guard let text = tableProperties["write.parquet.compression-level"] else { return }
        switch properties.codec {
        case .zstd:
            guard let level = Int32(text), (1...22).contains(level) else {
                throw IcebergError(.invalidMetadata("write.parquet.compression-level is '\(text)': zstd levels are 1 to 22"))
            }
            properties.zstdLevel = level
        case .gzip:
            guard let level = Int32(text), (0...9).contains(level) else {
                throw IcebergError(.invalidMetadata("write.parquet.compression-level is '\(text)': gzip levels are 0 to 9"))
            }
            properties.gzipLevel = level
        case .snappy, .uncompressed:
            break  // No levels: Java ignores the property for these codecs too.
        }
    }
}
