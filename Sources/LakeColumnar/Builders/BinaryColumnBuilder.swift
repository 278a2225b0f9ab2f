/// Builds a ``BinaryColumn`` (binary or UTF-8 text) by copying bytes into one growing buffer.
public struct BinaryColumnBuilder: Sendable {
    @usableFromInline var offsets: [Int] = [0]
    @usableFromInline var bytes: [UInt8] = []
    @usableFromInline var validity = ValidityBuilder()

    public init() {}

    /// Reserves room for `rows` values totalling about `bytes` bytes.
    public mutating func reserveCapacity(rows: Int, bytes byteCount: Int) {
        offsets.reserveCapacity(rows + 1)
        bytes.reserveCapacity(byteCount)
        validity.reserveCapacity(rows)
    }

    /// The number of rows appended so far.
    @inlinable public var count: Int { offsets.count &- 1 }

    /// The number of payload bytes appended so far.
    @inlinable public var byteCount: Int { bytes.count }

    /// Appends the bytes of `value`.
    @inlinable
    public mutating func append(bytes value: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: value)
        offsets.append(bytes.count)
        validity.appendValid()
    }

    /// Appends a byte collection.
    @inlinable
    public mutating func append<C: Collection>(contentsOf value: C) where C.Element == UInt8 {
        bytes.append(contentsOf: value)
        offsets.append(bytes.count)
        validity.appendValid()
    }

    /// Appends a string's UTF-8 bytes, or a null.
    public mutating func append(_ value: String?) {
        guard var value else { return appendNull() }
        value.withUTF8 { append(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// Appends a null (an empty slot).
    @inlinable
    public mutating func appendNull() {
        offsets.append(bytes.count)
        validity.appendNull()
    }

    /// Appends a value built in place: `body` appends bytes to the column's buffer.
    ///
    /// Used by decoders (percent-decoding, unescaping) to write straight into the column.
    @inlinable
    public mutating func appendBuilding(_ body: (inout [UInt8]) throws -> Void) rethrows {
        try body(&bytes)
        offsets.append(bytes.count)
        validity.appendValid()
    }

    /// Finishes the column and resets the builder.
    public mutating func finish() -> BinaryColumn {
        defer {
            offsets = [0]
            bytes = []
        }
        let n = offsets.count - 1
        return BinaryColumn(unchecked: offsets, bytes: bytes, start: 0, count: n, validity: validity.finish())
    }
}

/// Builds a ``FixedSizeBinaryColumn``.
public struct FixedSizeBinaryColumnBuilder: Sendable {
    /// The width of every value.
    public let byteWidth: Int
    @usableFromInline var bytes: [UInt8] = []
    @usableFromInline var validity = ValidityBuilder()
    @usableFromInline var rows = 0

    public init(byteWidth: Int) {
        precondition(byteWidth > 0, "byte width must be positive")
        self.byteWidth = byteWidth
    }

    /// The number of rows appended so far.
    public var count: Int { rows }

    /// Appends one value of exactly ``byteWidth`` bytes.
    public mutating func append(bytes value: UnsafeRawBufferPointer) throws(ColumnarError) {
        guard value.count == byteWidth else { throw ColumnarError(.invalidByteWidth(expected: byteWidth, actual: value.count)) }
        bytes.append(contentsOf: value)
        validity.appendValid()
        rows += 1
    }

    /// Appends one value of exactly ``byteWidth`` bytes.
    public mutating func append(_ value: [UInt8]) throws(ColumnarError) {
        guard value.count == byteWidth else { throw ColumnarError(.invalidByteWidth(expected: byteWidth, actual: value.count)) }
        bytes.append(contentsOf: value)
        validity.appendValid()
        rows += 1
    }

    /// Appends a null.
    public mutating func appendNull() {
        bytes.append(contentsOf: repeatElement(0, count: byteWidth))
        validity.appendNull()
        rows += 1
    }

    /// Finishes the column and resets the builder.
    public mutating func finish() -> FixedSizeBinaryColumn {
        defer {
            bytes = []
            rows = 0
        }
        return FixedSizeBinaryColumn(unchecked: bytes, start: 0, byteWidth: byteWidth, count: rows, validity: validity.finish())
    }
}
