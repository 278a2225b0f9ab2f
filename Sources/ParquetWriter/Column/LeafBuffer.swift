import LakeColumnar

/// The shredded data of one leaf column for the open row group: levels plus non-null values.
struct LeafBuffer {
    let descriptor: LeafDescriptor
    var definitionLevels: [Int16] = []
    var repetitionLevels: [Int16] = []
    var bools: [Bool] = []
    var int32s: [Int32] = []
    var int64s: [Int64] = []
    var floats: [Float] = []
    var doubles: [Double] = []
    var bytes = ByteArrays()
    /// For byte arrays coming from dictionary columns: the chunk's distinct values and, per value
    /// in `bytes`, its index there — so the dictionary encoder need not hash every value again.
    /// Valid only while `knownIndices.count == bytes.count`.
    var knownDictionary = DictionaryColumnBuilder()
    var knownIndices: [Int32] = []
    var knownIndicesValid = true
    /// Level entries (values and nulls) buffered.
    var entryCount = 0
    /// Rows buffered.
    var rowCount = 0

    init(descriptor: LeafDescriptor) { self.descriptor = descriptor }

    var valueCount: Int {
        switch descriptor.physicalType {
        case .boolean: return bools.count
        case .int32: return int32s.count
        case .int64: return int64s.count
        case .float: return floats.count
        case .double: return doubles.count
        default: return bytes.count
        }
    }

    /// Approximate bytes of buffered values, for row-group sizing.
    var estimatedBytes: Int {
        switch descriptor.physicalType {
        case .boolean: return bools.count / 8 + entryCount / 4
        case .int32, .float: return valueCount * 4 + entryCount / 4
        case .int64, .double: return valueCount * 8 + entryCount / 4
        default: return bytes.data.count + bytes.count * 4 + entryCount / 4
        }
    }

    mutating func removeAll() {
        definitionLevels.removeAll(keepingCapacity: true)
        repetitionLevels.removeAll(keepingCapacity: true)
        bools.removeAll(keepingCapacity: true)
        int32s.removeAll(keepingCapacity: true)
        int64s.removeAll(keepingCapacity: true)
        floats.removeAll(keepingCapacity: true)
        doubles.removeAll(keepingCapacity: true)
        bytes.removeAll()
        knownDictionary = DictionaryColumnBuilder()
        knownIndices.removeAll(keepingCapacity: true)
        knownIndicesValid = true
        entryCount = 0
        rowCount = 0
    }

    @inline(__always)
    mutating func appendLevels(rep: Int16, def: Int16) {
        if descriptor.maxDefinitionLevel > 0 { definitionLevels.append(def) }
        if descriptor.maxRepetitionLevel > 0 { repetitionLevels.append(rep) }
        entryCount += 1
    }

    /// Appends the value at `index` of `column` (which must be present).
    mutating func appendValue(_ column: Column, _ index: Int) {
        knownIndicesValid = false
        switch column {
        case let .boolean(c): bools.append(c.values[index])
        case let .int32(c): int32s.append(c.value(at: index))
        case let .int64(c): int64s.append(c.value(at: index))
        case let .float32(c): floats.append(c.value(at: index))
        case let .float64(c): doubles.append(c.value(at: index))
        case let .decimal128(c):
            let v = c.value(at: index)
            switch descriptor.physicalType {
            case .int32: int32s.append(Int32(truncatingIfNeeded: v))
            case .int64: int64s.append(Int64(truncatingIfNeeded: v))
            default:
                // Big-endian two's complement in the FLBA width.
                let width = descriptor.typeLength ?? 16
                var be = [UInt8](repeating: 0, count: width)
                for k in 0..<width { be[width - 1 - k] = UInt8(truncatingIfNeeded: v >> (8 * k)) }
                bytes.append(contentsOf: be)
            }
        case let .binary(c): c.withValueBytes(at: index) { bytes.append($0) }
        case let .fixedSizeBinary(c): c.withValueBytes(at: index) { bytes.append($0) }
        case let .dictionary(c): c.dictionary.withValueBytes(at: Int(c.indices.value(at: index))) { bytes.append($0) }
        case .structure, .list, .map:
            preconditionFailure("nested column at a leaf")
        }
    }
}

