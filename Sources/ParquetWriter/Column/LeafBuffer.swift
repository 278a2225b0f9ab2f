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

    /// Moves the first `n` entries of a flat leaf (no repetition) out into a buffer of their own;
    /// the rest stay. Used to hand out a row group a slice of rows at a time.
    mutating func removeFirstEntries(_ n: Int) -> LeafBuffer {
        var out = LeafBuffer(descriptor: descriptor)
        let n = Swift.min(n, entryCount)
        var present = n
        if descriptor.maxDefinitionLevel > 0 {
            let maxDef = descriptor.maxDefinitionLevel
            present = 0
            definitionLevels.withUnsafeBufferPointer { d in
                for e in 0..<n where d[e] == maxDef { present &+= 1 }
            }
            out.definitionLevels = Array(definitionLevels[0..<n])
            definitionLevels.removeFirst(n)
        }
        func move<T>(_ values: inout [T]) -> [T] {
            let head = Array(values[0..<present])
            values.removeFirst(present)
            return head
        }
        switch descriptor.physicalType {
        case .boolean: out.bools = move(&bools)
        case .int32: out.int32s = move(&int32s)
        case .int64: out.int64s = move(&int64s)
        case .float: out.floats = move(&floats)
        case .double: out.doubles = move(&doubles)
        default:
            let end = bytes.offsets[present]
            out.bytes.offsets = Array(bytes.offsets[0...present])
            out.bytes.data = Array(bytes.data[0..<end])
            bytes.offsets = bytes.offsets[present...].map { $0 - end }
            bytes.data.removeFirst(end)
        }
        out.entryCount = n
        entryCount -= n
        return out
    }
}
