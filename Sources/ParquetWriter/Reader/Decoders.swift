/// A bounds-checked cursor over page bytes; every read throws ``ParquetReadError`` past the end.
struct ByteCursor {
    let bytes: UnsafeRawBufferPointer
    var position: Int

    init(_ bytes: UnsafeRawBufferPointer, position: Int = 0) {
        self.bytes = bytes
        self.position = position
    }

    var remaining: Int { bytes.count - position }

    mutating func byte() throws(ParquetReadError) -> UInt8 {
        guard position < bytes.count else { throw ParquetReadError(.corruptPage("unexpected end of page data")) }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func uleb() throws(ParquetReadError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            guard shift < 64 else { throw ParquetReadError(.corruptPage("varint too long")) }
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
        }
    }

    mutating func zigzag() throws(ParquetReadError) -> Int64 {
        let v = try uleb()
        return Int64(bitPattern: (v >> 1) ^ (0 &- (v & 1)))
    }

    mutating func take(_ n: Int) throws(ParquetReadError) -> UnsafeRawBufferPointer {
        guard n >= 0, n <= remaining else {
            throw ParquetReadError(.corruptPage("length \(n) exceeds the \(remaining) bytes left in the page"))
        }
        defer { position += n }
        return UnsafeRawBufferPointer(rebasing: bytes[position..<(position + n)])
    }

    mutating func uint32LE() throws(ParquetReadError) -> UInt32 {
        let b = try take(4)
        return UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 | UInt32(b[3]) << 24
    }
}

/// Decodes the RLE / bit-packed hybrid into integers.
enum RLEHybridDecoder {
    /// Decodes exactly `count` values of `bitWidth` bits from `data`, appending them to `out`.
    static func decode(_ data: UnsafeRawBufferPointer, bitWidth: Int, count: Int, into out: inout [UInt32]) throws(ParquetReadError) {
        guard bitWidth >= 0, bitWidth <= 32 else { throw ParquetReadError(.corruptPage("bit width \(bitWidth) above 32")) }
        guard count > 0 else { return }
        let base = out.count
        out.append(contentsOf: repeatElement(0, count: count))
        let failure: ParquetReadError? = out.withUnsafeMutableBufferPointer { buffer in
            // `base + count` entries exist, so the base address is not nil.
            let dst = buffer.baseAddress.unsafelyUnwrapped + base
            do throws(ParquetReadError) { try decode(data, bitWidth: bitWidth, count: count, to: dst) } catch { return error }
            return nil
        }
        if let failure {
            out.removeLast(count)
            throw failure
        }
    }

    /// Decodes exactly `count` values of `bitWidth` (0...32) bits from `data` into `dst`.
    static func decode(_ data: UnsafeRawBufferPointer, bitWidth: Int, count: Int,
                       to dst: UnsafeMutablePointer<UInt32>) throws(ParquetReadError) {
        var cursor = ByteCursor(data)
        var produced = 0
        let byteWidth = (bitWidth + 7) / 8
        while produced < count {
            let header = try cursor.uleb()
            if header & 1 == 0 {
                let run = Int(truncatingIfNeeded: header >> 1)
                guard run > 0 else { throw ParquetReadError(.corruptPage("empty RLE run")) }
                let raw = try cursor.take(byteWidth)
                var value: UInt32 = 0
                for k in 0..<byteWidth { value |= UInt32(raw[k]) << (8 * UInt32(k)) }
                let n = min(run, count - produced)
                (dst + produced).initialize(repeating: value, count: n)
                produced += n
            } else {
                let groups = Int(truncatingIfNeeded: header >> 1)
                guard groups > 0 else { throw ParquetReadError(.corruptPage("empty bit-packed run")) }
                // Bytes: groups × 8 values × bitWidth / 8 (nothing at all for bit width 0).
                let needed = groups.multipliedReportingOverflow(by: bitWidth).overflow ? Int.max : groups * bitWidth
                // The last run may be cut short when the page ends; decode what is there.
                let raw = try cursor.take(min(needed, cursor.remaining))
                let values = groups > (count - produced) / 8 ? count - produced : groups * 8
                try unpack(raw, bitWidth: bitWidth, count: values, to: dst + produced)
                produced += values
            }
        }
    }

    /// Unpacks `count` LSB-first values of `bitWidth` bits, appending them to `out`.
    static func unpack(_ raw: UnsafeRawBufferPointer, bitWidth: Int, count: Int, into out: inout [UInt32]) throws(ParquetReadError) {
        guard count > 0 else { return }
        let base = out.count
        out.append(contentsOf: repeatElement(0, count: count))
        let failure: ParquetReadError? = out.withUnsafeMutableBufferPointer { buffer in
            do throws(ParquetReadError) { try unpack(raw, bitWidth: bitWidth, count: count, to: buffer.baseAddress.unsafelyUnwrapped + base) } catch { return error }
            return nil
        }
        if let failure {
            out.removeLast(count)
            throw failure
        }
    }

