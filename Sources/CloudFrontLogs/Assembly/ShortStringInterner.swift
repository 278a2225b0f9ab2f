import LakeColumnar

/// The distinct values of one dictionary-encoded column within a batch, found by hash.
///
/// Log columns such as edge location, method or result type hold a handful of short values, so
/// interning must cost a few word operations. A value is read as two words, its first and last
/// eight bytes (overlapping, never past the value), which for values up to 16 bytes *are* the
/// value: such values compare by those two words and the length, without touching the bytes.
/// The previous value is remembered, so runs of one value (a constant host, `https`) skip the
/// table. Entries added by a row that is then abandoned can be removed again
/// (``removeLast()``), so a rejected line leaves no trace in the dictionary.
struct ShortStringInterner {
    /// Per entry: the two words of its value, its length and hash.
    private struct Key {
        var first: UInt64
        var last: UInt64
        var length: Int
        var hash: UInt64
    }

    private var offsets: UnsafeMutablePointer<Int>
    private var keys: UnsafeMutablePointer<Key>
    private var entryCapacity: Int
    private var heap: UnsafeMutablePointer<UInt8>
    private var heapCapacity: Int
    /// Open addressing, linear probing; `-1` is empty, else an entry index. Load stays ≤ 1/2.
    private var table: UnsafeMutablePointer<Int32>
    private var mask: Int
    /// The number of distinct values.
    private(set) var count = 0
    /// The most recent value (as its words and length, valid when `recentIndex >= 0`).
    private var recentFirst: UInt64 = 0
    private var recentLast: UInt64 = 0
    private var recentLength = -1
    private var recentIndex: Int32 = -1

    init() {
        entryCapacity = 64
        offsets = .allocate(capacity: entryCapacity + 1)
        offsets[0] = 0
        keys = .allocate(capacity: entryCapacity)
        heapCapacity = 1024
        heap = .allocate(capacity: heapCapacity)
        mask = 127
        table = .allocate(capacity: mask + 1)
        table.initialize(repeating: -1, count: mask + 1)
    }

    func deallocate() {
        offsets.deallocate()
        keys.deallocate()
        heap.deallocate()
        table.deallocate()
    }

    /// Empties the dictionary for the next batch (capacity is kept).
    mutating func reset() {
        table.update(repeating: -1, count: mask + 1)
        count = 0
        recentIndex = -1
        recentLength = -1
    }

    /// The index of the value of `n` bytes at `p`; `isNew` tells whether it was added now.
    @inline(__always)
    mutating func intern(_ p: UnsafePointer<UInt8>, _ n: Int, isNew: inout Bool) -> Int32 {
        let raw = UnsafeRawPointer(p)
        let (first, last) = Self.words(raw, n)
        let short = n <= 16
        if short && n == recentLength && first == recentFirst && last == recentLast { return recentIndex }
        let h = Self.hash(first, last, raw, n)
        var slot = Int(truncatingIfNeeded: h >> 32) & mask
        while true {
            let entry = table[slot]
            if entry < 0 { break }
            let key = keys[Int(entry)]
            // One branch for the common case: all four words equal.
            let differs = (key.hash ^ h) | UInt64(bitPattern: Int64(key.length ^ n)) | (key.first ^ first) | (key.last ^ last)
            if differs == 0 && (short || ByteCopy.equal(heap + offsets[Int(entry)], raw, n)) {
                remember(first, last, n, entry)
                return entry
            }
            slot = (slot &+ 1) & mask
        }
        isNew = true
        let entry = insert(p, n, key: Key(first: first, last: last, length: n, hash: h), slot: slot)
        remember(first, last, n, entry)
        return entry
    }

    @inline(__always)
    private mutating func remember(_ first: UInt64, _ last: UInt64, _ n: Int, _ entry: Int32) {
        recentFirst = first
        recentLast = last
        recentLength = n
        recentIndex = entry
    }

    private mutating func insert(_ p: UnsafePointer<UInt8>, _ n: Int, key: Key, slot: Int) -> Int32 {
        if count == entryCapacity { growEntries() }
        let start = offsets[count]
        if start + n > heapCapacity { growHeap(toAtLeast: start + n) }
        ByteCopy.copy(heap + start, p, n)
        offsets[count + 1] = start + n
        keys[count] = key
        let index = Int32(count)
        table[slot] = index
        count += 1
        if count * 2 > mask + 1 { growTable() }
        return index
    }

    /// Removes the most recently added value (rolling back an abandoned row). Removing in
    /// reverse order of insertion keeps every probe chain of the older entries intact.
    mutating func removeLast() {
        guard count > 0 else { return }
        let e = count - 1
        var slot = Int(truncatingIfNeeded: keys[e].hash >> 32) & mask
        while table[slot] != Int32(e) { slot = (slot &+ 1) & mask }
        table[slot] = -1
        count = e
        recentIndex = -1
        recentLength = -1
    }

    private mutating func growEntries() {
        let fresh = entryCapacity * 2
        let o = UnsafeMutablePointer<Int>.allocate(capacity: fresh + 1)
        o.update(from: offsets, count: count + 1)
        offsets.deallocate()
        offsets = o
        let k = UnsafeMutablePointer<Key>.allocate(capacity: fresh)
        k.update(from: keys, count: count)
        keys.deallocate()
        keys = k
        entryCapacity = fresh
    }

    private mutating func growHeap(toAtLeast needed: Int) {
        var capacity = heapCapacity
        while capacity < needed { capacity *= 2 }
        let fresh = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        fresh.update(from: heap, count: offsets[count])
        heap.deallocate()
        heap = fresh
        heapCapacity = capacity
    }

    private mutating func growTable() {
        let size = (mask + 1) * 2
        table.deallocate()
        table = .allocate(capacity: size)
        table.initialize(repeating: -1, count: size)
        mask = size - 1
        for e in 0..<count {
            var slot = Int(truncatingIfNeeded: keys[e].hash >> 32) & mask
            while table[slot] >= 0 { slot = (slot &+ 1) & mask }
            table[slot] = Int32(e)
        }
    }

    /// The values as a column (copied out).
    func dictionary() -> BinaryColumn {
        let offsetArray = Array(UnsafeBufferPointer(start: offsets, count: count + 1))
        let bytes = Array(UnsafeBufferPointer(start: heap, count: offsets[count]))
        // Offsets start at 0 and never decrease.
        return BinaryColumn(trustedOffsets: offsetArray, bytes: bytes)
    }

    /// The first and last eight bytes of a value (overlapping when shorter than 16; assembled
    /// from smaller loads below 8), never reading outside it. For values up to 16 bytes the
    /// pair and the length determine the value.
    @inline(__always)
    static func words(_ p: UnsafeRawPointer, _ n: Int) -> (UInt64, UInt64) {
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

    /// A 64-bit hash of a value from its two words and length (and, beyond 16 bytes, every
    /// word in between).
    @inline(__always)
    static func hash(_ first: UInt64, _ last: UInt64, _ p: UnsafeRawPointer, _ n: Int) -> UInt64 {
        var a = first
        if n > 16 {
            var i = 8
            while i &+ 8 < n {
                a = (a ^ p.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0x9FB2_1C65_1E98_DF25
                a ^= a >> 29
                i &+= 8
            }
        }
        var h = a ^ (last &* 0xC2B2_AE3D_27D4_EB4F) ^ UInt64(truncatingIfNeeded: n)
        h &*= 0x9E37_79B9_7F4A_7C15
        return h ^ (h >> 29)
    }
}