/// Splits nested columns into leaf levels and values (Dremel shredding).
struct Shredder {
    /// A node of one top-level field's tree, with the leaf range below it.
    indirect enum Node {
        case primitive(leaf: Int, optional: Bool)
        case structure(children: [Node], optional: Bool, leaves: Range<Int>)
        /// `repetitionLevel`: the level of this list's repeated group.
        case list(element: Node, optional: Bool, repetitionLevel: Int16, leaves: Range<Int>)
        case map(key: Node, value: Node, optional: Bool, repetitionLevel: Int16, leaves: Range<Int>)

        var leaves: Range<Int> {
            switch self {
            case let .primitive(leaf, _): return leaf..<(leaf + 1)
            case let .structure(_, _, leaves), let .list(_, _, _, leaves), let .map(_, _, _, _, leaves): return leaves
            }
        }

        var optional: Bool {
            switch self {
            case let .primitive(_, o), let .structure(_, o, _), let .list(_, o, _, _), let .map(_, _, o, _, _): return o
            }
        }
    }

    static func node(for field: Field, nextLeaf: inout Int, rep: Int16) -> Node {
        let first = nextLeaf
        switch field.type {
        case let .structure(children):
            let nodes = children.map { node(for: $0, nextLeaf: &nextLeaf, rep: rep) }
            return .structure(children: nodes, optional: field.isNullable, leaves: first..<nextLeaf)
        case let .list(element):
            let e = node(for: element, nextLeaf: &nextLeaf, rep: rep + 1)
            return .list(element: e, optional: field.isNullable, repetitionLevel: rep + 1, leaves: first..<nextLeaf)
        case let .map(key, value):
            var k = node(for: key, nextLeaf: &nextLeaf, rep: rep + 1)
            if case let .primitive(leaf, _) = k { k = .primitive(leaf: leaf, optional: false) }
            let v = node(for: value, nextLeaf: &nextLeaf, rep: rep + 1)
            return .map(key: k, value: v, optional: field.isNullable, repetitionLevel: rep + 1, leaves: first..<nextLeaf)
        default:
            nextLeaf += 1
            return .primitive(leaf: first, optional: field.isNullable)
        }
    }

    /// Shreds `column` (a top-level field) for all its rows into `leaves`.
    static func shred(_ column: Column, node: Node, leaves: inout [LeafBuffer]) {
        // Fast path: a flat primitive column.
        if case let .primitive(leaf, optional) = node {
            shredFlat(column, optional: optional, leaf: &leaves[leaf])
            return
        }
        for row in 0..<column.count {
            visit(column, node, row, rep: 0, parentDef: 0, leaves: &leaves)
        }
        for i in node.leaves { leaves[i].rowCount += column.count }
    }

