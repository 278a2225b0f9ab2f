/// A column of byte strings that all have the same width.
public struct FixedSizeBinaryColumn: Sendable, Hashable {
    @usableFromInline var bytes: [UInt8]
    @usableFromInline var start: Int
    /// The width of every value in bytes.
    public let byteWidth: Int
    /// The number of rows.
    public let count: Int
    /// Validity (1 = present); `nil` when no value is null.
    public let validity: Bitmap?

    /// Creates a column from `count * byteWidth` bytes.
    public init(byteWidth: Int, bytes: [UInt8], validity: Bitmap? = nil) throws(ColumnarError) {
        guard byteWidth > 0, bytes.count % byteWidth == 0 else {
            throw ColumnarError(.invalidByteWidth(expected: byteWidth, actual: bytes.count))
        }
        let n = bytes.count / byteWidth
        if let validity, validity.count != n { throw ColumnarError(.lengthMismatch(expected: n, actual: validity.count)) }
        self.init(unchecked: bytes, start: 0, byteWidth: byteWidth, count: n, validity: validity)
    }

    @usableFromInline
    init(unchecked bytes: [UInt8], start: Int, byteWidth: Int, count: Int, validity: Bitmap?) {
        self.bytes = bytes
        self.start = start
        self.byteWidth = byteWidth
        self.count = count
        self.validity = validity
    }

    /// The number of nulls.
    public var nullCount: Int { validity?.unsetCount ?? 0 }

    /// Whether the value at `index` is present.
    @inlinable
    public func isValid(_ index: Int) -> Bool { validity?[index] ?? true }

    /// The bytes of value `index`, or `nil` when null.
    public func bytes(at index: Int) -> [UInt8]? {
        precondition(index >= 0 && index < count, "index out of range")
        guard isValid(index) else { return nil }
        let base = (start + index) * byteWidth
        return Array(bytes[base..<(base + byteWidth)])
    }

    /// Calls `body` with the bytes of value `index` (zeros for a null).
    @inlinable
    public func withValueBytes<R>(at index: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        precondition(index >= 0 && index < count, "index out of range")
        let base = (start &+ index) &* byteWidth
        return try bytes.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[base..<(base + byteWidth)])) }
    }

    /// The rows in `range`, sharing storage.
    public func slice(_ range: Range<Int>) -> FixedSizeBinaryColumn {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "slice out of range")
        return FixedSizeBinaryColumn(unchecked: bytes, start: start + range.lowerBound, byteWidth: byteWidth,
                                     count: range.count, validity: validity?.slice(range))
    }

    public static func == (lhs: FixedSizeBinaryColumn, rhs: FixedSizeBinaryColumn) -> Bool {
        guard lhs.count == rhs.count, lhs.byteWidth == rhs.byteWidth else { return false }
        for i in 0..<lhs.count where lhs.bytes(at: i) != rhs.bytes(at: i) { return false }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(byteWidth)
        for i in 0..<count { hasher.combine(bytes(at: i)) }
    }
}
