/// The distinct byte strings of a dictionary under construction, found by hash.
///
/// Dictionaries of log and table columns hold short values, so interning must cost a few word
/// operations: a value is read as two words, its first and last eight bytes (see
/// ``RawBytes/words(_:_:)``), which for values up to 16 bytes *are* the value, so such values
/// compare by two words and a length without touching their bytes. The previous value is
/// remembered, so runs of one value skip the table. Values added last can be removed again
/// (``removeLast()``), for builders that abandon a row after interning some of its values.
///
/// Storage is plain memory, owned by this noncopyable value and freed with it; keep it where
/// the hot loop can reach it without reference counting (a stored property, or memory behind
/// an `UnsafeMutablePointer`).
public struct ByteStringInterner: ~Copyable {
    /// Per entry: the two words of its value, its length and hash.
    @usableFromInline struct Key {
        @usableFromInline var first: UInt64
        @usableFromInline var last: UInt64
        @usableFromInline var length: Int
        @usableFromInline var hash: UInt64

        @inlinable init(first: UInt64, last: UInt64, length: Int, hash: UInt64) {
            self.first = first
            self.last = last
            self.length = length
            self.hash = hash
        }
    }

    @usableFromInline var offsets: UnsafeMutablePointer<Int>
    @usableFromInline var keys: UnsafeMutablePointer<Key>
    @usableFromInline var entryCapacity: Int
    @usableFromInline var heap: UnsafeMutablePointer<UInt8>
    @usableFromInline var heapCapacity: Int
    /// Open addressing, linear probing; `-1` is empty, else an entry index. Load stays ≤ 1/2.
    @usableFromInline var table: UnsafeMutablePointer<Int32>
    @usableFromInline var mask: Int
    /// The number of distinct values.
    public private(set) var count = 0
    @usableFromInline var recentFirst: UInt64 = 0
    @usableFromInline var recentLast: UInt64 = 0
    @usableFromInline var recentLength = -1
    @usableFromInline var recentIndex: Int32 = -1

    public init() {
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

    deinit {
        offsets.deallocate()
        keys.deallocate()
        heap.deallocate()
        table.deallocate()
    }

    /// The total bytes of the distinct values.
    public var byteCount: Int { offsets[count] }

    /// Empties the dictionary (capacity is kept).
    public mutating func reset() {
        table.update(repeating: -1, count: mask + 1)
        count = 0
        recentIndex = -1
        recentLength = -1
    }

    /// The index of the `n` bytes at `p`, adding them when new (then `isNew` is set to true).
    @inlinable @inline(__always)
    public mutating func intern(_ p: UnsafeRawPointer, _ n: Int, isNew: inout Bool) -> Int32 {
        let (first, last) = RawBytes.words(p, n)
        let short = n <= 16
        if short && n == recentLength && first == recentFirst && last == recentLast { return recentIndex }
        let h = RawBytes.hash(first, last, p, n)
        var slot = Int(truncatingIfNeeded: h >> 32) & mask
        while true {
            let entry = table[slot]
            if entry < 0 { break }
            let key = keys[Int(entry)]
            // One branch for the common case: all four words equal.
            let differs = (key.hash ^ h) | UInt64(bitPattern: Int64(key.length ^ n)) | (key.first ^ first) | (key.last ^ last)
            if differs == 0 && (short || RawBytes.equal(heap + offsets[Int(entry)], p, n)) {
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

    /// The index of the `n` bytes at `p`, adding them when new.
    @inlinable
    public mutating func intern(_ p: UnsafeRawPointer, _ n: Int) -> Int32 {
        var isNew = false
        return intern(p, n, isNew: &isNew)
    }

    @inlinable @inline(__always)
    mutating func remember(_ first: UInt64, _ last: UInt64, _ n: Int, _ entry: Int32) {
        recentFirst = first
        recentLast = last
        recentLength = n
        recentIndex = entry
    }

    @usableFromInline
    mutating func insert(_ p: UnsafeRawPointer, _ n: Int, key: Key, slot: Int) -> Int32 {
        if count == entryCapacity { growEntries() }
        let start = offsets[count]
        if start + n > heapCapacity { growHeap(toAtLeast: start + n) }
        RawBytes.copy(heap + start, p, n)
        offsets[count + 1] = start + n
        keys[count] = key
        let index = Int32(count)
        table[slot] = index
        count += 1
        if count * 2 > mask + 1 { growTable() }
        return index
    }

    /// Removes the most recently added value. Removing in reverse order of insertion keeps the
    /// probe chains of the older values intact.
    public mutating func removeLast() {
        guard count > 0 else { return }
        let e = count - 1
        var slot = Int(truncatingIfNeeded: keys[e].hash >> 32) & mask
        while table[slot] != Int32(e) { slot = (slot &+ 1) & mask }
        table[slot] = -1
        count = e
        recentIndex = -1
        recentLength = -1
    }

    /// The bytes of value `index` (valid until the next insertion).
    @inlinable
    public func value(at index: Int) -> UnsafeRawBufferPointer {
        precondition(index >= 0 && index < count, "interned index out of range")
        return UnsafeRawBufferPointer(start: heap + offsets[index], count: offsets[index + 1] - offsets[index])
    }

    /// The stored hash of value `index` (see ``RawBytes/hash(_:_:_:_:)``).
    public func hash(at index: Int) -> UInt64 { keys[index].hash }

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

    /// The values, in insertion order, as a column (copied out).
    public func dictionary() -> BinaryColumn {
        let offsetArray = Array(UnsafeBufferPointer(start: offsets, count: count + 1))
        let bytes = Array(UnsafeBufferPointer(start: heap, count: offsets[count]))
        return BinaryColumn(trustedOffsets: offsetArray, bytes: bytes)
    }
}
