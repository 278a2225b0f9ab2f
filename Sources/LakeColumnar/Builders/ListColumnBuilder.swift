/// Builds a ``ListColumn`` whose elements are appended to a typed child builder.
///
/// ```swift
/// var tags = ListColumnBuilder(child: BinaryColumnBuilder()) { $0.finish() }
/// tags.appendList { $0.append("a"); $0.append("b") }
/// tags.appendNull()
/// let column = try tags.finish()
/// ```
public struct ListColumnBuilder<Child: Sendable>: Sendable {
    /// The builder of the concatenated elements.
    public var child: Child
    @usableFromInline var offsets: [Int] = [0]
    @usableFromInline var validity = ValidityBuilder()
    @usableFromInline let childCount: @Sendable (Child) -> Int
    @usableFromInline let finishChild: @Sendable (inout Child) -> Column

    /// Creates a builder around `child`; `count` reports how many elements it holds and
    /// `finish` turns it into a column.
    public init(child: Child, count: @escaping @Sendable (Child) -> Int,
                finish: @escaping @Sendable (inout Child) -> Column) {
        self.child = child
        self.childCount = count
        self.finishChild = finish
    }

    /// The number of lists appended so far.
    public var count: Int { offsets.count - 1 }

    /// Appends one list whose elements `body` appends to the child builder.
    public mutating func appendList(_ body: (inout Child) throws -> Void) rethrows {
        try body(&child)
        offsets.append(childCount(child))
        validity.appendValid()
    }

    /// Appends a null list.
    public mutating func appendNull() {
        offsets.append(offsets[offsets.count - 1])
        validity.appendNull()
    }

    /// Finishes the column and resets the offsets.
    public mutating func finish() throws(ColumnarError) -> ListColumn {
        let values = finishChild(&child)
        defer { offsets = [0] }
        return try ListColumn(offsets: offsets, values: values, validity: validity.finish())
    }
}

/// Factories for columns of a given type.
public enum ColumnBuilders {
    /// An empty column with the storage of `type`.
    public static func empty(for type: DataType) -> Column {
        switch type.storage {
        case .boolean: return .boolean(BooleanColumn([]))
        case .int32: return .int32(PrimitiveColumn<Int32>(values: []))
        case .int64: return .int64(PrimitiveColumn<Int64>(values: []))
        case .float32: return .float32(PrimitiveColumn<Float>(values: []))
        case .float64: return .float64(PrimitiveColumn<Double>(values: []))
        case .decimal128: return .decimal128(PrimitiveColumn<Int128>(values: []))
        case .binary: return .binary(BinaryColumn([String?]()))
        case .fixedSizeBinary:
            guard case let .fixedSizeBinary(width) = type else { preconditionFailure("storage/type mismatch") }
            var b = FixedSizeBinaryColumnBuilder(byteWidth: max(width, 1))
            return .fixedSizeBinary(b.finish())
        case .dictionary:
            var b = DictionaryColumnBuilder()
            return .dictionary(b.finish())
        case .structure:
            guard case let .structure(fields) = type else { preconditionFailure("storage/type mismatch") }
            return .structure(try! StructColumn(children: fields.map { empty(for: $0.type) }, count: 0))
        case .list:
            guard case let .list(element) = type else { preconditionFailure("storage/type mismatch") }
            return .list(try! ListColumn(offsets: [0], values: empty(for: element.type)))
        case .map:
            guard case let .map(key, value) = type else { preconditionFailure("storage/type mismatch") }
            return .map(try! MapColumn(offsets: [0], keys: empty(for: key.type), values: empty(for: value.type)))
        }
    }
}
