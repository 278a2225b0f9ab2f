/// A packed sequence of bits, least-significant bit first within each 64-bit word.
///
/// Used for validity (1 = value present) and for boolean values. Slicing is O(1): a slice
/// shares the words of its parent and records a bit offset.
public struct Bitmap: Sendable, Hashable {
    @usableFromInline var words: [UInt64]
    @usableFromInline var bitOffset: Int
    @usableFromInline var bitCount: Int
    /// The number of bits.
    @inlinable public var count: Int { bitCount }

    /// An empty bitmap.
    public init() {
        words = []
        bitOffset = 0
        bitCount = 0
    }

    /// A bitmap of `count` bits all set to `value`.
    public init(repeating value: Bool, count: Int) {
        precondition(count >= 0, "negative bitmap length")
        let wordCount = (count + 63) >> 6
        words = Array(repeating: value ? ~0 : 0, count: wordCount)
        bitOffset = 0
        bitCount = count
        if value, count & 63 != 0 { words[wordCount - 1] = (1 << UInt64(count & 63)) - 1 }
    }

    /// A bitmap with one bit per byte of `flags`: a nonzero byte sets its bit.
    ///
    /// Packs eight flags per step, for parsers that record validity as bytes in raw memory
    /// (one store per value) and build the bitmap once per batch.
    public init(flags: UnsafeBufferPointer<UInt8>) {
        let count = flags.count
        let wordCount = (count + 63) >> 6
        words = [UInt64](unsafeUninitializedCapacity: wordCount) { out, initialized in
            guard let base = flags.baseAddress else { initialized = 0; return }
            let raw = UnsafeRawPointer(base)
            for w in 0..<wordCount {
                var word: UInt64 = 0
                let start = w << 6
                let end = Swift.min(start + 64, count)
                var i = start
                // Eight flags at a time: nonzero bytes to 0x01, then gathered by a multiply.
                while i + 8 <= end {
                    var v = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                    v = ((v | (v >> 4)) | ((v | (v >> 4)) >> 2))
                    v = (v | (v >> 1)) & 0x0101_0101_0101_0101
                    word |= ((v &* 0x0102_0408_1020_4080) >> 56) << UInt64(i - start)
                    i += 8
                }
                while i < end {
                    if base[i] != 0 { word |= 1 << UInt64(i - start) }
                    i += 1
                }
                out[w] = word
            }
            initialized = wordCount
        }
        bitOffset = 0
        bitCount = count
    }

    /// A bitmap from a sequence of booleans.
    public init<S: Sequence>(_ bits: S) where S.Element == Bool {
        self.init()
        for bit in bits { append(bit) }
    }

    /// Reserves room for `capacity` bits in total.
    public mutating func reserveCapacity(_ capacity: Int) {
        words.reserveCapacity((capacity + bitOffset + 63) >> 6)
    }

    /// The bit at `index`.
    @inlinable
    public subscript(index: Int) -> Bool {
        precondition(index >= 0 && index < count, "bitmap index out of range")
        let bit = index &+ bitOffset
        return words[bit >> 6] & (1 << UInt64(bit & 63)) != 0
    }

    /// Sets or clears the bit at `index`.
    @inlinable
    public mutating func set(_ index: Int, to value: Bool) {
        precondition(index >= 0 && index < count, "bitmap index out of range")
        let bit = index &+ bitOffset
        if value { words[bit >> 6] |= 1 << UInt64(bit & 63) } else { words[bit >> 6] &= ~(1 << UInt64(bit & 63)) }
    }

    /// Appends one bit.
    @inlinable
    public mutating func append(_ value: Bool) {
        let bit = count &+ bitOffset
        if bit & 63 == 0 { words.append(0) }
        if value { words[bit >> 6] |= 1 << UInt64(bit & 63) }
        bitCount &+= 1
    }

    /// Appends `n` copies of `value`.
    public mutating func append(repeating value: Bool, count n: Int) {
        // Fill the current word bit by bit, then whole words.
        var remaining = n
        while remaining > 0 && (count &+ bitOffset) & 63 != 0 {
            append(value)
            remaining -= 1
        }
        while remaining >= 64 {
            words.append(value ? ~0 : 0)
            bitCount += 64
            remaining -= 64
        }
        while remaining > 0 {
            append(value)
            remaining -= 1
        }
    }

    /// The number of set bits.
    public var setCount: Int {
        guard count > 0 else { return 0 }
        let first = bitOffset
        let last = bitOffset + count  // exclusive
        let firstWord = first >> 6
        let lastWord = (last - 1) >> 6
        var total = 0
        for w in firstWord...lastWord {
            var word = words[w]
            if w == firstWord { word &= ~0 << UInt64(first & 63) }
            if w == lastWord, last & 63 != 0 { word &= (1 << UInt64(last & 63)) - 1 }
            total += word.nonzeroBitCount
        }
        return total
    }

    /// The number of clear bits.
    public var unsetCount: Int { count - setCount }

    /// The bits `range` as a new bitmap sharing storage.
    public func slice(_ range: Range<Int>) -> Bitmap {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "bitmap slice out of range")
        var copy = self
        copy.bitOffset = bitOffset + range.lowerBound
        copy.bitCount = range.count
        return copy
    }

    /// The bits as booleans.
    public var bits: [Bool] { (0..<count).map { self[$0] } }

    public static func == (lhs: Bitmap, rhs: Bitmap) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for i in 0..<lhs.count where lhs[i] != rhs[i] { return false }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for i in 0..<count { hasher.combine(self[i]) }
    }
}

/// Accumulates validity bits, allocating nothing until the first null is appended.
///
/// Most columns have no nulls; this keeps them free of a bitmap entirely.
public struct ValidityBuilder: Sendable {
    @usableFromInline var bitmap: Bitmap?
    @usableFromInline var length: Int = 0
    @usableFromInline var reserved: Int = 0

    public init() {}

    /// Reserves room for `capacity` entries.
    public mutating func reserveCapacity(_ capacity: Int) {
        reserved = capacity
        bitmap?.reserveCapacity(capacity)
    }

    /// Records a present value.
    @inlinable
    public mutating func appendValid() {
        if bitmap != nil { bitmap!.append(true) }
        length &+= 1
    }

    /// Records a null.
    @inlinable
    public mutating func appendNull() {
        if bitmap == nil { materialize() }
        bitmap!.append(false)
        length &+= 1
    }

    @usableFromInline
    mutating func materialize() {
        var fresh = Bitmap(repeating: true, count: length)
        fresh.reserveCapacity(Swift.max(reserved, length + 1))
        bitmap = fresh
    }

    /// The number of entries appended.
    public var count: Int { length }

    /// The finished validity bitmap, or `nil` when every value is present.
    public mutating func finish() -> Bitmap? {
        defer { bitmap = nil; length = 0 }
        return bitmap
    }
}