    /// Unpacks `count` LSB-first values of `bitWidth` (0...32) bits into `dst`: eight bytes
    /// loaded at a time while they lie inside `raw`, byte by byte for the last few values.
    static func unpack(_ raw: UnsafeRawBufferPointer, bitWidth: Int, count: Int,
                       to dst: UnsafeMutablePointer<UInt32>) throws(ParquetReadError) {
        guard bitWidth > 0 else {
            dst.initialize(repeating: 0, count: count)
            return
        }
        guard bitWidth <= 32, (count * bitWidth + 7) / 8 <= raw.count, let source = raw.baseAddress else {
            throw ParquetReadError(.corruptPage("bit-packed run truncated"))
        }
        let mask: UInt64 = (1 << UInt64(bitWidth)) &- 1
        // Values whose 8-byte window starts at or before `raw.count - 8` load one word.
        var fast = 0
        if raw.count >= 8 {
            fast = min(count, ((raw.count - 8) * 8) / bitWidth + 1)
        }
        var bit = 0
        for i in 0..<fast {
            let word = UInt64(littleEndian: source.loadUnaligned(fromByteOffset: bit &>> 3, as: UInt64.self))
            dst[i] = UInt32(truncatingIfNeeded: (word &>> UInt64(bit & 7)) & mask)
            bit &+= bitWidth
        }
        for i in fast..<max(fast, count) {
            let byteIndex = bit >> 3
            var word: UInt64 = 0
            let available = min(8, raw.count - byteIndex)
            for k in 0..<available { word |= UInt64(raw[byteIndex + k]) << (8 * UInt64(k)) }
            dst[i] = UInt32(truncatingIfNeeded: (word >> UInt64(bit & 7)) & mask)
            bit += bitWidth
        }
    }

    /// The deprecated BIT_PACKED level encoding: MSB-first, no run headers.
    static func decodeLegacyBitPacked(_ raw: UnsafeRawBufferPointer, bitWidth: Int, count: Int, into out: inout [UInt32]) throws(ParquetReadError) {
        guard (count * bitWidth + 7) / 8 <= raw.count else { throw ParquetReadError(.corruptPage("bit-packed levels truncated")) }
        var bit = 0
        for _ in 0..<count {
            var v: UInt32 = 0
            for _ in 0..<bitWidth {
                let b = raw[bit >> 3] >> (7 - UInt8(bit & 7)) & 1
                v = v << 1 | UInt32(b)
                bit += 1
            }
            out.append(v)
        }
    }
}

/// Decodes DELTA_BINARY_PACKED values.
enum DeltaBinaryPackedDecoder {
    /// Decodes all values of one DELTA_BINARY_PACKED stream; returns them and leaves the cursor after it.
    static func decode(_ cursor: inout ByteCursor, limit: Int) throws(ParquetReadError) -> [Int64] {
        let blockSize = Int(truncatingIfNeeded: try cursor.uleb())
        let miniblocks = Int(truncatingIfNeeded: try cursor.uleb())
        let total = Int(truncatingIfNeeded: try cursor.uleb())
        var value = try cursor.zigzag()
        guard blockSize > 0, blockSize % 128 == 0, miniblocks > 0, blockSize % miniblocks == 0,
              (blockSize / miniblocks) % 32 == 0, total >= 0, total <= limit else {
            throw ParquetReadError(.corruptPage("invalid DELTA_BINARY_PACKED header (block \(blockSize), miniblocks \(miniblocks), values \(total))"))
        }
        let perMini = blockSize / miniblocks
        var out: [Int64] = []
        // The header's count is the writer's word, not yet backed by bytes (zero-width
        // miniblocks cost none): reserve a bounded start and let decoding grow it.
        out.reserveCapacity(Swift.min(total, 1 << 16))
        if total > 0 { out.append(value) }
        var unpacked: [UInt32] = []
        while out.count < total {
            let minDelta = try cursor.zigzag()
            let widths = try cursor.take(miniblocks)
            for m in 0..<miniblocks where out.count < total {
                let width = Int(widths[m])
                guard width <= 64 else { throw ParquetReadError(.corruptPage("miniblock bit width \(width)")) }
                let bytes = perMini * width / 8
                let raw = try cursor.take(min(bytes, cursor.remaining))
                let n = min(perMini, total - out.count)
                if width <= 32 {
                    unpacked.removeAll(keepingCapacity: true)
                    try RLEHybridDecoder.unpack(raw, bitWidth: width, count: n, into: &unpacked)
                    for d in unpacked {
                        value = value &+ minDelta &+ Int64(d)
                        out.append(value)
                    }
                } else {
                    guard (n * width + 7) / 8 <= raw.count else { throw ParquetReadError(.corruptPage("miniblock truncated")) }
                    var bit = 0
                    for _ in 0..<n {
                        var d: UInt64 = 0
                        for b in 0..<width {
                            let at = bit + b
                            d |= UInt64(raw[at >> 3] >> UInt8(at & 7) & 1) << UInt64(b)
                        }
                        bit += width
                        value = value &+ minDelta &+ Int64(bitPattern: d)
                        out.append(value)
                    }
                }
            }
        }
        return out
    }
}
