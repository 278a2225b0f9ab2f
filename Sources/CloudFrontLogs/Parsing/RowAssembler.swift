import LakeColumnar

/// Collects one row's raw field values, types them, and appends the row to column builders.
///
/// Typing happens before anything is appended, so a malformed row never leaves a column one
/// value longer than the others.
struct RowAssembler {
    /// Slot of a position whose value is the real-time epoch timestamp.
    static let epochSlot = -2
    /// Slot of a position with an unknown field name (kept in `extra_fields`).
    static let extraSlot = -1

    enum Kind { case date, string, dictionary, int64, int32, float32 }

    let layout: CloudFrontSchema
    let kinds: [Kind]
    let kindIndex: [Int]
    let decodedSlots: [(slot: Int, depth: PercentDecoding.Depth)]
    let dateSlot: Int?
    let timeSlot: Int?

    var strings: [BinaryColumnBuilder] = []
    var dictionaries: [DictionaryColumnBuilder] = []
    var int64s: [PrimitiveColumnBuilder<Int64>] = []
    var int32s: [PrimitiveColumnBuilder<Int32>] = []
    var floats: [PrimitiveColumnBuilder<Float>] = []
    var timestamps = PrimitiveColumnBuilder<Int64>()
    var distributions = DictionaryColumnBuilder()
    var sources = DictionaryColumnBuilder()
    var lines = PrimitiveColumnBuilder<Int64>()
    var extraOffsets: [Int] = [0]
    var extraKeys = BinaryColumnBuilder()
    var extraValues = BinaryColumnBuilder()
    var truncatedFlags = BooleanColumnBuilder()
    var decodedBuilders: [BinaryColumnBuilder] = []
    var decodeScratch: [UInt8] = []

    // Per-row scratch (pointers: see RowScratch).
    let scratch: RowScratch
    var start: UnsafeMutablePointer<Int> { scratch.start }
    var length: UnsafeMutablePointer<Int> { scratch.length }
    var parsedInt: UnsafeMutablePointer<Int64> { scratch.parsedInt }
    var parsedFloat: UnsafeMutablePointer<Float> { scratch.parsedFloat }
    var isNull: UnsafeMutablePointer<Bool> { scratch.isNull }
    var epochStart = 0
    var epochLength = -1
    var extras: [(key: [UInt8], start: Int, length: Int)] = []

    private(set) var rowCount = 0
    var sourceIndex: Int32 = -1
    var distributionIndex: Int32 = -1
    /// Rows per batch, to reserve builder capacity once per batch.
    var reservedRows = 0

    init(layout: CloudFrontSchema) {
        self.layout = layout
        var kinds: [Kind] = [], kindIndex: [Int] = []
        var counts = [0, 0, 0, 0, 0, 0]
        for field in layout.fields {
            let kind: Kind
            switch field.dataType {
            case .date32: kind = .date
            case .int64: kind = .int64
            case .int32: kind = .int32
            case .float32: kind = .float32
            case .dictionaryString: kind = .dictionary
            default: kind = .string
            }
            kinds.append(kind)
            let bucket: Int
            switch kind {
            case .date, .int32: bucket = 0
            case .string: bucket = 1
            case .dictionary: bucket = 2
            case .int64: bucket = 3
            case .float32: bucket = 4
            }
            kindIndex.append(counts[bucket])
            counts[bucket] += 1
        }
        self.kinds = kinds
        self.kindIndex = kindIndex
        int32s = Array(repeating: PrimitiveColumnBuilder<Int32>(), count: counts[0])
        strings = Array(repeating: BinaryColumnBuilder(), count: counts[1])
        dictionaries = Array(repeating: DictionaryColumnBuilder(), count: counts[2])
        int64s = Array(repeating: PrimitiveColumnBuilder<Int64>(), count: counts[3])
        floats = Array(repeating: PrimitiveColumnBuilder<Float>(), count: counts[4])
        decodedSlots = layout.decoded.compactMap { entry in
            layout.fields.firstIndex(of: entry.field).map { (slot: $0, depth: entry.depth) }
        }
        decodedBuilders = Array(repeating: BinaryColumnBuilder(), count: layout.decoded.count)
        dateSlot = layout.fields.firstIndex(of: .date)
        timeSlot = layout.fields.firstIndex(of: .time)
        scratch = RowScratch(slots: layout.fields.count)
    }

