/// Maps byte strings to dense codes (0, 1, 2, … in first-seen order) with an open-addressing
/// hash table over one contiguous byte buffer, so interning a value allocates nothing.
///
/// Frequency rules (uniqueness, distinct counts, entropy) and string conditions then work on
/// small integer codes, and per-value work (regex matching, lengths) runs once per distinct
/// value instead of once per row.
struct ByteInterner {
    private(set) var storage: [UInt8] = []
    private(set) var offsets: [Int] = [0]
    private var slots: [Int32]
    private var hashes: [UInt64] = []
    private var mask: Int

    /// - Parameters:
    ///   - capacity: the expected number of distinct values (sizes the table; it grows anyway).
    ///   - byteCapacity: the expected total bytes of the distinct values.
    init(capacity: Int = 1024, byteCapacity: Int = 0) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = Array(repeating: -1, count: size)
        mask = size - 1
        storage.reserveCapacity(byteCapacity)
        offsets.reserveCapacity(capacity + 1)
        hashes.reserveCapacity(capacity)
    }

    /// The number of distinct values.
    var count: Int { offsets.count - 1 }

    /// The bytes of value `code`.
    func entry(_ code: Int) -> [UInt8] { Array(storage[offsets[code]..<offsets[code + 1]]) }

    /// Every distinct value, in code order.
    var entries: [[UInt8]] { (0..<count).map(entry) }

    @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        var index = 0
        while index + 8 <= bytes.count {
            let word = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            h = (h ^ word) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 29
            index += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while index < bytes.count {
            tail |= UInt64(bytes[index]) << shift
            shift += 8
            index += 1
        }
        h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
        return h ^ (h >> 31)
    }

    /// The code of `bytes`, or `nil` when it was never interned.
    func find(_ bytes: UnsafeRawBufferPointer) -> Int32? {
        let h = Self.hash(bytes)
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let code = slots[slot]
            if code < 0 { return nil }
            if hashes[Int(code)] == h, equals(Int(code), bytes) { return code }
            slot = (slot + 1) & mask
        }
    }

    /// The code of `bytes`, adding it when new.
    mutating func intern(_ bytes: UnsafeRawBufferPointer) -> Int32 {
        let h = Self.hash(bytes)
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let code = slots[slot]
            if code < 0 { break }
            if hashes[Int(code)] == h, equals(Int(code), bytes) { return code }
            slot = (slot + 1) & mask
        }
        let code = Int32(count)
        storage.append(contentsOf: bytes)
        offsets.append(storage.count)
        hashes.append(h)
        slots[slot] = code
        if count * 2 > slots.count { grow() }
        return code
    }

    private func equals(_ code: Int, _ bytes: UnsafeRawBufferPointer) -> Bool {
        let start = offsets[code], end = offsets[code + 1]
        guard end - start == bytes.count else { return false }
        if bytes.isEmpty { return true }
        return storage.withUnsafeBytes { all in
            memcmpEqual(UnsafeRawBufferPointer(rebasing: all[start..<end]), bytes)
        }
    }

    private mutating func grow() {
        let size = slots.count * 2
        slots = Array(repeating: -1, count: size)
        mask = size - 1
        for code in 0..<count {
            var slot = Int(truncatingIfNeeded: hashes[code]) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(code)
        }
    }
}

@inline(__always)
private func memcmpEqual(_ lhs: UnsafeRawBufferPointer, _ rhs: UnsafeRawBufferPointer) -> Bool {
    var index = 0
    let count = lhs.count
    while index + 8 <= count {
        if lhs.loadUnaligned(fromByteOffset: index, as: UInt64.self) != rhs.loadUnaligned(fromByteOffset: index, as: UInt64.self) {
            return false
        }
        index += 8
    }
    while index < count {
        if lhs[index] != rhs[index] { return false }
        index += 1
    }
    return true
}
