/// Serialises and parses JSON without Foundation, keeping object key order (Avro schemas and
/// Iceberg metadata are read by people; stable output makes diffs meaningful).
enum JSONText {
    /// Appends `value`'s JSON text, as UTF-8, to `out`.
    static func serialize(_ value: AvroJSON, into out: inout [UInt8]) {
        switch value {
        case .null: out += "null".utf8
        case let .bool(b): out += (b ? "true" : "false").utf8
        case let .integer(i): appendInteger(i, to: &out)
        case let .number(d):
            if d.isFinite && d == d.rounded() && abs(d) < 1e15 { appendInteger(Int64(d), to: &out) } else { out += "\(d)".utf8 }
        case let .string(s): quote(s, into: &out)
        case let .array(items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                serialize(item, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case let .object(pairs):
            out.append(UInt8(ascii: "{"))
            for (i, (k, v)) in pairs.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                quote(k, into: &out)
                out.append(UInt8(ascii: ":"))
                serialize(v, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// A decimal integer, digit by digit (no intermediate String).
    static func appendInteger(_ value: Int64, to out: inout [UInt8]) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // up to 20 digits, in reverse
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            for k in stride(from: count - 1, through: 0, by: -1) { out.append(buffer[k]) }
        }
    }

    static func serialize(_ value: AvroJSON) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        serialize(value, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// A JSON string literal: bytes that need no escape (almost all) are copied as they are.
    static func quote(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var text = s
        text.withUTF8 { bytes in
            var start = 0
            for (i, c) in bytes.enumerated() where c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") || c < 0x20 {
                out.append(contentsOf: bytes[start..<i])
                switch c {
                case UInt8(ascii: "\""): out += "\\\"".utf8
                case UInt8(ascii: "\\"): out += "\\\\".utf8
                case UInt8(ascii: "\n"): out += "\\n".utf8
                case UInt8(ascii: "\r"): out += "\\r".utf8
                case UInt8(ascii: "\t"): out += "\\t".utf8
                default:
                    let hex = String(c, radix: 16)
                    out += ("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).utf8
                }
                start = i + 1
            }
            out.append(contentsOf: bytes[start...])
        }
        out.append(UInt8(ascii: "\""))
    }

    struct ParseError: Error, CustomStringConvertible {
        var message: String
        var offset: Int
        var description: String { "\(message) at byte \(offset)" }
    }

    /// Parses one JSON document (depth-limited).
    static func parse(_ text: String) throws(ParseError) -> AvroJSON {
        var parser = Parser(bytes: Array(text.utf8))
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.position == parser.bytes.count else { throw ParseError(message: "unexpected text after JSON", offset: parser.position) }
        return value
    }

    struct Parser {
        let bytes: [UInt8]
        var position = 0

        mutating func skipSpace() {
            while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
        }

        mutating func value(depth: Int) throws(ParseError) -> AvroJSON {
            guard depth < 256 else { throw ParseError(message: "JSON nested too deeply", offset: position) }
            skipSpace()
            guard position < bytes.count else { throw ParseError(message: "unexpected end of JSON", offset: position) }
            switch bytes[position] {
            case UInt8(ascii: "{"):
                position += 1
                var pairs: [(String, AvroJSON)] = []
                skipSpace()
                if position < bytes.count, bytes[position] == UInt8(ascii: "}") { position += 1; return .object(pairs) }
                while true {
                    skipSpace()
                    let key = try string()
                    skipSpace()
                    try expect(UInt8(ascii: ":"))
                    pairs.append((key, try value(depth: depth + 1)))
                    skipSpace()
                    if try next() == UInt8(ascii: "}") { return .object(pairs) }
                    position -= 1
                    try expect(UInt8(ascii: ","))
                }
            case UInt8(ascii: "["):
                position += 1
                var items: [AvroJSON] = []
                skipSpace()
                if position < bytes.count, bytes[position] == UInt8(ascii: "]") { position += 1; return .array(items) }
                while true {
                    items.append(try value(depth: depth + 1))
                    skipSpace()
                    if try next() == UInt8(ascii: "]") { return .array(items) }
                    position -= 1
                    try expect(UInt8(ascii: ","))
                }
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            default: return try number()
            }
        }

        mutating func next() throws(ParseError) -> UInt8 {
            guard position < bytes.count else { throw ParseError(message: "unexpected end of JSON", offset: position) }
            defer { position += 1 }
            return bytes[position]
        }

        mutating func expect(_ c: UInt8) throws(ParseError) {
            guard try next() == c else { throw ParseError(message: "expected '\(Character(Unicode.Scalar(c)))'", offset: position - 1) }
        }

        mutating func literal(_ word: String) throws(ParseError) {
            for c in word.utf8 { guard try next() == c else { throw ParseError(message: "invalid literal", offset: position - 1) } }
        }

        mutating func number() throws(ParseError) -> AvroJSON {
            let start = position
            while position < bytes.count, "+-0123456789.eE".utf8.contains(bytes[position]) { position += 1 }
            let text = String(decoding: bytes[start..<position], as: UTF8.self)
            if let i = Int64(text) { return .integer(i) }
            if let d = Double(text), !text.isEmpty { return .number(d) }
            throw ParseError(message: "invalid number '\(text)'", offset: start)
        }

        mutating func string() throws(ParseError) -> String {
            try expect(UInt8(ascii: "\""))
            var out: [UInt8] = []
            while true {
                let c = try next()
                if c == UInt8(ascii: "\"") { break }
                if c != UInt8(ascii: "\\") { out.append(c); continue }
                let e = try next()
                switch e {
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "u"):
                    var v: UInt32 = 0
                    for _ in 0..<4 {
                        let h = try next()
                        guard let d = hexDigit(h) else { throw ParseError(message: "invalid \\u escape", offset: position - 1) }
                        v = v << 4 | d
                    }
                    if v >= 0xD800 && v < 0xDC00 {
                        try expect(UInt8(ascii: "\\"))
                        try expect(UInt8(ascii: "u"))
                        var low: UInt32 = 0
                        for _ in 0..<4 {
                            let h = try next()
                            guard let d = hexDigit(h) else { throw ParseError(message: "invalid \\u escape", offset: position - 1) }
                            low = low << 4 | d
                        }
                        // Only a low surrogate completes the pair (found by the metadata fuzz
                        // target: any other value wrapped the arithmetic and trapped).
                        guard low >= 0xDC00 && low < 0xE000 else {
                            throw ParseError(message: "invalid surrogate pair", offset: position - 6)
                        }
                        v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(v) else { throw ParseError(message: "invalid code point", offset: position) }
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: out.append(e)
                }
            }
            return String(decoding: out, as: UTF8.self)
        }

        func hexDigit(_ c: UInt8) -> UInt32? {
            switch c {
            case 48...57: return UInt32(c - 48)
            case 65...70: return UInt32(c - 55)
            case 97...102: return UInt32(c - 87)
            default: return nil
            }
        }
    }
}

extension AvroSchema {
    /// The schema as Avro JSON.
    public var json: AvroJSON {
        switch self {
        case .null: return .string("null")
        case .boolean: return .string("boolean")
        case .int: return .string("int")
        case .long: return .string("long")
        case .float: return .string("float")
        case .double: return .string("double")
        case .bytes: return .string("bytes")
        case .string: return .string("string")
        case let .record(r):
            var pairs: [(String, AvroJSON)] = [("type", .string("record")), ("name", .string(r.name))]
            pairs.append(("fields", .array(r.fields.map { f in
                var o: [(String, AvroJSON)] = [("name", .string(f.name)), ("type", f.type.json)]
                if let d = f.doc { o.append(("doc", .string(d))) }
                if let d = f.defaultValue { o.append(("default", d)) }
                if let id = f.fieldID { o.append(("field-id", .integer(Int64(id)))) }
                return .object(o)
            })))
            pairs += r.properties.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            return .object(pairs)
        case let .enumeration(name, symbols):
            return .object([("type", .string("enum")), ("name", .string(name)), ("symbols", .array(symbols.map { .string($0) }))])
        case let .array(items, elementID):
            var o: [(String, AvroJSON)] = [("type", .string("array")), ("items", items.json)]
            if let elementID { o.append(("element-id", .integer(Int64(elementID)))) }
            return .object(o)
        case let .map(values, keyID, valueID):
            var o: [(String, AvroJSON)] = [("type", .string("map")), ("values", values.json)]
            if let keyID { o.append(("key-id", .integer(Int64(keyID)))) }
            if let valueID { o.append(("value-id", .integer(Int64(valueID)))) }
            return .object(o)
        case let .fixed(name, size):
            return .object([("type", .string("fixed")), ("name", .string(name)), ("size", .integer(Int64(size)))])
        case let .union(branches): return .array(branches.map(\.json))
        case let .logical(inner, name, properties):
            var o: [(String, AvroJSON)]
            if case let .object(pairs) = inner.json { o = pairs } else { o = [("type", inner.json)] }
            o.append(("logicalType", .string(name)))
            o += properties.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            return .object(o)
        }
    }

    /// Parses Avro schema JSON (named types may be referenced by name after their definition).
    public init(json: AvroJSON) throws(AvroError) {
        var named: [String: AvroSchema] = [:]
        self = try Self.parse(json, &named, depth: 0)
    }

    static func parse(_ json: AvroJSON, _ named: inout [String: AvroSchema], depth: Int) throws(AvroError) -> AvroSchema {
        guard depth < 64 else { throw AvroError(.invalidSchema("schema nested too deeply")) }
        switch json {
        case let .string(name):
            switch name {
            case "null": return .null
            case "boolean": return .boolean
            case "int": return .int
            case "long": return .long
            case "float": return .float
            case "double": return .double
            case "bytes": return .bytes
            case "string": return .string
            default:
                guard let t = named[name] ?? named[name.split(separator: ".").last.map(String.init) ?? name] else {
                    throw AvroError(.invalidSchema("unknown type '\(name)'"))
                }
                return t
            }
        case let .array(branches):
            var out: [AvroSchema] = []
            for b in branches { out.append(try parse(b, &named, depth: depth + 1)) }
            return .union(out)
        case .object:
            guard let type = json["type"] else { throw AvroError(.invalidSchema("object without 'type'")) }
            var schema: AvroSchema
            switch type.stringValue {
            case "record"?, "error"?:
                guard let name = json["name"]?.stringValue, case let .array(fields)? = json["fields"] else {
                    throw AvroError(.invalidSchema("record without name or fields"))
                }
                var record = AvroRecord(name: name, fields: [])
                named[name] = .record(record)  // allows (shallow) self-reference by name
                for f in fields {
                    guard let fname = f["name"]?.stringValue, let ftype = f["type"] else {
                        throw AvroError(.invalidSchema("field without name or type in '\(name)'"))
                    }
                    record.fields.append(AvroField(name: fname, type: try parse(ftype, &named, depth: depth + 1),
                                                   fieldID: f["field-id"]?.intValue.flatMap { Int32(exactly: $0) },
                                                   defaultValue: f["default"], doc: f["doc"]?.stringValue))
                }
                if case let .object(pairs) = json {
                    for (k, v) in pairs where !["type", "name", "fields", "namespace", "doc", "aliases"].contains(k) {
                        record.properties[k] = v
                    }
                }
                schema = .record(record)
                named[name] = schema
            case "enum"?:
                guard let name = json["name"]?.stringValue, case let .array(symbols)? = json["symbols"] else {
                    throw AvroError(.invalidSchema("enum without name or symbols"))
                }
                schema = .enumeration(name: name, symbols: symbols.compactMap(\.stringValue))
                named[name] = schema
            case "array"?:
                guard let items = json["items"] else { throw AvroError(.invalidSchema("array without items")) }
                schema = .array(items: try parse(items, &named, depth: depth + 1),
                                elementID: json["element-id"]?.intValue.flatMap { Int32(exactly: $0) })
            case "map"?:
                guard let values = json["values"] else { throw AvroError(.invalidSchema("map without values")) }
                schema = .map(values: try parse(values, &named, depth: depth + 1),
                              keyID: json["key-id"]?.intValue.flatMap { Int32(exactly: $0) },
                              valueID: json["value-id"]?.intValue.flatMap { Int32(exactly: $0) })
            case "fixed"?:
                guard let name = json["name"]?.stringValue, let size = json["size"]?.intValue, size >= 0, size < 1 << 20 else {
                    throw AvroError(.invalidSchema("fixed without name or valid size"))
                }
                schema = .fixed(name: name, size: Int(size))
                named[name] = schema
            default:
                schema = try parse(type, &named, depth: depth + 1)
            }
            if let logical = json["logicalType"]?.stringValue {
                var props: [String: AvroJSON] = [:]
                if case let .object(pairs) = json {
                    for (k, v) in pairs where !["type", "logicalType", "name", "size", "fields", "items", "values", "symbols"].contains(k) {
                        props[k] = v
                    }
                }
                schema = .logical(schema, name: logical, properties: props)
            }
            return schema
        default:
            throw AvroError(.invalidSchema("unexpected JSON in schema"))
        }
    }
}

extension AvroJSON {
    /// The value as compact JSON text (object keys in their stored order).
    public var text: String { JSONText.serialize(self) }

    /// Parses JSON text.
    public init(parsing text: String) throws(IcebergError) {
        do { self = try JSONText.parse(text) } catch { throw IcebergError(.invalidMetadata("\(error)")) }
    }
}
