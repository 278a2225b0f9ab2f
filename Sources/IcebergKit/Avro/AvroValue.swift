/// A decoded Avro datum.
public indirect enum AvroValue: Sendable, Hashable {
    case null
    case boolean(Bool)
    case int(Int32)
    case long(Int64)
    case float(Float)
    case double(Double)
    case bytes([UInt8])
    case string(String)
    /// Field values in schema order.
    case record([AvroValue])
    case enumSymbol(Int)
    case array([AvroValue])
    case map([(String, AvroValue)])
    case fixed([UInt8])
    /// The chosen branch of a union and its value.
    case union(branch: Int, AvroValue)

    public static func == (lhs: AvroValue, rhs: AvroValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.boolean(a), .boolean(b)): return a == b
        case let (.int(a), .int(b)): return a == b
        case let (.long(a), .long(b)): return a == b
        case let (.float(a), .float(b)): return a.bitPattern == b.bitPattern
        case let (.double(a), .double(b)): return a.bitPattern == b.bitPattern
        case let (.bytes(a), .bytes(b)), let (.fixed(a), .fixed(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.record(a), .record(b)), let (.array(a), .array(b)): return a == b
        case let (.enumSymbol(a), .enumSymbol(b)): return a == b
        case let (.map(a), .map(b)): return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case let (.union(i, a), .union(j, b)): return i == j && a == b
        default: return false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case let .boolean(v): hasher.combine(v)
        case let .int(v): hasher.combine(v)
        case let .long(v): hasher.combine(v)
        case let .float(v): hasher.combine(v.bitPattern)
        case let .double(v): hasher.combine(v.bitPattern)
        case let .bytes(v), let .fixed(v): hasher.combine(v)
        case let .string(v): hasher.combine(v)
        case let .record(v), let .array(v): hasher.combine(v)
        case let .enumSymbol(v): hasher.combine(v)
        case let .map(v): for (k, x) in v { hasher.combine(k); hasher.combine(x) }
        case let .union(i, v): hasher.combine(i); hasher.combine(v)
        }
    }

    /// The value inside a union (or the value itself).
    public var unwrapped: AvroValue {
        if case let .union(_, v) = self { return v.unwrapped }
        return self
    }
}

/// An error reading or writing Avro: what, and where in the file.
public struct AvroError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        case invalidSchema(String)
        /// A value does not fit its schema (writing).
        case valueMismatch(String)
        case notAvro
        case corrupt(String)
        case unsupportedCodec(String)
        case io(String)
    }

    public var kind: Kind
    public var offset: Int?
    public var path: String?

    public init(_ kind: Kind, offset: Int? = nil, path: String? = nil) {
        self.kind = kind
        self.offset = offset
        self.path = path
    }

    public var description: String {
        let location = (path ?? "") + (offset.map { " at offset \($0)" } ?? "")
        let prefix = location.isEmpty ? "" : location + ": "
        switch kind {
        case let .invalidSchema(w): return prefix + "invalid Avro schema: \(w)"
        case let .valueMismatch(w): return prefix + "value does not match the schema: \(w)"
        case .notAvro: return prefix + "not an Avro object container file"
        case let .corrupt(w): return prefix + "corrupt Avro data: \(w)"
        case let .unsupportedCodec(c): return prefix + "unsupported Avro codec '\(c)'"
        case let .io(w): return prefix + "I/O error: \(w)"
        }
    }
}