    /// The slot of `field`, or nil when the layout has no column for it.
    func slot(of field: CloudFrontField) -> Int? { layout.fields.firstIndex(of: field) }

    /// Reserves builder capacity for a batch of `rows` rows (called when a batch starts).
    mutating func reserve(rows: Int) {
        for i in int32s.indices { int32s[i].reserveCapacity(rows) }
        for i in int64s.indices { int64s[i].reserveCapacity(rows) }
        for i in floats.indices { floats[i].reserveCapacity(rows) }
        for i in dictionaries.indices { dictionaries[i].reserveCapacity(rows) }
        for i in strings.indices { strings[i].reserveCapacity(rows: rows, bytes: rows * 24) }
        timestamps.reserveCapacity(rows)
        lines.reserveCapacity(rows)
        distributions.reserveCapacity(rows)
        sources.reserveCapacity(rows)
        truncatedFlags.reserveCapacity(rows)
        extraOffsets.reserveCapacity(rows + 1)
    }

    mutating func beginRow() {
        if rowCount == 0 && reservedRows > 0 { reserve(rows: reservedRows) }
        length.update(repeating: -1, count: scratch.slots)
        epochLength = -1
        extras.removeAll(keepingCapacity: true)
    }

    @inline(__always)
    mutating func set(slot: Int, start s: Int, length l: Int) {
        start[slot] = s
        length[slot] = l
    }

    mutating func setEpoch(start s: Int, length l: Int) {
        epochStart = s
        epochLength = l
    }

    mutating func addExtra(key: [UInt8], start s: Int, length l: Int) {
        extras.append((key, s, l))
    }

    /// Types the collected values and appends the row. Returns the reason when a value is
    /// malformed and `nullOnError` is false; nothing is appended then.
    mutating func commit(base: UnsafePointer<UInt8>, distribution: [UInt8]?, source: [UInt8], lineNumber: Int,
                         truncated: Bool, nullOnError: Bool) -> RejectReason? {
        // Phase 1: type every value.
        for slot in 0..<kinds.count {
            let l = length[slot]
            if l < 0 || (l == 1 && base[start[slot]] == UInt8(ascii: "-")) {
                isNull[slot] = true
                continue
            }
            isNull[slot] = false
            let p = base + start[slot]
            switch kinds[slot] {
            case .date:
                if let d = ValueParsers.date(p, l) { parsedInt[slot] = Int64(d) } else if nullOnError { isNull[slot] = true } else {
                    return .invalidValue(field: layout.fields[slot].logName, value: Self.text(p, l))
                }
            case .int32:
                if let v = ValueParsers.int32(p, l) { parsedInt[slot] = Int64(v) } else if nullOnError { isNull[slot] = true } else {
                    return .invalidValue(field: layout.fields[slot].logName, value: Self.text(p, l))
                }
            case .int64:
                if let v = ValueParsers.int64(p, l) { parsedInt[slot] = v } else if nullOnError { isNull[slot] = true } else {
                    return .invalidValue(field: layout.fields[slot].logName, value: Self.text(p, l))
                }
            case .float32:
                if let v = ValueParsers.float(p, l) { parsedFloat[slot] = v } else if nullOnError { isNull[slot] = true } else {
                    return .invalidValue(field: layout.fields[slot].logName, value: Self.text(p, l))
                }
            case .string, .dictionary:
                break
            }
        }
        // The timestamp: epoch seconds (real-time), else date + time.
        var timestamp: Int64?
        var timeFromEpoch: Int?
        if epochLength >= 0 {
            if let micros = Self.epochMicros(base + epochStart, epochLength) {
                timestamp = micros
                let days = micros >= 0 ? micros / 86_400_000_000 : (micros - 86_399_999_999) / 86_400_000_000
                if let ds = dateSlot, isNull[ds] {
                    isNull[ds] = false
                    parsedInt[ds] = days
                }
                timeFromEpoch = Int((micros - days * 86_400_000_000) / 1_000_000)
            }
        } else if let ds = dateSlot, let ts = timeSlot, !isNull[ds], !isNull[ts],
                  let seconds = ValueParsers.timeOfDay(base + start[ts], length[ts]) {
            timestamp = parsedInt[ds] * 86_400_000_000 + Int64(seconds) * 1_000_000
        }
        if timestamp == nil && !nullOnError { return .missingTimestamp }

        // Phase 2: append.
        for slot in 0..<kinds.count {
            let k = kindIndex[slot]
            let null = isNull[slot]
            switch kinds[slot] {
            case .date, .int32:
                if null { int32s[k].appendNull() } else { int32s[k].append(Int32(truncatingIfNeeded: parsedInt[slot])) }
            case .int64:
                if null { int64s[k].appendNull() } else { int64s[k].append(parsedInt[slot]) }
            case .float32:
                if null { floats[k].appendNull() } else { floats[k].append(parsedFloat[slot]) }
            case .string:
                if slot == timeSlot, null, let t = timeFromEpoch {
                    strings[k].append(Self.formatTime(t))
                } else if null {
                    strings[k].appendNull()
                } else {
                    strings[k].append(bytes: UnsafeRawBufferPointer(start: base + start[slot], count: length[slot]))
                }
            case .dictionary:
                if null { dictionaries[k].appendNull() } else {
                    dictionaries[k].append(bytes: UnsafeRawBufferPointer(start: base + start[slot], count: length[slot]))
                }
            }
        }
        timestamps.append(timestamp)
        // Source and distribution are the same on every row: intern once per batch.
        if sourceIndex < 0 {
            sourceIndex = source.withUnsafeBytes { sources.intern($0) }
            distributionIndex = distribution.map { d in d.withUnsafeBytes { distributions.intern($0) } } ?? -1
        }
        if distributionIndex >= 0 { distributions.append(index: distributionIndex) } else { distributions.appendNull() }
        sources.append(index: sourceIndex)
        lines.append(Int64(lineNumber))
        for extra in extras {
            extra.key.withUnsafeBytes { extraKeys.append(bytes: $0) }
            if extra.length == 1 && base[extra.start] == UInt8(ascii: "-") {
                extraValues.appendNull()
            } else {
                extraValues.append(bytes: UnsafeRawBufferPointer(start: base + extra.start, count: extra.length))
            }
        }
        extraOffsets.append(extraKeys.count)
        truncatedFlags.append(truncated)
        for (i, entry) in decodedSlots.enumerated() {
            if isNull[entry.slot] {
                decodedBuilders[i].appendNull()
                continue
            }
            decodeScratch.removeAll(keepingCapacity: true)
            PercentDecoding.decode(UnsafeRawBufferPointer(start: base + start[entry.slot], count: length[entry.slot]),
                                   depth: entry.depth, into: &decodeScratch)
            if decodeScratch.contains(where: { $0 >= 0x80 }) {
                // Decoded bytes may not be UTF-8: repair lossily rather than fail (policy rule 5).
                decodedBuilders[i].append(String(decoding: decodeScratch, as: UTF8.self))
            } else {
                decodedBuilders[i].append(contentsOf: decodeScratch)
            }
        }
        rowCount += 1
        return nil
    }

