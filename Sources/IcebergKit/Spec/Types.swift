public import LakeColumnar

/// An Iceberg data type.
public indirect enum IcebergType: Sendable, Hashable, CustomStringConvertible {
    case boolean, int, long, float, double, date, time, timestamp, timestamptz, timestampNs, timestamptzNs
    case string, uuid, binary
    case fixed(Int)
    case decimal(precision: Int, scale: Int)
    case structure([NestedField])
    case list(elementID: Int32, elementRequired: Bool, element: IcebergType)
    case map(keyID: Int32, key: IcebergType, valueID: Int32, valueRequired: Bool, value: IcebergType)

    /// The primitive type's name in metadata JSON (`decimal(9,2)`, `fixed[16]`).
    public var description: String {
        switch self {
        case .boolean: return "boolean"
        case .int: return "int"
        case .long: return "long"
        case .float: return "float"
        case .double: return "double"
        case .date: return "date"
        case .time: return "time"
        case .timestamp: return "timestamp"
        case .timestamptz: return "timestamptz"
        case .timestampNs: return "timestamp_ns"
        case .timestamptzNs: return "timestamptz_ns"
        case .string: return "string"
        case .uuid: return "uuid"
        case .binary: return "binary"
        case let .fixed(n): return "fixed[\(n)]"
        case let .decimal(p, s): return "decimal(\(p),\(s))"
        case .structure: return "struct"
        case .list: return "list"
        case .map: return "map"
        }
    }

    public var isPrimitive: Bool {
        switch self {
        case .structure, .list, .map: return false
        default: return true
        }
    }

    static func primitive(_ text: String) throws(IcebergError) -> IcebergType {
        let t = text.trimmingSpaces()
        switch t {
        case "boolean": return .boolean
        case "int", "integer": return .int
        case "long": return .long
        case "float": return .float
        case "double": return .double
        case "date": return .date
        case "time": return .time
        case "timestamp": return .timestamp
        case "timestamptz": return .timestamptz
        case "timestamp_ns": return .timestampNs
        case "timestamptz_ns": return .timestamptzNs
        case "string": return .string
        case "uuid": return .uuid
        case "binary": return .binary
        default:
            if t.hasPrefix("fixed["), t.hasSuffix("]"), let n = Int(t.dropFirst(6).dropLast()), n > 0 { return .fixed(n) }
            if t.hasPrefix("decimal("), t.hasSuffix(")") {
                let parts = t.dropFirst(8).dropLast().split(separator: ",").map { String($0).trimmingSpaces() }
                if parts.count == 2, let p = Int(parts[0]), let s = Int(parts[1]), p >= 1, p <= 38, s >= 0, s <= p {
                    return .decimal(precision: p, scale: s)
                }
            }
            throw IcebergError(.invalidMetadata("unknown type '\(text)'"))
        }
    }

    /// The columnar type that holds this type's values (see `columnarField`).
    public var columnarType: DataType {
        switch self {
        case .boolean: return .boolean
        case .int: return .int32
        case .long, .time, .timestampNs, .timestamptzNs: return .int64
        case .float: return .float32
        case .double: return .float64
        case .date: return .date32
        case .timestamp: return .timestampMicroseconds(utc: false)
        case .timestamptz: return .timestampMicroseconds(utc: true)
        case .string: return .string
        case .uuid: return .fixedSizeBinary(byteWidth: 16)
        case .binary: return .binary
        case let .fixed(n): return .fixedSizeBinary(byteWidth: n)
        case let .decimal(p, s): return .decimal(precision: p, scale: s)
        case let .structure(fields): return .structure(fields.map(\.columnarField))
        case let .list(id, required, element):
            return .list(Field(name: "element", id: id, type: element.columnarType, isNullable: !required,
                               metadata: element.parquetRefinement))
        case let .map(keyID, key, valueID, valueRequired, value):
            return .map(key: Field(name: "key", id: keyID, type: key.columnarType, isNullable: false, metadata: key.parquetRefinement),
                        value: Field(name: "value", id: valueID, type: value.columnarType, isNullable: !valueRequired,
                                     metadata: value.parquetRefinement))
        }
    }

    /// Field metadata telling the Parquet writer the exact logical type (time, uuid, nanos).
    var parquetRefinement: [String: String] {
        switch self {
        case .time: return ["parquet.logical": "time-micros"]
        case .uuid: return ["parquet.logical": "uuid"]
        case .timestampNs: return ["parquet.logical": "timestamp-nanos-local"]
        case .timestamptzNs: return ["parquet.logical": "timestamp-nanos"]
        default: return [:]
        }
    }
}

/// A field of a struct (or a top-level column) with its stable id.
public struct NestedField: Sendable, Hashable {
    public var id: Int32
    public var name: String
    public var required: Bool
    public var type: IcebergType
    public var doc: String?

    public init(id: Int32, name: String, required: Bool, type: IcebergType, doc: String? = nil) {
        self.id = id
        self.name = name
        self.required = required
        self.type = type
        self.doc = doc
    }

    /// The field as a columnar field (same id, name and nullability).
    public var columnarField: Field {
        Field(name: name, id: id, type: type.columnarType, isNullable: !required, metadata: type.parquetRefinement)
    }
}

/// A table schema: top-level fields with ids.
public struct IcebergSchema: Sendable, Hashable {
    public var schemaID: Int32
    public var identifierFieldIDs: [Int32]
    public var fields: [NestedField]

    public init(schemaID: Int32 = 0, fields: [NestedField], identifierFieldIDs: [Int32] = []) {
        self.schemaID = schemaID
        self.fields = fields
        self.identifierFieldIDs = identifierFieldIDs
    }

    /// The highest field id anywhere in the schema.
    public var highestFieldID: Int32 {
        func visit(_ t: IcebergType) -> Int32 {
            switch t {
            case let .structure(fs): return fs.map { max($0.id, visit($0.type)) }.max() ?? 0
            case let .list(id, _, e): return max(id, visit(e))
            case let .map(k, kt, v, _, vt): return max(k, v, visit(kt), visit(vt))
            default: return 0
            }
        }
        return visit(.structure(fields))
    }

    /// The field with `id` at any depth.
    public func field(id: Int32) -> NestedField? {
        func find(_ fs: [NestedField]) -> NestedField? {
            for f in fs {
                if f.id == id { return f }
                switch f.type {
                case let .structure(inner): if let hit = find(inner) { return hit }
                default: break
                }
            }
            return nil
        }
        return find(fields)
    }

    /// The columnar schema of this table's data.
    public func columnarSchema() throws(IcebergError) -> Schema {
        do {
            return try Schema(fields: fields.map(\.columnarField))
        } catch {
            throw IcebergError(.invalidMetadata("schema \(schemaID): \(error)"))
        }
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
