/// The three-valued result of a ``ColumnPredicate`` over every row of a ``RecordBatch``.
///
/// A row is true, false or unknown (SQL logic: a comparison with null is unknown). Only true
/// rows are selected: ``isTrue`` is the selection bitmap a filter keeps.
public struct PredicateSelection: Sendable, Hashable {
    /// Rows where the predicate is true: the selection.
    public let isTrue: Bitmap
    /// Rows where the predicate is false. A row in neither bitmap is unknown.
    public let isFalse: Bitmap

    /// The number of rows.
    public var count: Int { isTrue.count }

    /// The number of selected (true) rows.
    public var selectedCount: Int { isTrue.setCount }

    /// Row `row`'s value: `true`, `false`, or `nil` when unknown.
    public subscript(row: Int) -> Bool? {
        if isTrue[row] { return true }
        if isFalse[row] { return false }
        return nil
    }

    init(_ bits: TriBits, count: Int) {
        isTrue = Bitmap(alignedWords: bits.isTrue, count: count)
        isFalse = Bitmap(alignedWords: bits.isFalse, count: count)
    }
}

extension ColumnPredicate {
    /// Evaluates the predicate over every row of `batch` at once, with the same three-valued
    /// result as ``evaluate(_:_:)`` row by row.
    ///
    /// Leaves read the typed buffers and validity bitmaps of their column (a dictionary column
    /// is tested once per distinct value), and `AND`/`OR`/`NOT` combine whole 64-bit words: no
    /// value is boxed into a ``Scalar``.
    public func evaluate(_ batch: RecordBatch) -> PredicateSelection {
        PredicateSelection(VectorisedPredicate.evaluate(self, batch), count: batch.rowCount)
    }

    /// The rows of `batch` where the predicate is true (unknown counts as no).
    public func selection(_ batch: RecordBatch) -> Bitmap { evaluate(batch).isTrue }
}

/// True and false rows as words of bits (bit `i` of word `i >> 6`), with no bit past the row count.
struct TriBits {
    var isTrue: [UInt64]
    var isFalse: [UInt64]

    static func unknown(_ rows: Int) -> TriBits {
        let zeros = [UInt64](repeating: 0, count: (rows + 63) >> 6)
        return TriBits(isTrue: zeros, isFalse: zeros)
    }

    static func constant(_ value: Bool, _ rows: Int) -> TriBits {
        let ones = Bitmap.onesWords(rows)
        let zeros = [UInt64](repeating: 0, count: ones.count)
        return value ? TriBits(isTrue: ones, isFalse: zeros) : TriBits(isTrue: zeros, isFalse: ones)
    }
}

extension Bitmap {
    /// A bitmap over words whose bit 0 is row 0.
    init(alignedWords: [UInt64], count: Int) {
        self.init()
        words = alignedWords
        bitOffset = 0
        bitCount = count
    }

    /// `rows` set bits as words, none past `rows`.
    static func onesWords(_ rows: Int) -> [UInt64] {
        var words = [UInt64](repeating: ~0, count: (rows + 63) >> 6)
        if rows & 63 != 0 { words[words.count - 1] = (1 << UInt64(rows & 63)) - 1 }
        return words
    }

    /// The bits as words starting at bit 0 (a slice's offset shifted out), none past ``count``.
    func alignedWords() -> [UInt64] {
        let n = (count + 63) >> 6
        var out = [UInt64](repeating: 0, count: n)
        let base = bitOffset >> 6, shift = UInt64(bitOffset & 63)
        for w in 0..<n {
            var word = words[base + w] >> shift
            if shift != 0, base + w + 1 < words.count { word |= words[base + w + 1] << (64 - shift) }
            out[w] = word
        }
        if count & 63 != 0, n > 0 { out[n - 1] &= (1 << UInt64(count & 63)) - 1 }
        return out
    }
}

/// The comparison a leaf applies to the order of a value against its literal.
enum ComparisonOperator {
    case equal, notEqual, less, lessOrEqual, greater, greaterOrEqual

    @inline(__always)
    func holds(_ order: Int) -> Bool {
        switch self {
        case .equal: return order == 0
        case .notEqual: return order != 0
        case .less: return order < 0
        case .lessOrEqual: return order <= 0
        case .greater: return order > 0
        case .greaterOrEqual: return order >= 0
        }
    }
}

