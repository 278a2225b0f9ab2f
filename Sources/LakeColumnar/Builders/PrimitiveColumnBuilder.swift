/// Builds a ``PrimitiveColumn`` by appending values; no allocation per value once reserved.
public struct PrimitiveColumnBuilder<Element: FixedWidthValue>: Sendable {
    @usableFromInline var values: [Element] = []
    @usableFromInline var validity = ValidityBuilder()

    public init() {}

    /// Reserves room for `capacity` rows.
    public mutating func reserveCapacity(_ capacity: Int) {
        values.reserveCapacity(capacity)
        validity.reserveCapacity(capacity)
    }

    /// The number of rows appended so far.
    @inlinable public var count: Int { values.count }

    /// Appends a present value.
    @inlinable
    public mutating func append(_ value: Element) {
        values.append(value)
        validity.appendValid()
    }

    /// Appends a value or a null.
    @inlinable
    public mutating func append(_ value: Element?) {
        if let value { append(value) } else { appendNull() }
    }

    /// Appends a null.
    @inlinable
    public mutating func appendNull() {
        values.append(.nullPlaceholder)
        validity.appendNull()
    }

    /// Appends present values.
    public mutating func append<S: Sequence>(contentsOf newValues: S) where S.Element == Element {
        let before = values.count
        values.append(contentsOf: newValues)
        for _ in before..<values.count { validity.appendValid() }
    }

    /// Finishes the column and resets the builder.
    public mutating func finish() -> PrimitiveColumn<Element> {
        defer { values = [] }
        return PrimitiveColumn(storage: values, offset: 0, count: values.count, validity: validity.finish())
    }
}

/// Builds a ``BooleanColumn``.
public struct BooleanColumnBuilder: Sendable {
    @usableFromInline var values = Bitmap()
    @usableFromInline var validity = ValidityBuilder()

    public init() {}

    /// Reserves room for `capacity` rows.
    public mutating func reserveCapacity(_ capacity: Int) {
        values.reserveCapacity(capacity)
        validity.reserveCapacity(capacity)
    }

    /// The number of rows appended so far.
    public var count: Int { values.count }

    /// Appends a present value.
    @inlinable
    public mutating func append(_ value: Bool) {
        values.append(value)
        validity.appendValid()
    }

    /// Appends a value or a null.
    @inlinable
    public mutating func append(_ value: Bool?) {
        if let value { append(value) } else { appendNull() }
    }

    /// Appends a null.
    @inlinable
    public mutating func appendNull() {
        values.append(false)
        validity.appendNull()
    }

    /// Finishes the column and resets the builder.
    public mutating func finish() -> BooleanColumn {
        defer { values = Bitmap() }
        return BooleanColumn(values: values, validity: validity.finish())
    }
}
