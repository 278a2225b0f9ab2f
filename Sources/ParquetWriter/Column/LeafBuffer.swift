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
}
