import LakeColumnar

/// Avro schemas and (de)serialisation of manifests and manifest lists (format v2).
public enum ManifestCodec {
    static func opt(_ t: AvroSchema) -> AvroSchema { .optional(t) }

    static func intMap(_ name: String, id: Int32, keyID: Int32, valueID: Int32, value: AvroSchema) -> AvroField {
        let pair = AvroSchema.record(AvroRecord(name: "k\(keyID)_v\(valueID)", fields: [
            AvroField(name: "key", type: .int, fieldID: keyID), AvroField(name: "value", type: value, fieldID: valueID),
        ]))
        return AvroField(name: name, type: opt(.logical(.array(items: pair, elementID: nil), name: "map", properties: [:])),
                         fieldID: id, defaultValue: .null)
    }

    /// The Avro type of a partition value of Iceberg type `t`.
    static func avroType(_ t: IcebergType) throws(IcebergError) -> AvroSchema {
        switch t {
        case .boolean: return .boolean
        case .int: return .int
        case .long: return .long
        case .float: return .float
        case .double: return .double
        case .date: return .logical(.int, name: "date", properties: [:])
        case .time: return .logical(.long, name: "time-micros", properties: [:])
        case .timestamp: return .logical(.long, name: "timestamp-micros", properties: ["adjust-to-utc": .bool(false)])
        case .timestamptz: return .logical(.long, name: "timestamp-micros", properties: ["adjust-to-utc": .bool(true)])
        case .string: return .string
        case .binary: return .bytes
        case let .fixed(n): return .fixed(name: "fixed_\(n)", size: n)
        case .uuid: return .logical(.fixed(name: "uuid_fixed", size: 16), name: "uuid", properties: [:])
        case let .decimal(precision, scale):
            // The spec's Avro form: a fixed of the fewest bytes that hold the precision.
            return .logical(.fixed(name: "decimal_\(precision)_\(scale)", size: decimalSize(precision: precision)), name: "decimal",
                            properties: ["precision": .integer(Int64(precision)), "scale": .integer(Int64(scale))])
        default: throw IcebergError(.unsupported("partition values of type \(t)"))
        }
    }

    /// The fewest bytes whose two's complement holds every unscaled value of `precision` digits
    /// (Java's `TypeUtil.decimalRequiredBytes`): 4 for 9 digits, 8 for 18, 16 for 38.
    public static func decimalSize(precision: Int) -> Int {
        let largest = (0..<max(1, min(precision, 38))).reduce(Int128(1)) { p, _ in p * 10 } - 1
        for n in 1..<16 where largest <= (Int128(1) << (8 * n - 1)) - 1 { return n }
        return 16
    }

    /// `v` as big-endian two's complement in exactly `size` bytes.
    static func bigEndian(_ v: Int128, size: Int) -> [UInt8] {
        (0..<size).map { UInt8(truncatingIfNeeded: v >> (8 * (size - 1 - $0))) }
    }

    /// The Iceberg type of each partition field of `spec` over `schema`.
    public static func partitionTypes(_ spec: PartitionSpec, _ schema: IcebergSchema) throws(IcebergError) -> [IcebergType] {
        var out: [IcebergType] = []
        for f in spec.fields {
            guard let source = schema.field(id: f.sourceID) else { throw IcebergError(.invalidMetadata("partition source \(f.sourceID) not in schema")) }
            switch f.transform {
            case .identity, .truncate, .void: out.append(source.type)
            case .bucket, .year, .month, .hour: out.append(.int)
            case .day: out.append(.date)
            }
        }
        return out
    }

