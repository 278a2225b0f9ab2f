public import LakeColumnar

/// Reads strings from plain or dictionary storage (rows read back from Parquet are plain,
/// parser output is dictionary-encoded for some columns).
public struct StringAccess {
    let column: Column?

    /// Strings of `column`; a column of any other type reads as nulls.
    public init(_ column: Column?) { self.column = column }

    /// The string at `row`, or nil for a null.
    public func string(at row: Int) -> String? {
        switch column {
        case let .binary(c)?: return c.string(at: row)
        case let .dictionary(c)?: return c.string(at: row)
        default: return nil
        }
    }
}
