/// Builds a ``DictionaryColumn`` by interning each appended string.
///
/// Interning uses an open-addressing table of indices into the dictionary's own bytes, so a
/// repeated value costs one hash and one comparison, and no allocation.
public struct DictionaryColumnBuilder: Sendable {
    @usableFromInline var indices = PrimitiveColumnBuilder<Int32>()
    @usableFromInline var dictionaryOffsets: [Int] = [0]
    @usableFromInline var dictionaryBytes: [UInt8] = []
    @usableFromInline var slots: [Int32] = Array(repeating: -1, count: 64)
    @usableFromInline var hashes: [UInt64] = []

    public init() {}

    /// Reserves room for `capacity` rows.
    public mutating func reserveCapacity(_ capacity: Int) { indices.reserveCapacity(capacity) }

    /// The number of rows appended so far.
    public var count: Int { indices.count }

    /// The number of distinct values so far.
    public var dictionarySize: Int { dictionaryOffsets.count - 1 }

    /// Appends the value with the given bytes.
    @inlinable
    public mutating func append(bytes value: UnsafeRawBufferPointer) {
        indices.append(intern(value))
    }

    /// Appends a string or a null.
    public mutating func append(_ value: String?) {
        guard var value else { return appendNull() }
        value.withUTF8 { append(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// Appends a null.
    @inlinable
    public mutating func appendNull() { indices.appendNull() }

    /// Appends the value already interned as `index` (from ``intern(_:)``): one store, no hashing.
    ///
    /// Use it for values repeated on every row, such as a source name.
    @inlinable
    public mutating func append(index: Int32) {
        precondition(index >= 0 && Int(index) < dictionarySize, "dictionary index out of range")
        indices.append(index)
    }

    /// Returns the dictionary index of `value`, adding it when new.
    @inlinable
    public mutating func intern(_ value: UnsafeRawBufferPointer) -> Int32 {
        let hash = Self.hash(value)
        var mask = slots.count &- 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = slots[slot]
            if entry < 0 { break }
            if hashes[Int(entry)] == hash && equals(entry: Int(entry), value) { return entry }
            slot = (slot &+ 1) & mask
        }
        let index = Int32(dictionaryOffsets.count &- 1)
        dictionaryBytes.append(contentsOf: value)
        dictionaryOffsets.append(dictionaryBytes.count)
        hashes.append(hash)
        slots[slot] = index
        if Int(index) &* 2 >= slots.count {
            grow()
            mask = slots.count &- 1
        }
        return index
    }

    @usableFromInline
    func equals(entry: Int, _ value: UnsafeRawBufferPointer) -> Bool {
        let start = dictionaryOffsets[entry], end = dictionaryOffsets[entry &+ 1]
        guard end &- start == value.count else { return false }
        return dictionaryBytes.withUnsafeBytes { all in
            value.count == 0 || memcmpEqual(all.baseAddress! + start, value.baseAddress!, value.count)
        }
    }

    @usableFromInline
    mutating func grow() {
        let size = slots.count &* 2
        var fresh = [Int32](repeating: -1, count: size)
        let mask = size &- 1
        for (i, h) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: h) & mask
            while fresh[slot] >= 0 { slot = (slot &+ 1) & mask }
            fresh[slot] = Int32(i)
        }
        slots = fresh
    }

    /// A fast 64-bit hash of short byte strings (multiply-xorshift over 8-byte words).
    @inlinable
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        var i = 0
        let n = bytes.count
        while i &+ 8 <= n {
            let w = bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            h = (h ^ w) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 31
            i &+= 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < n {
            tail |= UInt64(bytes[i]) << shift
            shift &+= 8
            i &+= 1
        }
        h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
        h ^= h >> 29
        return h
    }

    /// Finishes the column and resets the builder.
    public mutating func finish() -> DictionaryColumn {
        let dictionary = BinaryColumn(unchecked: dictionaryOffsets, bytes: dictionaryBytes, start: 0,
                                      count: dictionaryOffsets.count - 1, validity: nil)
        let column = DictionaryColumn(unchecked: indices.finish(), dictionary: dictionary)
        self = DictionaryColumnBuilder()
        return column
    }
}

@usableFromInline
func memcmpEqual(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ count: Int) -> Bool {
    var i = 0
    while i &+ 8 <= count {
        if a.loadUnaligned(fromByteOffset: i, as: UInt64.self) != b.loadUnaligned(fromByteOffset: i, as: UInt64.self) {
            return false
        }
        i &+= 8
    }
    while i < count {
        if a.load(fromByteOffset: i, as: UInt8.self) != b.load(fromByteOffset: i, as: UInt8.self) { return false }
        i &+= 1
    }
    return true
}
