import LakeColumnar

/// Sorts runs of rows by a table's sort order, for ``TableWriter``: keys through each field's
/// transform, ascending or descending, nulls first or last (NaN after every number, as Java
/// orders floats).
struct RowSorter {
    let order: SortOrder
    /// Per sort field: the column's index in the batch schema, its type and the field.
    private let keys: [(column: Int, type: DataType, field: SortOrder.SortField)]
    private let batchSchema: Schema

    /// Nil when the order is empty or sorts by a column that is not at the top level (such
    /// files are written unsorted and say so: no sort order id).
    init?(order: SortOrder, batchSchema: Schema) {
        guard !order.fields.isEmpty else { return nil }
        var keys: [(Int, DataType, SortOrder.SortField)] = []
        for f in order.fields {
            guard let i = batchSchema.index(ofFieldID: f.sourceID) else { return nil }
            keys.append((i, batchSchema.fields[i].type, f))
        }
        self.order = order
        self.keys = keys
        self.batchSchema = batchSchema
    }

    /// The rows of `batches`, in order, as one batch of the writer's schema.
    func sorted(_ batches: [RecordBatch]) throws(IcebergError) -> RecordBatch {
        var refs: [(batch: Int32, row: Int32)] = []
        var keyValues: [[Scalar?]] = []
        for (b, batch) in batches.enumerated() {
            for r in 0..<batch.rowCount {
                refs.append((Int32(b), Int32(r)))
                var row: [Scalar?] = []
                row.reserveCapacity(keys.count)
                for k in keys {
                    row.append(try k.field.transform.apply(batch.columns[k.column].scalar(at: r), type: k.type))
                }
                keyValues.append(row)
            }
        }
        var indices = Array(keyValues.indices)
        let fields = keys.map(\.field)
        indices.sort { a, b in Self.precedes(keyValues[a], keyValues[b], fields) ?? (a < b) }
        if batches.count == 1, let only = batches.first {
            return only.take(indices)
        }
        var columns: [Column] = []
        for (c, field) in batchSchema.fields.enumerated() {
            let scalars = indices.map { i in batches[Int(refs[i].batch)].columns[c].scalar(at: Int(refs[i].row)) }
            do { columns.append(try Column(scalars: scalars, type: field.type)) } catch {
                throw IcebergError(.invalidMetadata("sorting column '\(field.name)': \(error)"))
            }
        }
        do { return try RecordBatch(schema: batchSchema, columns: columns) } catch {
            throw IcebergError(.invalidMetadata("sorting rows: \(error)"))
        }
    }

    /// The sort key of row `row` of `batch` (a batch of the writer's schema), for merging runs.
    func key(_ batch: RecordBatch, row: Int) throws(IcebergError) -> [Scalar?] {
        var out: [Scalar?] = []
        out.reserveCapacity(keys.count)
        for k in keys { out.append(try k.field.transform.apply(batch.columns[k.column].scalar(at: row), type: k.type)) }
        return out
    }

    /// Whether key `a` sorts before key `b` (nil: equal, so the sort keeps arrival order).
    static func precedes(_ a: [Scalar?], _ b: [Scalar?], _ fields: [SortOrder.SortField]) -> Bool? {
        for (i, f) in fields.enumerated() {
            switch (a[i], b[i]) {
            case (nil, nil): continue
            case (nil, _): return f.nullsFirst
            case (_, nil): return !f.nullsFirst
            case let (x?, y?):
                let c = compare(x, y)
                if c == 0 { continue }
                return f.ascending ? c < 0 : c > 0
            }
        }
        return nil
    }

    /// -1, 0 or 1, with NaN above every number.
    static func compare(_ x: Scalar, _ y: Scalar) -> Int {
        if let c = ScalarOrder.compare(x, y) { return c }
        func isNaN(_ s: Scalar) -> Bool {
            switch s {
            case let .float32(v): return v.isNaN
            case let .float64(v): return v.isNaN
            default: return false
            }
        }
        switch (isNaN(x), isNaN(y)) {
        case (true, true): return 0
        case (true, false): return 1
        case (false, true): return -1
        default: return 0
        }
    }
}