/// Whole-batch evaluation of ``ColumnPredicate``, matching ``ColumnPredicate/evaluate(_:_:)``
/// (and so ``ScalarOrder``'s rules: integers and floats compare by value, NaN compares with nothing,
/// bytes unsigned lexicographically, other pairs of types are unknown).
enum VectorisedPredicate {
    static func evaluate(_ p: ColumnPredicate, _ batch: RecordBatch) -> TriBits {
        let rows = batch.rowCount
        switch p {
        case .alwaysTrue: return .constant(true, rows)
        case .alwaysFalse: return .constant(false, rows)
        case let .equal(c, v): return compare(batch, c, v, .equal)
        case let .notEqual(c, v): return compare(batch, c, v, .notEqual)
        case let .lessThan(c, v): return compare(batch, c, v, .less)
        case let .lessThanOrEqual(c, v): return compare(batch, c, v, .lessOrEqual)
        case let .greaterThan(c, v): return compare(batch, c, v, .greater)
        case let .greaterThanOrEqual(c, v): return compare(batch, c, v, .greaterOrEqual)
        case let .isIn(c, values):
            // A present value is in the list or not: never unknown, even when a comparison is.
            guard let column = batch.column(named: c) else { return .unknown(rows) }
            var found = [UInt64](repeating: 0, count: (rows + 63) >> 6)
            for v in values {
                let eq = compare(column, v, .equal, rows)
                for w in found.indices { found[w] |= eq.isTrue[w] }
            }
            let valid = validWords(column, rows)
            var notFound = valid
            for w in notFound.indices { notFound[w] &= ~found[w] }
            return TriBits(isTrue: found, isFalse: notFound)
        case let .isNull(c):
            guard let column = batch.column(named: c) else { return .unknown(rows) }
            let valid = validWords(column, rows)
            return TriBits(isTrue: zip(valid, Bitmap.onesWords(rows)).map { ~$0 & $1 }, isFalse: valid)
        case let .isNotNull(c):
            guard let column = batch.column(named: c) else { return .unknown(rows) }
            let valid = validWords(column, rows)
            return TriBits(isTrue: valid, isFalse: zip(valid, Bitmap.onesWords(rows)).map { ~$0 & $1 })
        case let .startsWith(c, prefix):
            guard let column = batch.column(named: c) else { return .unknown(rows) }
            return bytesLeaf(column, rows) { value in
                value.count >= prefix.count && prefix.withUnsafeBytes { p in
                    prefix.isEmpty || memoryEqual(value.baseAddress, p.baseAddress, prefix.count)
                }
            } ?? .unknown(rows)
        case let .and(a, b):
            var x = evaluate(a, batch)
            let y = evaluate(b, batch)
            for w in x.isTrue.indices {
                x.isTrue[w] &= y.isTrue[w]
                x.isFalse[w] |= y.isFalse[w]
            }
            return x
        case let .or(a, b):
            var x = evaluate(a, batch)
            let y = evaluate(b, batch)
            for w in x.isTrue.indices {
                x.isTrue[w] |= y.isTrue[w]
                x.isFalse[w] &= y.isFalse[w]
            }
            return x
        case let .not(inner):
            let x = evaluate(inner, batch)
            return TriBits(isTrue: x.isFalse, isFalse: x.isTrue)
        }
    }

    @inline(__always)
    static func memoryEqual(_ a: UnsafeRawPointer?, _ b: UnsafeRawPointer?, _ n: Int) -> Bool {
        guard n > 0 else { return true }
        guard let a, let b else { return false }
        for i in 0..<n where a.load(fromByteOffset: i, as: UInt8.self) != b.load(fromByteOffset: i, as: UInt8.self) {
            return false
        }
        return true
    }

    /// Validity of `column` as aligned words (all set when it has no bitmap).
    static func validWords(_ column: Column, _ rows: Int) -> [UInt64] {
        column.validity?.alignedWords() ?? Bitmap.onesWords(rows)
    }

    static func compare(_ batch: RecordBatch, _ c: String, _ v: Scalar, _ op: ComparisonOperator) -> TriBits {
        guard let column = batch.column(named: c) else { return .unknown(batch.rowCount) }
        return compare(column, v, op, batch.rowCount)
    }

    @inline(__always)
    static func sign<T: Comparable>(_ x: T, _ y: T) -> Int { x < y ? -1 : (x == y ? 0 : 1) }

    /// One comparison over a whole column, typed by the column's storage and the literal.
    static func compare(_ column: Column, _ v: Scalar, _ op: ComparisonOperator, _ rows: Int) -> TriBits {
        switch column {
        case let .int32(col): return integerLeaf(col, v, op, rows)
        case let .int64(col): return integerLeaf(col, v, op, rows)
        case let .float32(col):
            guard let d = ScalarOrder.double(v), !d.isNaN else { return .unknown(rows) }
            return leaf(col, rows) { x in x.isNaN ? nil : op.holds(sign(Double(x), d)) }
        case let .float64(col):
            guard let d = ScalarOrder.double(v), !d.isNaN else { return .unknown(rows) }
            return leaf(col, rows) { x in x.isNaN ? nil : op.holds(sign(x, d)) }
        case let .decimal128(col):
            guard case let .decimal128(d) = v else { return .unknown(rows) }
            return leaf(col, rows) { x in op.holds(sign(x, d)) }
        case let .boolean(col):
            guard case let .boolean(y) = v else { return .unknown(rows) }
            var bits = TriBits.unknown(rows)
            for i in 0..<rows {
                let x = col.values[i]
                let holds = op.holds(x == y ? 0 : (x ? 1 : -1))
                if holds { bits.isTrue[i >> 6] |= 1 << UInt64(i & 63) } else { bits.isFalse[i >> 6] |= 1 << UInt64(i & 63) }
            }
            return masked(bits, column, rows)
        case .binary, .fixedSizeBinary, .dictionary:
            guard case let .binary(literal) = v else { return .unknown(rows) }
            return literal.withUnsafeBytes { lit in
                bytesLeaf(column, rows) { value in op.holds(compareBytes(value, lit)) }
            } ?? .unknown(rows)
        case .structure, .list, .map:
            return .unknown(rows)
        }
    }

