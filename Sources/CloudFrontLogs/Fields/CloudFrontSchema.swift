public import LakeColumnar

/// The columnar schema the parsers produce.
///
/// Columns, in order: the chosen catalogue fields (Athena column names), then
/// - `timestamp` — `date` + `time` (or the real-time epoch) as microseconds UTC;
/// - `distribution_id`, `source_object`, `source_line` — lineage of every row;
/// - `extra_fields` — unknown or surplus fields as an ordered name → raw value map, never dropped;
/// - `truncated` — `true` when the null-fill policy kept a row with missing fields;
/// - one `<column>_decoded` column per field configured for percent-decoding.
///
/// The schema depends only on the options, never on the input's header, so batches from a
/// file whose `#Fields` line changes mid-stream all share one schema.
public struct CloudFrontSchema: Sendable, Hashable {
    /// The catalogue fields that become columns, in order.
    public let fields: [CloudFrontField]
    /// Fields that get an extra decoded column, with their decode depth.
    public let decoded: [(field: CloudFrontField, depth: PercentDecoding.Depth)]
    /// The columnar schema.
    public let schema: Schema

    /// First field id of the lineage columns; catalogue fields use ids 1...44.
    static let lineageBaseID: Int32 = 100

    public init(fields: [CloudFrontField] = CloudFrontField.standard,
                decoded: [(field: CloudFrontField, depth: PercentDecoding.Depth)] = []) {
        self.fields = fields
        self.decoded = decoded
        var columns = fields.map { Field(name: $0.columnName, id: Int32($0.rawValue + 1), type: $0.dataType) }
        let base = Self.lineageBaseID
        columns.append(Field(name: "timestamp", id: base, type: .timestampMicroseconds(utc: true)))
        columns.append(Field(name: "distribution_id", id: base + 1, type: .dictionaryString))
        columns.append(Field(name: "source_object", id: base + 2, type: .dictionaryString, isNullable: false))
        columns.append(Field(name: "source_line", id: base + 3, type: .int64, isNullable: false))
        columns.append(Field(name: "extra_fields", id: base + 4, type: .map(
            key: Field(name: "key", id: base + 5, type: .string, isNullable: false),
            value: Field(name: "value", id: base + 6, type: .string))))
        columns.append(Field(name: "truncated", id: base + 7, type: .boolean, isNullable: false))
        for (i, entry) in decoded.enumerated() {
            columns.append(Field(name: entry.field.columnName + "_decoded", id: base + 20 + Int32(i), type: .string))
        }
        // Ids are unique by construction.
        schema = try! Schema(fields: columns)
    }

    public static func == (lhs: CloudFrontSchema, rhs: CloudFrontSchema) -> Bool { lhs.schema == rhs.schema }
    public func hash(into hasher: inout Hasher) { hasher.combine(schema) }
}
