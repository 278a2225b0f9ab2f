/// Writes the Thrift compact protocol: just the parts Parquet's metadata uses.
///
/// Structs are written field by field with ``writeFieldHeader(_:type:)``; the writer tracks the
/// last field id per nesting level so headers use the short delta form.
struct CompactWriter {
    enum FieldType: UInt8 {
        case boolTrue = 1, boolFalse = 2, i8 = 3, i16 = 4, i32 = 5, i64 = 6, double = 7, binary = 8
        case list = 9, set = 10, map = 11, structure = 12
    }

    private(set) var bytes: [UInt8] = []
    private var lastFieldID: [Int16] = [0]

    init() { bytes.reserveCapacity(256) }

    mutating func beginStruct() { lastFieldID.append(0) }

    mutating func endStruct() {
        bytes.append(0)  // STOP
        lastFieldID.removeLast()
    }

    mutating func writeFieldHeader(_ id: Int16, type: FieldType) {
        let delta = id - lastFieldID[lastFieldID.count - 1]
        if delta > 0 && delta <= 15 {
            bytes.append(UInt8(delta) << 4 | type.rawValue)
        } else {
            bytes.append(type.rawValue)
            writeVarint(zigzag(Int64(id)))
        }
        lastFieldID[lastFieldID.count - 1] = id
    }

    mutating func writeVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    func zigzag(_ v: Int64) -> UInt64 { UInt64(bitPattern: (v << 1) ^ (v >> 63)) }

    // Field writers.
    mutating func field(_ id: Int16, _ value: Bool) {
        writeFieldHeader(id, type: value ? .boolTrue : .boolFalse)
    }

    mutating func field(_ id: Int16, i8 value: Int8) {
        writeFieldHeader(id, type: .i8)
        bytes.append(UInt8(bitPattern: value))
    }

    mutating func field(_ id: Int16, i16 value: Int16) {
        writeFieldHeader(id, type: .i16)
        writeVarint(zigzag(Int64(value)))
    }

    mutating func field(_ id: Int16, i32 value: Int32) {
        writeFieldHeader(id, type: .i32)
        writeVarint(zigzag(Int64(value)))
    }

    mutating func field(_ id: Int16, i64 value: Int64) {
        writeFieldHeader(id, type: .i64)
        writeVarint(zigzag(value))
    }

    mutating func field(_ id: Int16, binary value: [UInt8]) {
        writeFieldHeader(id, type: .binary)
        writeBinary(value)
    }

    mutating func field(_ id: Int16, string value: String) {
        field(id, binary: Array(value.utf8))
    }

    mutating func writeBinary(_ value: [UInt8]) {
        writeVarint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func writeListHeader(count: Int, elementType: FieldType) {
        if count < 15 {
            bytes.append(UInt8(count) << 4 | elementType.rawValue)
        } else {
            bytes.append(0xF0 | elementType.rawValue)
            writeVarint(UInt64(count))
        }
    }

    /// A struct-valued field: header, then `body` writes the struct's fields.
    mutating func structField(_ id: Int16, _ body: (inout CompactWriter) -> Void) {
        writeFieldHeader(id, type: .structure)
        beginStruct()
        body(&self)
        endStruct()
    }

    /// A list<struct> field.
    mutating func structListField<T>(_ id: Int16, _ items: [T], _ body: (inout CompactWriter, T) -> Void) {
        writeFieldHeader(id, type: .list)
        writeListHeader(count: items.count, elementType: .structure)
        for item in items {
            beginStruct()
            body(&self, item)
            endStruct()
        }
    }

    mutating func i32ListField(_ id: Int16, _ items: [Int32]) {
        writeFieldHeader(id, type: .list)
        writeListHeader(count: items.count, elementType: .i32)
        for v in items { writeVarint(zigzag(Int64(v))) }
    }

    mutating func i64ListField(_ id: Int16, _ items: [Int64]) {
        writeFieldHeader(id, type: .list)
        writeListHeader(count: items.count, elementType: .i64)
        for v in items { writeVarint(zigzag(v)) }
    }

    mutating func binaryListField(_ id: Int16, _ items: [[UInt8]]) {
        writeFieldHeader(id, type: .list)
        writeListHeader(count: items.count, elementType: .binary)
        for v in items { writeBinary(v) }
    }

    /// A list<bool> field, written as pyarrow, parquet-rs and parquet-java do: element type 1,
    /// bytes 1 = true and 2 = false.
    mutating func boolListField(_ id: Int16, _ items: [Bool]) {
        writeFieldHeader(id, type: .list)
        writeListHeader(count: items.count, elementType: .boolTrue)
        for v in items { bytes.append(v ? 1 : 2) }
    }

    /// Writes a whole top-level struct.
    static func encode(_ body: (inout CompactWriter) -> Void) -> [UInt8] {
        var w = CompactWriter()
        body(&w)
        w.bytes.append(0)
        return w.bytes
    }
}
