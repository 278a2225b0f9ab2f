/// A filter over named columns, shared by Parquet pruning, Iceberg scans and data quality.
///
/// Values are storage-level ``Scalar``s (dates as `.int32` days, timestamps as `.int64`
/// microseconds, strings as `.binary` UTF-8). Row evaluation uses SQL's three-valued logic:
/// a comparison with null is unknown, and only `true` rows match.
public indirect enum ColumnPredicate: Sendable, Hashable {
    case alwaysTrue
    case alwaysFalse
    case equal(String, Scalar)
    case notEqual(String, Scalar)
    case lessThan(String, Scalar)
    case lessThanOrEqual(String, Scalar)
    case greaterThan(String, Scalar)
    case greaterThanOrEqual(String, Scalar)
    case isIn(String, [Scalar])
    case isNull(String)
    case isNotNull(String)
    /// The column's bytes begin with the given bytes (SQL `LIKE 'prefix%'` on text or binary).
    case startsWith(String, [UInt8])
    case and(ColumnPredicate, ColumnPredicate)
    case or(ColumnPredicate, ColumnPredicate)
    case not(ColumnPredicate)

    /// A string literal.
    public static func string(_ s: String) -> Scalar { .binary(Array(s.utf8)) }

    /// The column names the predicate refers to.
    public var columns: Set<String> {
        switch self {
        case .alwaysTrue, .alwaysFalse: return []
        case let .equal(c, _), let .notEqual(c, _), let .lessThan(c, _), let .lessThanOrEqual(c, _), let .greaterThan(c, _),
             let .greaterThanOrEqual(c, _), let .isIn(c, _), let .isNull(c), let .isNotNull(c), let .startsWith(c, _):
            return [c]
        case let .and(a, b), let .or(a, b): return a.columns.union(b.columns)
        case let .not(p): return p.columns
        }
    }

    /// Whether rows summarised by `bounds` may match. Conservative: `false` only when no row can.
    public func mightMatch(_ bounds: (String) -> ColumnBounds?) -> Bool {
        func check(_ c: String, _ test: (ColumnBounds) -> Bool) -> Bool {
            guard let b = bounds(c) else { return true }
            return test(b)
        }
        switch self {
        case .alwaysTrue: return true
        case .alwaysFalse: return false
        case let .equal(c, v):
            return check(c) { b in
                if b.allNull { return false }
                if let lo = b.lower, let order = ScalarOrder.compare(v, lo), order < 0 { return false }
                if let hi = b.upper, let order = ScalarOrder.compare(v, hi), order > 0 { return false }
                return true
            }
        case let .notEqual(c, v):
            return check(c) { b in
                if b.allNull { return false }
                if let lo = b.lower, let hi = b.upper, ScalarOrder.compare(lo, v) == 0, ScalarOrder.compare(hi, v) == 0, b.exact {
                    return false
                }
                return true
            }
        case let .lessThan(c, v):
            return check(c) { b in !b.allNull && (b.lower.flatMap { ScalarOrder.compare($0, v) }.map { $0 < 0 } ?? true) }
        case let .lessThanOrEqual(c, v):
            return check(c) { b in !b.allNull && (b.lower.flatMap { ScalarOrder.compare($0, v) }.map { $0 <= 0 } ?? true) }
        case let .greaterThan(c, v):
            return check(c) { b in !b.allNull && (b.upper.flatMap { ScalarOrder.compare($0, v) }.map { $0 > 0 } ?? true) }
        case let .greaterThanOrEqual(c, v):
            return check(c) { b in !b.allNull && (b.upper.flatMap { ScalarOrder.compare($0, v) }.map { $0 >= 0 } ?? true) }
        case let .isIn(c, values):
            return values.contains { ColumnPredicate.equal(c, $0).mightMatch(bounds) }
        case let .isNull(c):
            return check(c) { !$0.nullCountKnown || $0.nullCount > 0 }
        case let .isNotNull(c):
            return check(c) { !$0.allNull }
        case let .startsWith(c, prefix):
            return check(c) { b in
                if b.allNull { return false }
                // Every value starting with `prefix` sorts at or after it, and its first
                // `prefix.count` bytes equal it. Truncated bounds stay sound: a truncated lower
                // bound is a prefix of the true minimum, a truncated upper bound is above the maximum.
                if case let .binary(hi)? = b.upper, ScalarOrder.compare(.binary(hi), .binary(prefix)) == -1 { return false }
                if case let .binary(lo)? = b.lower,
                   ScalarOrder.compare(.binary(Array(lo.prefix(prefix.count))), .binary(prefix)) == 1 { return false }
                return true
            }
        case let .and(a, b): return a.mightMatch(bounds) && b.mightMatch(bounds)
        case let .or(a, b): return a.mightMatch(bounds) || b.mightMatch(bounds)
        case .not: return true  // bounds cannot be inverted safely
        }
    }

    /// Whether row `row` of `batch` satisfies the predicate (unknown counts as no).
    public func matches(_ batch: RecordBatch, row: Int) -> Bool { evaluate(batch, row) == true }

    /// Three-valued evaluation: nil is unknown (a null was compared).
    public func evaluate(_ batch: RecordBatch, _ row: Int) -> Bool? {
        func value(_ c: String) -> Scalar?? {
            guard let column = batch.column(named: c) else { return .none }
            return .some(column.scalar(at: row))
        }
        func compare(_ c: String, _ v: Scalar, _ test: (Int) -> Bool) -> Bool? {
            guard case let .some(x) = value(c), let x, let order = ScalarOrder.compare(x, v) else { return nil }
            return test(order)
        }
        switch self {
        case .alwaysTrue: return true
        case .alwaysFalse: return false
        case let .equal(c, v): return compare(c, v) { $0 == 0 }
        case let .notEqual(c, v): return compare(c, v) { $0 != 0 }
        case let .lessThan(c, v): return compare(c, v) { $0 < 0 }
        case let .lessThanOrEqual(c, v): return compare(c, v) { $0 <= 0 }
        case let .greaterThan(c, v): return compare(c, v) { $0 > 0 }
        case let .greaterThanOrEqual(c, v): return compare(c, v) { $0 >= 0 }
        case let .isIn(c, values):
            guard case let .some(x) = value(c), let x else { return nil }
            return values.contains { ScalarOrder.compare(x, $0) == 0 }
        case let .isNull(c):
            guard case let .some(x) = value(c) else { return nil }
            return x == nil
        case let .isNotNull(c):
            guard case let .some(x) = value(c) else { return nil }
            return x != nil
        case let .startsWith(c, prefix):
            guard case let .some(x) = value(c), case let .binary(bytes)? = x else { return nil }
            return bytes.count >= prefix.count && bytes.prefix(prefix.count).elementsEqual(prefix)
        case let .and(a, b):
            let x = a.evaluate(batch, row), y = b.evaluate(batch, row)
            if x == false || y == false { return false }
            if x == nil || y == nil { return nil }
            return true
        case let .or(a, b):
            let x = a.evaluate(batch, row), y = b.evaluate(batch, row)
            if x == true || y == true { return true }
            if x == nil || y == nil { return nil }
            return false
        case let .not(p): return p.evaluate(batch, row).map { !$0 }
        }
    }
}

