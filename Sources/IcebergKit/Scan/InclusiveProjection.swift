public import LakeColumnar

/// Projects a row filter over source columns onto the fields of one partition spec, as Java's
/// `Projections.inclusive` does: the projected predicate holds for a partition whenever the row
/// filter may hold for a row in it, so a partition (a file's partition values, or a manifest's
/// partition summaries) that fails it holds no matching row.
///
/// Per transform (`v` a literal, `T` the transform, `p` the partition field):
/// - identity: every comparison, `IN`, `IS [NOT] NULL` and prefix as written, on `p`.
/// - year, month, day, hour and truncate of numbers: `< v` → `p <= T(v - 1)`, `<= v` → `p <= T(v)`,
///   `> v` → `p >= T(v + 1)`, `>= v` → `p >= T(v)`, `= v` → `p = T(v)`, `IN` → `IN` of the images.
/// - truncate[W] of strings and binaries: `<`/`<=` → `p <= T(v)`, `>`/`>=` → `p >= T(v)`, `=` and `IN`
///   through `T`; `startsWith(s)` → `p startsWith s` when `s` is shorter than W, else `p = T(s)`.
/// - bucket[N]: `=` → `p = bucket(v)`, `IN` → the set of buckets; ranges project to nothing.
/// - `IS NULL` / `IS NOT NULL` carry over to every transform but void.
/// - `!=`, `NOT IN` and `NOT startsWith` project to nothing except through identity (a partition
///   value of another transform stands for many source values).
///
/// `NOT` is pushed down to the leaves first (`NOT (a < 1)` is `a >= 1`, `NOT (x AND y)` is
/// `NOT x OR NOT y`), as Java rewrites it before projecting. A leaf that cannot be projected
/// (no partition field of its column, a literal that does not fit the column's type, an overflow
/// at the type's edge) becomes `alwaysTrue`: pruning is never wrong, only less effective. When
/// several fields share a source column (e.g. `day(ts)` and `bucket[4](ts)`), their projections are
/// ANDed. Temporal transforms are computed with the spec's floor semantics (pre-1970 values land
/// in the earlier hour, day, month or year), as pyiceberg does; Java's widening for files written
/// by its old round-towards-zero transforms is not applied.
public enum InclusiveProjection {
    /// `filter` projected onto `spec`, as a predicate over partition field names; columns are
    /// resolved by name in `schema`'s top-level fields.
    public static func project(_ filter: ColumnPredicate, spec: PartitionSpec, schema: IcebergSchema) -> ColumnPredicate {
        project(pushNot(filter, negate: false), spec, schema)
    }

    private static func project(_ p: ColumnPredicate, _ spec: PartitionSpec, _ schema: IcebergSchema) -> ColumnPredicate {
        switch p {
        case .alwaysTrue, .alwaysFalse: return p
        case let .and(a, b): return and(project(a, spec, schema), project(b, spec, schema))
        case let .or(a, b): return or(project(a, spec, schema), project(b, spec, schema))
        case .not:
            // Only a NOT that pushNot could not push further (NOT IN, NOT startsWith) reaches here.
            guard case let .not(inner) = p, let column = inner.columns.first, inner.columns.count == 1,
                  let field = schema.fields.first(where: { $0.name == column }) else { return .alwaysTrue }
            var out = ColumnPredicate.alwaysTrue
            for pf in spec.fields where pf.sourceID == field.id && pf.transform == .identity {
                out = and(out, .not(renamed(inner, to: pf.name)))
            }
            return out
        default:
            guard let column = p.columns.first, let field = schema.fields.first(where: { $0.name == column }) else { return .alwaysTrue }
            var out = ColumnPredicate.alwaysTrue
            for pf in spec.fields where pf.sourceID == field.id {
                out = and(out, projectLeaf(p, transform: pf.transform, partitionName: pf.name, type: field.type))
            }
            return out
        }
    }

