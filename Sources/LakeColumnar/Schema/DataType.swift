/// The logical type of a column.
///
/// Types are deliberately few: they are the intersection the lakehouse needs between the
/// CloudFront parser, Parquet, Iceberg and DQDL. Each maps onto exactly one storage variant of
/// ``Column`` (see ``DataType/storage``).
public indirect enum DataType: Sendable, Hashable, CustomStringConvertible {
    case boolean
    case int32
    case int64
    case float32
    case float64
    /// Days since 1970-01-01, stored as `Int32`.
    case date32
    /// Microseconds since the Unix epoch, stored as `Int64`. `utc` is `true` for an instant
    /// (Iceberg `timestamptz`) and `false` for a local date-time (Iceberg `timestamp`).
    case timestampMicroseconds(utc: Bool)
    /// A decimal of the given precision (1...38) and scale, unscaled value stored as `Int128`.
    case decimal(precision: Int, scale: Int)
    /// Arbitrary bytes.
    case binary
    /// UTF-8 text; storage is the same as ``binary``.
    case string
    /// Exactly `byteWidth` bytes per value (UUIDs, hashes).
    case fixedSizeBinary(byteWidth: Int)
    /// UTF-8 text stored as `Int32` indices into a dictionary of distinct values.
    case dictionaryString
    /// A record of named child fields.
    case structure([Field])
    /// A variable-length list of one element field.
    case list(Field)
    /// A map from a key field (never null) to a value field.
    case map(key: Field, value: Field)

    /// The storage variant of ``Column`` that holds values of this type.
    public var storage: ColumnStorage {
        switch self {
        case .boolean: return .boolean
        case .int32, .date32: return .int32
        case .int64, .timestampMicroseconds: return .int64
        case .float32: return .float32
        case .float64: return .float64
        case .decimal: return .decimal128
        case .binary, .string: return .binary
        case .fixedSizeBinary: return .fixedSizeBinary
        case .dictionaryString: return .dictionary
        case .structure: return .structure
        case .list: return .list
        case .map: return .map
        }
    }

    /// `true` for types without children.
    public var isPrimitive: Bool {
        switch self {
        case .structure, .list, .map: return false
        default: return true
        }
    }

    /// `true` when values are text (plain or dictionary-encoded).
    public var isString: Bool {
        switch self {
        case .string, .dictionaryString: return true
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .boolean: return "boolean"
        case .int32: return "int32"
        case .int64: return "int64"
        case .float32: return "float32"
        case .float64: return "float64"
        case .date32: return "date32"
        case let .timestampMicroseconds(utc): return utc ? "timestamp[us, UTC]" : "timestamp[us]"
        case let .decimal(p, s): return "decimal(\(p), \(s))"
        case .binary: return "binary"
        case .string: return "string"
        case let .fixedSizeBinary(w): return "fixed_size_binary(\(w))"
        case .dictionaryString: return "dictionary<string>"
        case let .structure(fields): return "struct<\(fields.map { "\($0.name): \($0.type)" }.joined(separator: ", "))>"
        case let .list(element): return "list<\(element.type)>"
        case let .map(key, value): return "map<\(key.type), \(value.type)>"
        }
    }
}

/// The physical storage variants a ``Column`` can take.
public enum ColumnStorage: String, Sendable, Hashable {
    case boolean, int32, int64, float32, float64, decimal128, binary, fixedSizeBinary, dictionary
    case structure, list, map
}