    public static func entrySchema(_ spec: PartitionSpec, _ schema: IcebergSchema) throws(IcebergError) -> AvroSchema {
        let types = try partitionTypes(spec, schema)
        var partitionFields: [AvroField] = []
        for (f, t) in zip(spec.fields, types) {
            partitionFields.append(AvroField(name: f.name, type: opt(try avroType(t)), fieldID: f.fieldID, defaultValue: .null))
        }
        let dataFile = AvroSchema.record(AvroRecord(name: "r2", fields: [
            AvroField(name: "content", type: .int, fieldID: 134),
            AvroField(name: "file_path", type: .string, fieldID: 100),
            AvroField(name: "file_format", type: .string, fieldID: 101),
            AvroField(name: "partition", type: .record(AvroRecord(name: "r102", fields: partitionFields)), fieldID: 102),
            AvroField(name: "record_count", type: .long, fieldID: 103),
            AvroField(name: "file_size_in_bytes", type: .long, fieldID: 104),
            intMap("column_sizes", id: 108, keyID: 117, valueID: 118, value: .long),
            intMap("value_counts", id: 109, keyID: 119, valueID: 120, value: .long),
            intMap("null_value_counts", id: 110, keyID: 121, valueID: 122, value: .long),
            intMap("nan_value_counts", id: 137, keyID: 138, valueID: 139, value: .long),
            intMap("lower_bounds", id: 125, keyID: 126, valueID: 127, value: .bytes),
            intMap("upper_bounds", id: 128, keyID: 129, valueID: 130, value: .bytes),
            AvroField(name: "key_metadata", type: opt(.bytes), fieldID: 131, defaultValue: .null),
            AvroField(name: "split_offsets", type: opt(.array(items: .long, elementID: 133)), fieldID: 132, defaultValue: .null),
            AvroField(name: "equality_ids", type: opt(.array(items: .int, elementID: 136)), fieldID: 135, defaultValue: .null),
            AvroField(name: "sort_order_id", type: opt(.int), fieldID: 140, defaultValue: .null),
        ]))
        return .record(AvroRecord(name: "manifest_entry", fields: [
            AvroField(name: "status", type: .int, fieldID: 0),
            AvroField(name: "snapshot_id", type: opt(.long), fieldID: 1, defaultValue: .null),
            AvroField(name: "sequence_number", type: opt(.long), fieldID: 3, defaultValue: .null),
            AvroField(name: "file_sequence_number", type: opt(.long), fieldID: 4, defaultValue: .null),
            AvroField(name: "data_file", type: dataFile, fieldID: 2),
        ]))
    }

    static func optional(_ v: AvroValue?) -> AvroValue { v.map { .union(branch: 1, $0) } ?? .union(branch: 0, .null) }

    static func mapValue(_ m: [Int32: Int64]) -> AvroValue {
        optional(.array(m.keys.sorted().map { .record([.int($0), .long(m[$0]!)]) }))
    }

    static func bytesMap(_ m: [Int32: [UInt8]]) -> AvroValue {
        optional(.array(m.keys.sorted().map { .record([.int($0), .bytes(m[$0]!)]) }))
    }

    static func partitionValue(_ v: Scalar?, _ t: IcebergType) -> AvroValue {
        guard let v else { return .union(branch: 0, .null) }
        switch (t, v) {
        case let (.boolean, .boolean(b)): return .union(branch: 1, .boolean(b))
        case let (.int, .int32(x)), let (.date, .int32(x)): return .union(branch: 1, .int(x))
        case let (_, .int64(x)): return .union(branch: 1, .long(x))
        case let (.float, .float32(x)): return .union(branch: 1, .float(x))
        case let (.double, .float64(x)): return .union(branch: 1, .double(x))
        case let (.string, .binary(b)): return .union(branch: 1, .string(String(decoding: b, as: UTF8.self)))
        case let (.fixed, .binary(b)), let (.uuid, .binary(b)): return .union(branch: 1, .fixed(b))
        case let (.decimal(precision, _), .decimal128(v)): return .union(branch: 1, .fixed(bigEndian(v, size: decimalSize(precision: precision))))
        case let (_, .binary(b)): return .union(branch: 1, .bytes(b))
        default: return .union(branch: 0, .null)
        }
    }