    /// Unsigned lexicographic order of two byte strings (a prefix sorts first).
    @inline(__always)
    static func compareBytes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
        let n = Swift.min(a.count, b.count)
        var i = 0
        while i < n {
            let x = a[i], y = b[i]
            if x != y { return x < y ? -1 : 1 }
            i += 1
        }
        return sign(a.count, b.count)
    }

    static func integerLeaf<T: FixedWidthInteger & FixedWidthValue>(_ col: PrimitiveColumn<T>, _ v: Scalar,
                                                                    _ op: ComparisonOperator, _ rows: Int) -> TriBits {
        if let lit = ScalarOrder.integer(v) { return leaf(col, rows) { x in op.holds(sign(Int64(x), lit)) } }
        if let d = ScalarOrder.double(v), !d.isNaN { return leaf(col, rows) { x in op.holds(sign(Double(x), d)) } }
        return .unknown(rows)
    }

    /// Applies `test` to every slot of a fixed-width column (nil: unknown), then masks out nulls.
    @inline(__always)
    static func leaf<T: FixedWidthValue>(_ col: PrimitiveColumn<T>, _ rows: Int, _ test: (T) -> Bool?) -> TriBits {
        var bits = TriBits.unknown(rows)
        col.withUnsafeBufferPointer { values in
            bits.isTrue.withUnsafeMutableBufferPointer { t in
                bits.isFalse.withUnsafeMutableBufferPointer { f in
                    for i in 0..<rows {
                        guard let r = test(values[i]) else { continue }
                        let bit: UInt64 = 1 << UInt64(i & 63)
                        if r { t[i >> 6] |= bit } else { f[i >> 6] |= bit }
                    }
                }
            }
        }
        return masked(bits, col.validity)
    }

    /// Applies `test` to the bytes of every value of a binary, fixed-size binary or dictionary
    /// column (a dictionary's distinct values once each); `nil` for other columns.
    static func bytesLeaf(_ column: Column, _ rows: Int, _ test: (UnsafeRawBufferPointer) -> Bool) -> TriBits? {
        var bits = TriBits.unknown(rows)
        func set(_ i: Int, _ r: Bool) {
            let bit: UInt64 = 1 << UInt64(i & 63)
            if r { bits.isTrue[i >> 6] |= bit } else { bits.isFalse[i >> 6] |= bit }
        }
        switch column {
        case let .binary(col):
            col.withUnsafeOffsetsAndBytes { offsets, bytes in
                for i in 0..<rows { set(i, test(UnsafeRawBufferPointer(rebasing: bytes[offsets[i]..<offsets[i + 1]]))) }
            }
        case let .fixedSizeBinary(col):
            for i in 0..<rows { set(i, col.withValueBytes(at: i, test)) }
        case let .dictionary(col):
            var entries = [Bool](repeating: false, count: col.dictionary.count)
            col.dictionary.withUnsafeOffsetsAndBytes { offsets, bytes in
                for d in entries.indices { entries[d] = test(UnsafeRawBufferPointer(rebasing: bytes[offsets[d]..<offsets[d + 1]])) }
            }
            col.indices.withUnsafeBufferPointer { indices in
                for i in 0..<rows where col.indices.isValid(i) {
                    let d = Int(indices[i])
                    if d >= 0, d < entries.count { set(i, entries[d]) }
                }
            }
        default:
            return nil
        }
        return masked(bits, column, rows)
    }

    static func masked(_ bits: TriBits, _ column: Column, _ rows: Int) -> TriBits { masked(bits, column.validity) }

    /// Null rows are unknown whatever their slot holds.
    static func masked(_ bits: TriBits, _ validity: Bitmap?) -> TriBits {
        guard let validity else { return bits }
        let valid = validity.alignedWords()
        var out = bits
        for w in out.isTrue.indices {
            out.isTrue[w] &= valid[w]
            out.isFalse[w] &= valid[w]
        }
        return out
    }
}
