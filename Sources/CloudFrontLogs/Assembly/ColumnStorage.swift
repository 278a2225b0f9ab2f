import LakeColumnar

/// The raw memory behind one batch of parsed rows: per slot, values and validity flags (one
/// byte per row), text heaps and dictionaries; plus the lineage columns and extra fields.
///
/// Allocated once per reader and reused batch after batch; freed with the reader. The hot path
/// reads the pointers through ``RawSlots`` (a plain struct), so that no reference to this class
/// is retained and released per value.
final class ColumnStorage {
    let slotCount: Int
    let rowCapacity: Int
    let kinds: UnsafeMutablePointer<RowAssembler.Kind>
    /// Fixed-width values (Int32, Int64, Float, or Int32 dictionary indices) per slot.
    let values: UnsafeMutablePointer<UnsafeMutableRawPointer>
    /// 1 = present, 0 = null, per slot and row.
    let valid: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>>
    let strings: UnsafeMutablePointer<ByteStringStore>
    let interners: UnsafeMutablePointer<ByteStringInterner>
    /// The row serial that last wrote each slot: slots not written by a row become null.
    let written: UnsafeMutablePointer<Int>
    /// Per slot, the slot of its percent-decoded column (or -1), and the decode depth.
    let decodeTargets: UnsafeMutablePointer<Int>
    let decodeDepths: UnsafeMutablePointer<PercentDecoding.Depth>

    let timestamps: UnsafeMutablePointer<Int64>
    let timestampValid: UnsafeMutablePointer<UInt8>
    let lines: UnsafeMutablePointer<Int64>
    let truncated: UnsafeMutablePointer<UInt8>
    /// `extra_fields`: per row, the end of its entries; entries as keys, values, value flags.
    let extraOffsets: UnsafeMutablePointer<Int>
    let extraKeys: UnsafeMutablePointer<ByteStringStore>
    let extraValues: UnsafeMutablePointer<ByteStringStore>
    private(set) var extraValid: UnsafeMutablePointer<UInt8>
    private var extraCapacity: Int

    init(kinds kindList: [RowAssembler.Kind], rowCapacity: Int, decodeTargets targets: [Int],
         decodeDepths depths: [PercentDecoding.Depth]) {
        slotCount = kindList.count
        self.rowCapacity = rowCapacity
        let n = max(slotCount, 1)
        kinds = .allocate(capacity: n)
        kinds.initialize(from: kindList, count: slotCount)
        values = .allocate(capacity: n)
        valid = .allocate(capacity: n)
        strings = .allocate(capacity: n)
        interners = .allocate(capacity: n)
        written = .allocate(capacity: n)
        written.initialize(repeating: 0, count: n)
        decodeTargets = .allocate(capacity: n)
        decodeTargets.initialize(from: targets, count: slotCount)
        decodeDepths = .allocate(capacity: n)
        decodeDepths.initialize(from: depths, count: slotCount)
        for (slot, kind) in kindList.enumerated() {
            let width: Int
            switch kind {
            case .int64: width = 8
            case .string, .time: width = 0
            default: width = 4
            }
            (values + slot).initialize(to: .allocate(byteCount: max(width * rowCapacity, 8), alignment: 8))
            (valid + slot).initialize(to: .allocate(capacity: rowCapacity))
            let isText = kind == .string || kind == .time
            (strings + slot).initialize(to: ByteStringStore(rowCapacity: isText ? rowCapacity : 0,
                                                            heapCapacity: isText ? rowCapacity * 16 : 0))
            (interners + slot).initialize(to: ByteStringInterner())
        }
        timestamps = .allocate(capacity: rowCapacity)
        timestampValid = .allocate(capacity: rowCapacity)
        lines = .allocate(capacity: rowCapacity)
        truncated = .allocate(capacity: rowCapacity)
        extraOffsets = .allocate(capacity: rowCapacity + 1)
        extraOffsets[0] = 0
        extraCapacity = 16
        extraKeys = .allocate(capacity: 1)
        extraKeys.initialize(to: ByteStringStore(rowCapacity: extraCapacity, heapCapacity: 256))
        extraValues = .allocate(capacity: 1)
        extraValues.initialize(to: ByteStringStore(rowCapacity: extraCapacity, heapCapacity: 256))
        extraValid = .allocate(capacity: extraCapacity)
    }

    deinit {
        for slot in 0..<slotCount {
            values[slot].deallocate()
            valid[slot].deallocate()
            strings[slot].deallocate()
        }
        kinds.deallocate()
        values.deallocate()
        valid.deallocate()
        strings.deallocate()
        interners.deinitialize(count: slotCount)
        interners.deallocate()
        written.deallocate()
        decodeTargets.deallocate()
        decodeDepths.deallocate()
        timestamps.deallocate()
        timestampValid.deallocate()
        lines.deallocate()
        truncated.deallocate()
        extraOffsets.deallocate()
        extraKeys.pointee.deallocate()
        extraKeys.deallocate()
        extraValues.pointee.deallocate()
        extraValues.deallocate()
        extraValid.deallocate()
    }

