public import LakeColumnar

/// Iceberg types from columnar ones: the inverse of ``IcebergType/columnarType``, so a table can
/// be created from the schema of the batches it will hold (a parser's, a Parquet file's).
extension IcebergType {
    /// The Iceberg type of columnar values of `type`; `metadata` is the field's, whose
    /// `parquet.logical` refinement tells `time`, `uuid` and nanosecond timestamps from the plain
    /// integers or bytes that hold them. Text is `string` whether plain or dictionary-encoded.
    public init(columnar type: DataType, metadata: [String: String] = [:]) {
        let refinement = metadata["parquet.logical"]
        switch type {
        case .boolean: self = .boolean
        case .int32: self = .int
        case .int64:
            switch refinement {
            case "time-micros": self = .time
            case "timestamp-nanos-local": self = .timestampNs
            case "timestamp-nanos": self = .timestamptzNs
            default: self = .long
            }
        case .float32: self = .float
        case .float64: self = .double
        case .date32: self = .date
        case let .timestampMicroseconds(utc): self = utc ? .timestamptz : .timestamp
        case let .decimal(precision, scale): self = .decimal(precision: precision, scale: scale)
        case .binary: self = .binary
        case .string, .dictionaryString: self = .string
        case let .fixedSizeBinary(width): self = width == 16 && refinement == "uuid" ? .uuid : .fixed(width)
        case let .structure(fields): self = .structure(fields.map(NestedField.init(columnar:)))
        case let .list(element):
            self = .list(elementID: element.id, elementRequired: !element.isNullable,
                         element: IcebergType(columnar: element.type, metadata: element.metadata))
        case let .map(key, value):
            // Iceberg map keys are always required.
            self = .map(keyID: key.id, key: IcebergType(columnar: key.type, metadata: key.metadata), valueID: value.id,
                        valueRequired: !value.isNullable, value: IcebergType(columnar: value.type, metadata: value.metadata))
        }
    }
}

extension NestedField {
    /// The Iceberg field of a columnar field: same id, name and nullability.
    public init(columnar field: Field) {
        self.init(id: field.id, name: field.name, required: !field.isNullable,
                  type: IcebergType(columnar: field.type, metadata: field.metadata))
    }
}

extension IcebergSchema {
    /// The Iceberg schema of columnar `schema` (field ids kept; they must be unique, as
    /// ``LakeColumnar/Schema`` already guarantees).
    public init(columnar schema: Schema, schemaID: Int32 = 0) {
        self.init(schemaID: schemaID, fields: schema.fields.map(NestedField.init(columnar:)))
    }
}
