/// A decoded Thrift compact value. Structs keep every field by id, so unknown fields are
/// skipped by simply not being looked at.
indirect enum ThriftValue {
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case binary([UInt8])
    case list([ThriftValue])
    case map([(ThriftValue, ThriftValue)])
    case structure(ThriftStruct)
}

/// A decoded struct: field id → value.
struct ThriftStruct {
    var fields: [Int16: ThriftValue] = [:]

    func int(_ id: Int16) -> Int64? { if case let .int(v)? = fields[id] { return v } else { return nil } }
    func bool(_ id: Int16) -> Bool? { if case let .bool(v)? = fields[id] { return v } else { return nil } }
    func binary(_ id: Int16) -> [UInt8]? { if case let .binary(v)? = fields[id] { return v } else { return nil } }
    func string(_ id: Int16) -> String? { binary(id).map { String(decoding: $0, as: UTF8.self) } }
    func structure(_ id: Int16) -> ThriftStruct? { if case let .structure(v)? = fields[id] { return v } else { return nil } }
    func list(_ id: Int16) -> [ThriftValue]? { if case let .list(v)? = fields[id] { return v } else { return nil } }
    func structList(_ id: Int16) -> [ThriftStruct]? {
        list(id)?.compactMap { if case let .structure(s) = $0 { return s } else { return nil } }
    }
}

/// An error decoding Thrift: what and at which byte offset.
struct ThriftError: Error {
    var message: String
    var offset: Int
}

/// Reads the Thrift compact protocol. Every length and count is checked against the bytes that
/// remain, and nesting is limited, so hostile input cannot allocate without bound or recurse deeply.
struct CompactReader {
    let bytes: [UInt8]
    private(set) var position: Int
    private var depth = 0
    static let maxDepth = 64

    init(_ bytes: [UInt8], position: Int = 0) {
        self.bytes = bytes
        self.position = position
    }

    private mutating func byte() throws(ThriftError) -> UInt8 {
        guard position < bytes.count else { throw ThriftError(message: "unexpected end of data", offset: position) }
        defer { position += 1 }
        return bytes[position]
    }

    private mutating func varint() throws(ThriftError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            guard shift < 64 else { throw ThriftError(message: "varint too long", offset: position) }
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
        }
    }

    private mutating func zigzag() throws(ThriftError) -> Int64 {
        let v = try varint()
        return Int64(bitPattern: (v >> 1) ^ (0 &- (v & 1)))
    }

    /// Reads a struct (up to and including its STOP byte).
    mutating func readStruct() throws(ThriftError) -> ThriftStruct {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw ThriftError(message: "structures nested too deeply", offset: position) }
        var result = ThriftStruct()
        var lastID: Int16 = 0
        while true {
            let header = try byte()
            if header == 0 { return result }
            let type = header & 0x0F
            let delta = Int16(header >> 4)
            let id: Int16
            if delta == 0 {
                let raw = try zigzag()
                guard let narrow = Int16(exactly: raw) else { throw ThriftError(message: "field id out of range", offset: position) }
                id = narrow
            } else {
                id = lastID &+ delta
            }
            lastID = id
            result.fields[id] = try readValue(type: type)
        }
    }

    private mutating func readValue(type: UInt8) throws(ThriftError) -> ThriftValue {
        switch type {
        case 1: return .bool(true)
        case 2: return .bool(false)
        case 3: return .int(Int64(Int8(bitPattern: try byte())))
        case 4, 5, 6: return .int(try zigzag())
        case 7:
            guard position + 8 <= bytes.count else { throw ThriftError(message: "truncated double", offset: position) }
            var bits: UInt64 = 0
            for k in 0..<8 { bits |= UInt64(bytes[position + k]) << (8 * UInt64(k)) }
            position += 8
            return .double(Double(bitPattern: bits))
        case 8:
            let length = try varint()
            guard length <= UInt64(bytes.count - position) else {
                throw ThriftError(message: "binary length \(length) exceeds the remaining \(bytes.count - position) bytes", offset: position)
            }
            defer { position += Int(length) }
            return .binary(Array(bytes[position..<(position + Int(length))]))
        case 9, 10:
            // Lists nest as structs do (a list of lists of …): the same depth limit, or hostile
            // input recurses until the stack overflows (found by the thrift fuzz target).
            depth += 1
            defer { depth -= 1 }
            guard depth <= Self.maxDepth else { throw ThriftError(message: "values nested too deeply", offset: position) }
            let header = try byte()
            var count = Int(header >> 4)
            let elementType = header & 0x0F
            if count == 15 {
                let big = try varint()
                guard big <= UInt64(bytes.count - position) else {
                    throw ThriftError(message: "list of \(big) elements exceeds the remaining bytes", offset: position)
                }
                count = Int(big)
            }
            var items: [ThriftValue] = []
            items.reserveCapacity(min(count, bytes.count - position))
            for _ in 0..<count {
                if elementType == 1 || elementType == 2 {
                    // Booleans in lists: one byte each; 1 = true, 0 or 2 = false.
                    items.append(.bool(try byte() == 1))
                } else {
                    items.append(try readElement(type: elementType))
                }
            }
            return .list(items)
        case 11:
            depth += 1
            defer { depth -= 1 }
            guard depth <= Self.maxDepth else { throw ThriftError(message: "values nested too deeply", offset: position) }
            let count = try varint()
            guard count <= UInt64(bytes.count - position) else {
                throw ThriftError(message: "map of \(count) entries exceeds the remaining bytes", offset: position)
            }
            var entries: [(ThriftValue, ThriftValue)] = []
            if count > 0 {
                let types = try byte()
                for _ in 0..<Int(count) {
                    let k = try readElement(type: types >> 4)
                    let v = try readElement(type: types & 0x0F)
                    entries.append((k, v))
                }
            }
            return .map(entries)
        case 12: return .structure(try readStruct())
        default: throw ThriftError(message: "unknown compact type \(type)", offset: position)
        }
    }

    private mutating func readElement(type: UInt8) throws(ThriftError) -> ThriftValue {
        if type == 1 || type == 2 { return .bool(try byte() == 1) }
        return try readValue(type: type)
    }
}
