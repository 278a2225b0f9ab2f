public import LakeColumnar

/// A partition of one spec: the unit ``ReplacePartitions`` replaces and conflict checks compare.
public struct SpecPartition: Sendable, Hashable {
    /// The partition spec the values belong to.
    public var specID: Int32
    /// Partition values in spec-field order, normalised to the spec's partition types.
    public var values: [Scalar?]

    /// The partition `values` of spec `specID`.
    public init(specID: Int32, values: [Scalar?]) {
        self.specID = specID
        self.values = values
    }
}

/// Evaluates a ``ColumnPredicate`` against what a manifest says of a file (partition values and
/// column metrics), in Java's two senses: *inclusive* (some row may match: the file cannot be
/// skipped) and *strict* (every row matches: the file can be dropped whole without reading it).
enum FileMetricsEvaluator {
    /// Whether some row of `file` may match `predicate`.
    static func mightMatch(_ predicate: ColumnPredicate, _ file: DataFile, spec: PartitionSpec,
                           schema: IcebergSchema) throws(IcebergError) -> Bool {
        try TableScan.mightMatch(predicate, file, spec: spec, schema: schema)
    }

    /// Whether every row of `file` matches `predicate` (SQL logic: a null compared is no match,
    /// so a column that may hold nulls never proves a comparison for every row).
    static func mustMatch(_ predicate: ColumnPredicate, _ file: DataFile, spec: PartitionSpec, schema: IcebergSchema) -> Bool {
        let bounds = { (name: String) -> ColumnBounds? in Self.bounds(name, file, spec: spec, schema: schema) }
        return mustMatch(predicate, bounds)
    }

    static func mustMatch(_ p: ColumnPredicate, _ bounds: (String) -> ColumnBounds?) -> Bool {
        /// Bounds of a column known to hold no null in this file.
        func nonNull(_ c: String) -> ColumnBounds? {
            guard let b = bounds(c), b.nullCountKnown, b.nullCount == 0 else { return nil }
            return b
        }
        func cmp(_ a: Scalar?, _ b: Scalar) -> Int? { a.flatMap { ScalarOrder.compare($0, b) } }
        switch p {
        case .alwaysTrue: return true
        case .alwaysFalse: return false
        case let .equal(c, v):
            // Equal lower and upper bounds are never truncated ones (a truncated upper bound is rounded up).
            guard let b = nonNull(c) else { return false }
            return cmp(b.lower, v) == 0 && cmp(b.upper, v) == 0
        case let .notEqual(c, v):
            guard let b = nonNull(c) else { return false }
            if let o = cmp(b.upper, v), o < 0 { return true }
            if let o = cmp(b.lower, v), o > 0 { return true }
            return false
        case let .lessThan(c, v):
            guard let b = nonNull(c), let o = cmp(b.upper, v) else { return false }
            return o < 0
        case let .lessThanOrEqual(c, v):
            guard let b = nonNull(c), let o = cmp(b.upper, v) else { return false }
            return o <= 0
        case let .greaterThan(c, v):
            guard let b = nonNull(c), let o = cmp(b.lower, v) else { return false }
            return o > 0
        case let .greaterThanOrEqual(c, v):
            guard let b = nonNull(c), let o = cmp(b.lower, v) else { return false }
            return o >= 0
        case let .isIn(c, values):
            return values.contains { mustMatch(.equal(c, $0), bounds) }
        case let .isNull(c):
            guard let b = bounds(c) else { return false }
            return b.nullCountKnown && b.nullCount >= b.valueCount
        case let .isNotNull(c):
            return nonNull(c) != nil
        case .startsWith:
            // String bounds may be truncated, so they never prove a prefix for every row.
            return false
        case let .and(a, b): return mustMatch(a, bounds) && mustMatch(b, bounds)
        case let .or(a, b): return mustMatch(a, bounds) || mustMatch(b, bounds)
        case let .not(inner):
            // NOT p holds for every row when no row can satisfy p and p is never unknown (no nulls).
            guard inner.columns.allSatisfy({ nonNull($0) != nil }) else { return false }
            return !inner.mightMatch(bounds)
        }
    }

    /// The bounds the manifest gives column `name` of `file`, tightened by identity partitions
    /// (which pin the value for the whole file).
    static func bounds(_ name: String, _ file: DataFile, spec: PartitionSpec, schema: IcebergSchema) -> ColumnBounds? {
        guard let field = schema.fields.first(where: { $0.name == name }) else { return nil }
        if let i = spec.fields.firstIndex(where: { $0.sourceID == field.id && $0.transform == .identity }), i < file.partition.count {
            let value = file.partition[i]
            return ColumnBounds(lower: value, upper: value, nullCount: value == nil ? file.recordCount : 0,
                                valueCount: file.recordCount, type: field.type.columnarType)
        }
        let lower = file.lowerBounds[field.id].flatMap { SingleValue.deserialize($0, type: field.type) }
        let upper = file.upperBounds[field.id].flatMap { SingleValue.deserialize($0, type: field.type) }
        // Strings and binaries may be stored truncated: such bounds are not values of the column.
        var exact = true
        switch field.type {
        case .string, .binary: exact = false
        default: break
        }
        return ColumnBounds(lower: lower, upper: upper, nullCount: file.nullValueCounts[field.id] ?? 0,
                            valueCount: file.valueCounts[field.id] ?? file.recordCount, type: field.type.columnarType,
                            exact: exact, nullCountKnown: file.nullValueCounts[field.id] != nil)
    }
}
