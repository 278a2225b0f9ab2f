/// DELTA_BINARY_PACKED: blocks of 128 values in 4 miniblocks of 32, deltas minus the block's
/// minimum delta, bit-packed per miniblock. Arithmetic wraps, as the format requires.
enum DeltaBinaryPackedEncoder {
    static let blockSize = 128
    static let miniblocks = 4

    static func encode(_ values: [Int64], into out: inout [UInt8]) {
        writeULEB(UInt64(blockSize), &out)
        writeULEB(UInt64(miniblocks), &out)
        writeULEB(UInt64(values.count), &out)
        writeULEB(zigzag(values.first ?? 0), &out)
        guard values.count > 1 else { return }
        let miniSize = blockSize / miniblocks
        var deltas = [Int64](repeating: 0, count: blockSize)
        var i = 1
        while i < values.count {
            let n = min(blockSize, values.count - i)
            var minDelta = Int64.max
            for k in 0..<n {
                let d = values[i + k] &- values[i + k - 1]
                deltas[k] = d
                minDelta = min(minDelta, d)
            }
            writeULEB(zigzag(minDelta), &out)
            var widths = [UInt8](repeating: 0, count: miniblocks)
            var adjusted = [UInt64](repeating: 0, count: blockSize)
            for k in 0..<n { adjusted[k] = UInt64(bitPattern: deltas[k] &- minDelta) }
            let usedMiniblocks = (n + miniSize - 1) / miniSize
            for m in 0..<usedMiniblocks {
                var maxValue: UInt64 = 0
                for k in (m * miniSize)..<min((m + 1) * miniSize, n) { maxValue |= adjusted[k] }
                widths[m] = UInt8(BitPacking.bitWidth(maxValue))
            }
            out.append(contentsOf: widths)
            for m in 0..<usedMiniblocks {
                // A partial last miniblock is padded to full size with zeros.
                BitPacking.packAll(adjusted[(m * miniSize)..<((m + 1) * miniSize)], bitWidth: Int(widths[m]), into: &out)
            }
            i += n
        }
    }

    @inline(__always)
    static func zigzag(_ v: Int64) -> UInt64 { UInt64(bitPattern: (v << 1) ^ (v >> 63)) }

    static func writeULEB(_ value: UInt64, _ out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }
}

/// DELTA_LENGTH_BYTE_ARRAY and DELTA_BYTE_ARRAY.
enum DeltaByteArrayEncoder {
    /// Lengths delta-encoded, then all bytes concatenated.
    static func encodeLengths(_ values: ByteArrays, range: Range<Int>, into out: inout [UInt8]) {
        DeltaBinaryPackedEncoder.encode(range.map { Int64(values.range($0).count) }, into: &out)
        for i in range { out.append(contentsOf: values.data[values.range(i)]) }
    }

    /// Prefix lengths shared with the previous value, delta-encoded; then suffixes as
    /// DELTA_LENGTH_BYTE_ARRAY.
    static func encodeIncremental(_ values: ByteArrays, range: Range<Int>, into out: inout [UInt8]) {
        var prefixes: [Int64] = []
        var suffixes = ByteArrays()
        prefixes.reserveCapacity(range.count)
        var previous: Range<Int> = 0..<0
        for i in range {
            let r = values.range(i)
            var common = 0
            let limit = min(previous.count, r.count)
            while common < limit && values.data[previous.lowerBound + common] == values.data[r.lowerBound + common] { common += 1 }
            prefixes.append(Int64(common))
            suffixes.append(contentsOf: values.data[(r.lowerBound + common)..<r.upperBound])
            previous = r
        }
        DeltaBinaryPackedEncoder.encode(prefixes, into: &out)
        encodeLengths(suffixes, range: 0..<suffixes.count, into: &out)
    }
}

/// BYTE_STREAM_SPLIT: byte k of every value goes to stream k; streams are concatenated.
enum ByteStreamSplitEncoder {
    static func encode(_ plain: [UInt8], width: Int, into out: inout [UInt8]) {
        let n = plain.count / width
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: plain.count))
        for i in 0..<n {
            for k in 0..<width { out[start + k * n + i] = plain[i * width + k] }
        }
    }
}
