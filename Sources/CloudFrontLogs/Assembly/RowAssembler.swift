import LakeColumnar

/// Types field values as they are read and writes them straight into the batch's raw columns.
///
/// Every value of the row being parsed is written at row index ``rowCount``; only
/// ``commit(lineNumber:truncated:nullFill:)`` moves the row count past it. A row given up
/// halfway (``abandonRow()``) therefore leaves nothing behind: its values are overwritten by
/// the next row, and dictionary values it added are removed. This is what lets a malformed line
/// be rejected after some of its fields were already stored, with one pass over the line.
///
/// Storage is plain memory sized for one batch (see ``ColumnStorage``), copied into
/// ``RecordBatch`` columns once per batch by ``finish()``.
struct RowAssembler {
    /// Slot of a position whose value is the real-time epoch timestamp.
    static let epochSlot = -2
    /// Slot of a position with an unknown field name (kept in `extra_fields`).
    static let extraSlot = -1

    /// How a slot's values are typed and stored.
    enum Kind: UInt8 {
        /// `YYYY-MM-DD` → days since the epoch (Int32).
        case date
        /// `HH:MM:SS`, stored as text; its seconds feed the row's timestamp.
        case time
        case string
        case dictionary
        case int64
        case int32
        case float32
    }

    let layout: CloudFrontSchema
    /// Catalogue fields, then one slot per decoded column.
    let slotCount: Int
    let fieldCount: Int
    let rowCapacity: Int
    let storage: ColumnStorage
    /// `storage`'s slot pointers (see ``RawSlots``).
    let raw: RawSlots
    let dateSlot: Int?
    let timeSlot: Int?

    /// Rows committed in the current batch.
    private(set) var rowCount = 0
    /// Stamps the slots written by the current row (see `ColumnStorage.written`); a new value
    /// for every row, abandoned or not, so stale stamps never match.
    private var serial = 1
    private var timeSeconds = -1
    private var epochMicros: Int64?
    private var epochSerial = 0
    /// Slots whose dictionary gained a value in the current row, for rollback.
    private var newEntrySlots: [Int] = []
    private var extraCount = 0
    private var recentDateFirst: UInt64 = 0
    private var recentDateLast: UInt64 = 0
    private var recentDate: Int32?
    /// Why the last failed ``set(slot:_:_:nullOnError:)`` failed.
    private(set) var failure: RejectReason?

    init(layout: CloudFrontSchema, rowCapacity: Int) {
        self.layout = layout
        self.rowCapacity = max(rowCapacity, 1)
        fieldCount = layout.fields.count
        slotCount = fieldCount + layout.decoded.count
        var kinds: [Kind] = layout.fields.map { field in
            switch field.dataType {
            case .date32: return .date
            case .int64: return .int64
            case .int32: return .int32
            case .float32: return .float32
            case .dictionaryString: return .dictionary
            default: return field == .time ? .time : .string
            }
        }
        kinds += layout.decoded.map { _ in .string }
        var decodeTargets = [Int](repeating: -1, count: slotCount)
        var decodeDepths = [PercentDecoding.Depth](repeating: .once, count: slotCount)
        for (i, entry) in layout.decoded.enumerated() {
            guard let source = layout.fields.firstIndex(of: entry.field) else { continue }
            decodeTargets[source] = fieldCount + i
            decodeDepths[source] = entry.depth
        }
        storage = ColumnStorage(kinds: kinds, rowCapacity: self.rowCapacity, decodeTargets: decodeTargets,
                                decodeDepths: decodeDepths)
        raw = storage.slots
        dateSlot = layout.fields.firstIndex(of: .date)
        timeSlot = layout.fields.firstIndex(of: .time)
    }

    /// The slot of `field`, or nil when the layout has no column for it.
    func slot(of field: CloudFrontField) -> Int? { layout.fields.firstIndex(of: field) }

    /// Whether the batch is full.
    var isFull: Bool { rowCount >= rowCapacity }

    // MARK: - Writing one row

