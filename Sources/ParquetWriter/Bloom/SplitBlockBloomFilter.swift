#if canImport(Glibc)
import Glibc
#endif

/// Parquet's split-block bloom filter: 256-bit blocks of eight 32-bit words, one bit set per
/// word, block chosen from the high half of the value's XXH64.
public struct SplitBlockBloomFilter: Sendable, Hashable {
    static let salts: [UInt32] = [0x47B6_137B, 0x4497_4D91, 0x8824_AD5B, 0xA2B7_289D,
                                  0x7054_95C7, 0x2DF1_424B, 0x9EFC_4947, 0x5C6B_FB31]
    /// The bitset, little-endian words.
    public private(set) var words: [UInt32]

    /// A filter of `byteCount` bytes (a power of two, at least 32).
    public init(byteCount: Int) {
        words = [UInt32](repeating: 0, count: max(32, byteCount) / 4)
    }

    /// A filter over an existing bitset (as read from a file).
    init(words: [UInt32]) { self.words = words }

    /// The filter size in bytes for `ndv` distinct values at false-positive rate `fpp`.
    public static func optimalByteCount(ndv: Int, fpp: Double) -> Int {
        let bits = -8.0 * Double(max(ndv, 1)) / log(1 - pow(fpp, 1.0 / 8.0))
        var bytes = 32
        while Double(bytes * 8) < bits && bytes < 128 << 20 { bytes *= 2 }
        return bytes
    }

    var blockCount: Int { words.count / 8 }

    /// Inserts a value by its hash.
    public mutating func insert(hash: UInt64) {
        let block = Int(((hash >> 32) &* UInt64(blockCount)) >> 32)
        let x = UInt32(truncatingIfNeeded: hash)
        for k in 0..<8 { words[block * 8 + k] |= 1 << ((x &* Self.salts[k]) >> 27) }
    }

    /// Whether a value with this hash may be present.
    public func mightContain(hash: UInt64) -> Bool {
        let block = Int(((hash >> 32) &* UInt64(blockCount)) >> 32)
        let x = UInt32(truncatingIfNeeded: hash)
        for k in 0..<8 where words[block * 8 + k] & (1 << ((x &* Self.salts[k]) >> 27)) == 0 { return false }
        return true
    }

    /// XXH64 of a value's PLAIN bytes (byte arrays without their length prefix).
    public static func hash(_ plainBytes: UnsafeRawBufferPointer) -> UInt64 { XXHash64.hash(plainBytes) }

    static func build(_ leaf: LeafBuffer, options: BloomFilterOptions) -> SplitBlockBloomFilter {
        let ndv = options.distinctValues ?? leaf.valueCount
        var filter = SplitBlockBloomFilter(byteCount: optimalByteCount(ndv: ndv, fpp: options.falsePositiveProbability))
        func add<T>(_ v: T) { withUnsafeBytes(of: v) { filter.insert(hash: XXHash64.hash($0)) } }
        switch leaf.descriptor.physicalType {
        case .int32: for v in leaf.int32s { add(v.littleEndian) }
        case .int64: for v in leaf.int64s { add(v.littleEndian) }
        case .float: for v in leaf.floats { add(v.bitPattern.littleEndian) }
        case .double: for v in leaf.doubles { add(v.bitPattern.littleEndian) }
        case .boolean: for v in leaf.bools { add(UInt8(v ? 1 : 0)) }
        default:
            leaf.bytes.data.withUnsafeBytes { all in
                for i in 0..<leaf.bytes.count {
                    filter.insert(hash: XXHash64.hash(UnsafeRawBufferPointer(rebasing: all[leaf.bytes.range(i)])))
                }
            }
        }
        return filter
    }

    /// Header and bitset as written to the file.
    func serialized() -> [UInt8] {
        var out = BloomFilterHeader(numBytes: Int32(words.count * 4)).serialized()
        out.reserveCapacity(out.count + words.count * 4)
        for w in words { withUnsafeBytes(of: w.littleEndian) { out.append(contentsOf: $0) } }
        return out
    }
}
