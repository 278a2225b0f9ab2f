/// The 64-bit hash ``ValueCounter`` places value keys by (its table slots and spill
/// partitions). Deterministic (no per-process seed), so spills are laid out the same in every run.
/// Only a placement: keys are always compared byte for byte, so a collision costs time, never a
/// wrong count.
enum ValueFingerprint {
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

    /// The hash of a key's bytes.
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
}
