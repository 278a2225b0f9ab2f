#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Operations on short byte strings in raw memory, for parsers and encoders.
///
/// Most values in logs and tables are under 32 bytes, where a call into `memcpy`/`memcmp`
/// costs more than the work: these use overlapping unaligned words instead, and never read or
/// write outside the given ranges.
public enum RawBytes {
    /// Copies `count` bytes from `src` to `dst` (the ranges must not overlap).
    @inlinable @inline(__always)
    public static func copy(_ dst: UnsafeMutableRawPointer, _ src: UnsafeRawPointer, _ count: Int) {
        if count >= 8 {
            if count <= 16 {
                let a = src.loadUnaligned(as: UInt64.self)
                let b = src.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)
                dst.storeBytes(of: a, as: UInt64.self)
                dst.storeBytes(of: b, toByteOffset: count &- 8, as: UInt64.self)
            } else if count <= 32 {
                let a = src.loadUnaligned(as: UInt64.self)
                let b = src.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
                let c = src.loadUnaligned(fromByteOffset: count &- 16, as: UInt64.self)
                let e = src.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)
                dst.storeBytes(of: a, as: UInt64.self)
                dst.storeBytes(of: b, toByteOffset: 8, as: UInt64.self)
                dst.storeBytes(of: c, toByteOffset: count &- 16, as: UInt64.self)
                dst.storeBytes(of: e, toByteOffset: count &- 8, as: UInt64.self)
            } else {
                dst.copyMemory(from: src, byteCount: count)
            }
        } else if count >= 4 {
            let a = src.loadUnaligned(as: UInt32.self)
            let b = src.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self)
            dst.storeBytes(of: a, as: UInt32.self)
            dst.storeBytes(of: b, toByteOffset: count &- 4, as: UInt32.self)
        } else {
            var i = 0
            while i < count {
                dst.storeBytes(of: src.load(fromByteOffset: i, as: UInt8.self), toByteOffset: i, as: UInt8.self)
                i &+= 1
            }
        }
    }

    /// Whether `count` bytes at `a` and `b` are equal.
    @inlinable @inline(__always)
    public static func equal(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ count: Int) -> Bool {
        if count >= 8 {
            if count <= 16 {
                return (a.loadUnaligned(as: UInt64.self) ^ b.loadUnaligned(as: UInt64.self))
                    | (a.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)
                        ^ b.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)) == 0
            }
            if count <= 32 {
                return (a.loadUnaligned(as: UInt64.self) ^ b.loadUnaligned(as: UInt64.self))
                    | (a.loadUnaligned(fromByteOffset: 8, as: UInt64.self) ^ b.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
                    | (a.loadUnaligned(fromByteOffset: count &- 16, as: UInt64.self)
                        ^ b.loadUnaligned(fromByteOffset: count &- 16, as: UInt64.self))
                    | (a.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)
                        ^ b.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)) == 0
            }
            return compareMemory(a, b, count) == 0
        }
        if count >= 4 {
            return (a.loadUnaligned(as: UInt32.self) ^ b.loadUnaligned(as: UInt32.self))
                | (a.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self)
                    ^ b.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self)) == 0
        }
        var i = 0
        while i < count {
            if a.load(fromByteOffset: i, as: UInt8.self) != b.load(fromByteOffset: i, as: UInt8.self) { return false }
            i &+= 1
        }
        return true
    }

    /// Unsigned lexicographic order of two byte strings: negative, zero or positive.
    @inlinable
    public static func compare(_ a: UnsafeRawPointer, _ aCount: Int, _ b: UnsafeRawPointer, _ bCount: Int) -> Int {
        let n = Swift.min(aCount, bCount)
        // The first eight bytes decide most comparisons: compare them as a big-endian word.
        if n >= 8 {
            let x = UInt64(bigEndian: a.loadUnaligned(as: UInt64.self))
            let y = UInt64(bigEndian: b.loadUnaligned(as: UInt64.self))
            if x != y { return x < y ? -1 : 1 }
        }
        if n > 0 {
            let c = compareMemory(a, b, n)
            if c != 0 { return c < 0 ? -1 : 1 }
        }
        return aCount == bCount ? 0 : (aCount < bCount ? -1 : 1)
    }

    /// Whether every byte is below 0x80, checked eight bytes at a time.
    public static func isASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        let n = bytes.count
        var acc: UInt64 = 0
        while i + 32 <= n {
            acc |= bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self) | bytes.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self)
                | bytes.loadUnaligned(fromByteOffset: i + 16, as: UInt64.self) | bytes.loadUnaligned(fromByteOffset: i + 24, as: UInt64.self)
            i += 32
        }
        while i + 8 <= n {
            acc |= bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            i += 8
        }
        while i < n {
            acc |= UInt64(bytes[i])
            i += 1
        }
        return acc & 0x8080_8080_8080_8080 == 0
    }

    /// Whether the bytes are valid UTF-8 (ASCII checked first, eight bytes at a time).
    public static func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
        isASCII(bytes) || String(validating: bytes, as: UTF8.self) != nil
    }

    /// The first and last eight bytes of a value (overlapping when shorter than 16; assembled
    /// from smaller loads below 8), never reading outside it. For values up to 16 bytes the pair
    /// and the length determine the value.
    @inlinable @inline(__always)
    public static func words(_ p: UnsafeRawPointer, _ n: Int) -> (UInt64, UInt64) {
        if n >= 8 {
            return (p.loadUnaligned(as: UInt64.self), p.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self))
        }
        if n >= 4 {
            return (UInt64(p.loadUnaligned(as: UInt32.self)), UInt64(p.loadUnaligned(fromByteOffset: n &- 4, as: UInt32.self)))
        }
        if n > 0 {
            return (UInt64(p.load(as: UInt8.self)) | UInt64(p.load(fromByteOffset: n >> 1, as: UInt8.self)) << 8
                        | UInt64(p.load(fromByteOffset: n &- 1, as: UInt8.self)) << 16, 0)
        }
        return (0, 0)
    }

    /// A 64-bit hash of a value from its ``words(_:_:)`` and length (and, beyond 16 bytes, every
    /// word in between). Not a cryptographic or DoS-resistant hash: for tables of log values.
    ///
    /// Words are mixed by a full 64×64→128-bit multiply folded back to 64 bits, so every input
    /// bit reaches every output bit (a plain multiply only carries changes upward, and values
    /// such as `12:34:56` differ only in their high bytes).
    @inlinable @inline(__always)
    public static func hash(_ first: UInt64, _ last: UInt64, _ p: UnsafeRawPointer, _ n: Int) -> UInt64 {
        var a = first
        if n > 16 {
            // Sixteen bytes per multiply, then the word left over (if any) before `last`.
            var i = 8
            while i &+ 16 < n {
                a = mix(a ^ p.loadUnaligned(fromByteOffset: i, as: UInt64.self),
                        p.loadUnaligned(fromByteOffset: i &+ 8, as: UInt64.self) ^ 0x5899_65CC_7537_4CC3)
                i &+= 16
            }
            if i &+ 8 < n {
                a = mix(a ^ 0x8EBC_6AF0_9C88_C6E3, p.loadUnaligned(fromByteOffset: i, as: UInt64.self) ^ 0x5899_65CC_7537_4CC3)
            }
        }
        return mix(a ^ 0xA076_1D64_78BD_642F, last ^ 0xE703_7ED1_A0B4_28DB ^ UInt64(truncatingIfNeeded: n))
    }

    /// The 128-bit product of two words, its halves XORed.
    @inlinable @inline(__always)
    public static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let product = a.multipliedFullWidth(by: b)
        return product.high ^ product.low
    }
}

/// `memcmp`, reachable from inlinable code (the C library is imported internally).
@usableFromInline
func compareMemory(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ count: Int) -> Int32 {
    memcmp(a, b, count)
}