/// Avro binary encoding.
enum AvroBinary {
    static func writeLong(_ v: Int64, _ out: inout [UInt8]) {
        var z = UInt64(bitPattern: (v << 1) ^ (v >> 63))
        while z >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: z) | 0x80)
            z >>= 7
        }
        out.append(UInt8(z))
    }

    static func writeBytes(_ b: [UInt8], _ out: inout [UInt8]) {
        writeLong(Int64(b.count), &out)
        out.append(contentsOf: b)
    }

    static func encode(_ value: AvroValue, _ schema: AvroSchema, _ out: inout [UInt8]) throws(AvroError) {
        func mismatch() -> AvroError { AvroError(.valueMismatch("\(value) for \(schema.json)")) }
        switch (schema, value) {
        case let (.logical(inner, _, _), _): try encode(value, inner, &out)
        case (.null, .null): break
        case let (.boolean, .boolean(b)): out.append(b ? 1 : 0)
        case let (.int, .int(v)): writeLong(Int64(v), &out)
        case let (.long, .long(v)): writeLong(v, &out)
        case let (.long, .int(v)): writeLong(Int64(v), &out)
        case let (.float, .float(v)): withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) }
        case let (.double, .double(v)): withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) }
        case let (.bytes, .bytes(b)): writeBytes(b, &out)
        case let (.string, .string(s)): writeBytes(Array(s.utf8), &out)
        case let (.record(r), .record(values)):
            guard values.count == r.fields.count else { throw mismatch() }
            for (f, v) in zip(r.fields, values) { try encode(v, f.type, &out) }
        case let (.enumeration(_, symbols), .enumSymbol(i)):
            guard i >= 0, i < symbols.count else { throw mismatch() }
            writeLong(Int64(i), &out)
        case let (.array(items, _), .array(values)):
            if !values.isEmpty {
                writeLong(Int64(values.count), &out)
                for v in values { try encode(v, items, &out) }
            }
            out.append(0)
        case let (.map(valueSchema, _, _), .map(pairs)):
            if !pairs.isEmpty {
                writeLong(Int64(pairs.count), &out)
                for (k, v) in pairs {
                    writeBytes(Array(k.utf8), &out)
                    try encode(v, valueSchema, &out)
                }
            }
            out.append(0)
        case let (.fixed(_, size), .fixed(b)):
            guard b.count == size else { throw mismatch() }
            out.append(contentsOf: b)
        case let (.union(branches), .union(i, v)):
            guard i >= 0, i < branches.count else { throw mismatch() }
            writeLong(Int64(i), &out)
            try encode(v, branches[i], &out)
        case let (.union(branches), _):
            // A bare value: pick the first branch it fits (null for .null).
            if case .null = value, let i = branches.firstIndex(of: .null) {
                writeLong(Int64(i), &out)
                return
            }
            for (i, b) in branches.enumerated() where b.base != .null {
                var trial: [UInt8] = []
                if (try? encode(value, b, &trial)) != nil {
                    writeLong(Int64(i), &out)
                    out += trial
                    return
                }
            }
            throw mismatch()
        default:
            throw mismatch()
        }
    }

    /// A cursor that decodes values, refusing lengths beyond the bytes present.
    struct Decoder {
        let bytes: [UInt8]
        var position: Int
        let end: Int

        mutating func byte() throws(AvroError) -> UInt8 {
            guard position < end else { throw AvroError(.corrupt("unexpected end of data"), offset: position) }
            defer { position += 1 }
            return bytes[position]
        }

        mutating func long() throws(AvroError) -> Int64 {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                let b = try byte()
                guard shift < 64 else { throw AvroError(.corrupt("varint too long"), offset: position) }
                result |= UInt64(b & 0x7F) << shift
                if b & 0x80 == 0 { break }
                shift += 7
            }
            return Int64(bitPattern: (result >> 1) ^ (0 &- (result & 1)))
        }

        mutating func raw(_ n: Int) throws(AvroError) -> [UInt8] {
            guard n >= 0, n <= end - position else { throw AvroError(.corrupt("length \(n) exceeds the \(end - position) bytes left"), offset: position) }
            defer { position += n }
            return Array(bytes[position..<(position + n)])
        }

        mutating func decode(_ schema: AvroSchema, depth: Int = 0) throws(AvroError) -> AvroValue {
            guard depth < 64 else { throw AvroError(.corrupt("values nested too deeply"), offset: position) }
            switch schema {
            case let .logical(inner, _, _): return try decode(inner, depth: depth)
            case .null: return .null
            case .boolean:
                let b = try byte()
                guard b <= 1 else { throw AvroError(.corrupt("boolean byte \(b)"), offset: position - 1) }
                return .boolean(b == 1)
            case .int:
                let v = try long()
                guard let i = Int32(exactly: v) else { throw AvroError(.corrupt("int out of range"), offset: position) }
                return .int(i)
            case .long: return .long(try long())
            case .float:
                let b = try raw(4)
                return .float(Float(bitPattern: UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 | UInt32(b[3]) << 24))
            case .double:
                let b = try raw(8)
                var bits: UInt64 = 0
                for k in 0..<8 { bits |= UInt64(b[k]) << (8 * UInt64(k)) }
                return .double(Double(bitPattern: bits))
            case .bytes: return .bytes(try raw(Int(clamping: try long())))
            case .string:
                let b = try raw(Int(clamping: try long()))
                guard let s = String(validating: b, as: UTF8.self) else { throw AvroError(.corrupt("string is not UTF-8"), offset: position) }
                return .string(s)
            case let .record(r):
                var values: [AvroValue] = []
                values.reserveCapacity(r.fields.count)
                for f in r.fields { values.append(try decode(f.type, depth: depth + 1)) }
                return .record(values)
            case let .enumeration(_, symbols):
                let i = try long()
                guard i >= 0, i < symbols.count else { throw AvroError(.corrupt("enum index \(i)"), offset: position) }
                return .enumSymbol(Int(i))
            case let .array(items, _):
                var values: [AvroValue] = []
                while true {
                    var count = try long()
                    if count == 0 { break }
                    if count < 0 {
                        guard count != .min else { throw AvroError(.corrupt("invalid block count"), offset: position) }
                        count = -count
                        _ = try long()  // block size in bytes
                    }
                    guard count <= end - position || items.base == .null else {
                        throw AvroError(.corrupt("array block of \(count) items exceeds the data"), offset: position)
                    }
                    for _ in 0..<count { values.append(try decode(items, depth: depth + 1)) }
                }
                return .array(values)
            case let .map(valueSchema, _, _):
                var pairs: [(String, AvroValue)] = []
                while true {
                    var count = try long()
                    if count == 0 { break }
                    if count < 0 {
                        guard count != .min else { throw AvroError(.corrupt("invalid block count"), offset: position) }
                        count = -count
                        _ = try long()
                    }
                    guard count <= end - position else { throw AvroError(.corrupt("map block of \(count) entries exceeds the data"), offset: position) }
                    for _ in 0..<count {
                        let key = try raw(Int(clamping: try long()))
                        pairs.append((String(decoding: key, as: UTF8.self), try decode(valueSchema, depth: depth + 1)))
                    }
                }
                return .map(pairs)
            case let .fixed(_, size): return .fixed(try raw(size))
            case let .union(branches):
                let i = try long()
                guard i >= 0, i < branches.count else { throw AvroError(.corrupt("union branch \(i) of \(branches.count)"), offset: position) }
                return .union(branch: Int(i), try decode(branches[Int(i)], depth: depth + 1))
            }
        }
    }
}
