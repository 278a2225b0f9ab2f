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
