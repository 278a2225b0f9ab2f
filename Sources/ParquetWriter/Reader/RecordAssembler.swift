import LakeColumnar

/// Turns leaf buffers (levels + values) back into columns.
struct RecordAssembler {
    let leaves: [LeafBuffer]
    let conversions: [ReadSchema.LeafConversion]
    var entryCursor: [Int]
    var valueCursor: [Int]

    init(leaves: [LeafBuffer], conversions: [ReadSchema.LeafConversion]) {
        self.leaves = leaves
        self.conversions = conversions
        entryCursor = Array(repeating: 0, count: leaves.count)
        valueCursor = Array(repeating: 0, count: leaves.count)
    }

    /// The column of one top-level field.
    mutating func column(_ node: ReadNode, field: Field, rows: Int) throws(ParquetReadError) -> Column {
        if case let .primitive(leaf, _) = node, leaves[leaf].descriptor.maxRepetitionLevel == 0 {
            return try flat(leaf, type: field.type, rows: rows)
        }
        var scalars: [Scalar?] = []
        scalars.reserveCapacity(rows)
        for _ in 0..<rows { scalars.append(try read(node)) }
        do {
            return try Column(scalars: scalars, type: field.type)
        } catch {
            throw ParquetReadError(.invalidMetadata("column '\(field.name)': \(error)"))
        }
    }

    private func entryLevels(_ leaf: Int) -> (rep: Int16, def: Int16)? {
        let e = entryCursor[leaf]
        let buffer = leaves[leaf]
        guard e < buffer.entryCount else { return nil }
        return (buffer.descriptor.maxRepetitionLevel > 0 ? buffer.repetitionLevels[e] : 0,
                buffer.descriptor.maxDefinitionLevel > 0 ? buffer.definitionLevels[e] : 0)
    }

    private mutating func skipNull(_ node: ReadNode) {
        for leaf in node.leaves { entryCursor[leaf] += 1 }
    }

    /// Reads one instance of `node` (consuming its entries in every leaf below it).
    private mutating func read(_ node: ReadNode) throws(ParquetReadError) -> Scalar? {
        let first = node.leaves.lowerBound
        guard let (_, def) = entryLevels(first) else { throw ParquetReadError(.corruptPage("column ends before its rows")) }
        switch node {
        case let .primitive(leaf, presentAt):
            entryCursor[leaf] += 1
            guard def >= presentAt else { return nil }
            let v = valueCursor[leaf]
            guard v < leaves[leaf].valueCount else { throw ParquetReadError(.corruptPage("fewer values than levels say")) }
            valueCursor[leaf] += 1
            return try scalar(leaf, v)
        case let .structure(children, presentAt, _):
            if def < presentAt {
                skipNull(node)
                return nil
            }
            var items: [Scalar?] = []
            for child in children { items.append(try read(child)) }
            return .structure(items)
        case let .list(element, presentAt, elementsAt, repetition, _):
            if def < presentAt {
                skipNull(node)
                return nil
            }
            if def < elementsAt {
                skipNull(node)
                return .list([])
            }
            var items: [Scalar?] = []
            repeat {
                items.append(try read(element))
            } while continues(first, repetition)
            return .list(items)
        case let .map(key, value, presentAt, elementsAt, repetition, _):
            if def < presentAt {
                skipNull(node)
                return nil
            }
            if def < elementsAt {
                skipNull(node)
                return .map([])
            }
            var entries: [MapEntry] = []
            repeat {
                let k = try read(key)
                let v = try read(value)
                entries.append(MapEntry(key: k, value: v))
            } while continues(first, repetition)
            return .map(entries)
        }
    }

    /// Whether the next entry of `leaf` continues the current list at `repetition`.
    private func continues(_ leaf: Int, _ repetition: Int16) -> Bool {
        guard let (rep, _) = entryLevels(leaf) else { return false }
        return rep >= repetition
    }

    /// A flat column, built with typed builders.
    private mutating func flat(_ leaf: Int, type: DataType, rows: Int) throws(ParquetReadError) -> Column {
        let buffer = leaves[leaf]
        let maxDef = buffer.descriptor.maxDefinitionLevel
        guard buffer.entryCount >= rows else { throw ParquetReadError(.corruptPage("column has \(buffer.entryCount) entries for \(rows) rows")) }
        if maxDef == 0 && buffer.valueCount < rows {
            throw ParquetReadError(.corruptPage("required column has \(buffer.valueCount) values for \(rows) rows"))
        }
        if let column = try typedFlat(buffer, leaf: leaf, type: type, rows: rows) { return column }
        var scalars: [Scalar?] = []
        scalars.reserveCapacity(rows)
        var v = 0
        for e in 0..<rows {
            if maxDef == 0 || buffer.definitionLevels[e] == maxDef {
                guard v < buffer.valueCount else { throw ParquetReadError(.corruptPage("fewer values than levels say")) }
                scalars.append(try scalar(leaf, v))
                v += 1
            } else {
                scalars.append(nil)
            }
        }
        do {
            return try Column(scalars: scalars, type: type)
        } catch {
            throw ParquetReadError(.invalidMetadata("\(error)"))
        }
    }

