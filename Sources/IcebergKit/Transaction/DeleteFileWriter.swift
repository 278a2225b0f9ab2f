public import LakeColumnar
public import ParquetWriter

/// Writes v2 delete files (Parquet) through a table's ``FileIO``, ready for a ``RowDelta``.
///
/// - Position deletes name rows by data file and position: columns `file_path` (field id
///   2147483546) and `pos` (2147483545), sorted by both, as the spec requires.
/// - Equality deletes name rows by the values of some columns (the table's own field ids);
///   they apply to data files with a lower sequence number in the same partition.
public struct DeleteFileWriter: Sendable {
    public let table: Table
    public var properties: WriterProperties

    /// The reserved field ids of position delete files.
    public static let filePathFieldID: Int32 = 2_147_483_546
    public static let positionFieldID: Int32 = 2_147_483_545

    public init(table: Table, properties: WriterProperties = WriterProperties()) {
        self.table = table
        self.properties = properties
    }

    /// The columnar schema of position delete files.
    public static var positionDeleteSchema: Schema {
        // Two fixed fields with distinct names and ids: cannot fail.
        (try? Schema(fields: [Field(name: "file_path", id: filePathFieldID, type: .string, isNullable: false),
                              Field(name: "pos", id: positionFieldID, type: .int64, isNullable: false)]))
            ?? (try! Schema(fields: []))
    }

    /// Writes the positions deleted in each data file (`partition`: the data files' partition
    /// values in the table's default spec) as one position delete file.
    public func writePositionDeletes(_ deletes: [String: [Int64]], partition: [Scalar?] = []) async throws(IcebergError) -> DataFile {
        var paths = BinaryColumnBuilder()
        var positions = PrimitiveColumnBuilder<Int64>()
        var count = 0
        // Sorted by the bytes of the path, the order readers merge by (not String's Unicode order).
        for path in deletes.keys.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) {
            for p in Set(deletes[path] ?? []).sorted() {
                guard p >= 0 else { throw IcebergError(.invalidMetadata("negative row position \(p) for \(path)")) }
                paths.append(path)
                positions.append(p)
                count += 1
            }
        }
        let batch: RecordBatch
        do {
            batch = try RecordBatch(schema: Self.positionDeleteSchema, columns: [.binary(paths.finish()), .int64(positions.finish())])
        } catch {
            throw IcebergError(.invalidMetadata("\(error)"))
        }
        var file = try await write(batch, partition: partition, kind: "pos-deletes")
        file.content = DataFile.Content.positionDeletes.rawValue
        let referenced = deletes.filter { !$0.value.isEmpty }.keys.map { Array($0.utf8) }
        if let first = referenced.min(by: { $0.lexicographicallyPrecedes($1) }),
           let last = referenced.max(by: { $0.lexicographicallyPrecedes($1) }) {
            file.lowerBounds[Self.filePathFieldID] = first
            file.upperBounds[Self.filePathFieldID] = last
        }
        if referenced.count == 1, let path = deletes.first(where: { !$0.value.isEmpty })?.key { file.referencedDataFile = path }
        _ = count
        return file
    }

    /// Writes rows whose values in `batch`'s columns (named as in the table, the columns the
    /// rows are matched on) mark rows to delete.
    public func writeEqualityDeletes(_ batch: RecordBatch, partition: [Scalar?] = []) async throws(IcebergError) -> DataFile {
        let schema = table.schema
        var fields: [Field] = []
        var ids: [Int32] = []
        for f in batch.schema.fields {
            guard let column = schema.fields.first(where: { $0.name == f.name }) else {
                throw IcebergError(.notFound("column '\(f.name)' in \(table.identifier)"))
            }
            guard column.type.isPrimitive else {
                throw IcebergError(.unsupported("equality deletes on the nested column '\(f.name)'"))
            }
            // The spec's identifier-field rules: floating-point values (NaN, −0.0) do not compare as keys.
            if column.type == .float || column.type == .double {
                throw IcebergError(.validationFailed("equality deletes on the floating-point column '\(f.name)'"))
            }
            fields.append(column.columnarField)
            ids.append(column.id)
        }
        let typed: RecordBatch
        do {
            typed = try RecordBatch(schema: try Schema(fields: fields), columns: batch.columns).conformed(to: try Schema(fields: fields))
        } catch {
            throw IcebergError(.invalidMetadata("equality delete rows do not fit the table's columns: \(error)"))
        }
        var file = try await write(typed, partition: partition, kind: "eq-deletes")
        file.content = DataFile.Content.equalityDeletes.rawValue
        file.equalityIDs = ids
        return file
    }

    private func write(_ batch: RecordBatch, partition: [Scalar?], kind: String) async throws(IcebergError) -> DataFile {
        let path = table.metadata.location + "/data/\(kind)-\(Identifiers.uuid()).parquet"
        let sink = ParquetMemorySink()
        let result: ParquetWriteResult
        do {
            let writer = try ParquetFileWriter(sink: sink, name: path, schema: batch.schema, properties: properties)
            try writer.write(batch)
            result = try writer.close()
        } catch {
            throw IcebergError(.io("\(error)"), path: path)
        }
        try await table.io.newOutputFile(path).write(sink.take(), mode: .createNew)
        var file = DataFile(filePath: path, partition: partition, recordCount: result.rowCount, fileSizeInBytes: result.fileSize)
        for c in result.columns {
            guard let id = c.descriptor.fieldID else { continue }
            file.columnSizes[id, default: 0] += c.compressedSize
            file.valueCounts[id, default: 0] += c.valueCount
            file.nullValueCounts[id, default: 0] += c.nullCount
        }
        if batch.schema.fields.count == 2, batch.schema.fields[1].id == Self.positionFieldID {
            // Bounds of `pos` (file_path's are set by the caller from the paths themselves).
            if case let .int64(positions) = batch.columns[1], positions.count > 0 {
                let values = positions.withUnsafeBufferPointer { Array($0) }
                if let lo = values.min(), let hi = values.max() {
                    file.lowerBounds[Self.positionFieldID] = SingleValue.serialize(.int64(lo), type: .long)
                    file.upperBounds[Self.positionFieldID] = SingleValue.serialize(.int64(hi), type: .long)
                }
            }
        }
        file.splitOffsets = result.metadata.rowGroups.map(\.fileOffset)
        return file
    }
}
