/// A column of booleans, bit-packed, with an optional validity bitmap.
public struct BooleanColumn: Sendable, Hashable {
    /// The value bits (a null's bit is 0).
    public let values: Bitmap
    /// Validity (1 = present); `nil` when no value is null.
    public let validity: Bitmap?

    /// Creates a column from value bits and optional validity of the same length.
    public init(values: Bitmap, validity: Bitmap? = nil) {
        precondition(validity == nil || validity!.count == values.count, "validity length differs from value count")
        self.values = values
        self.validity = validity
    }

    /// Creates a column from optionals; `nil` becomes a null.
    public init(_ values: [Bool?]) {
        var builder = BooleanColumnBuilder()
        for v in values { builder.append(v) }
        self = builder.finish()
    }

    /// The number of rows.
    public var count: Int { values.count }
    /// The number of nulls.
    public var nullCount: Int { validity?.unsetCount ?? 0 }

    /// Whether the value at `index` is present.
    @inlinable
    public func isValid(_ index: Int) -> Bool { validity?[index] ?? true }

    /// The value at `index`, or `nil` when null.
    @inlinable
    public subscript(index: Int) -> Bool? { isValid(index) ? values[index] : nil }

    /// The rows in `range`, sharing storage.
    public func slice(_ range: Range<Int>) -> BooleanColumn {
        BooleanColumn(values: values.slice(range), validity: validity?.slice(range))
    }

    /// The values as optionals.
    public var optionals: [Bool?] { (0..<count).map { self[$0] } }

    public static func == (lhs: BooleanColumn, rhs: BooleanColumn) -> Bool { lhs.optionals == rhs.optionals }
    public func hash(into hasher: inout Hasher) { hasher.combine(optionals) }
}