    /// Types the value of `n` bytes at `p` and stores it in `slot` for the current row.
    ///
    /// `-` is null. A value that does not parse becomes null when `nullOnError`; otherwise the
    /// call returns false, ``failure`` says why, and the row must be abandoned.
    @inline(__always)
    mutating func set(slot: Int, _ p: UnsafePointer<UInt8>, _ n: Int, nullOnError: Bool) -> Bool {
        let s = raw
        s.written[slot] = serial
        let r = rowCount
        if n == 1 && p[0] == UInt8(ascii: "-") {
            setNull(slot: slot, row: r)
            return true
        }
        switch s.kinds[slot] {
        case .string:
            s.strings[slot].set(row: r, p, n)
            s.valid[slot][r] = 1
            let target = s.decodeTargets[slot]
            if target >= 0 { setDecoded(target: target, depth: s.decodeDepths[slot], p, n, row: r) }
            return true
        case .dictionary:
            var isNew = false
            let index = s.interners[slot].intern(p, n, isNew: &isNew)
            if isNew { newEntrySlots.append(slot) }
            s.values[slot].storeBytes(of: index, toByteOffset: r &<< 2, as: Int32.self)
            s.valid[slot][r] = 1
            let target = s.decodeTargets[slot]
            if target >= 0 { setDecoded(target: target, depth: s.decodeDepths[slot], p, n, row: r) }
            return true
        case .int64:
            guard let v = ValueParsers.int64(p, n) else { return invalid(slot: slot, p, n, nullOnError: nullOnError) }
            s.values[slot].storeBytes(of: v, toByteOffset: r &<< 3, as: Int64.self)
        case .int32:
            guard let v = ValueParsers.int32(p, n) else { return invalid(slot: slot, p, n, nullOnError: nullOnError) }
            s.values[slot].storeBytes(of: v, toByteOffset: r &<< 2, as: Int32.self)
        case .float32:
            guard let v = ValueParsers.float(p, n) else { return invalid(slot: slot, p, n, nullOnError: nullOnError) }
            s.values[slot].storeBytes(of: v, toByteOffset: r &<< 2, as: Float.self)
        case .date:
            guard let v = ValueParsers.date(p, n) else { return invalid(slot: slot, p, n, nullOnError: nullOnError) }
            s.values[slot].storeBytes(of: v, toByteOffset: r &<< 2, as: Int32.self)
        case .time:
            s.strings[slot].set(row: r, p, n)
            timeSeconds = ValueParsers.timeOfDay(p, n) ?? -1
        }
        s.valid[slot][r] = 1
        return true
    }

    @inline(never)
    private mutating func invalid(slot: Int, _ p: UnsafePointer<UInt8>, _ n: Int, nullOnError: Bool) -> Bool {
        setNull(slot: slot, row: rowCount)
        if nullOnError { return true }
        failure = .invalidValue(field: layout.fields[slot].logName,
                                value: String(decoding: UnsafeBufferPointer(start: p, count: min(n, 200)), as: UTF8.self))
        return false
    }

    @inline(__always)
    private mutating func setNull(slot: Int, row r: Int) {
        let s = raw
        s.valid[slot][r] = 0
        switch s.kinds[slot] {
        case .string, .time: s.strings[slot].setEmpty(row: r)
        case .int64: s.values[slot].storeBytes(of: 0, toByteOffset: r &<< 3, as: Int64.self)
        case .dictionary, .int32, .float32, .date: s.values[slot].storeBytes(of: 0, toByteOffset: r &<< 2, as: Int32.self)
        }
        if slot == timeSlot { timeSeconds = -1 }
    }

    /// Writes the percent-decoded form of a value into its `_decoded` slot.
    private mutating func setDecoded(target: Int, depth: PercentDecoding.Depth, _ p: UnsafePointer<UInt8>, _ n: Int, row r: Int) {
        let s = raw
        s.written[target] = serial
        s.valid[target][r] = 1
        // Decoding never lengthens a value, so the input's length is room enough.
        let out = s.strings[target].reserve(row: r, count: n)
        let length = PercentDecoding.decode(UnsafeRawBufferPointer(start: p, count: n), depth: depth, writingTo: out)
        let decoded = UnsafeRawBufferPointer(start: out, count: length)
        if RawBytes.isValidUTF8(decoded) {
            s.strings[target].close(row: r, length: length)
        } else {
            // Decoded bytes that are not UTF-8 are repaired with U+FFFD (policy rule 5).
            var repaired = String(decoding: decoded, as: UTF8.self)
            repaired.withUTF8 { s.strings[target].set(row: r, $0.baseAddress!, $0.count) }
        }
    }

