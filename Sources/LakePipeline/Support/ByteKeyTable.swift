#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A set of byte strings numbered 0, 1, … in insertion order, with no heap object per key: the
/// keys lie one after another in one arena, and an open-addressing table (linear probing, at
/// most 3/4 full) holds per slot the entry number and 32 bits of the key's hash, so most probes
/// that miss compare no bytes; a probe whose hash bits match compares the bytes, so a hash
/// collision never merges two keys.
///
/// Memory: the key bytes, 4 bytes of end offset per key and 8 to 16 bytes of table per key
/// (≈ 35 bytes a key for IPv4 text), where a `Set<String>` costs a heap string per key longer
/// than 15 bytes plus the set's slots.
package struct ByteKeyTable: Sendable {
    /// A hash of a key's bytes.
    package typealias HashFunction = @Sendable (UnsafeRawBufferPointer) -> UInt64

    private var arena: [UInt8] = []
    /// Entry `e` is `arena[ends[e - 1] ..< ends[e]]` (`0` for the first).
    private var ends: [UInt32] = []
    /// `hash bits << 32 | (entry + 1)`, 0 for an empty slot; the count is a power of two.
    private var slots: [UInt64]
    private let hash: HashFunction

    /// The number of keys.
    package var count: Int { ends.count }

    /// Bytes held by the arena and the table (their capacities).
    package var memoryBytes: Int { arena.capacity + ends.capacity * 4 + slots.capacity * 8 }

    /// An empty table; `hash` is for tests that force collisions (the default is the
    /// standard library's per-process seeded SipHash, so input files cannot choose collisions).
    package init(hash: @escaping HashFunction = ByteKeyTable.seededHash) {
        self.hash = hash
        slots = Array(repeating: 0, count: 16)
    }

    /// The standard library's SipHash of `key`, seeded per process.
    package static let seededHash: HashFunction = { key in
        var hasher = Hasher()
        hasher.combine(bytes: key)
        return UInt64(bitPattern: Int64(hasher.finalize()))
    }

    /// The entry of `key`, inserting it when new.
    @discardableResult
    package mutating func insert(_ key: UnsafeRawBufferPointer) -> (entry: Int, inserted: Bool) {
        let h = hash(key)
        let tag = h >> 32
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: h) & mask
        while slots[slot] != 0 {
            let entry = Int(slots[slot] & 0xFFFF_FFFF) - 1
            if slots[slot] >> 32 == tag, equals(entry, key) { return (entry, false) }
            slot = (slot + 1) & mask
        }
        let entry = ends.count
        slots[slot] = tag << 32 | UInt64(entry + 1)
        arena.append(contentsOf: key)
        ends.append(UInt32(truncatingIfNeeded: arena.count))
        if ends.count * 4 > slots.count * 3 { grow() }
        return (entry, true)
    }

    /// The entry of `key`, inserting it when new.
    @discardableResult
    package mutating func insert(_ key: [UInt8]) -> (entry: Int, inserted: Bool) {
        key.withUnsafeBytes { insert($0) }
    }

    /// The entry of `key`, or nil.
    package func find(_ key: UnsafeRawBufferPointer) -> Int? {
        let h = hash(key)
        let tag = h >> 32
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: h) & mask
        while slots[slot] != 0 {
            let entry = Int(slots[slot] & 0xFFFF_FFFF) - 1
            if slots[slot] >> 32 == tag, equals(entry, key) { return entry }
            slot = (slot + 1) & mask
        }
        return nil
    }

    /// The bytes of entry `entry`.
    package func key(_ entry: Int) -> ArraySlice<UInt8> {
        arena[range(entry)]
    }

    /// Forgets every key, releasing the memory.
    package mutating func removeAll() {
        arena = []
        ends = []
        slots = Array(repeating: 0, count: 16)
    }

    private func range(_ entry: Int) -> Range<Int> {
        (entry == 0 ? 0 : Int(ends[entry - 1]))..<Int(ends[entry])
    }

    private func equals(_ entry: Int, _ key: UnsafeRawBufferPointer) -> Bool {
        let r = range(entry)
        guard r.count == key.count else { return false }
        guard let base = key.baseAddress, !r.isEmpty else { return true }
        return arena.withUnsafeBytes { all in memcmp(all.baseAddress! + r.lowerBound, base, r.count) == 0 }
    }

    private mutating func grow() {
        var bigger = [UInt64](repeating: 0, count: slots.count * 2)
        let mask = bigger.count - 1
        arena.withUnsafeBytes { all in
            for entry in 0..<ends.count {
                let r = range(entry)
                let h = hash(UnsafeRawBufferPointer(rebasing: all[r]))
                var slot = Int(truncatingIfNeeded: h) & mask
                while bigger[slot] != 0 { slot = (slot + 1) & mask }
                bigger[slot] = (h >> 32) << 32 | UInt64(entry + 1)
            }
        }
        slots = bigger
    }
}
