import LakeColumnar

/// Raw storage of one batch's variable-length values: offsets and one growing byte heap.
///
/// Writes are speculative: value `row` is written at `offsets[row]` and only becomes part of
/// the batch when the row count moves past it, so a row abandoned halfway (a malformed line)
/// is simply overwritten by the next one. Plain pointers rather than arrays: the parsing loop
/// writes every value, and arrays would pay a uniqueness and capacity check per write.
struct ByteStringStore {
    /// `rowCapacity + 1` offsets; `offsets[0] == 0`.
    private(set) var offsets: UnsafeMutablePointer<Int>
    private(set) var heap: UnsafeMutablePointer<UInt8>
    private(set) var heapCapacity: Int
    private(set) var rowCapacity: Int

    init(rowCapacity: Int, heapCapacity: Int) {
        self.rowCapacity = rowCapacity
        offsets = .allocate(capacity: rowCapacity + 1)
        offsets[0] = 0
        self.heapCapacity = max(heapCapacity, 64)
        heap = .allocate(capacity: self.heapCapacity)
    }

    func deallocate() {
        offsets.deallocate()
        heap.deallocate()
    }

    /// Writes `count` bytes at `p` as value `row`.
    @inline(__always)
    mutating func set(row: Int, _ p: UnsafePointer<UInt8>, _ count: Int) {
        let start = offsets[row]
        let end = start &+ count
        if end > heapCapacity { grow(toAtLeast: end) }
        RawBytes.copy(heap + start, p, count)
        offsets[row &+ 1] = end
    }

    /// Writes an empty value (the slot of a null) as value `row`.
    @inline(__always)
    func setEmpty(row: Int) {
        offsets[row &+ 1] = offsets[row]
    }

    /// Makes room for `count` more bytes after value `row - 1` and returns where they go; the
    /// caller writes them and then calls ``close(row:length:)``. For values built in place.
    mutating func reserve(row: Int, count: Int) -> UnsafeMutablePointer<UInt8> {
        let start = offsets[row]
        if start + count > heapCapacity { grow(toAtLeast: start + count) }
        return heap + start
    }

    /// Ends value `row` after `length` bytes written into ``reserve(row:count:)``'s space.
    @inline(__always)
    func close(row: Int, length: Int) {
        offsets[row &+ 1] = offsets[row] &+ length
    }

    /// Makes room for `rows` values (for stores whose row count is not bounded by a batch).
    mutating func ensureRowCapacity(_ rows: Int) {
        guard rows > rowCapacity else { return }
        let fresh = UnsafeMutablePointer<Int>.allocate(capacity: rows + 1)
        fresh.update(from: offsets, count: rowCapacity + 1)
        offsets.deallocate()
        offsets = fresh
        rowCapacity = rows
    }

    /// Bytes held by the first `rows` values.
    func byteCount(rows: Int) -> Int { offsets[rows] }

    private mutating func grow(toAtLeast needed: Int) {
        var capacity = heapCapacity
        while capacity < needed { capacity = capacity &* 2 }
        let fresh = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        fresh.update(from: heap, count: heapCapacity)
        heap.deallocate()
        heap = fresh
        heapCapacity = capacity
    }

    /// A ``BinaryColumn`` of the first `rows` values (copied out; the store is then reusable).
    func column(rows: Int, validity: Bitmap?) -> BinaryColumn {
        let offsetArray = Array(UnsafeBufferPointer(start: offsets, count: rows + 1))
        let byteArray = Array(UnsafeBufferPointer(start: heap, count: offsets[rows]))
        // Offsets start at 0 and never decrease: each value ends where the next one starts.
        return BinaryColumn(trustedOffsets: offsetArray, bytes: byteArray, validity: validity)
    }
}