    static func text(_ p: UnsafePointer<UInt8>, _ count: Int) -> String {
        String(decoding: UnsafeBufferPointer(start: p, count: min(count, 200)), as: UTF8.self)
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

    /// Finishes the batch and resets the builders.
    mutating func finish() -> RecordBatch {
        var columns: [Column] = []
        for slot in 0..<kinds.count {
            let k = kindIndex[slot]
            switch kinds[slot] {
            case .date, .int32: columns.append(.int32(int32s[k].finish()))
            case .int64: columns.append(.int64(int64s[k].finish()))
            case .float32: columns.append(.float32(floats[k].finish()))
            case .string: columns.append(.binary(strings[k].finish()))
            case .dictionary: columns.append(.dictionary(dictionaries[k].finish()))
            }
        }
        columns.append(.int64(timestamps.finish()))
        columns.append(.dictionary(distributions.finish()))
        columns.append(.dictionary(sources.finish()))
        columns.append(.int64(lines.finish()))
        let keys = Column.binary(extraKeys.finish()), values = Column.binary(extraValues.finish())
        // Offsets are built monotonic with keys/values of equal length.
        columns.append(.map(try! MapColumn(offsets: extraOffsets, keys: keys, values: values)))
        extraOffsets = [0]
        columns.append(.boolean(truncatedFlags.finish()))
        for i in decodedBuilders.indices { columns.append(.binary(decodedBuilders[i].finish())) }
        rowCount = 0
        sourceIndex = -1
        distributionIndex = -1
        // Every builder received exactly one value per committed row.
        return try! RecordBatch(schema: layout.schema, columns: columns)
    }
}
