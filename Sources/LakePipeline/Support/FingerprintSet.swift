/// A count of distinct byte strings kept as their 64-bit hashes only: 8 to 16 bytes a distinct
/// value (open addressing, at most 3/4 full), whatever the values' length, and no key bytes.
///
/// Two distinct values count once only when their hashes are equal: with the per-process seeded
/// SipHash, the expected number of such pairs among `n` values is `n(n−1)/2⁶⁵` — below 10⁻⁷ for
/// the 1.3 M distinct client IPs of a 4 M-request day, so the count is exact in practice (the
/// stated error bound of `gold.daily.unique_visitors`).
package struct FingerprintSet: Sendable {
    /// Hashes, 0 for an empty slot (a value hashing to 0 is stored as 1).
    private var slots = [UInt64](repeating: 0, count: 16)
    private let hash: ByteKeyTable.HashFunction

    /// The number of distinct hashes held.
    package private(set) var count = 0

    /// An empty set.
    package init(hash: @escaping ByteKeyTable.HashFunction = ByteKeyTable.seededHash) {
        self.hash = hash
    }

    /// Adds `value`.
    package mutating func insert(_ value: UnsafeRawBufferPointer) {
        let h = max(hash(value), 1)
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: h) & mask
        while slots[slot] != 0 {
            if slots[slot] == h { return }
            slot = (slot + 1) & mask
        }
        slots[slot] = h
        count += 1
        if count * 4 > slots.count * 3 { grow() }
    }

    private mutating func grow() {
        var bigger = [UInt64](repeating: 0, count: slots.count * 2)
        let mask = bigger.count - 1
        for h in slots where h != 0 {
            var slot = Int(truncatingIfNeeded: h) & mask
            while bigger[slot] != 0 { slot = (slot + 1) & mask }
            bigger[slot] = h
        }
        slots = bigger
    }
}
