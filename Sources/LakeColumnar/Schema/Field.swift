/// A named, typed column of a ``Schema``.
///
/// Every field carries a stable integer `id`: Parquet writes it as `field_id` and Iceberg
/// resolves columns by it, so renames never lose data.
public struct Field: Sendable, Hashable {
    /// The column name.
    public var name: String
    /// The stable field id (Iceberg's `field-id`).
    public var id: Int32
    /// The value type.
    public var type: DataType
    /// Whether values may be null.
    public var isNullable: Bool
    /// Free-form key/value metadata (written to Parquet as column key-value metadata by writers that support it).
    public var metadata: [String: String]

    public init(name: String, id: Int32, type: DataType, isNullable: Bool = true, metadata: [String: String] = [:]) {
        self.name = name
        self.id = id
        self.type = type
        self.isNullable = isNullable
        self.metadata = metadata
    }

    /// The direct child fields of a nested type (empty for primitives).
    public var children: [Field] {
        switch type {
        case let .structure(fields): return fields
        case let .list(element): return [element]
        case let .map(key, value): return [key, value]
        default: return []
        }
    }
}