    /// Types and stores the values of a line laid out as `plan` expects, one kind at a time
    /// (see ``FieldPlan``), and nulls the slots the layout lacks. Returns false when a value
    /// does not parse and `nullOnError` is false: the caller abandons the row and takes the
    /// general path, which names the first bad value in line order.
    @inline(__always)
    mutating func setPlanned(_ plan: FieldPlan, _ f: LineFields, nullOnError: Bool) -> Bool {
        let r = rowCount
        let base = f.base
        let dash = UInt8(ascii: "-")
        let s = raw
        for step in plan.dictionaries {
            let start = f.start(step.position), n = f.end(step.position) &- start
            let p = base + start
            var index: Int32 = 0
            var present: UInt8 = 0
            if n != 1 || p[0] != dash {
                var isNew = false
                index = s.interners[step.slot].intern(p, n, isNew: &isNew)
                if isNew { newEntrySlots.append(step.slot) }
                present = 1
            }
            step.values.storeBytes(of: index, toByteOffset: r &<< 2, as: Int32.self)
            step.valid[r] = present
        }
        for step in plan.strings {
            let start = f.start(step.position), n = f.end(step.position) &- start
            let p = base + start
            if n == 1 && p[0] == dash {
                s.strings[step.slot].setEmpty(row: r)
                step.valid[r] = 0
            } else {
                s.strings[step.slot].set(row: r, p, n)
                step.valid[r] = 1
            }
        }
        for step in plan.int64s {
            let start = f.start(step.position), n = f.end(step.position) &- start
            let p = base + start
            var value: Int64 = 0
            var present: UInt8 = 0
            if n != 1 || p[0] != dash {
                if let v = ValueParsers.int64(p, n) {
                    value = v
                    present = 1
                } else if !nullOnError {
                    return false
                }
            }
            step.values.storeBytes(of: value, toByteOffset: r &<< 3, as: Int64.self)
            step.valid[r] = present
        }
        for step in plan.int32s {
            let start = f.start(step.position), n = f.end(step.position) &- start
            let p = base + start
            var value: Int32 = 0
            var present: UInt8 = 0
            if n != 1 || p[0] != dash {
                if let v = ValueParsers.int32(p, n) {
                    value = v
                    present = 1
                } else if !nullOnError {
                    return false
                }
            }
            step.values.storeBytes(of: value, toByteOffset: r &<< 2, as: Int32.self)
            step.valid[r] = present
        }
        for step in plan.floats {
            let start = f.start(step.position), n = f.end(step.position) &- start
            let p = base + start
            var value: Float = 0
            var present: UInt8 = 0
            if n != 1 || p[0] != dash {
                if let v = ValueParsers.float(p, n) {
                    value = v
                    present = 1
                } else if !nullOnError {
                    return false
                }
            }
            step.values.storeBytes(of: value, toByteOffset: r &<< 2, as: Float.self)
            step.valid[r] = present
        }
        for step in plan.dates {
            let start = f.start(step.position), n = f.end(step.position) &- start
            let p = base + start
            var value: Int32 = 0
            var present: UInt8 = 0
            if n != 1 || p[0] != dash {
                if let v = recentDays(p, n) {
                    value = v
                    present = 1
                } else if !nullOnError {
                    return false
                }
            }
            step.values.storeBytes(of: value, toByteOffset: r &<< 2, as: Int32.self)
            step.valid[r] = present
        }
        for step in plan.times {
            let start = f.start(step.position), n = f.end(step.position) &- start
            let p = base + start
            if n == 1 && p[0] == dash {
                s.strings[step.slot].setEmpty(row: r)
                step.valid[r] = 0
                timeSeconds = -1
            } else {
                s.strings[step.slot].set(row: r, p, n)
                step.valid[r] = 1
                timeSeconds = ValueParsers.timeOfDay(p, n) ?? -1
            }
        }
        for slot in plan.absentSlots { setNull(slot: slot, row: r) }
        return true
    }

