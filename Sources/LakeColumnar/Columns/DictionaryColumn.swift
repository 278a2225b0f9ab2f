/// A column of strings stored as `Int32` indices into a dictionary of distinct values.
///
/// Low-cardinality text (edge locations, methods, result types) costs four bytes a row, and
/// Parquet can write the dictionary page directly.
public struct DictionaryColumn: Sendable, Hashable {
    /// Per-row indices into ``dictionary``; nulls are marked in the indices' validity.
    public let indices: PrimitiveColumn<Int32>
    /// The distinct values (never null).
    public let dictionary: BinaryColumn

    /// Creates a column, checking that every non-null index is inside the dictionary.
    public init(indices: PrimitiveColumn<Int32>, dictionary: BinaryColumn) throws(ColumnarError) {
        let size = dictionary.count
        for i in 0..<indices.count where indices.isValid(i) {
            let v = indices.value(at: i)
            guard v >= 0, Int(v) < size else {
                throw ColumnarError(.dictionaryIndexOutOfRange(index: i, value: v, dictionarySize: size))
            }
        }
        self.indices = indices
        self.dictionary = dictionary
    }

    /// Creates a column whose producer guarantees every non-null index is inside `dictionary`
    /// (checked only in debug builds): for builders that assign the indices themselves.
    public init(trustedIndices indices: PrimitiveColumn<Int32>, dictionary: BinaryColumn) {
        assert((0..<indices.count).allSatisfy { !indices.isValid($0) || (0..<Int32(dictionary.count)).contains(indices.value(at: $0)) },
               "dictionary index out of range")
        self.init(unchecked: indices, dictionary: dictionary)
    }

    @usableFromInline
    init(unchecked indices: PrimitiveColumn<Int32>, dictionary: BinaryColumn) {
        self.indices = indices
        self.dictionary = dictionary
    }

    /// The number of rows.
    public var count: Int { indices.count }
    /// The number of nulls.
    public var nullCount: Int { indices.nullCount }
    /// Validity (1 = present); `nil` when no value is null.
    public var validity: Bitmap? { indices.validity }

    /// Whether the value at `index` is present.
    @inlinable
    public func isValid(_ index: Int) -> Bool { indices.isValid(index) }

    /// The string at `index`, or `nil` when null.
    public func string(at index: Int) -> String? {
        guard let i = indices[index] else { return nil }
        return dictionary.string(at: Int(i))
    }

    /// The bytes at `index`, or `nil` when null.
    public func bytes(at index: Int) -> [UInt8]? {
        guard let i = indices[index] else { return nil }
        return dictionary.bytes(at: Int(i))
    }

    /// The rows in `range`, sharing storage (the dictionary is kept whole).
    public func slice(_ range: Range<Int>) -> DictionaryColumn {
        DictionaryColumn(unchecked: indices.slice(range), dictionary: dictionary)
    }

    /// A plain ``BinaryColumn`` with the same values.
    public func decoded() -> BinaryColumn {
        var builder = BinaryColumnBuilder()
        builder.reserveCapacity(rows: count, bytes: count * 8)
        for i in 0..<count {
            if let d = indices[i] {
                dictionary.withValueBytes(at: Int(d)) { builder.append(bytes: $0) }
            } else {
                builder.appendNull()
            }
        }
        return builder.finish()
    }

    /// Values compare, not encodings: two columns with different dictionaries can be equal.
    public static func == (lhs: DictionaryColumn, rhs: DictionaryColumn) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for i in 0..<lhs.count where lhs.bytes(at: i) != rhs.bytes(at: i) { return false }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        for i in 0..<count { hasher.combine(bytes(at: i)) }
    }
}
