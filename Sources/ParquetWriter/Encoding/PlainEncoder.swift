/// PLAIN encoding of each physical type.
enum PlainEncoder {
    static func encode<T: FixedWidthInteger>(_ values: ArraySlice<T>, into out: inout [UInt8]) {
        out.reserveCapacity(out.count + values.count * MemoryLayout<T>.size)
        for v in values { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
    }

    static func encode(_ values: ArraySlice<Float>, into out: inout [UInt8]) {
        out.reserveCapacity(out.count + values.count * 4)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
    }

    static func encode(_ values: ArraySlice<Double>, into out: inout [UInt8]) {
        out.reserveCapacity(out.count + values.count * 8)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
    }

    /// Booleans: bit-packed LSB first, no length prefix.
    static func encode(_ values: ArraySlice<Bool>, into out: inout [UInt8]) {
        var byte: UInt8 = 0
        var bit = 0
        for v in values {
            if v { byte |= 1 << UInt8(bit) }
            bit += 1
            if bit == 8 {
                out.append(byte)
                byte = 0
                bit = 0
            }
        }
        if bit > 0 { out.append(byte) }
    }

    /// BYTE_ARRAY: a u32 little-endian length before each value.
    static func encodeByteArrays(_ values: ByteArrays, range: Range<Int>, into out: inout [UInt8]) {
        for i in range {
            let r = values.range(i)
            withUnsafeBytes(of: UInt32(r.count).littleEndian) { out.append(contentsOf: $0) }
            out.append(contentsOf: values.data[r])
        }
    }

    /// Calls `body` with each value of PLAIN-encoded BYTE_ARRAY data (u32 length, bytes).
    static func forEachPlainByteArray(_ plain: [UInt8], _ body: (UnsafeRawBufferPointer) -> Void) {
        plain.withUnsafeBytes { raw in
            var o = 0
            while o + 4 <= raw.count {
                let n = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: UInt32.self)))
                body(UnsafeRawBufferPointer(rebasing: raw[(o + 4)..<(o + 4 + n)]))
                o += 4 + n
            }
        }
    }

    /// FIXED_LEN_BYTE_ARRAY: the values back to back.
    static func encodeFixed(_ values: ByteArrays, range: Range<Int>, into out: inout [UInt8]) {
        guard !range.isEmpty else { return }
        out.append(contentsOf: values.data[values.range(range.lowerBound).lowerBound..<values.range(range.upperBound - 1).upperBound])
    }
}

/// Byte strings as offsets into one buffer (the leaf storage of BYTE_ARRAY and FLBA columns).
struct ByteArrays {
    var offsets: [Int] = [0]
    var data: [UInt8] = []

    var count: Int { offsets.count - 1 }

    @inline(__always)
    func range(_ i: Int) -> Range<Int> { offsets[i]..<offsets[i + 1] }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        data.append(contentsOf: bytes)
        offsets.append(data.count)
    }

    /// Appends `count` bytes at `p`.
    @inline(__always)
    mutating func append(_ p: UnsafeRawPointer, _ count: Int) {
        data.append(contentsOf: UnsafeRawBufferPointer(start: p, count: count))
        offsets.append(data.count)
    }

    /// Makes room for `values` more values of `bytes` bytes in all.
    mutating func reserve(values: Int, bytes: Int) {
        offsets.reserveCapacity(offsets.count + values)
        data.reserveCapacity(data.count + bytes)
    }

    mutating func append<C: Collection>(contentsOf bytes: C) where C.Element == UInt8 {
        data.append(contentsOf: bytes)
        offsets.append(data.count)
    }

    mutating func removeAll() {
        offsets = [0]
        data.removeAll(keepingCapacity: true)
    }
}
