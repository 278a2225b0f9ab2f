/// Compresses one block of at most 64 KiB with a greedy hash-table matcher.
///
/// Offsets stay within the block, so the table stores 16-bit positions. The matcher skips
/// faster through incompressible data (one more byte of stride every 32 misses), as the
/// reference implementation does, keeping random input close to memcpy speed.
struct SnappyBlockCompressor {
    static let blockSize = 1 << 16
    static let maxTableBits = 14
    /// Inputs shorter than this are emitted as one literal; it also keeps 8-byte loads in bounds.
    static let inputMargin = 15

    private var table = [UInt16](repeating: 0, count: 1 << maxTableBits)

    /// Compresses `input` (≤ 64 KiB) to `out`, returning the bytes written.
    mutating func compressBlock(_ input: UnsafeRawBufferPointer, into out: UnsafeMutableRawPointer) -> Int {
        let n = input.count
        guard let src = input.baseAddress, n > 0 else { return 0 }
        var op = 0
        if n < Self.inputMargin {
            op = Self.emitLiteral(src, 0, n, out, op)
            return op
        }
        var tableBits = 8
        while tableBits < Self.maxTableBits && (1 << tableBits) < n { tableBits += 1 }
        let shift = UInt32(32 - tableBits)
        return table.withUnsafeMutableBufferPointer { tablePointer -> Int in
            let t = tablePointer.baseAddress!
            t.update(repeating: 0, count: 1 << tableBits)
            @inline(__always) func load32(_ i: Int) -> UInt32 { src.loadUnaligned(fromByteOffset: i, as: UInt32.self) }
            @inline(__always) func hash(_ v: UInt32) -> Int { Int((v &* 0x1E35_A7BD) >> shift) }

            let ipLimit = n - Self.inputMargin
            var nextEmit = 0
            var ip = 1
            outer: while true {
                var skip = 32
                var nextIp = ip
                var candidate = 0
                repeat {
                    ip = nextIp
                    let h = hash(load32(ip))
                    let stride = skip >> 5
                    skip += 1
                    nextIp = ip + stride
                    if nextIp > ipLimit { break outer }
                    candidate = Int(t[h])
                    t[h] = UInt16(truncatingIfNeeded: ip)
                } while load32(ip) != load32(candidate)

                op = Self.emitLiteral(src, nextEmit, ip, out, op)
                repeat {
                    let base = ip
                    let matched = 4 + Self.matchLength(src, candidate + 4, ip + 4, n)
                    ip += matched
                    op = Self.emitCopy(offset: base - candidate, length: matched, out, op)
                    nextEmit = ip
                    if ip >= ipLimit { break outer }
                    t[hash(load32(ip - 1))] = UInt16(truncatingIfNeeded: ip - 1)
                    let h = hash(load32(ip))
                    candidate = Int(t[h])
                    t[h] = UInt16(truncatingIfNeeded: ip)
                } while load32(ip) == load32(candidate)
                ip += 1
            }
            if nextEmit < n { op = Self.emitLiteral(src, nextEmit, n, out, op) }
            return op
        }
    }

    /// The number of equal bytes at `a` and `b` (a < b), not reading past `limit`.
    @inline(__always)
    static func matchLength(_ p: UnsafeRawPointer, _ a: Int, _ b: Int, _ limit: Int) -> Int {
        var matched = 0
        while b + matched + 8 <= limit {
            let x = p.loadUnaligned(fromByteOffset: a + matched, as: UInt64.self)
            let y = p.loadUnaligned(fromByteOffset: b + matched, as: UInt64.self)
            let diff = x ^ y
            if diff != 0 { return matched + diff.littleEndian.trailingZeroBitCount >> 3 }
            matched += 8
        }
        while b + matched < limit,
              p.load(fromByteOffset: a + matched, as: UInt8.self) == p.load(fromByteOffset: b + matched, as: UInt8.self) {
            matched += 1
        }
        return matched
    }

    @inline(__always)
    static func emitLiteral(_ src: UnsafeRawPointer, _ from: Int, _ to: Int, _ out: UnsafeMutableRawPointer, _ opIn: Int) -> Int {
        var op = opIn
        let length = to - from
        let n = length - 1
        if n < 60 {
            out.storeBytes(of: UInt8(n << 2), toByteOffset: op, as: UInt8.self)
            op += 1
        } else {
            var bytes = 0
            var v = n
            while v > 0 { bytes += 1; v >>= 8 }
            out.storeBytes(of: UInt8((59 + bytes) << 2), toByteOffset: op, as: UInt8.self)
            op += 1
            for k in 0..<bytes {
                out.storeBytes(of: UInt8(truncatingIfNeeded: n >> (8 * k)), toByteOffset: op, as: UInt8.self)
                op += 1
            }
        }
        (out + op).copyMemory(from: src + from, byteCount: length)
        return op + length
    }

    @inline(__always)
    static func emitCopy(offset: Int, length lengthIn: Int, _ out: UnsafeMutableRawPointer, _ opIn: Int) -> Int {
        var op = opIn
        var length = lengthIn
        @inline(__always) func copy2(_ len: Int) {
            out.storeBytes(of: UInt8(2 | ((len - 1) << 2)), toByteOffset: op, as: UInt8.self)
            out.storeBytes(of: UInt8(truncatingIfNeeded: offset), toByteOffset: op + 1, as: UInt8.self)
            out.storeBytes(of: UInt8(truncatingIfNeeded: offset >> 8), toByteOffset: op + 2, as: UInt8.self)
            op += 3
        }
        while length >= 68 {
            copy2(64)
            length -= 64
        }
        if length > 64 {
            copy2(60)
            length -= 60
        }
        if length < 12 && offset < 2048 {
            out.storeBytes(of: UInt8(1 | ((length - 4) << 2) | ((offset >> 8) << 5)), toByteOffset: op, as: UInt8.self)
            out.storeBytes(of: UInt8(truncatingIfNeeded: offset), toByteOffset: op + 1, as: UInt8.self)
            op += 2
        } else {
            copy2(length)
        }
        return op
    }
}
