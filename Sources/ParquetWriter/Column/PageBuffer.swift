import LakeColumnar

/// The values and levels of the data page being filled for one leaf column.
///
/// While the chunk's dictionary is in use, values are stored as dictionary ``indices``;
/// otherwise in the typed array of the leaf's physical type. Reused page after page.
struct PageBuffer {
    var definitionLevels: [Int16] = []
    var repetitionLevels: [Int16] = []
    var indices: [UInt32] = []
    var bools: [Bool] = []
    var int32s: [Int32] = []
    var int64s: [Int64] = []
    var floats: [Float] = []
    var doubles: [Double] = []
    var bytes = ByteArrays()
    /// BYTE_ARRAY values already PLAIN-encoded (length, bytes), for pages written PLAIN: their
    /// bytes are copied once, straight into the encoding.
    var plain: [UInt8] = []
    /// Level entries (values and nulls).
    var entryCount = 0
    /// Rows that start in this page.
    var rowCount = 0
    /// Non-null values.
    var valueCount = 0
    var nanCount: Int64 = 0
    /// Bytes of the BYTE_ARRAY values before encoding (size statistics).
    var unencodedBytes: Int64 = 0
    /// Dictionary entries used by this page, each listed once (for the page's bounds).
    var usedEntries: [Int32] = []
    /// Values bytes as they will be encoded, for the page-size limit.
    var estimatedBytes = 0

    var isEmpty: Bool { entryCount == 0 }

    /// Appends PLAIN-encoded byte arrays: `fill` writes them at the pointer it is given (room
    /// for `maxBytes`) and returns the bytes it wrote.
    @inline(__always)
    mutating func appendPlain(maxBytes: Int, _ fill: (UnsafeMutableRawPointer) -> Int) {
        let start = plain.count
        plain.append(contentsOf: repeatElement(0, count: maxBytes))
        let used = plain.withUnsafeMutableBytes { fill($0.baseAddress! + start) }
        plain.removeLast(maxBytes - used)
    }

    /// Writes one PLAIN BYTE_ARRAY value (little-endian u32 length, then the bytes) at `out`;
    /// returns the bytes written.
    @inline(__always)
    static func writePlain(_ value: UnsafeRawPointer, _ count: Int, to out: UnsafeMutableRawPointer) -> Int {
        out.storeBytes(of: UInt32(truncatingIfNeeded: count).littleEndian, as: UInt32.self)
        RawBytes.copy(out + 4, value, count)
        return count &+ 4
    }

    mutating func removeAll() {
        definitionLevels.removeAll(keepingCapacity: true)
        repetitionLevels.removeAll(keepingCapacity: true)
        indices.removeAll(keepingCapacity: true)
        bools.removeAll(keepingCapacity: true)
        int32s.removeAll(keepingCapacity: true)
        int64s.removeAll(keepingCapacity: true)
        floats.removeAll(keepingCapacity: true)
        doubles.removeAll(keepingCapacity: true)
        bytes.offsets.removeAll(keepingCapacity: true)
        bytes.offsets.append(0)
        bytes.data.removeAll(keepingCapacity: true)
        plain.removeAll(keepingCapacity: true)
        usedEntries.removeAll(keepingCapacity: true)
        entryCount = 0
        rowCount = 0
        valueCount = 0
        nanCount = 0
        unencodedBytes = 0
        estimatedBytes = 0
    }
}

/// The distinct values of a numeric column chunk (by bit pattern), in first-seen order.
///
/// Open addressing over indices into ``keys`` (4 bytes a slot keeps the table small for
/// high-cardinality columns, whose tables outgrow the L1 cache).
struct NumberDictionary {
    private(set) var keys: [UInt64] = []
    private var table = [Int32](repeating: -1, count: 256)
    private var shift: UInt64 = 56

    var count: Int { keys.count }

    @inline(__always)
    mutating func intern(_ key: UInt64) -> Int32 {
        // Fibonacci hashing: the product's top bits depend on every bit of the key.
        var slot = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
        let found: Int32 = table.withUnsafeBufferPointer { table in
            keys.withUnsafeBufferPointer { keys in
                let mask = table.count &- 1
                while true {
                    let entry = table[slot]
                    if entry < 0 || keys[Int(entry)] == key { return entry }
                    slot = (slot &+ 1) & mask
                }
            }
        }
        if found >= 0 { return found }
        let index = Int32(keys.count)
        keys.append(key)
        table[slot] = index
        if keys.count * 2 > table.count { grow() }
        return index
    }

    private mutating func grow() {
        let size = table.count * 2
        shift -= 1
        table = [Int32](repeating: -1, count: size)
        let mask = size - 1
        for (i, key) in keys.enumerated() {
            var slot = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
            while table[slot] >= 0 { slot = (slot &+ 1) & mask }
            table[slot] = Int32(i)
        }
    }
}
