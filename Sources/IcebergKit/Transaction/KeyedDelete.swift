public import LakeColumnar

/// Deletes rows by key without reading the table: the key values are written as v2 equality
/// delete files (``DeleteFileWriter/writeEqualityDeletes(_:partition:)``) and committed with a
/// ``RowDelta``. Every row committed before whose key columns equal one of the given rows (null
/// equal to null, as the spec compares) is deleted; rows committed later are not.
///
/// An equality delete applies only to data files of its own partition (unless the table is
/// unpartitioned), so on a partitioned table every partition source column must be among the key
/// columns: each key row then goes to the delete file of its partition.
///
/// ```swift
/// let keys = try RecordBatch(schema: Schema(fields: [Field(name: "x_edge_request_id", id: 1, type: .string)]),
///                            columns: [.binary(BinaryColumn(["abc=="]))])
/// let committed = try await table.delete(keys: keys)
/// ```
public struct KeyedDelete: Sendable {
    /// The table deleted from.
    public let table: Table

    /// A keyed delete from `table` as loaded.
    public init(table: Table) {
        self.table = table
    }

    /// Deletes the rows whose values in `keys`' columns (named as in the table) equal a row of
    /// `keys`, in one `delete` snapshot; the table unchanged when `keys` has no row.
    ///
    /// - Throws: ``IcebergError/Kind/notFound(_:)`` for a column the table does not have,
    ///   ``IcebergError/Kind/unsupported(_:)`` on a format v1 table or when a partition source
    ///   column of a partitioned table is not a key, ``IcebergError/Kind/validationFailed(_:)``
    ///   for floating-point keys. Nothing is committed then.
    public func delete(keys: RecordBatch, attempts: Int = 30) async throws(IcebergError) -> Table {
        guard table.metadata.formatVersion >= 2 else {
            throw IcebergError(.unsupported("equality deletes on a format v\(table.metadata.formatVersion) table (they need v2)"))
        }
        guard !keys.schema.fields.isEmpty else { throw IcebergError(.validationFailed("a keyed delete needs at least one key column")) }
        guard keys.rowCount > 0 else { return table }
        // The keys at the table's field ids and types, so that partitions can be computed from them.
        let schema = table.schema
        var fields: [Field] = []
        for f in keys.schema.fields {
            guard let column = schema.fields.first(where: { $0.name == f.name }) else {
                throw IcebergError(.notFound("column '\(f.name)' in \(table.identifier)"))
            }
            fields.append(column.columnarField)
        }
        let typed: RecordBatch
        do {
            let keySchema = try Schema(fields: fields)
            typed = try RecordBatch(schema: keySchema, columns: keys.columns).conformed(to: keySchema)
        } catch {
            throw IcebergError(.validationFailed("key rows do not fit the table's columns: \(error)"))
        }
        let spec = table.spec
        let parts: [(partition: [Scalar?], rows: RecordBatch)]
        if spec.isUnpartitioned {
            parts = [([], typed)]
        } else {
            for f in spec.fields where typed.schema.index(ofFieldID: f.sourceID) == nil {
                let name = schema.field(id: f.sourceID)?.name ?? "id \(f.sourceID)"
                throw IcebergError(.unsupported("equality deletes on \(table.identifier) need its partition source column '\(name)' among the keys"))
            }
            let router = try PartitionRouter(spec: spec, schema: typed.schema)
            parts = try router.route(typed).map { ($0.key, $0.rows.map { typed.take($0) } ?? typed) }
        }
        var written: [DataFile] = []
        let writer = DeleteFileWriter(table: table)
        do throws(IcebergError) {
            for part in parts { written.append(try await writer.writeEqualityDeletes(part.rows, partition: part.partition)) }
            let delta = table.newRowDelta()
            for file in written { delta.addDeletes(file, specID: spec.specID) }
            return try await delta.commit(attempts: attempts)
        } catch {
            if case .commitStateUnknown = error.kind { throw error }
            await table.io.deleteQuietly(written.map(\.filePath))
            throw error
        }
    }
}

extension Table {
    /// Deletes the rows whose key columns equal a row of `keys` by writing equality delete files
    /// (see ``KeyedDelete``); returns the table as committed.
    public func delete(keys: RecordBatch) async throws(IcebergError) -> Table {
        try await KeyedDelete(table: self).delete(keys: keys)
    }
}
