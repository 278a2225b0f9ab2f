/// A set of equally long columns described by a ``Schema``: the unit that flows between the
/// parser, Parquet, Iceberg and data quality.
public struct RecordBatch: Sendable, Hashable {
    /// The schema; `columns[i]` holds `schema.fields[i]`.
    public let schema: Schema
    /// The columns, in schema order.
    public let columns: [Column]
    /// The number of rows.
    public let rowCount: Int

    /// Creates a batch, checking column count, lengths, storage against declared types and
    /// nulls in non-nullable fields.
    public init(schema: Schema, columns: [Column]) throws(ColumnarError) {
        guard columns.count == schema.count else {
            throw ColumnarError(.columnCountMismatch(expected: schema.count, actual: columns.count))
        }
        let rows = columns.first?.count ?? 0
        for (field, column) in zip(schema.fields, columns) {
            try Self.check(column, against: field, rows: rows)
        }
        self.schema = schema
        self.columns = columns
        self.rowCount = rows
    }

    /// An empty batch of `schema`.
    public static func empty(_ schema: Schema) -> RecordBatch {
        RecordBatch(unchecked: schema, columns: schema.fields.map { ColumnBuilders.empty(for: $0.type) }, rowCount: 0)
    }

    init(unchecked schema: Schema, columns: [Column], rowCount: Int) {
        self.schema = schema
        self.columns = columns
        self.rowCount = rowCount
    }

    static func check(_ column: Column, against field: Field, rows: Int) throws(ColumnarError) {
        guard column.count == rows else {
            throw ColumnarError(.lengthMismatch(expected: rows, actual: column.count), field: field.name)
        }
        guard column.storage == field.type.storage else {
            throw ColumnarError(.typeMismatch(expected: field.type, actual: column.storage.rawValue), field: field.name)
        }
        if !field.isNullable, column.nullCount > 0 {
            throw ColumnarError(.unexpectedNulls(count: column.nullCount), field: field.name)
        }
        if case let .fixedSizeBinary(width) = field.type, case let .fixedSizeBinary(c) = column, c.byteWidth != width {
            throw ColumnarError(.invalidByteWidth(expected: width, actual: c.byteWidth), field: field.name)
        }
        switch (field.type, column) {
        case let (.structure(fields), .structure(s)):
            guard fields.count == s.children.count else {
                throw ColumnarError(.columnCountMismatch(expected: fields.count, actual: s.children.count))
            }
            for (f, c) in zip(fields, s.children) { try check(c, against: f, rows: rows) }
        case let (.list(element), .list(l)):
            try check(l.values, against: element, rows: l.values.count)
        case let (.map(key, value), .map(m)):
            try check(m.keys, against: key, rows: m.keys.count)
            try check(m.values, against: value, rows: m.values.count)
        default:
            break
        }
    }

    /// The column of the top-level field named `name`.
    public func column(named name: String) -> Column? {
        schema.index(ofField: name).map { columns[$0] }
    }

    /// The rows in `range`, sharing storage (O(columns)).
    public func slice(_ range: Range<Int>) -> RecordBatch {
        precondition(range.lowerBound >= 0 && range.upperBound <= rowCount, "slice out of range")
        return RecordBatch(unchecked: schema, columns: columns.map { $0.slice(range) }, rowCount: range.count)
    }

    /// A batch of the columns at `indices`, in that order.
    public func projected(_ indices: [Int]) -> RecordBatch {
        RecordBatch(unchecked: schema.projected(indices), columns: indices.map { columns[$0] }, rowCount: rowCount)
    }

    /// A batch of the named columns, in that order.
    public func projected(names: [String]) throws(ColumnarError) -> RecordBatch {
        var indices: [Int] = []
        for name in names {
            guard let i = schema.index(ofField: name) else { throw ColumnarError(.unknownField(name)) }
            indices.append(i)
        }
        return projected(indices)
    }
}
