/// 64-bit fingerprints of column values, for counting values across batches without keeping
/// the values themselves.
///
/// Deterministic (no per-process seed), so a run's counts do not depend on the process; two
/// distinct values share a fingerprint with probability about 2⁻⁶⁴, so among `n` distinct values
/// the chance of any collision is below n²/2⁶⁵ (10⁻⁶ at 6 million). A collision can only merge two
/// groups: uniqueness and distinct counts can err low by one group per collision, never high.
enum ValueFingerprint {
    /// The fingerprint of a null part of a multi-column key.
    static let null: UInt64 = 0x6E75_6C6C_6E75_6C6C

    /// Murmur3's 64-bit finaliser: every input bit affects every output bit.
    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var h = value
        h ^= h >> 33
        h &*= 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33
        h &*= 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 33
        return h
    }

    /// The fingerprint of a byte string (text and binary values).
    static func bytes(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h = mix(0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count))
        var offset = 0
        while offset + 8 <= bytes.count {
            let word = bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            h = mix(h ^ UInt64(littleEndian: word)) &+ 0x2545_F491_4F6C_DD1D
            offset += 8
        }
        if offset < bytes.count {
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while offset < bytes.count {
                tail |= UInt64(bytes[offset]) << shift
                shift += 8
                offset += 1
            }
            h = mix(h ^ tail ^ 0xA5A5_A5A5_0000_0000)
        }
        return mix(h)
    }

    /// The fingerprint of a number; -0.0 and 0.0 agree, as do all NaNs (as values group).
    @inline(__always)
    static func number(_ value: Double) -> UInt64 {
        let normalised = value == 0 ? 0 : (value.isNaN ? Double.nan : value)
        return mix(normalised.bitPattern ^ 0x3C6E_F372_FE94_F82B)
    }

    /// The fingerprint of a boolean.
    @inline(__always)
    static func boolean(_ value: Bool) -> UInt64 { mix(value ? 0xB0B0_0001 : 0xB0B0_0002) }

    /// The fingerprint of a key made of several parts, in order.
    @inline(__always)
    static func combine(_ accumulated: UInt64, _ part: UInt64) -> UInt64 {
        mix(accumulated &* 0x9E37_79B9_7F4A_7C15 ^ part)
    }
}
