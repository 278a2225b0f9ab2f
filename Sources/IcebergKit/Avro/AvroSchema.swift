/// An Avro schema, with the Iceberg extensions Iceberg's manifests rely on: `field-id` on record
/// fields, `element-id` on arrays, `key-id`/`value-id` on maps, and logical types.
public indirect enum AvroSchema: Sendable, Hashable {
    case null, boolean, int, long, float, double, bytes, string
    case record(AvroRecord)
    case enumeration(name: String, symbols: [String])
    case array(items: AvroSchema, elementID: Int32?)
    case map(values: AvroSchema, keyID: Int32?, valueID: Int32?)
    case fixed(name: String, size: Int)
    case union([AvroSchema])
    /// A primitive or fixed with a `logicalType` (date, time-micros, timestamp-micros, decimal, uuid, …).
    case logical(AvroSchema, name: String, properties: [String: AvroJSON])

    /// `["null", T]`: the usual optional.
    public static func optional(_ t: AvroSchema) -> AvroSchema { .union([.null, t]) }

    /// The schema without a logical-type wrapper.
    public var base: AvroSchema {
        if case let .logical(inner, _, _) = self { return inner.base }
        return self
    }
}

/// A named record schema.
public struct AvroRecord: Sendable, Hashable {
    public var name: String
    public var fields: [AvroField]
    public var properties: [String: AvroJSON]

    public init(name: String, fields: [AvroField], properties: [String: AvroJSON] = [:]) {
        self.name = name
        self.fields = fields
        self.properties = properties
    }
}

/// A field of a record.
public struct AvroField: Sendable, Hashable {
    public var name: String
    public var type: AvroSchema
    public var fieldID: Int32?
    public var defaultValue: AvroJSON?
    public var doc: String?

    public init(name: String, type: AvroSchema, fieldID: Int32? = nil, defaultValue: AvroJSON? = nil, doc: String? = nil) {
        self.name = name
        self.type = type
        self.fieldID = fieldID
        self.defaultValue = defaultValue
        self.doc = doc
    }
}

/// A minimal JSON value, for schema properties, defaults and the schema text itself.
public indirect enum AvroJSON: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case integer(Int64)
    case string(String)
    case array([AvroJSON])
    /// Keys keep their order.
    case object([(String, AvroJSON)])

    public static func == (lhs: AvroJSON, rhs: AvroJSON) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.number(a), .number(b)): return a == b
        case let (.integer(a), .integer(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)): return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case let .bool(b): hasher.combine(b)
        case let .number(d): hasher.combine(d)
        case let .integer(i): hasher.combine(i)
        case let .string(s): hasher.combine(s)
        case let .array(a): hasher.combine(a)
        case let .object(o): for (k, v) in o { hasher.combine(k); hasher.combine(v) }
        }
    }

    /// The value of `key` when this is an object that has it.
    public subscript(key: String) -> AvroJSON? {
        if case let .object(pairs) = self { return pairs.first { $0.0 == key }?.1 }
        return nil
    }

    /// The string, when this is one.
    public var stringValue: String? { if case let .string(s) = self { return s } else { return nil } }
    /// The integer, when this is one (or a whole number that fits).
    public var intValue: Int64? {
        switch self {
        case let .integer(i): return i
        case let .number(d) where d == d.rounded() && abs(d) < 9e15: return Int64(d)
        default: return nil
        }
    }
}
