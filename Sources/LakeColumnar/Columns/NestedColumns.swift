/// A column of records: one child column per struct field, all of the same length.
public struct StructColumn: Sendable, Hashable {
    /// The child columns, in field order.
    public let children: [Column]
    /// The number of rows.
    public let count: Int
    /// Validity of the struct itself (1 = present); `nil` when no row is null.
    public let validity: Bitmap?

    /// Creates a struct column; every child must have `count` rows.
    public init(children: [Column], count: Int, validity: Bitmap? = nil) throws(ColumnarError) {
        for (i, child) in children.enumerated() where child.count != count {
            throw ColumnarError(.lengthMismatch(expected: count, actual: child.count), field: "#\(i)")
        }
        if let validity, validity.count != count {
            throw ColumnarError(.lengthMismatch(expected: count, actual: validity.count))
        }
        self.children = children
        self.count = count
        self.validity = validity
    }

    /// The number of nulls.
    public var nullCount: Int { validity?.unsetCount ?? 0 }

    /// Whether the row at `index` is present.
    @inlinable
    public func isValid(_ index: Int) -> Bool { validity?[index] ?? true }

    /// The rows in `range`, sharing storage.
    public func slice(_ range: Range<Int>) -> StructColumn {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "slice out of range")
        // Children already validated; slicing keeps lengths equal.
        return try! StructColumn(children: children.map { $0.slice(range) }, count: range.count,
                                 validity: validity?.slice(range))
    }
}

/// A column of variable-length lists: per-row offsets into one child column.
public struct ListColumn: Sendable, Hashable {
    @usableFromInline var offsets: [Int]
    @usableFromInline var start: Int
    /// The number of rows.
    public let count: Int
    /// The concatenated elements of all lists.
    public let values: Column
    /// Validity (1 = present); `nil` when no row is null.
    public let validity: Bitmap?

    /// Creates a list column from `count + 1` non-decreasing offsets into `values`.
    public init(offsets: [Int], values: Column, validity: Bitmap? = nil) throws(ColumnarError) {
        try Self.checkOffsets(offsets, childCount: values.count)
        if let validity, validity.count != offsets.count - 1 {
            throw ColumnarError(.lengthMismatch(expected: offsets.count - 1, actual: validity.count))
        }
        self.offsets = offsets
        self.start = 0
        self.count = offsets.count - 1
        self.values = values
        self.validity = validity
    }

    /// Checks that `offsets` is non-empty, starts at ≥ 0, never decreases and stays ≤ `childCount`.
    static func checkOffsets(_ offsets: [Int], childCount: Int) throws(ColumnarError) {
        guard let first = offsets.first, first >= 0 else { throw ColumnarError(.invalidOffsets(index: 0)) }
        var previous = first
        for (i, o) in offsets.enumerated() {
            guard o >= previous, o <= childCount else { throw ColumnarError(.invalidOffsets(index: i)) }
            previous = o
        }
    }

    init(unchecked offsets: [Int], start: Int, count: Int, values: Column, validity: Bitmap?) {
        self.offsets = offsets
        self.start = start
        self.count = count
        self.values = values
        self.validity = validity
    }

    /// The number of nulls.
    public var nullCount: Int { validity?.unsetCount ?? 0 }

    /// Whether the row at `index` is present.
    @inlinable
    public func isValid(_ index: Int) -> Bool { validity?[index] ?? true }

    /// The range of ``values`` that holds the list at `index`.
    @inlinable
    public func valueRange(at index: Int) -> Range<Int> {
        precondition(index >= 0 && index < count, "index out of range")
        return offsets[start &+ index]..<offsets[start &+ index &+ 1]
    }

    /// The rows in `range`, sharing storage.
    public func slice(_ range: Range<Int>) -> ListColumn {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "slice out of range")
        return ListColumn(unchecked: offsets, start: start + range.lowerBound, count: range.count, values: values,
                          validity: validity?.slice(range))
    }

    public static func == (lhs: ListColumn, rhs: ListColumn) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for i in 0..<lhs.count {
            guard lhs.isValid(i) == rhs.isValid(i) else { return false }
            guard lhs.isValid(i) else { continue }
            let a = lhs.valueRange(at: i), b = rhs.valueRange(at: i)
            guard a.count == b.count else { return false }
            for (x, y) in zip(a, b) where lhs.values.scalar(at: x) != rhs.values.scalar(at: y) { return false }
        }
        return true
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(count) }
}

/// A column of maps: per-row offsets into parallel key and value columns.
public struct MapColumn: Sendable, Hashable {
    /// The entries as a list of two-field structs (`key`, `value`), like Arrow and Parquet lay maps out.
    public let entries: ListColumn

    /// Creates a map column from `count + 1` offsets into equally long `keys` and `values`.
    public init(offsets: [Int], keys: Column, values: Column, validity: Bitmap? = nil) throws(ColumnarError) {
        guard keys.count == values.count else {
            throw ColumnarError(.lengthMismatch(expected: keys.count, actual: values.count), field: "value")
        }
        guard keys.nullCount == 0 else { throw ColumnarError(.unexpectedNulls(count: keys.nullCount), field: "key") }
        let pairs = try StructColumn(children: [keys, values], count: keys.count)
        entries = try ListColumn(offsets: offsets, values: .structure(pairs), validity: validity)
    }

    init(entries: ListColumn) { self.entries = entries }

    /// The number of rows.
    public var count: Int { entries.count }
    /// The number of nulls.
    public var nullCount: Int { entries.nullCount }
    /// Validity (1 = present); `nil` when no row is null.
    public var validity: Bitmap? { entries.validity }
    /// The key column (all entries).
    public var keys: Column {
        guard case let .structure(s) = entries.values else { preconditionFailure("map entries are a struct") }
        return s.children[0]
    }
    /// The value column (all entries).
    public var values: Column {
        guard case let .structure(s) = entries.values else { preconditionFailure("map entries are a struct") }
        return s.children[1]
    }

    /// The rows in `range`, sharing storage.
    public func slice(_ range: Range<Int>) -> MapColumn { MapColumn(entries: entries.slice(range)) }
}