    public static func encode(_ e: ManifestEntry, partitionTypes: [IcebergType]) -> AvroValue {
        let f = e.dataFile
        let partition = AvroValue.record(zip(f.partition, partitionTypes).map { partitionValue($0, $1) })
        let dataFile = AvroValue.record([
            .int(f.content), .string(f.filePath), .string(f.fileFormat), partition, .long(f.recordCount), .long(f.fileSizeInBytes),
            mapValue(f.columnSizes), mapValue(f.valueCounts), mapValue(f.nullValueCounts), mapValue(f.nanValueCounts),
            bytesMap(f.lowerBounds), bytesMap(f.upperBounds), .union(branch: 0, .null),
            optional(f.splitOffsets.map { .array($0.map { .long($0) }) }), optional(f.equalityIDs.map { .array($0.map { .int($0) }) }),
            optional(f.sortOrderID.map { .int($0) }),
        ])
        return .record([.int(e.status.rawValue), optional(e.snapshotID.map { .long($0) }), optional(e.sequenceNumber.map { .long($0) }),
                        optional(e.fileSequenceNumber.map { .long($0) }), dataFile])
    }

    public static let manifestListSchema = AvroSchema.record(AvroRecord(name: "manifest_file", fields: [
        AvroField(name: "manifest_path", type: .string, fieldID: 500),
        AvroField(name: "manifest_length", type: .long, fieldID: 501),
        AvroField(name: "partition_spec_id", type: .int, fieldID: 502),
        AvroField(name: "content", type: .int, fieldID: 517),
        AvroField(name: "sequence_number", type: .long, fieldID: 515),
        AvroField(name: "min_sequence_number", type: .long, fieldID: 516),
        AvroField(name: "added_snapshot_id", type: .long, fieldID: 503),
        AvroField(name: "added_files_count", type: .int, fieldID: 504),
        AvroField(name: "existing_files_count", type: .int, fieldID: 505),
        AvroField(name: "deleted_files_count", type: .int, fieldID: 506),
        AvroField(name: "added_rows_count", type: .long, fieldID: 512),
        AvroField(name: "existing_rows_count", type: .long, fieldID: 513),
        AvroField(name: "deleted_rows_count", type: .long, fieldID: 514),
        AvroField(name: "partitions", type: .optional(.array(items: .record(AvroRecord(name: "r508", fields: [
            AvroField(name: "contains_null", type: .boolean, fieldID: 509),
            AvroField(name: "contains_nan", type: .optional(.boolean), fieldID: 518, defaultValue: .null),
            AvroField(name: "lower_bound", type: .optional(.bytes), fieldID: 510, defaultValue: .null),
            AvroField(name: "upper_bound", type: .optional(.bytes), fieldID: 511, defaultValue: .null),
        ])), elementID: 508)), fieldID: 507, defaultValue: .null),
        AvroField(name: "key_metadata", type: .optional(.bytes), fieldID: 519, defaultValue: .null),
    ]))

    public static func encode(_ m: ManifestFile) -> AvroValue {
        .record([
            .string(m.manifestPath), .long(m.manifestLength), .int(m.partitionSpecID), .int(m.content), .long(m.sequenceNumber),
            .long(m.minSequenceNumber), .long(m.addedSnapshotID), .int(m.addedFilesCount), .int(m.existingFilesCount),
            .int(m.deletedFilesCount), .long(m.addedRowsCount), .long(m.existingRowsCount), .long(m.deletedRowsCount),
            optional(.array(m.partitions.map { p in
                .record([.boolean(p.containsNull), optional(p.containsNaN.map { .boolean($0) }), optional(p.lowerBound.map { .bytes($0) }),
                         optional(p.upperBound.map { .bytes($0) })])
            })),
            optional(m.keyMetadata.map { .bytes($0) }),
        ])
    }
}
