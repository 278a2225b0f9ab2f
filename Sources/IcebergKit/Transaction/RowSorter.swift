#if canImport(Glibc)
import Glibc
#endif
import LakeColumnar

/// Sorts runs of rows by a table's sort order, for ``TableWriter``: keys through each field's
/// transform, ascending or descending, nulls first or last (NaN after every number, as Java
/// orders floats).
///
/// Typed throughout: each sort key becomes one array over the run's rows (numbers as
/// order-preserving 64-bit integers; text compared as bytes straight from its column or
/// dictionary), a permutation is sorted over them (ties by arrival, so the sort is stable), and
/// the columns are gathered by it (``gather(_:_:schema:)``), by ``TableWriter`` a piece at a
/// time, so the sorted copy of a run is never whole. Memory: the run's batches, one sorted piece
/// and 8 bytes a row per key, with no ``Scalar`` per value.
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

    /// The rows `order` (of ``order(_:)``) of `parts`, as one batch of `schema`'s columns.
    static func gather(_ parts: [RecordBatch], _ order: ArraySlice<RowGather.Ref>, schema: Schema) throws(IcebergError) -> RecordBatch {
        if parts.count == 1, let only = parts.first {
            return only.take(order.map { Int($0.row) })
        }
        return try RowGather.gather(parts, Array(order), schema: schema)
    }

    /// The rows of `parts` (non-empty batches of the writer's schema) in order: the sort
    /// without the gather, so that a caller can gather the sorted rows a piece at a time.
    func order(_ parts: [RecordBatch]) throws(IcebergError) -> ArraySlice<RowGather.Ref> {
        var refs: [RowGather.Ref] = []
        refs.reserveCapacity(parts.reduce(0) { $0 + $1.rowCount })
        for (p, batch) in parts.enumerated() {
            for r in 0..<batch.rowCount { refs.append(RowGather.Ref(part: Int32(p), row: Int32(r))) }
        }
        var sortKeys: [SortKey] = []
        for k in keys { sortKeys.append(try SortKey(parts.map { $0.columns[k.column] }, refs, transform: k.field.transform, type: k.type)) }
        let fields = keys.map(\.field)
        var order = [Int32](unsafeUninitializedCapacity: refs.count) { out, n in
            for i in 0..<refs.count { out[i] = Int32(i) }
            n = refs.count
        }
        order.sort { a, b in
            for (i, key) in sortKeys.enumerated() {
                let c = key.compare(Int(a), Int(b), nullsFirst: fields[i].nullsFirst)
                if c != 0 { return (fields[i].ascending || key.isNull(Int(a)) || key.isNull(Int(b))) ? c < 0 : c > 0 }
            }
            return a < b
        }
        return ArraySlice(order.map { refs[Int($0)] })
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

/// One sort key over a run's rows, typed: numbers (and booleans) as 64-bit integers whose
/// unsigned order is the values' order, text and decimals compared from their columns.
struct SortKey {
    private enum Values {
        /// Order-preserving integers, one a row.
        case ordinal([UInt64])
        /// Compared from the columns themselves (the run's rows located by `refs`).
        case columns([Column], [RowGather.Ref])
    }
    private let values: Values
    /// Null flags, one a row; nil when no row is null.
    private let nulls: [Bool]?

    /// The key of the rows `refs` of `parts` (columns of `type`) through `transform`.
    init(_ parts: [Column], _ refs: [RowGather.Ref], transform: Transform, type: DataType) throws(IcebergError) {
        var parts = parts, refs = refs
        if transform != .identity {
            // Transformed values (day, bucket, truncate…) are computed once a row into a column
            // of the transform's result type; the key is then that column's.
            var scalars: [Scalar?] = []
            scalars.reserveCapacity(refs.count)
            for ref in refs { scalars.append(try transform.apply(parts[Int(ref.part)].scalar(at: Int(ref.row)), type: type)) }
            do { parts = [try Column(scalars: scalars, type: transform.resultType(type))] } catch {
                throw IcebergError(.invalidMetadata("sort key \(transform) of \(type): \(error)"))
            }
            refs = (0..<scalars.count).map { RowGather.Ref(part: 0, row: Int32($0)) }
        }
        var nulls: [Bool]?
        if parts.contains(where: { $0.nullCount > 0 }) {
            nulls = refs.map { !parts[Int($0.part)].isValid(Int($0.row)) }
        }
        self.nulls = nulls
        switch parts.first {
        case .boolean?, .int32?, .int64?, .float32?, .float64?:
            var out = [UInt64](repeating: 0, count: refs.count)
            for (i, ref) in refs.enumerated() { out[i] = Self.ordinal(parts[Int(ref.part)], Int(ref.row)) }
            values = .ordinal(out)
        case .binary?, .fixedSizeBinary?, .dictionary?, .decimal128?, nil:
            values = .columns(parts, refs)
        case let other?:
            throw IcebergError(.unsupported("sorting by a \(other.storage) column"))
        }
    }

    /// Whether row `i` of the run is null.
    @inline(__always)
    func isNull(_ i: Int) -> Bool { nulls?[i] ?? false }

    /// -1, 0 or 1 for rows `a` and `b` ascending, with nulls first or last.
    @inline(__always)
    func compare(_ a: Int, _ b: Int, nullsFirst: Bool) -> Int {
        if let nulls {
            switch (nulls[a], nulls[b]) {
            case (true, true): return 0
            case (true, false): return nullsFirst ? -1 : 1
            case (false, true): return nullsFirst ? 1 : -1
            case (false, false): break
            }
        }
        switch values {
        case let .ordinal(keys):
            let x = keys[a], y = keys[b]
            return x < y ? -1 : (x == y ? 0 : 1)
        case let .columns(parts, refs):
            return Self.compare(parts[Int(refs[a].part)], Int(refs[a].row), parts[Int(refs[b].part)], Int(refs[b].row))
        }
    }

    /// A present value of a number or boolean column as an integer of the same order: signed
    /// integers with the sign bit flipped; floats by their bits (negatives inverted), -0 as 0 and
    /// every NaN as one NaN above every number, as Java orders them.
    static func ordinal(_ column: Column, _ row: Int) -> UInt64 {
        switch column {
        case let .boolean(c): return c.values[row] ? 1 : 0
        case let .int32(c): return UInt64(bitPattern: Int64(c.value(at: row))) ^ (1 << 63)
        case let .int64(c): return UInt64(bitPattern: c.value(at: row)) ^ (1 << 63)
        case let .float32(c): return ordinal(Double(c.value(at: row)))
        case let .float64(c): return ordinal(c.value(at: row))
        default: return 0
        }
    }

    static func ordinal(_ value: Double) -> UInt64 {
        let v = value == 0 ? 0 : (value.isNaN ? Double.nan : value)
        let bits = v.bitPattern
        return bits & (1 << 63) != 0 ? ~bits : bits | (1 << 63)
    }

    /// Present values of text, binary or decimal columns: bytes unsigned, lexicographically.
    static func compare(_ x: Column, _ i: Int, _ y: Column, _ j: Int) -> Int {
        if case let .decimal128(c) = x, case let .decimal128(d) = y {
            let u = c.value(at: i), v = d.value(at: j)
            return u < v ? -1 : (u == v ? 0 : 1)
        }
        return withBytes(x, i) { u in
            withBytes(y, j) { v in
                let n = min(u.count, v.count)
                if n > 0, let p = u.baseAddress, let q = v.baseAddress {
                    let c = memcmp(p, q, n)
                    if c != 0 { return c < 0 ? -1 : 1 }
                }
                return u.count < v.count ? -1 : (u.count == v.count ? 0 : 1)
            }
        }
    }

    private static func withBytes<R>(_ column: Column, _ row: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        switch column {
        case let .binary(c): return c.withValueBytes(at: row, body)
        case let .fixedSizeBinary(c): return c.withValueBytes(at: row, body)
        case let .dictionary(c):
            guard let code = c.indices[row] else { return body(UnsafeRawBufferPointer(start: nil, count: 0)) }
            return c.dictionary.withValueBytes(at: Int(code), body)
        default: return body(UnsafeRawBufferPointer(start: nil, count: 0))
        }
    }
}
