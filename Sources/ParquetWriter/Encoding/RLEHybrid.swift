/// Bit packing, least-significant bit first (the hybrid and DELTA_BINARY_PACKED encodings).
enum BitPacking {
    /// Packs `values` (any count) of `bitWidth` (0...64) bits LSB first, padding the final byte.
    static func packAll(_ values: ArraySlice<UInt64>, bitWidth: Int, into out: inout [UInt8]) {
        guard bitWidth > 0 else { return }
        var acc: UInt64 = 0
        var bits = 0
        for v in values {
            var value = bitWidth == 64 ? v : v & ((1 << UInt64(bitWidth)) - 1)
            var remaining = bitWidth
            while remaining > 0 {
                let take = min(64 - bits, remaining)
                let part = take == 64 ? value : value & ((1 << UInt64(take)) - 1)
                acc |= part << UInt64(bits)  // smart shift: bits < 64 here
                bits += take
                remaining -= take
                value = value >> UInt64(take)  // smart shift: 64 gives 0
                if bits == 64 {
                    withUnsafeBytes(of: acc.littleEndian) { out.append(contentsOf: $0) }
                    acc = 0
                    bits = 0
                }
            }
        }
        while bits > 0 {
            out.append(UInt8(truncatingIfNeeded: acc))
            acc >>= 8
            bits -= 8
        }
    }

    /// The number of bits needed for `maxValue`.
    static func bitWidth(_ maxValue: UInt64) -> Int { maxValue == 0 ? 0 : 64 - maxValue.leadingZeroBitCount }
}

/// The RLE / bit-packing hybrid encoding used for levels, booleans and dictionary indices,
/// over a whole page of values at once, into raw memory.
///
/// Runs of eight or more equal values become RLE runs; everything else is bit-packed in groups
/// of eight, LSB first (the last group padded with zeros), one header per literal run.
enum RLEHybrid {
    /// Appends the encoding of `values` (each below `1 << bitWidth`) to `out`.
    static func encode<T: FixedWidthInteger>(_ values: UnsafeBufferPointer<T>, bitWidth: Int, into out: inout [UInt8]) {
        let n = values.count
        guard n > 0 else { return }
        // Bound: every eight values cost at most a group of `bitWidth` bytes plus a header, or a
        // run header and its value.
        let bound = (n / 8 + 2) * (bitWidth + 16)
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: bound))
        let written = out.withUnsafeMutableBufferPointer { buffer in
            encode(values, bitWidth: bitWidth, into: buffer.baseAddress! + start)
        }
        out.removeLast(bound - written)
    }

    /// Writes the encoding of `values` at `out` (room for the bound above); returns its length.
    static func encode<T: FixedWidthInteger>(_ values: UnsafeBufferPointer<T>, bitWidth: Int,
                                              into out: UnsafeMutablePointer<UInt8>) -> Int {
        let n = values.count
        var o = 0
        var i = 0
        var literalStart = -1
        let byteWidth = (bitWidth + 7) / 8
        while i < n {
            let v = values[i]
            var j = i &+ 1
            while j < n && values[j] == v { j &+= 1 }
            if j &- i >= 8 {
                if literalStart >= 0 {
                    o = writeLiterals(values, literalStart..<i, bitWidth: bitWidth, out, o)
                    literalStart = -1
                }
                o = writeVarint(UInt64(j &- i) << 1, out, o)
                var value = UInt64(truncatingIfNeeded: v)
                for _ in 0..<byteWidth {
                    out[o] = UInt8(truncatingIfNeeded: value)
                    value >>= 8
                    o &+= 1
                }
                i = j
            } else {
                if literalStart < 0 { literalStart = i }
                i = min(i &+ 8, n)
            }
        }
        if literalStart >= 0 { o = writeLiterals(values, literalStart..<n, bitWidth: bitWidth, out, o) }
        return o
    }

    @inline(__always)
    private static func writeVarint(_ value: UInt64, _ out: UnsafeMutablePointer<UInt8>, _ at: Int) -> Int {
        var v = value
        var o = at
        while v >= 0x80 {
            out[o] = UInt8(truncatingIfNeeded: v) | 0x80
            v >>= 7
            o &+= 1
        }
        out[o] = UInt8(v)
        return o &+ 1
    }

    /// One literal run: header, then the values bit-packed LSB first in groups of eight.
    private static func writeLiterals<T: FixedWidthInteger>(_ values: UnsafeBufferPointer<T>, _ range: Range<Int>, bitWidth: Int,
                                                            _ out: UnsafeMutablePointer<UInt8>, _ at: Int) -> Int {
        let groups = (range.count + 7) / 8
        var o = writeVarint(UInt64(groups) << 1 | 1, out, at)
        guard bitWidth > 0 else { return o }
        // At most 7 pending bits plus a 32-bit value: the 64-bit accumulator never overflows.
        precondition(bitWidth <= 32, "levels and dictionary indices are at most 32 bits wide")
        let mask: UInt64 = (1 << UInt64(bitWidth)) &- 1
        var acc: UInt64 = 0
        var bits = 0
        let end = range.lowerBound + groups * 8
        var k = range.lowerBound
        while k < end {
            let value = k < range.upperBound ? UInt64(truncatingIfNeeded: values[k]) & mask : 0
            acc |= value << UInt64(bits)
            bits &+= bitWidth
            while bits >= 8 {
                out[o] = UInt8(truncatingIfNeeded: acc)
                o &+= 1
                acc >>= 8
                bits &-= 8
            }
            k &+= 1
        }
        return o
    }
}
