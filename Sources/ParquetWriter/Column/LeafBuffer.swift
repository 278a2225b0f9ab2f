import LakeColumnar

/// The decoded data of one leaf column chunk, as the reader assembles it: levels plus non-null
/// values. (The writer fills ``PageBuffer``s instead.)
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

    @inline(__always)
    mutating func appendLevels(rep: Int16, def: Int16) {
        if descriptor.maxDefinitionLevel > 0 { definitionLevels.append(def) }
        if descriptor.maxRepetitionLevel > 0 { repetitionLevels.append(rep) }
        entryCount += 1
    }

    /// Appends `count` level entries of the flat leaf `source` (no repetition) starting at entry
    /// `entry`, whose values start at value `value`; returns the value index after them.
    mutating func appendEntries(of source: LeafBuffer, from entry: Int, count: Int, firstValue value: Int) throws(ParquetReadError) -> Int {
        guard entry >= 0, count >= 0, entry + count <= source.entryCount else {
            throw ParquetReadError(.corruptPage("level entries \(entry)+\(count) outside a page of \(source.entryCount)"))
        }
        var present = count
        if descriptor.maxDefinitionLevel > 0 {
            let maxDef = descriptor.maxDefinitionLevel
            guard entry + count <= source.definitionLevels.count else {
                throw ParquetReadError(.corruptPage("fewer definition levels than entries"))
            }
            present = 0
            source.definitionLevels.withUnsafeBufferPointer { d in
                for e in entry..<(entry + count) where d[e] == maxDef { present &+= 1 }
            }
            definitionLevels.append(contentsOf: source.definitionLevels[entry..<(entry + count)])
        }
        guard value >= 0, value + present <= source.valueCount else {
            throw ParquetReadError(.corruptPage("fewer values than levels say"))
        }
        let values = value..<(value + present)
        switch descriptor.physicalType {
        case .boolean: bools.append(contentsOf: source.bools[values])
        case .int32: int32s.append(contentsOf: source.int32s[values])
        case .int64: int64s.append(contentsOf: source.int64s[values])
        case .float: floats.append(contentsOf: source.floats[values])
        case .double: doubles.append(contentsOf: source.doubles[values])
        default:
            let first = source.bytes.offsets[value], last = source.bytes.offsets[value + present]
            let shift = bytes.data.count - first
            bytes.data.append(contentsOf: source.bytes.data[first..<last])
            bytes.offsets.reserveCapacity(bytes.offsets.count + present)
            source.bytes.offsets.withUnsafeBufferPointer { o in
                for v in (value + 1)..<(value + present + 1) { bytes.offsets.append(o[v] &+ shift) }
            }
        }
        entryCount += count
        return value + present
    }
}
