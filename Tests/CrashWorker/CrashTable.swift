import IcebergKit
import LakeColumnar

/// The table the crash torture writes: an id (unique across the run, so that a row lost or
/// doubled shows), a day partition (ids spread over three days: every append writes three
/// files) and a payload.
enum CrashTable {
    static let schema = IcebergSchema(fields: [
        NestedField(id: 1, name: "id", required: true, type: .long),
        NestedField(id: 2, name: "day", required: true, type: .date),
        NestedField(id: 3, name: "payload", required: false, type: .string),
    ])

    static let spec = PartitionSpec(fields: [PartitionField(sourceID: 2, fieldID: 1000, name: "day", transform: .identity)])

    /// Rows `ids`; `tag` changes the payload (an upsert's new values), never the day, so that a
    /// row keeps its partition.
    static func batch(ids: Range<Int>, tag: String = "row") throws -> RecordBatch {
        try batch(ids: Array(ids), tag: tag)
    }

    /// Rows `ids` (any order), as ``batch(ids:tag:)-(Range<Int>,_)``.
    static func batch(ids: [Int], tag: String = "row") throws -> RecordBatch {
        try RecordBatch(schema: schema.columnarSchema(), columns: [
            .int64(PrimitiveColumn<Int64>(values: ids.map(Int64.init))),
            .int32(PrimitiveColumn<Int32>(values: ids.map { Int32(20_000 + $0 % 3) })),
            .binary(BinaryColumn(ids.map { "\(tag) \($0) " + String(repeating: "x", count: $0 % 50) })),
        ])
    }
}
