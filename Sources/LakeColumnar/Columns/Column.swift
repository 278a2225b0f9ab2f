/// One column of a ``RecordBatch``: a storage variant holding typed values and validity.
///
/// The logical type lives in the batch's ``Schema``; the column holds the matching storage
/// (``DataType/storage``). Date and timestamp values are `int32` / `int64` storage, strings
/// `binary` or `dictionary` storage.
public indirect enum Column: Sendable, Hashable {
    case boolean(BooleanColumn)
    case int32(PrimitiveColumn<Int32>)
    case int64(PrimitiveColumn<Int64>)
    case float32(PrimitiveColumn<Float>)
    case float64(PrimitiveColumn<Double>)
    case decimal128(PrimitiveColumn<Int128>)
    case binary(BinaryColumn)
    case fixedSizeBinary(FixedSizeBinaryColumn)
    case dictionary(DictionaryColumn)
    case structure(StructColumn)
    case list(ListColumn)
    case map(MapColumn)

    /// The storage variant.
    public var storage: ColumnStorage {
        switch self {
        case .boolean: return .boolean
        case .int32: return .int32
        case .int64: return .int64
        case .float32: return .float32
        case .float64: return .float64
        case .decimal128: return .decimal128
        case .binary: return .binary
        case .fixedSizeBinary: return .fixedSizeBinary
        case .dictionary: return .dictionary
        case .structure: return .structure
        case .list: return .list
        case .map: return .map
        }
    }

    /// The number of rows.
    public var count: Int {
        switch self {
        case let .boolean(c): return c.count
        case let .int32(c): return c.count
        case let .int64(c): return c.count
        case let .float32(c): return c.count
        case let .float64(c): return c.count
        case let .decimal128(c): return c.count
        case let .binary(c): return c.count
        case let .fixedSizeBinary(c): return c.count
        case let .dictionary(c): return c.count
        case let .structure(c): return c.count
        case let .list(c): return c.count
        case let .map(c): return c.count
        }
    }

    /// The validity bitmap, `nil` when no row is null.
    public var validity: Bitmap? {
        switch self {
        case let .boolean(c): return c.validity
        case let .int32(c): return c.validity
        case let .int64(c): return c.validity
        case let .float32(c): return c.validity
        case let .float64(c): return c.validity
        case let .decimal128(c): return c.validity
        case let .binary(c): return c.validity
        case let .fixedSizeBinary(c): return c.validity
        case let .dictionary(c): return c.validity
        case let .structure(c): return c.validity
        case let .list(c): return c.validity
        case let .map(c): return c.validity
        }
    }

    /// The number of nulls.
    public var nullCount: Int { validity?.unsetCount ?? 0 }

    /// Whether row `index` is present.
    @inlinable
    public func isValid(_ index: Int) -> Bool { validity?[index] ?? true }

    /// The rows in `range`, sharing storage.
    public func slice(_ range: Range<Int>) -> Column {
        switch self {
        case let .boolean(c): return .boolean(c.slice(range))
        case let .int32(c): return .int32(c.slice(range))
        case let .int64(c): return .int64(c.slice(range))
        case let .float32(c): return .float32(c.slice(range))
        case let .float64(c): return .float64(c.slice(range))
        case let .decimal128(c): return .decimal128(c.slice(range))
        case let .binary(c): return .binary(c.slice(range))
        case let .fixedSizeBinary(c): return .fixedSizeBinary(c.slice(range))
        case let .dictionary(c): return .dictionary(c.slice(range))
        case let .structure(c): return .structure(c.slice(range))
        case let .list(c): return .list(c.slice(range))
        case let .map(c): return .map(c.slice(range))
        }
    }

    /// The value at `index` as a storage-level ``Scalar`` (`nil` when null).
    ///
    /// Convenient for tests, printing and row-at-a-time consumers; hot paths should switch on
    /// the column and read the typed storage instead.
    public func scalar(at index: Int) -> Scalar? {
        guard isValid(index) else { return nil }
        switch self {
        case let .boolean(c): return .boolean(c.values[index])
        case let .int32(c): return .int32(c.value(at: index))
        case let .int64(c): return .int64(c.value(at: index))
        case let .float32(c): return .float32(c.value(at: index))
        case let .float64(c): return .float64(c.value(at: index))
        case let .decimal128(c): return .decimal128(c.value(at: index))
        case let .binary(c): return .binary(c.bytes(at: index) ?? [])
        case let .fixedSizeBinary(c): return .binary(c.bytes(at: index) ?? [])
        case let .dictionary(c): return .binary(c.bytes(at: index) ?? [])
        case let .structure(c): return .structure(c.children.map { $0.scalar(at: index) })
        case let .list(c): return .list(c.valueRange(at: index).map { c.values.scalar(at: $0) })
        case let .map(c):
            let keys = c.keys, values = c.values
            return .map(c.entries.valueRange(at: index).map { MapEntry(key: keys.scalar(at: $0), value: values.scalar(at: $0)) })
        }
    }
}

/// One value read from a ``Column``, at storage level (dates are `int32`, strings `binary`).
public indirect enum Scalar: Sendable, Hashable {
    case boolean(Bool)
    case int32(Int32)
    case int64(Int64)
    case float32(Float)
    case float64(Double)
    case decimal128(Int128)
    case binary([UInt8])
    case structure([Scalar?])
    case list([Scalar?])
    case map([MapEntry])
}

/// One key/value pair of a map ``Scalar``.
public struct MapEntry: Sendable, Hashable {
    public var key: Scalar?
    public var value: Scalar?
    public init(key: Scalar?, value: Scalar?) {
        self.key = key
        self.value = value
    }
}