/// Summary statistics of a column (from a Parquet footer, a page index or a manifest).
public struct ColumnBounds: Sendable, Hashable {
    public var lower: Scalar?
    public var upper: Scalar?
    public var nullCount: Int64
    /// Values including nulls.
    public var valueCount: Int64
    public var type: DataType
    /// Whether lower/upper are exact values (not truncated).
    public var exact: Bool
    /// Whether ``nullCount`` was recorded; when not, any row may be null (and not every row is).
    public var nullCountKnown: Bool

    public init(lower: Scalar?, upper: Scalar?, nullCount: Int64, valueCount: Int64, type: DataType, exact: Bool = true,
                nullCountKnown: Bool = true) {
        self.lower = lower
        self.upper = upper
        self.nullCount = nullCount
        self.valueCount = valueCount
        self.type = type
        self.exact = exact
        self.nullCountKnown = nullCountKnown
    }

    /// Every value is null (known only from a recorded null count).
    public var allNull: Bool { nullCountKnown && valueCount > 0 && nullCount >= valueCount }
}

/// Ordering of storage scalars: numbers by value (across widths), bytes unsigned lexicographically.
public enum ScalarOrder {
    /// -1, 0 or 1; nil when the two cannot be compared (or a float is NaN).
    public static func compare(_ a: Scalar, _ b: Scalar) -> Int? {
        func sign<T: Comparable>(_ x: T, _ y: T) -> Int { x < y ? -1 : (x == y ? 0 : 1) }
        switch (a, b) {
        case let (.boolean(x), .boolean(y)): return x == y ? 0 : (x ? 1 : -1)
        case let (.binary(x), .binary(y)):
            for (p, q) in zip(x, y) where p != q { return p < q ? -1 : 1 }
            return sign(x.count, y.count)
        case let (.decimal128(x), .decimal128(y)): return sign(x, y)
        default:
            if let x = integer(a), let y = integer(b) { return sign(x, y) }
            if let x = double(a), let y = double(b) {
                if x.isNaN || y.isNaN { return nil }
                return sign(x, y)
            }
            return nil
        }
    }

    static func integer(_ s: Scalar) -> Int64? {
        switch s {
        case let .int32(v): return Int64(v)
        case let .int64(v): return v
        default: return nil
        }
    }

    static func double(_ s: Scalar) -> Double? {
        switch s {
        case let .int32(v): return Double(v)
        case let .int64(v): return Double(v)
        case let .float32(v): return Double(v)
        case let .float64(v): return v
        default: return nil
        }
    }
}