    static func shredFlat(_ column: Column, optional: Bool, leaf: inout LeafBuffer) {
        let n = column.count
        let validity = column.validity
        if optional {
            leaf.definitionLevels.reserveCapacity(leaf.definitionLevels.count + n)
            if let validity {
                for i in 0..<n { leaf.definitionLevels.append(validity[i] ? 1 : 0) }
            } else {
                leaf.definitionLevels.append(contentsOf: repeatElement(1, count: n))
            }
        }
        // One switch per column, then typed loops over the storage.
        @inline(__always) func present(_ i: Int) -> Bool { validity?[i] ?? true }
        switch column {
        case let .int32(c) where leaf.descriptor.physicalType == .int32:
            c.withUnsafeBufferPointer { buf in
                if validity == nil { leaf.int32s.append(contentsOf: buf) } else { for i in 0..<n where present(i) { leaf.int32s.append(buf[i]) } }
            }
        case let .int64(c):
            c.withUnsafeBufferPointer { buf in
                if validity == nil { leaf.int64s.append(contentsOf: buf) } else { for i in 0..<n where present(i) { leaf.int64s.append(buf[i]) } }
            }
        case let .float32(c):
            c.withUnsafeBufferPointer { buf in
                if validity == nil { leaf.floats.append(contentsOf: buf) } else { for i in 0..<n where present(i) { leaf.floats.append(buf[i]) } }
            }
        case let .float64(c):
            c.withUnsafeBufferPointer { buf in
                if validity == nil { leaf.doubles.append(contentsOf: buf) } else { for i in 0..<n where present(i) { leaf.doubles.append(buf[i]) } }
            }
        case let .binary(c):
            leaf.knownIndicesValid = false
            c.withUnsafeBytes { all in
                leaf.bytes.data.reserveCapacity(leaf.bytes.data.count + c.totalByteCount)
                leaf.bytes.offsets.reserveCapacity(leaf.bytes.offsets.count + n)
                for i in 0..<n where present(i) { leaf.bytes.append(UnsafeRawBufferPointer(rebasing: all[c.byteRange(at: i)])) }
            }
        case let .dictionary(c):
            let dictionary = c.dictionary
            let keepIndices = leaf.knownIndicesValid && leaf.knownIndices.count == leaf.bytes.count
            dictionary.withUnsafeBytes { all in
                // Map this batch's dictionary onto the chunk's once; rows then cost one lookup.
                var remap: [Int32] = []
                if keepIndices {
                    remap.reserveCapacity(dictionary.count)
                    for d in 0..<dictionary.count {
                        remap.append(leaf.knownDictionary.intern(UnsafeRawBufferPointer(rebasing: all[dictionary.byteRange(at: d)])))
                    }
                }
                c.indices.withUnsafeBufferPointer { indices in
                    leaf.bytes.offsets.reserveCapacity(leaf.bytes.offsets.count + n)
                    for i in 0..<n where present(i) {
                        let source = Int(indices[i])
                        leaf.bytes.append(UnsafeRawBufferPointer(rebasing: all[dictionary.byteRange(at: source)]))
                        if keepIndices { leaf.knownIndices.append(remap[source]) }
                    }
                }
            }
            if !keepIndices { leaf.knownIndicesValid = false }
        default:
            for i in 0..<n where present(i) { leaf.appendValue(column, i) }
        }
        leaf.entryCount += n
        leaf.rowCount += n
    }

    static func emitNull(_ range: Range<Int>, rep: Int16, def: Int16, leaves: inout [LeafBuffer]) {
        for i in range { leaves[i].appendLevels(rep: rep, def: def) }
    }

    static func visit(_ column: Column, _ node: Node, _ index: Int, rep: Int16, parentDef: Int16, leaves: inout [LeafBuffer]) {
        guard column.isValid(index) else {
            emitNull(node.leaves, rep: rep, def: parentDef, leaves: &leaves)
            return
        }
        let def = parentDef + (node.optional ? 1 : 0)
        switch (node, column) {
        case let (.primitive(leaf, _), _):
            leaves[leaf].appendLevels(rep: rep, def: def)
            leaves[leaf].appendValue(column, index)
        case let (.structure(children, _, _), .structure(s)):
            for (child, childColumn) in zip(children, s.children) {
                visit(childColumn, child, index, rep: rep, parentDef: def, leaves: &leaves)
            }
        case let (.list(element, _, level, leafRange), .list(l)):
            let range = l.valueRange(at: index)
            if range.isEmpty {
                emitNull(leafRange, rep: rep, def: def, leaves: &leaves)
            } else {
                for (k, i) in range.enumerated() {
                    visit(l.values, element, i, rep: k == 0 ? rep : level, parentDef: def + 1, leaves: &leaves)
                }
            }
        case let (.map(key, value, _, level, leafRange), .map(m)):
            let range = m.entries.valueRange(at: index)
            if range.isEmpty {
                emitNull(leafRange, rep: rep, def: def, leaves: &leaves)
            } else {
                let keys = m.keys, values = m.values
                for (k, i) in range.enumerated() {
                    let r = k == 0 ? rep : level
                    visit(keys, key, i, rep: r, parentDef: def + 1, leaves: &leaves)
                    visit(values, value, i, rep: r, parentDef: def + 1, leaves: &leaves)
                }
            }
        default:
            preconditionFailure("column storage does not match the schema (validated by RecordBatch)")
        }
    }
}
