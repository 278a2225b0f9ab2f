public import LakeColumnar


extension ParquetReader {
    /// The split-block bloom filter of a top-level flat column in a row group, if the file has one.
    public func bloomFilter(rowGroup: Int, column: String) throws(ParquetReadError) -> SplitBlockBloomFilter? {
        guard let f = schema.index(ofField: column), case let .primitive(leaf, _) = readSchema.nodes[f] else { return nil }
        let m = metadata.rowGroups[rowGroup].columns[leaf].metaData
        guard let offset = m.bloomFilterOffset, offset > 0 else { return nil }
        // The header is small; read it with a generous window, then the bitset.
        let window = Int(min(Int64(m.bloomFilterLength.map { Int($0) } ?? 64), file.size - offset))
        guard window > 0 else { throw ParquetReadError(.corruptMetadata("bloom filter offset past the end"), offset: offset, path: path) }
        let head = try file.read(at: offset, count: min(window, 64))
        var reader = CompactReader(head)
        let header: ThriftStruct
        do { header = try reader.readStruct() } catch {
            throw ParquetReadError(.corruptMetadata("bloom filter header: \(error.message)"), offset: offset, path: path)
        }
        guard let numBytes = header.int(1), numBytes >= 32, numBytes <= 128 << 20, numBytes % 32 == 0,
              header.structure(2)?.fields.keys.first == 1, header.structure(3)?.fields.keys.first == 1,
              header.structure(4)?.fields.keys.first == 1 else {
            throw ParquetReadError(.unsupported("bloom filter layout"), offset: offset, path: path)
        }
        let bits = try file.read(at: offset + Int64(reader.position), count: Int(numBytes))
        var words = [UInt32](repeating: 0, count: Int(numBytes) / 4)
        for i in words.indices {
            words[i] = UInt32(bits[i * 4]) | UInt32(bits[i * 4 + 1]) << 8 | UInt32(bits[i * 4 + 2]) << 16 | UInt32(bits[i * 4 + 3]) << 24
        }
        return SplitBlockBloomFilter(words: words)
    }

    /// Whether `value` may be in `column` of `rowGroup` by its bloom filter (nil: no filter, or a
    /// value whose stored form is not known here).
    public func bloomFilterMightContain(rowGroup: Int, column: String, value: Scalar) throws(ParquetReadError) -> Bool? {
        guard let f = schema.index(ofField: column), case let .primitive(leaf, _) = readSchema.nodes[f],
              case .none = readSchema.leafConversions[leaf],
              let filter = try bloomFilter(rowGroup: rowGroup, column: column) else { return nil }
        let d = readSchema.leaves[leaf]
        let plain: [UInt8]?
        switch (d.physicalType, value) {
        case let (.int32, .int32(v)): plain = withUnsafeBytes(of: v.littleEndian) { Array($0) }
        case let (.int64, .int64(v)): plain = withUnsafeBytes(of: v.littleEndian) { Array($0) }
        case let (.int64, .int32(v)): plain = withUnsafeBytes(of: Int64(v).littleEndian) { Array($0) }
        case let (.float, .float32(v)): plain = withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) }
        case let (.double, .float64(v)): plain = withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) }
        case let (.byteArray, .binary(v)), let (.fixedLenByteArray, .binary(v)): plain = v
        default: plain = nil
        }
        guard let plain else { return nil }
        return plain.withUnsafeBytes { filter.mightContain(hash: SplitBlockBloomFilter.hash($0)) }
    }
}