    /// Days of a `YYYY-MM-DD` value; the last distinct date is remembered, since a log file
    /// usually spans one or two days.
    @inline(__always)
    private mutating func recentDays(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int32? {
        guard n == 10 else { return nil }
        let raw = UnsafeRawPointer(p)
        let a = raw.loadUnaligned(as: UInt64.self), b = raw.loadUnaligned(fromByteOffset: 2, as: UInt64.self)
        if a == recentDateFirst && b == recentDateLast && recentDate != nil { return recentDate }
        let days = ValueParsers.date(p, n)
        recentDateFirst = a
        recentDateLast = b
        recentDate = days
        return days
    }

    /// Records the real-time epoch timestamp (seconds, optional fraction) of the current row.
    mutating func setEpoch(_ p: UnsafePointer<UInt8>, _ n: Int) {
        epochSerial = serial
        epochMicros = Self.epochMicros(p, n)
    }

    /// Keeps an unknown or surplus field of the current row in `extra_fields`.
    mutating func addExtra(key: [UInt8], _ p: UnsafePointer<UInt8>, _ n: Int) {
        let s = storage
        s.ensureExtraCapacity(extraCount + 1)
        key.withUnsafeBufferPointer { k in s.extraKeys.pointee.set(row: extraCount, k.baseAddress ?? p, k.count) }
        if n == 1 && p[0] == UInt8(ascii: "-") {
            s.extraValues.pointee.setEmpty(row: extraCount)
            s.extraValid[extraCount] = 0
        } else {
            s.extraValues.pointee.set(row: extraCount, p, n)
            s.extraValid[extraCount] = 1
        }
        extraCount += 1
    }

    /// Completes the current row: absent fields become null, the timestamp is derived, and
    /// the row joins the batch. Returns ``RejectReason/missingTimestamp`` (and keeps nothing)
    /// when no timestamp can be derived, unless `nullFill` keeps the row with a null timestamp.
    ///
    /// `checking`: the slots that may be unwritten (all when nil; a ``FieldPlan`` knows which).
    mutating func commit(lineNumber: Int, truncated: Bool, nullFill: Bool, checking: [Int]? = nil) -> RejectReason? {
        let s = raw
        let r = rowCount
        if let checking {
            for slot in checking where s.written[slot] != serial { setNull(slot: slot, row: r) }
        } else {
            for slot in 0..<slotCount where s.written[slot] != serial { setNull(slot: slot, row: r) }
        }

        var timestamp: Int64?
        if epochSerial == serial {
            if let micros = epochMicros {
                timestamp = micros
                let days = micros >= 0 ? micros / 86_400_000_000 : (micros - 86_399_999_999) / 86_400_000_000
                if let ds = dateSlot, s.valid[ds][r] == 0 {
                    s.values[ds].storeBytes(of: Int32(truncatingIfNeeded: days), toByteOffset: r << 2, as: Int32.self)
                    s.valid[ds][r] = 1
                }
                if let ts = timeSlot, s.valid[ts][r] == 0 {
                    var text = Self.formatTime(Int((micros - days * 86_400_000_000) / 1_000_000))
                    text.withUTF8 { s.strings[ts].set(row: r, $0.baseAddress!, $0.count) }
                    s.valid[ts][r] = 1
                }
            }
        } else if let ds = dateSlot, timeSlot != nil, s.valid[ds][r] != 0, timeSeconds >= 0 {
            let days = Int64(s.values[ds].load(fromByteOffset: r << 2, as: Int32.self))
            timestamp = days * 86_400_000_000 + Int64(timeSeconds) * 1_000_000
        }
        if timestamp == nil && !nullFill {
            abandonRow()
            return .missingTimestamp
        }
        s.timestamps[r] = timestamp ?? 0
        s.timestampValid[r] = timestamp == nil ? 0 : 1
        s.lines[r] = Int64(lineNumber)
        s.truncated[r] = truncated ? 1 : 0
        s.extraOffsets[r + 1] = extraCount
        rowCount = r + 1
        startRow()
        return nil
    }

    /// Gives up the current row: nothing of it stays in the batch.
    mutating func abandonRow() {
        let s = raw
        for slot in newEntrySlots.reversed() { s.interners[slot].removeLast() }
        extraCount = s.extraOffsets[rowCount]
        startRow()
    }

    private mutating func startRow() {
        serial &+= 1
        timeSeconds = -1
        if !newEntrySlots.isEmpty { newEntrySlots.removeAll(keepingCapacity: true) }
    }

    // MARK: - Batches

    /// The committed rows as a batch of ``layout``'s schema; the storage starts the next batch.
    mutating func finish(source: String, distribution: String?) -> RecordBatch {
        let s = storage
        let rows = rowCount
        var columns: [Column] = []
        columns.reserveCapacity(layout.schema.fields.count)
        for slot in 0..<fieldCount { columns.append(s.column(slot: slot, rows: rows)) }
        columns.append(.int64(PrimitiveColumn(values: Array(UnsafeBufferPointer(start: s.timestamps, count: rows)),
                                              validity: ColumnStorage.validity(s.timestampValid, rows))))
        columns.append(.dictionary(Self.constant(distribution, rows: rows)))
        columns.append(.dictionary(Self.constant(source, rows: rows)))
        columns.append(.int64(PrimitiveColumn(values: Array(UnsafeBufferPointer(start: s.lines, count: rows)))))
        columns.append(.map(s.extrasColumn(rows: rows)))
        columns.append(.boolean(BooleanColumn(values: Bitmap(flags: UnsafeBufferPointer(start: s.truncated, count: rows)))))
        for slot in fieldCount..<slotCount { columns.append(s.column(slot: slot, rows: rows)) }
        s.resetForNextBatch()
        rowCount = 0
        extraCount = 0
        startRow()
        // Every column holds exactly `rows` values of the schema's storage type.
        return try! RecordBatch(schema: layout.schema, columns: columns)
    }

    /// A column repeating one value (or null) on every row: one dictionary entry.
    static func constant(_ value: String?, rows: Int) -> DictionaryColumn {
        let dictionary = BinaryColumn(value.map { [$0] } ?? [])
        let indices = PrimitiveColumn<Int32>(values: [Int32](repeating: 0, count: rows),
                                             validity: value == nil ? Bitmap(repeating: false, count: rows) : nil)
        // Index 0 exists whenever a row is non-null.
        return try! DictionaryColumn(indices: indices, dictionary: dictionary)
    }

    static func formatTime(_ seconds: Int) -> String {
        let h = seconds / 3600, m = seconds / 60 % 60, s = seconds % 60
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(two(h)):\(two(m)):\(two(s))"
    }

    /// Parses epoch seconds with an optional fraction (`1700000000.123`) to microseconds.
    static func epochMicros(_ p: UnsafePointer<UInt8>, _ count: Int) -> Int64? {
        var i = 0
        var seconds: Int64 = 0
        var sawDigit = false
        while i < count, p[i] != UInt8(ascii: ".") {
            let d = p[i] &- UInt8(ascii: "0")
            guard d < 10, seconds < 100_000_000_000 else { return nil }
            seconds = seconds * 10 + Int64(d)
            sawDigit = true
            i += 1
        }
        guard sawDigit else { return nil }
        var micros: Int64 = 0
        var scale: Int64 = 100_000
        if i < count {
            i += 1  // '.'
            guard i < count else { return nil }
            while i < count {
                let d = p[i] &- UInt8(ascii: "0")
                guard d < 10 else { return nil }
                micros += Int64(d) * scale
                scale /= 10
                i += 1
            }
        }
        return seconds * 1_000_000 + micros
    }
}
