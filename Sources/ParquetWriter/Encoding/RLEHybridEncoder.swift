/// The RLE / bit-packing hybrid encoding used for levels, booleans and dictionary indices.
///
/// A value repeated eight or more times becomes an RLE run; everything else is bit-packed in
/// groups of eight, LSB first, up to 63 groups under one run header (one header byte).
struct RLEHybridEncoder {
    let bitWidth: Int
    private(set) var bytes: [UInt8] = []
    private var buffered: [UInt64] = []
    private var previous: UInt64 = 0
    private var repeatCount = 0
    private var literalHeaderIndex = -1
    private var literalGroups = 0

    init(bitWidth: Int) {
        precondition(bitWidth >= 0 && bitWidth <= 32)
        self.bitWidth = bitWidth
        buffered.reserveCapacity(8)
    }

    mutating func append(_ value: UInt64) {
        if repeatCount > 0 && value == previous {
            repeatCount += 1
            // From the eighth repeat on, the value belongs to an RLE run: nothing to buffer. (When
            // the count reaches 8 the buffer holds exactly the run's first seven values.)
            if repeatCount >= 8 { return }
        } else {
            if repeatCount >= 8 { writeRLERun() }
            repeatCount = 1
            previous = value
        }
        buffered.append(value)
        if buffered.count == 8 { writeLiteralGroup() }
    }

    mutating func append<S: Sequence>(contentsOf values: S) where S.Element: BinaryInteger {
        for v in values { append(UInt64(v)) }
    }

    private mutating func writeRLERun() {
        endLiteralRun()
        writeVarint(UInt64(repeatCount) << 1)
        let byteWidth = (bitWidth + 7) / 8
        for k in 0..<byteWidth { bytes.append(UInt8(truncatingIfNeeded: previous >> (8 * UInt64(k)))) }
        repeatCount = 0
        buffered.removeAll(keepingCapacity: true)
    }

    private mutating func writeLiteralGroup() {
        if literalGroups >= 63 { endLiteralRun() }
        if literalHeaderIndex < 0 {
            literalHeaderIndex = bytes.count
            bytes.append(0)  // patched by endLiteralRun
        }
        BitPacking.pack(buffered, bitWidth: bitWidth, into: &bytes)
        buffered.removeAll(keepingCapacity: true)
        repeatCount = 0
        literalGroups += 1
    }

    private mutating func endLiteralRun() {
        guard literalHeaderIndex >= 0 else { return }
        bytes[literalHeaderIndex] = UInt8(literalGroups << 1 | 1)
        literalHeaderIndex = -1
        literalGroups = 0
    }

    private mutating func writeVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// Finishes the stream and returns the encoded bytes.
    mutating func finish() -> [UInt8] {
        if repeatCount >= 8 {
            writeRLERun()
        } else if !buffered.isEmpty {
            // Pad the last group with zeros; readers stop at the value count.
            while buffered.count < 8 { buffered.append(0) }
            writeLiteralGroup()
        }
        endLiteralRun()
        return bytes
    }
}

enum BitPacking {
    /// Packs exactly eight values of `bitWidth` bits, LSB first.
    static func pack(_ values: [UInt64], bitWidth: Int, into out: inout [UInt8]) {
        guard bitWidth > 0 else { return }
        var acc: UInt64 = 0
        var bits = 0
        for v in values {
            acc |= (v & ((1 << UInt64(bitWidth)) - 1)) << UInt64(bits)
            bits += bitWidth
            while bits >= 8 {
                out.append(UInt8(truncatingIfNeeded: acc))
                acc >>= 8
                bits -= 8
            }
        }
        if bits > 0 { out.append(UInt8(truncatingIfNeeded: acc)) }
    }

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

/// The RLE / bit-packing hybrid over a whole page of values at once, into raw memory.
///
/// Runs of eight or more equal values become RLE runs; everything else is bit-packed in groups
/// of eight (the last group padded with zeros), one header per literal run. The same choices
/// as ``RLEHybridEncoder``, without per-value bookkeeping.
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