    /// One comparison projected through one transform (`alwaysTrue` when it cannot be).
    static func projectLeaf(_ p: ColumnPredicate, transform: Transform, partitionName name: String, type: IcebergType) -> ColumnPredicate {
        if transform == .void { return .alwaysTrue }
        switch p {
        case .isNull: return .isNull(name)
        case .isNotNull: return .isNotNull(name)
        default: break
        }
        if transform == .identity { return renamed(p, to: name) }
        let columnType = type.columnarType
        func image(_ v: Scalar) -> Scalar? {
            guard let value = literal(v, type: type) else { return nil }
            return try? transform.apply(value, type: columnType)
        }
        /// The image of the value just below (`step` -1) or above (+1) `v` in the column's type.
        func imageOfNeighbour(_ v: Scalar, _ step: Int64) -> Scalar? {
            guard let value = literal(v, type: type), let next = neighbour(value, step) else { return nil }
            return try? transform.apply(next, type: columnType)
        }
        func set(_ values: [Scalar]) -> ColumnPredicate {
            var images: [Scalar] = []
            for v in values {
                guard let i = image(v) else { return .alwaysTrue }
                if !images.contains(i) { images.append(i) }
            }
            return .isIn(name, images)
        }
        switch transform {
        case .bucket:
            switch p {
            case let .equal(_, v): return image(v).map { .equal(name, $0) } ?? .alwaysTrue
            case let .isIn(_, values): return set(values)
            default: return .alwaysTrue
            }
        case let .truncate(width) where type == .string || type == .binary:
            switch p {
            case let .lessThan(_, v), let .lessThanOrEqual(_, v): return image(v).map { .lessThanOrEqual(name, $0) } ?? .alwaysTrue
            case let .greaterThan(_, v), let .greaterThanOrEqual(_, v): return image(v).map { .greaterThanOrEqual(name, $0) } ?? .alwaysTrue
            case let .equal(_, v): return image(v).map { .equal(name, $0) } ?? .alwaysTrue
            case let .isIn(_, values): return set(values)
            case let .startsWith(_, prefix):
                // Values starting with a prefix of at least W code points (bytes) all truncate to it.
                let length = type == .string ? String(decoding: prefix, as: UTF8.self).unicodeScalars.count : prefix.count
                if length < width { return .startsWith(name, prefix) }
                return image(.binary(prefix)).map { .equal(name, $0) } ?? .alwaysTrue
            default: return .alwaysTrue
            }
        case .truncate, .year, .month, .day, .hour:
            switch p {
            case let .lessThan(_, v): return imageOfNeighbour(v, -1).map { .lessThanOrEqual(name, $0) } ?? .alwaysTrue
            case let .lessThanOrEqual(_, v): return image(v).map { .lessThanOrEqual(name, $0) } ?? .alwaysTrue
            case let .greaterThan(_, v): return imageOfNeighbour(v, 1).map { .greaterThanOrEqual(name, $0) } ?? .alwaysTrue
            case let .greaterThanOrEqual(_, v): return image(v).map { .greaterThanOrEqual(name, $0) } ?? .alwaysTrue
            case let .equal(_, v): return image(v).map { .equal(name, $0) } ?? .alwaysTrue
            case let .isIn(_, values): return set(values)
            default: return .alwaysTrue
            }
        case .identity, .void:
            return .alwaysTrue
        }
    }

    /// `v` as the storage value of a column of `type`, or nil when it is not one (a fraction for
    /// an integer column, an out-of-range integer, a number for a string).
    static func literal(_ v: Scalar, type: IcebergType) -> Scalar? {
        switch type {
        case .int, .date:
            switch v {
            case let .int32(x): return .int32(x)
            case let .int64(x): return Int32(exactly: x).map { .int32($0) }
            default: return nil
            }
        case .long, .time, .timestamp, .timestamptz, .timestampNs, .timestamptzNs:
            switch v {
            case let .int32(x): return .int64(Int64(x))
            case let .int64(x): return .int64(x)
            default: return nil
            }
        case .string, .binary, .fixed, .uuid:
            if case .binary = v { return v }
            return nil
        case .decimal:
            if case .decimal128 = v { return v }
            return nil
        default:
            return nil
        }
    }

