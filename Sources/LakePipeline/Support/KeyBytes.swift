import LakeColumnar

/// The bytes of a text column's values, plain or dictionary-encoded alike, without making a
/// `String` (rows read back from Parquet are plain; parser output is dictionary-encoded for some
/// columns). A column of any other type reads as nulls.
struct KeyBytes {
    let column: Column?

    init(_ column: Column?) { self.column = column }

    /// Whether row `row` holds a value.
    func isValid(_ row: Int) -> Bool {
        switch column {
        case let .binary(c)?: return c.isValid(row)
        case let .dictionary(c)?: return c.isValid(row)
        default: return false
        }
    }

    /// Calls `body` with the bytes of row `row` (nil for a null).
    func withBytes<R>(_ row: Int, _ body: (UnsafeRawBufferPointer?) throws -> R) rethrows -> R {
        switch column {
        case let .binary(c)? where c.isValid(row): return try c.withValueBytes(at: row) { try body($0) }
        case let .dictionary(c)? where c.isValid(row):
            return try c.dictionary.withValueBytes(at: Int(c.indices.value(at: row))) { try body($0) }
        default: return try body(nil)
        }
    }

    /// Appends the bytes of row `row` (nothing for a null) to `out`.
    func append(_ row: Int, to out: inout [UInt8]) {
        withBytes(row) { if let bytes = $0 { out.append(contentsOf: bytes) } }
    }
}
