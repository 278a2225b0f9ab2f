/// A value type stored inline, one fixed-width slot per row.
public protocol FixedWidthValue: Sendable, Hashable, BitwiseCopyable {
    /// The placeholder stored in the slot of a null.
    static var nullPlaceholder: Self { get }
}

extension Int32: FixedWidthValue { public static var nullPlaceholder: Int32 { 0 } }
extension Int64: FixedWidthValue { public static var nullPlaceholder: Int64 { 0 } }
extension Float: FixedWidthValue { public static var nullPlaceholder: Float { 0 } }
extension Double: FixedWidthValue { public static var nullPlaceholder: Double { 0 } }
extension Int128: FixedWidthValue { public static var nullPlaceholder: Int128 { 0 } }

/// A column of fixed-width values with an optional validity bitmap.
///
/// Storage is shared copy-on-write; ``slice(_:)`` is O(1).
public struct PrimitiveColumn<Element: FixedWidthValue>: Sendable, Hashable {
    @usableFromInline var storage: [Element]
    @usableFromInline var offset: Int
    /// The number of rows.
    public let count: Int
    /// Validity (1 = present); `nil` when no value is null.
    public let validity: Bitmap?

    /// Creates a column from values and an optional validity bitmap of the same length.
    public init(values: [Element], validity: Bitmap? = nil) {
        precondition(validity == nil || validity!.count == values.count, "validity length differs from value count")
        storage = values
        offset = 0
        count = values.count
        self.validity = validity
    }

    /// Creates a column from optionals; `nil` becomes a null.
    public init(_ values: [Element?]) {
        var builder = PrimitiveColumnBuilder<Element>()
        builder.reserveCapacity(values.count)
        for v in values { builder.append(v) }
        self = builder.finish()
    }

    @usableFromInline
    init(storage: [Element], offset: Int, count: Int, validity: Bitmap?) {
        self.storage = storage
        self.offset = offset
        self.count = count
        self.validity = validity
    }

    /// Whether the value at `index` is present.
    @inlinable
    public func isValid(_ index: Int) -> Bool { validity?[index] ?? true }

    /// The stored slot at `index`, ignoring validity (a null slot holds ``FixedWidthValue/nullPlaceholder``).
    @inlinable
    public func value(at index: Int) -> Element {
        precondition(index >= 0 && index < count, "index out of range")
        return storage[offset &+ index]
    }

    /// The value at `index`, or `nil` when null.
    @inlinable
    public subscript(index: Int) -> Element? {
        isValid(index) ? value(at: index) : nil
    }

    /// The number of nulls.
    public var nullCount: Int { validity?.unsetCount ?? 0 }

    /// Calls `body` with the contiguous slots of this column (null slots included).
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Element>) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer { all in
            try body(UnsafeBufferPointer(rebasing: all[offset..<(offset + count)]))
        }
    }

    /// The rows in `range`, sharing storage.
    public func slice(_ range: Range<Int>) -> PrimitiveColumn {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "slice out of range")
        return PrimitiveColumn(storage: storage, offset: offset + range.lowerBound, count: range.count,
                               validity: validity?.slice(range))
    }

    /// The values as optionals.
    public var optionals: [Element?] { (0..<count).map { self[$0] } }

    public static func == (lhs: PrimitiveColumn, rhs: PrimitiveColumn) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for i in 0..<lhs.count where lhs[i] != rhs[i] { return false }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for i in 0..<count { hasher.combine(self[i]) }
    }
}