    /// The value `step` units from `v` in its own type, nil past the type's edge.
    static func neighbour(_ v: Scalar, _ step: Int64) -> Scalar? {
        switch v {
        case let .int32(x):
            let (r, overflow) = x.addingReportingOverflow(Int32(step))
            return overflow ? nil : .int32(r)
        case let .int64(x):
            let (r, overflow) = x.addingReportingOverflow(step)
            return overflow ? nil : .int64(r)
        case let .decimal128(x):
            let (r, overflow) = x.addingReportingOverflow(Int128(step))
            return overflow ? nil : .decimal128(r)
        default:
            return nil
        }
    }

    /// `p` with its column renamed (a leaf, or a NOT of one).
    static func renamed(_ p: ColumnPredicate, to name: String) -> ColumnPredicate {
        switch p {
        case .alwaysTrue, .alwaysFalse: return p
        case let .equal(_, v): return .equal(name, v)
        case let .notEqual(_, v): return .notEqual(name, v)
        case let .lessThan(_, v): return .lessThan(name, v)
        case let .lessThanOrEqual(_, v): return .lessThanOrEqual(name, v)
        case let .greaterThan(_, v): return .greaterThan(name, v)
        case let .greaterThanOrEqual(_, v): return .greaterThanOrEqual(name, v)
        case let .isIn(_, values): return .isIn(name, values)
        case .isNull: return .isNull(name)
        case .isNotNull: return .isNotNull(name)
        case let .startsWith(_, prefix): return .startsWith(name, prefix)
        case let .and(a, b): return .and(renamed(a, to: name), renamed(b, to: name))
        case let .or(a, b): return .or(renamed(a, to: name), renamed(b, to: name))
        case let .not(inner): return .not(renamed(inner, to: name))
        }
    }

    /// `p` (negated when `negate`) with every NOT pushed to the leaves; a NOT that has no
    /// positive form (NOT IN, NOT startsWith) stays on its leaf. SQL's three-valued logic is kept:
    /// `NOT (a < 1)` and `a >= 1` are both unknown for a null `a`.
    static func pushNot(_ p: ColumnPredicate, negate: Bool) -> ColumnPredicate {
        guard negate else {
            switch p {
            case let .and(a, b): return .and(pushNot(a, negate: false), pushNot(b, negate: false))
            case let .or(a, b): return .or(pushNot(a, negate: false), pushNot(b, negate: false))
            case let .not(inner): return pushNot(inner, negate: true)
            default: return p
            }
        }
        switch p {
        case .alwaysTrue: return .alwaysFalse
        case .alwaysFalse: return .alwaysTrue
        case let .equal(c, v): return .notEqual(c, v)
        case let .notEqual(c, v): return .equal(c, v)
        case let .lessThan(c, v): return .greaterThanOrEqual(c, v)
        case let .lessThanOrEqual(c, v): return .greaterThan(c, v)
        case let .greaterThan(c, v): return .lessThanOrEqual(c, v)
        case let .greaterThanOrEqual(c, v): return .lessThan(c, v)
        case let .isNull(c): return .isNotNull(c)
        case let .isNotNull(c): return .isNull(c)
        case .isIn, .startsWith: return .not(p)
        case let .and(a, b): return .or(pushNot(a, negate: true), pushNot(b, negate: true))
        case let .or(a, b): return .and(pushNot(a, negate: true), pushNot(b, negate: true))
        case let .not(inner): return pushNot(inner, negate: false)
        }
    }

    static func and(_ a: ColumnPredicate, _ b: ColumnPredicate) -> ColumnPredicate {
        switch (a, b) {
        case (.alwaysFalse, _), (_, .alwaysFalse): return .alwaysFalse
        case (.alwaysTrue, _): return b
        case (_, .alwaysTrue): return a
        default: return .and(a, b)
        }
    }

    static func or(_ a: ColumnPredicate, _ b: ColumnPredicate) -> ColumnPredicate {
        switch (a, b) {
        case (.alwaysTrue, _), (_, .alwaysTrue): return .alwaysTrue
        case (.alwaysFalse, _): return b
        case (_, .alwaysFalse): return a
        default: return .or(a, b)
        }
    }
}
