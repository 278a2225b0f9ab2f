/// Gathering rows by index ("take"): each storage kind copies its values in one typed pass, so
/// routing rows (to partitions, to filters' survivors) costs no per-value boxing.
extension Column {
    /// The rows at `rows` (any order, repeats allowed), as a new column.
    public func take(_ rows: [Int]) -> Column {
        switch self {
        case let .boolean(c): return .boolean(c.take(rows))
        case let .int32(c): return .int32(c.take(rows))
        case let .int64(c): return .int64(c.take(rows))
        case let .float32(c): return .float32(c.take(rows))
        case let .float64(c): return .float64(c.take(rows))
        case let .decimal128(c): return .decimal128(c.take(rows))
        case let .binary(c): return .binary(c.take(rows))
        case let .fixedSizeBinary(c): return .fixedSizeBinary(c.take(rows))
        case let .dictionary(c): return .dictionary(c.take(rows))
        case let .structure(c): return .structure(c.take(rows))
        case let .list(c): return .list(c.take(rows))
        case let .map(c): return .map(MapColumn(entries: c.entries.take(rows)))
        }
    }
}

extension RecordBatch {
    /// The rows at `rows` (any order, repeats allowed), as a new batch.
    public func take(_ rows: [Int]) -> RecordBatch {
        RecordBatch(unchecked: schema, columns: columns.map { $0.take(rows) }, rowCount: rows.count)
    }
}

extension Bitmap {
    /// The bits at `rows`.
    func take(_ rows: [Int]) -> Bitmap {
        let flags = rows.map { self[$0] ? UInt8(1) : 0 }
        return flags.withUnsafeBufferPointer { Bitmap(flags: $0) }
    }
}

/// Validity of gathered rows: `nil` stays `nil`, and an all-set result becomes `nil`.
private func takeValidity(_ validity: Bitmap?, _ rows: [Int]) -> Bitmap? {
    guard let validity else { return nil }
    let taken = validity.take(rows)
    return taken.unsetCount == 0 ? nil : taken
}

extension PrimitiveColumn {
    func take(_ rows: [Int]) -> PrimitiveColumn {
        let values = withUnsafeBufferPointer { all in
            [Element](unsafeUninitializedCapacity: rows.count) { out, initialized in
                for (k, r) in rows.enumerated() { out.initializeElement(at: k, to: all[r]) }
                initialized = rows.count
            }
        }
        return PrimitiveColumn(storage: values, offset: 0, count: rows.count, validity: takeValidity(validity, rows))
    }
}

extension BooleanColumn {
    func take(_ rows: [Int]) -> BooleanColumn {
        BooleanColumn(values: values.take(rows), validity: takeValidity(validity, rows))
    }
}

extension BinaryColumn {
    func take(_ rows: [Int]) -> BinaryColumn {
        withUnsafeOffsetsAndBytes { offsets, bytes in
            var total = 0
            for r in rows { total += offsets[r + 1] - offsets[r] }
            var newOffsets = [Int]()
            newOffsets.reserveCapacity(rows.count + 1)
            newOffsets.append(0)
            let newBytes = [UInt8](unsafeUninitializedCapacity: total) { out, initialized in
                var o = 0
                if let base = bytes.baseAddress, let target = out.baseAddress {
                    for r in rows {
                        let lo = offsets[r], n = offsets[r + 1] - lo
                        RawBytes.copy(target + o, base + lo, n)
                        o += n
                        newOffsets.append(o)
                    }
                } else {
                    newOffsets.append(contentsOf: repeatElement(0, count: rows.count))
                }
                initialized = o
            }
            return BinaryColumn(trustedOffsets: newOffsets, bytes: newBytes, validity: takeValidity(validity, rows))
        }
    }
}

extension FixedSizeBinaryColumn {
    func take(_ rows: [Int]) -> FixedSizeBinaryColumn {
        var out = [UInt8]()
        out.reserveCapacity(rows.count * byteWidth)
        for r in rows {
            let lo = (start + r) * byteWidth
            out.append(contentsOf: bytes[lo..<(lo + byteWidth)])
        }
        return FixedSizeBinaryColumn(unchecked: out, start: 0, byteWidth: byteWidth, count: rows.count,
                                     validity: takeValidity(validity, rows))
    }
}

extension DictionaryColumn {
    /// Gathers the indices; the dictionary is shared as is.
    func take(_ rows: [Int]) -> DictionaryColumn {
        DictionaryColumn(unchecked: indices.take(rows), dictionary: dictionary)
    }
}

extension StructColumn {
    func take(_ rows: [Int]) -> StructColumn {
        // Children keep equal lengths: every one takes the same rows.
        try! StructColumn(children: children.map { $0.take(rows) }, count: rows.count, validity: takeValidity(validity, rows))
    }
}

extension ListColumn {
    func take(_ rows: [Int]) -> ListColumn {
        var offsets: [Int] = [0]
        offsets.reserveCapacity(rows.count + 1)
        var elements: [Int] = []
        for r in rows {
            let range = valueRange(at: r)
            elements.append(contentsOf: range)
            offsets.append(elements.count)
        }
        return ListColumn(unchecked: offsets, start: 0, count: rows.count, values: values.take(elements),
                          validity: takeValidity(validity, rows))
    }
}