    /// The per-slot pointers, for the row loop.
    var slots: RawSlots {
        RawSlots(kinds: kinds, values: values, valid: valid, strings: strings, interners: interners, written: written,
                 decodeTargets: decodeTargets, decodeDepths: decodeDepths, timestamps: timestamps,
                 timestampValid: timestampValid, lines: lines, truncated: truncated, extraOffsets: extraOffsets)
    }

    /// Makes room for `count` extra-field entries in the batch.
    func ensureExtraCapacity(_ count: Int) {
        guard count > extraCapacity else { return }
        var capacity = extraCapacity
        while capacity < count { capacity *= 2 }
        extraKeys.pointee.ensureRowCapacity(capacity)
        extraValues.pointee.ensureRowCapacity(capacity)
        let flags = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        flags.update(from: extraValid, count: extraCapacity)
        extraValid.deallocate()
        extraValid = flags
        extraCapacity = capacity
    }

    /// Starts the next batch: dictionaries are emptied (each batch carries its own).
    func resetForNextBatch() {
        for slot in 0..<slotCount where kinds[slot] == .dictionary { interners[slot].reset() }
    }

    /// Validity of `rows` flags: `nil` when all are set.
    static func validity(_ flags: UnsafeMutablePointer<UInt8>, _ rows: Int) -> Bitmap? {
        let raw = UnsafeRawPointer(flags)
        var i = 0
        var allSet = true
        while i + 8 <= rows {
            if raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) != 0x0101_0101_0101_0101 { allSet = false; break }
            i += 8
        }
        while allSet && i < rows {
            if flags[i] == 0 { allSet = false }
            i += 1
        }
        return allSet ? nil : Bitmap(flags: UnsafeBufferPointer(start: flags, count: rows))
    }

    /// Slot `slot`'s first `rows` values as a column (copied out of the raw memory).
    func column(slot: Int, rows: Int) -> Column {
        let validity = Self.validity(valid[slot], rows)
        switch kinds[slot] {
        case .date, .int32:
            return .int32(PrimitiveColumn(values: Self.array(values[slot], Int32.self, rows), validity: validity))
        case .int64:
            return .int64(PrimitiveColumn(values: Self.array(values[slot], Int64.self, rows), validity: validity))
        case .float32:
            return .float32(PrimitiveColumn(values: Self.array(values[slot], Float.self, rows), validity: validity))
        case .string, .time:
            return .binary(strings[slot].column(rows: rows, validity: validity))
        case .dictionary:
            let indices = PrimitiveColumn(values: Self.array(values[slot], Int32.self, rows), validity: validity)
            // Every stored index came from this batch's interner.
            return .dictionary(DictionaryColumn(trustedIndices: indices, dictionary: interners[slot].dictionary()))
        }
    }

    /// `extra_fields` of the first `rows` rows.
    func extrasColumn(rows: Int) -> MapColumn {
        let entries = extraOffsets[rows]
        let keys = extraKeys.pointee.column(rows: entries, validity: nil)
        let values = extraValues.pointee.column(rows: entries, validity: Self.validity(extraValid, entries))
        // Offsets are monotonic by construction, and keys and values have one entry each.
        return try! MapColumn(offsets: Array(UnsafeBufferPointer(start: extraOffsets, count: rows + 1)),
                              keys: .binary(keys), values: .binary(values))
    }

    private static func array<T>(_ raw: UnsafeMutableRawPointer, _: T.Type, _ rows: Int) -> [T] {
        Array(UnsafeBufferPointer(start: raw.assumingMemoryBound(to: T.self), count: rows))
    }
}

/// The per-slot pointers of a ``ColumnStorage``, copied out so that writing a value touches
/// memory only (the storage object outlives every use: the assembler holds it).
struct RawSlots {
    let kinds: UnsafeMutablePointer<RowAssembler.Kind>
    let values: UnsafeMutablePointer<UnsafeMutableRawPointer>
    let valid: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>>
    let strings: UnsafeMutablePointer<ByteStringStore>
    let interners: UnsafeMutablePointer<ByteStringInterner>
    let written: UnsafeMutablePointer<Int>
    let decodeTargets: UnsafeMutablePointer<Int>
    let decodeDepths: UnsafeMutablePointer<PercentDecoding.Depth>
    let timestamps: UnsafeMutablePointer<Int64>
    let timestampValid: UnsafeMutablePointer<UInt8>
    let lines: UnsafeMutablePointer<Int64>
    let truncated: UnsafeMutablePointer<UInt8>
    let extraOffsets: UnsafeMutablePointer<Int>
}
