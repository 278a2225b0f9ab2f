import CLakeSIMD

/// Where fields and lines end in a window of text: the offset of every delimiter and line
/// feed, found 64 bytes at a time from bit masks (see `LakeSIMD.h`), so that the row loop
/// walks a short list of positions instead of testing every byte.
struct StructuralIndex {
    /// Offsets in the window of every delimiter and line feed, in order.
    private(set) var positions: UnsafeMutablePointer<UInt32>
    /// For every line feed, its index in ``positions``.
    private(set) var lineEnds: UnsafeMutablePointer<UInt32>
    /// Entries in ``positions``.
    private(set) var count = 0
    /// Entries in ``lineEnds``.
    private(set) var lineCount = 0
    /// Whether a byte ≥ 0x80 was seen since the last ``reset()`` (lines then need a UTF-8 check).
    private(set) var sawNonASCII = false
    private var capacity: Int

    /// An index for windows of up to `capacity` bytes.
    init(capacity: Int) {
        self.capacity = capacity
        positions = .allocate(capacity: capacity + 72)
        lineEnds = .allocate(capacity: capacity + 1)
    }

    func deallocate() {
        positions.deallocate()
        lineEnds.deallocate()
    }

    mutating func reset() {
        count = 0
        lineCount = 0
        sawNonASCII = false
    }

    /// Grows to index windows of `capacity` bytes (the entries so far are dropped).
    mutating func resize(capacity newCapacity: Int) {
        deallocate()
        capacity = newCapacity
        positions = .allocate(capacity: capacity + 72)
        lineEnds = .allocate(capacity: capacity + 1)
        reset()
    }

    /// Indexes `base[from..<to]`; at least 64 bytes past `to` must be readable (the window's
    /// padding), and are ignored.
    @inline(__always)
    mutating func scan(_ base: UnsafePointer<UInt8>, from: Int, to: Int, delimiter: UInt8) {
        var n = count
        var lines = lineCount
        var high: UInt64 = 0
        let positions = self.positions, lineEnds = self.lineEnds
        var block = from
        while block < to {
            let masks = lake_classify64(base + block, delimiter)
            var bits = masks.delimiters | masks.newlines
            var newlines = masks.newlines
            var blockHigh = masks.high
            let remaining = to &- block
            if remaining < 64 {
                let keep: UInt64 = (1 << UInt64(remaining)) &- 1
                bits &= keep
                newlines &= keep
                blockHigh &= keep
            }
            high |= blockHigh
            // Eight positions written unconditionally (a block rarely has more), so the common
            // block costs no data-dependent branch; writes past the real count are overwritten.
            let found = bits.nonzeroBitCount
            var b = bits
            var k = 0
            repeat {
                for j in 0..<8 {
                    positions[n &+ k &+ j] = UInt32(truncatingIfNeeded: block &+ b.trailingZeroBitCount)
                    b &= b &- 1
                }
                k &+= 8
            } while k < found
            // Line feeds: their entry index is the count of entries before them in the block.
            while newlines != 0 {
                let bit = newlines.trailingZeroBitCount
                let below = bits & ((1 << UInt64(bit)) &- 1)
                lineEnds[lines] = UInt32(truncatingIfNeeded: n &+ below.nonzeroBitCount)
                lines &+= 1
                newlines &= newlines &- 1
            }
            n &+= found
            block &+= 64
        }
        count = n
        lineCount = lines
        if high != 0 { sawNonASCII = true }
    }
}
