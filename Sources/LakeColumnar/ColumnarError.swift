/// An error raised when columnar data does not fit its schema or its own invariants.
///
/// Errors name the offending field (or column index) so that a caller assembling a batch from
/// many sources can tell which input was wrong.
public struct ColumnarError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Sendable, Hashable {
        /// A column's length differs from the batch's row count.
        case lengthMismatch(expected: Int, actual: Int)
        /// A column's storage cannot represent the field's declared type.
        case typeMismatch(expected: DataType, actual: String)
        /// The number of columns differs from the number of schema fields.
        case columnCountMismatch(expected: Int, actual: Int)
        /// A non-nullable field holds nulls.
        case unexpectedNulls(count: Int)
        /// Offsets of a variable-length column are not monotonically non-decreasing or exceed the data.
        case invalidOffsets(index: Int)
        /// A dictionary index points outside the dictionary.
        case dictionaryIndexOutOfRange(index: Int, value: Int32, dictionarySize: Int)
        /// Field ids must be unique within a schema.
        case duplicateFieldID(Int32)
        /// A fixed-size binary value has the wrong width.
        case invalidByteWidth(expected: Int, actual: Int)
        /// A requested field name or id is not in the schema.
        case unknownField(String)
    }

    /// What went wrong.
    public var kind: Kind
    /// The field path (dotted) or column position the error concerns, if known.
    public var field: String?

    public init(_ kind: Kind, field: String? = nil) {
        self.kind = kind
        self.field = field
    }

    public var description: String {
        let location = field.map { " in field '\($0)'" } ?? ""
        switch kind {
        case let .lengthMismatch(expected, actual):
            return "column length \(actual) differs from row count \(expected)\(location)"
        case let .typeMismatch(expected, actual):
            return "column storage \(actual) cannot hold type \(expected)\(location)"
        case let .columnCountMismatch(expected, actual):
            return "batch has \(actual) columns but schema has \(expected) fields"
        case let .unexpectedNulls(count):
            return "\(count) null value(s) in non-nullable column\(location)"
        case let .invalidOffsets(index):
            return "invalid offsets at position \(index)\(location)"
        case let .dictionaryIndexOutOfRange(index, value, size):
            return "dictionary index \(value) at row \(index) outside dictionary of \(size) entries\(location)"
        case let .duplicateFieldID(id):
            return "duplicate field id \(id)"
        case let .invalidByteWidth(expected, actual):
            return "fixed-size value of \(actual) bytes where \(expected) expected\(location)"
        case let .unknownField(name):
            return "no field '\(name)' in schema"
        }
    }
}
