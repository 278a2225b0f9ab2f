/// Schemas that describe the same values, whatever the text encoding.
///
/// A parser hands out low-cardinality text as ``DataType/dictionaryString`` while a table's
/// schema says ``DataType/string``: both are the same column of UTF-8 values, and a writer that
/// accepts one can accept the other without decoding the dictionary first.
extension DataType {
    /// `true` when `self` and `other` hold the same logical values: equal types, or text that is
    /// plain on one side and dictionary-encoded on the other (at any nesting depth).
    public func holdsSameValues(as other: DataType) -> Bool {
        switch (self, other) {
        case (.string, .dictionaryString), (.dictionaryString, .string): return true
        case let (.structure(a), .structure(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.holdsSameValues(as: $1) }
        case let (.list(a), .list(b)): return a.holdsSameValues(as: b)
        case let (.map(ak, av), .map(bk, bv)): return ak.holdsSameValues(as: bk) && av.holdsSameValues(as: bv)
        default: return self == other
        }
    }
}

extension Field {
    /// `true` when the fields agree on name, id, nullability and metadata, and their types hold
    /// the same values (see ``DataType/holdsSameValues(as:)``).
    public func holdsSameValues(as other: Field) -> Bool {
        name == other.name && id == other.id && isNullable == other.isNullable && metadata == other.metadata
            && type.holdsSameValues(as: other.type)
    }
}

extension Schema {
    /// `true` when both schemas have the same fields in the same order, up to text encoding.
    public func holdsSameValues(as other: Schema) -> Bool {
        fields.count == other.fields.count && zip(fields, other.fields).allSatisfy { $0.holdsSameValues(as: $1) }
    }
}

extension RecordBatch {
    /// This batch's columns rearranged to `schema`: each field's column is found by name, and the
    /// result's fields are `schema`'s (names, ids, nullability, metadata) except that text kept
    /// dictionary-encoded stays ``DataType/dictionaryString`` (no values are decoded or copied).
    ///
    /// - Throws: ``ColumnarError`` `unknownField` when a field of `schema` has no column here,
    ///   `typeMismatch` when a column holds other values than its field declares, and
    ///   `unexpectedNulls` when a non-nullable field's column has nulls.
    public func conformed(to schema: Schema) throws(ColumnarError) -> RecordBatch {
        var fields: [Field] = []
        var columns: [Column] = []
        fields.reserveCapacity(schema.count)
        columns.reserveCapacity(schema.count)
        for target in schema.fields {
            guard let index = self.schema.index(ofField: target.name) else {
                throw ColumnarError(.unknownField(target.name))
            }
            let source = self.schema.fields[index]
            guard source.type.holdsSameValues(as: target.type) else {
                throw ColumnarError(.typeMismatch(expected: target.type, actual: source.type.description), field: target.name)
            }
            var field = target
            field.type = source.type
            let column = self.columns[index]
            try RecordBatch.check(column, against: field, rows: rowCount)
            fields.append(field)
            columns.append(column)
        }
        return RecordBatch(unchecked: Schema(unchecked: fields, metadata: schema.metadata), columns: columns, rowCount: rowCount)
    }
}
