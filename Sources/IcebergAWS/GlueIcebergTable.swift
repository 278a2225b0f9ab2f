public import IcebergKit
public import LakeAWS

/// How an Iceberg table is registered in the Glue Data Catalog, as Java's `GlueCatalog` (its
/// `IcebergToGlueConverter` and `GlueTableOperations`) and pyiceberg's `GlueCatalog` write it.
///
/// The table is an `EXTERNAL_TABLE` whose parameters carry `table_type=ICEBERG`,
/// `metadata_location` (the current metadata file) and `previous_metadata_location`; its storage
/// descriptor holds the table location and, for people and tools browsing Glue, the columns of
/// every schema in Hive type names, each with the parameters `iceberg.field.id`,
/// `iceberg.field.optional` and `iceberg.field.current` (`false` for columns only older schemas
/// have). The metadata file stays the only source of truth: the columns are informational.
public enum GlueIcebergTable {
    /// The parameter that marks an Iceberg table (`ICEBERG`; any case is accepted on load).
    public static let tableTypeKey = "table_type"
    /// The value Java and pyiceberg write under ``tableTypeKey``.
    public static let icebergTableType = "ICEBERG"
    /// The parameter holding the current metadata file.
    public static let metadataLocationKey = "metadata_location"
    /// The parameter holding the metadata file the current one replaced.
    public static let previousMetadataLocationKey = "previous_metadata_location"
    /// The Glue `TableType` of Iceberg tables.
    public static let glueTableType = "EXTERNAL_TABLE"
    /// Column parameter: the Iceberg field id.
    public static let fieldIDKey = "iceberg.field.id"
    /// Column parameter: `true` when the field is optional.
    public static let fieldOptionalKey = "iceberg.field.optional"
    /// Column parameter: `true` when the field is in the current schema.
    public static let fieldCurrentKey = "iceberg.field.current"

    /// Whether Glue `table` is an Iceberg table (`table_type` is `ICEBERG` in any case).
    public static func isIceberg(_ table: GlueTable) -> Bool {
        table.parameters[tableTypeKey]?.uppercased() == icebergTableType
    }

    /// The `TableInput` registering `metadata` (committed at `metadataLocation`) as table `name`.
    ///
    /// - Parameters:
    ///   - previousMetadataLocation: the metadata file this one replaces (`nil` for a new table).
    ///   - existingParameters: the Glue table's current parameters, kept (other tools' keys
    ///     survive a commit, as in Java) under the three Iceberg keys.
    public static func input(name: String, metadata: TableMetadata, metadataLocation: String, previousMetadataLocation: String?,
                             existingParameters: [String: String] = [:]) -> GlueTableInput {
        var parameters = existingParameters
        parameters[tableTypeKey] = icebergTableType
        parameters[metadataLocationKey] = metadataLocation
        if let previousMetadataLocation, !previousMetadataLocation.isEmpty {
            parameters[previousMetadataLocationKey] = previousMetadataLocation
        }
        return GlueTableInput(name: name, tableType: glueTableType, parameters: parameters, location: metadata.location,
                              columns: columns(metadata), description: metadata.properties["comment"])
    }

    /// The storage-descriptor columns of `metadata`: the current schema's top-level fields, then
    /// the fields of older schemas whose names the current one no longer has (`current=false`).
    public static func columns(_ metadata: TableMetadata) -> [GlueColumn] {
        var columns: [GlueColumn] = []
        var seen: Set<String> = []
        func add(_ field: NestedField, current: Bool) {
            guard seen.insert(field.name).inserted else { return }
            columns.append(GlueColumn(name: field.name, type: hiveTypeName(field.type), comment: field.doc, parameters: [
                fieldIDKey: String(field.id),
                fieldOptionalKey: String(!field.required),
                fieldCurrentKey: String(current),
            ]))
        }
        let current = metadata.currentSchema
        for field in current?.fields ?? [] { add(field, current: true) }
        for schema in metadata.schemas where schema.schemaID != metadata.currentSchemaID {
            for field in schema.fields { add(field, current: false) }
        }
        return columns
    }

    /// The Hive type name Glue shows for `type` (Java's `IcebergToGlueConverter.toTypeString`):
    /// `time`, `uuid` and `string` are `string`; `fixed` and `binary` are `binary`; every
    /// timestamp is `timestamp`; nested types are spelled out (`struct<a:int,b:string>`,
    /// `array<bigint>`, `map<string,double>`).
    public static func hiveTypeName(_ type: IcebergType) -> String {
        switch type {
        case .boolean: return "boolean"
        case .int: return "int"
        case .long: return "bigint"
        case .float: return "float"
        case .double: return "double"
        case .date: return "date"
        case .time, .string, .uuid: return "string"
        case .timestamp, .timestamptz, .timestampNs, .timestamptzNs: return "timestamp"
        case .fixed, .binary: return "binary"
        case let .decimal(precision, scale): return "decimal(\(precision),\(scale))"
        case let .structure(fields):
            return "struct<" + fields.map { "\($0.name):\(hiveTypeName($0.type))" }.joined(separator: ",") + ">"
        case let .list(_, _, element): return "array<\(hiveTypeName(element))>"
        case let .map(_, key, _, _, value): return "map<\(hiveTypeName(key)),\(hiveTypeName(value))>"
        }
    }
}