    /// A flat column straight from the leaf's typed arrays: values copied in bulk (or spread
    /// around nulls), byte arrays kept as offsets into the decoded bytes. Nil for the rarer
    /// conversions (INT96, decimals, FLOAT16, fixed-size bytes), which go value by value.
    private func typedFlat(_ b: LeafBuffer, leaf: Int, type: DataType, rows: Int) throws(ParquetReadError) -> Column? {
        let maxDef = b.descriptor.maxDefinitionLevel
        // Validity from the definition levels (none when every row is present).
        var flags: [UInt8]?
        var present = rows
        if maxDef > 0 {
            var f = [UInt8](repeating: 0, count: rows)
            var n = 0
            b.definitionLevels.withUnsafeBufferPointer { d in
                f.withUnsafeMutableBufferPointer { out in
                    for r in 0..<rows where d[r] == maxDef {
                        out[r] = 1
                        n &+= 1
                    }
                }
            }
            present = n
            if n < rows { flags = f }
        }
        guard present <= b.valueCount else { throw ParquetReadError(.corruptPage("fewer values than levels say")) }
        let validity = flags.map { f in f.withUnsafeBufferPointer { Bitmap(flags: $0) } }
        /// The first `present` values placed at the present rows, placeholders at the nulls.
        func spread<T>(_ values: [T], _ placeholder: T) -> [T] {
            guard let flags else { return values.count == rows ? values : Array(values[0..<rows]) }
            var out = [T](repeating: placeholder, count: rows)
            var v = 0
            values.withUnsafeBufferPointer { input in
                out.withUnsafeMutableBufferPointer { output in
                    for r in 0..<rows where flags[r] != 0 {
                        output[r] = input[v]
                        v &+= 1
                    }
                }
            }
            return out
        }
        switch (b.descriptor.physicalType, conversions[leaf], type.storage) {
        case (.int32, .none, .int32):
            return .int32(PrimitiveColumn(values: spread(b.int32s, 0), validity: validity))
        case (.int64, .none, .int64):
            return .int64(PrimitiveColumn(values: spread(b.int64s, 0), validity: validity))
        case (.int64, .millisToMicros, .int64):
            return .int64(PrimitiveColumn(values: spread(b.int64s, 0).map { $0 &* 1000 }, validity: validity))
        case (.float, .none, .float32):
            return .float32(PrimitiveColumn(values: spread(b.floats, 0), validity: validity))
        case (.double, .none, .float64):
            return .float64(PrimitiveColumn(values: spread(b.doubles, 0), validity: validity))
        case (.boolean, .none, .boolean):
            return .boolean(BooleanColumn(values: Bitmap(spread(b.bools, false)), validity: validity))
        case (.byteArray, .none, .binary):
            if flags == nil && b.bytes.count == rows {
                return .binary(BinaryColumn(trustedOffsets: b.bytes.offsets, bytes: b.bytes.data, validity: nil))
            }
            var offsets = [Int](repeating: 0, count: rows + 1)
            var v = 0
            b.bytes.offsets.withUnsafeBufferPointer { source in
                offsets.withUnsafeMutableBufferPointer { out in
                    var end = source[0]
                    out[0] = end
                    for r in 0..<rows {
                        if flags.map({ $0[r] != 0 }) ?? true {
                            v &+= 1
                            end = source[v]
                        }
                        out[r + 1] = end
                    }
                }
            }
            let end = offsets[rows]
            let bytes = end == b.bytes.data.count ? b.bytes.data : Array(b.bytes.data[0..<end])
            return .binary(BinaryColumn(trustedOffsets: offsets, bytes: bytes, validity: validity))
        default:
            return nil
        }
    }

    /// Value `v` of `leaf` converted to the column's storage.
    func scalar(_ leaf: Int, _ v: Int) throws(ParquetReadError) -> Scalar {
        let b = leaves[leaf]
        switch b.descriptor.physicalType {
        case .boolean: return .boolean(b.bools[v])
        case .int32:
            if case .decimalFromInt = conversions[leaf] { return .decimal128(Int128(b.int32s[v])) }
            return .int32(b.int32s[v])
        case .int64:
            let x = b.int64s[v]
            switch conversions[leaf] {
            case .decimalFromInt: return .decimal128(Int128(x))
            case .millisToMicros: return .int64(x &* 1000)
            case .nanosToMicros: return .int64(x >= 0 ? x / 1000 : (x - 999) / 1000)
            default: return .int64(x)
            }
        case .float: return .float32(b.floats[v])
        case .double: return .float64(b.doubles[v])
        case .int96:
            let r = b.bytes.range(v)
            var nanos: UInt64 = 0
            for k in 0..<8 { nanos |= UInt64(b.bytes.data[r.lowerBound + k]) << (8 * UInt64(k)) }
            var julian: UInt32 = 0
            for k in 0..<4 { julian |= UInt32(b.bytes.data[r.lowerBound + 8 + k]) << (8 * UInt32(k)) }
            let days = Int64(julian) - 2_440_588
            return .int64(days &* 86_400_000_000 &+ Int64(nanos / 1000))
        case .byteArray, .fixedLenByteArray:
            let bytes = b.bytes.data[b.bytes.range(v)]
            switch conversions[leaf] {
            case .decimalFromBytes:
                guard bytes.count <= 16 else { throw ParquetReadError(.unsupported("decimal of \(bytes.count) bytes")) }
                var value: Int128 = (bytes.first ?? 0) & 0x80 != 0 ? -1 : 0
                for byte in bytes { value = value << 8 | Int128(byte) }
                return .decimal128(value)
            case .float16:
                guard bytes.count == 2 else { throw ParquetReadError(.corruptPage("FLOAT16 of \(bytes.count) bytes")) }
                let bits = UInt16(bytes[bytes.startIndex]) | UInt16(bytes[bytes.startIndex + 1]) << 8
                return .float32(Float(Float16(bitPattern: bits)))
            default:
                return .binary(Array(bytes))
            }
        }
    }
}
