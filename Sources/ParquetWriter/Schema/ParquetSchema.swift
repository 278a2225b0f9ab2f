public import LakeColumnar

/// A leaf (primitive) column of the Parquet schema with its levels and types.
public struct LeafDescriptor: Sendable, Hashable {
    /// Names from the root's child down to the leaf.
    public var path: [String]
    /// The field id of the leaf node (for Iceberg metrics), if any.
    public var fieldID: Int32?
    public var physicalType: PhysicalType
    /// FLBA width.
    public var typeLength: Int?
    public var logicalType: LogicalType?
    public var maxDefinitionLevel: Int16
    public var maxRepetitionLevel: Int16
    /// The columnar type of the leaf values.
    public var dataType: DataType
    /// Column key-value metadata written into the chunk metadata (the field's metadata, without
    /// the `parquet.logical` refinement key).
    public var keyValueMetadata: [String: String] = [:]

    /// Byte-array statistics compare unsigned; decimals stored in FLBA compare as signed big-endian.
    var isSignedFixed: Bool {
        if case .decimal = logicalType { return physicalType == .fixedLenByteArray }
        return false
    }

    /// Unsigned integer logical types order their INT32/INT64 values unsigned.
    var isUnsignedInteger: Bool {
        if case let .integer(_, signed) = logicalType { return !signed }
        return false
    }
}

/// Errors raised while writing Parquet.
public struct ParquetError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// The schema cannot be written (unsupported type, bad decimal precision, …).
        case unsupportedSchema(String)
        /// A batch does not match the writer's schema.
        case schemaMismatch(String)
        /// A STRING column holds bytes that are not UTF-8.
        case invalidUTF8(column: String, row: Int)
        /// The output could not be written.
        case io(String)
        /// The writer was used after `close()` or after a failed write.
        case closed
        /// Compression failed.
        case codec(String)
    }

    public var kind: Kind
    /// The file the error concerns.
    public var path: String?

    public init(_ kind: Kind, path: String? = nil) {
        self.kind = kind
        self.path = path
    }

    public var description: String {
        let file = path.map { "\($0): " } ?? ""
        switch kind {
        case let .unsupportedSchema(why): return "\(file)unsupported schema: \(why)"
        case let .schemaMismatch(why): return "\(file)batch does not match the writer's schema: \(why)"
        case let .invalidUTF8(column, row): return "\(file)column '\(column)' row \(row) is not valid UTF-8"
        case let .io(why): return "\(file)I/O error: \(why)"
        case .closed: return "\(file)writer is closed"
        case let .codec(why): return "\(file)compression failed: \(why)"
        }
    }
}

/// The Parquet schema of a columnar ``Schema``: flattened elements and leaf descriptors.
///
/// Lists are three-level (`group (LIST) { repeated group list { element } }`) and maps
/// `group (MAP) { repeated group key_value { required key; value } }`; field ids go on every
/// node that is a columnar field, as Iceberg requires.
///
/// Field metadata key `parquet.logical` refines a type: `json`, `enum`, `bson` (binary/string),
/// `uuid` (fixed 16), `int8`/`int16`/`uint8`/`uint16`/`uint32` (int32), `uint64` (int64),
/// `timestamp-millis`, `timestamp-nanos` (add `-local` for not UTC-adjusted), `time-micros` (int64
/// holding that unit).
struct ParquetSchema {
    var elements: [SchemaElement] = []
    var leaves: [LeafDescriptor] = []
    /// Per top-level field, the range of its leaves.
    var leafRanges: [Range<Int>] = []

    init(_ schema: Schema) throws(ParquetError) {
        elements.append(SchemaElement(name: "schema", numChildren: Int32(schema.fields.count)))
        for field in schema.fields {
            let first = leaves.count
            try add(field, repetition: field.isNullable ? .optional : .required, path: [], def: 0, rep: 0)
            leafRanges.append(first..<leaves.count)
        }
    }

    private mutating func add(_ field: Field, repetition: Repetition, path: [String], def: Int16, rep: Int16,
                              name: String? = nil) throws(ParquetError) {
        let nodeName = name ?? field.name
        let path = path + [nodeName]
        let def = def + (repetition == .required ? 0 : 1)
        let rep = rep + (repetition == .repeated ? 1 : 0)
        switch field.type {
        case let .structure(children):
            elements.append(SchemaElement(repetition: repetition, name: nodeName, numChildren: Int32(children.count),
                                          fieldID: field.id))
            for child in children {
                try add(child, repetition: child.isNullable ? .optional : .required, path: path, def: def, rep: rep)
            }
        case let .list(element):
            elements.append(SchemaElement(repetition: repetition, name: nodeName, numChildren: 1, convertedType: .list,
                                          fieldID: field.id, logicalType: .list))
            elements.append(SchemaElement(repetition: .repeated, name: "list", numChildren: 1))
            try add(element, repetition: element.isNullable ? .optional : .required, path: path + ["list"],
                    def: def + 1, rep: rep + 1, name: "element")
        case let .map(key, value):
            elements.append(SchemaElement(repetition: repetition, name: nodeName, numChildren: 1, convertedType: .map,
                                          fieldID: field.id, logicalType: .map))
            elements.append(SchemaElement(repetition: .repeated, name: "key_value", numChildren: 2))
            try add(key, repetition: .required, path: path + ["key_value"], def: def + 1, rep: rep + 1, name: "key")
            try add(value, repetition: value.isNullable ? .optional : .required, path: path + ["key_value"],
                    def: def + 1, rep: rep + 1, name: "value")
        default:
            var element = SchemaElement(repetition: repetition, name: nodeName, fieldID: field.id)
            let (physical, length, logical, converted) = try Self.primitive(field)
            element.type = physical
            element.typeLength = length.map(Int32.init)
            element.logicalType = logical
            element.convertedType = converted
            if case let .decimal(scale, precision)? = logical {
                element.scale = scale
                element.precision = precision
            }
            elements.append(element)
            leaves.append(LeafDescriptor(path: path, fieldID: field.id, physicalType: physical, typeLength: length,
                                         logicalType: logical, maxDefinitionLevel: def, maxRepetitionLevel: rep,
                                         dataType: field.type,
                                         keyValueMetadata: field.metadata.filter { $0.key != "parquet.logical" }))
        }
    }

    static func primitive(_ field: Field) throws(ParquetError)
        -> (PhysicalType, Int?, LogicalType?, ConvertedType?) {
        let refinement = field.metadata["parquet.logical"]
        switch field.type {
        case .boolean: return (.boolean, nil, nil, nil)
        case .int32:
            switch refinement {
            case "int8": return (.int32, nil, .integer(bitWidth: 8, isSigned: true), .int8)
            case "int16": return (.int32, nil, .integer(bitWidth: 16, isSigned: true), .int16)
            case "uint8": return (.int32, nil, .integer(bitWidth: 8, isSigned: false), .uint8)
            case "uint16": return (.int32, nil, .integer(bitWidth: 16, isSigned: false), .uint16)
            case "uint32": return (.int32, nil, .integer(bitWidth: 32, isSigned: false), .uint32)
            default: return (.int32, nil, nil, nil)
            }
        case .int64:
            switch refinement {
            case "uint64": return (.int64, nil, .integer(bitWidth: 64, isSigned: false), .uint64)
            case "timestamp-millis": return (.int64, nil, .timestamp(isAdjustedToUTC: true, unit: .millis), .timestampMillis)
            case "timestamp-millis-local": return (.int64, nil, .timestamp(isAdjustedToUTC: false, unit: .millis), .timestampMillis)
            case "timestamp-nanos": return (.int64, nil, .timestamp(isAdjustedToUTC: true, unit: .nanos), nil)
            case "timestamp-nanos-local": return (.int64, nil, .timestamp(isAdjustedToUTC: false, unit: .nanos), nil)
            case "time-micros": return (.int64, nil, .time(isAdjustedToUTC: false, unit: .micros), .timeMicros)
            default: return (.int64, nil, nil, nil)
            }
        case .float32: return (.float, nil, nil, nil)
        case .float64: return (.double, nil, nil, nil)
        case .date32: return (.int32, nil, .date, .date)
        case let .timestampMicroseconds(utc): return (.int64, nil, .timestamp(isAdjustedToUTC: utc, unit: .micros), .timestampMicros)
        case let .decimal(precision, scale):
            guard precision >= 1, precision <= 38, scale >= 0, scale <= precision else {
                throw ParquetError(.unsupportedSchema("decimal(\(precision), \(scale)) in '\(field.name)'"))
            }
            let logical = LogicalType.decimal(scale: Int32(scale), precision: Int32(precision))
            if precision <= 9 { return (.int32, nil, logical, .decimal) }
            if precision <= 18 { return (.int64, nil, logical, .decimal) }
            return (.fixedLenByteArray, decimalByteWidth(precision), logical, .decimal)
        case .string, .dictionaryString:
            switch refinement {
            case "json": return (.byteArray, nil, .json, .json)
            case "enum": return (.byteArray, nil, .enumeration, .enumeration)
            default: return (.byteArray, nil, .string, .utf8)
            }
        case .binary:
            switch refinement {
            case "bson": return (.byteArray, nil, .bson, .bson)
            case "json": return (.byteArray, nil, .json, .json)
            default: return (.byteArray, nil, nil, nil)
            }
        case let .fixedSizeBinary(width):
            if refinement == "uuid" {
                guard width == 16 else { throw ParquetError(.unsupportedSchema("uuid '\(field.name)' must be 16 bytes")) }
                return (.fixedLenByteArray, 16, .uuid, nil)
            }
            return (.fixedLenByteArray, width, nil, nil)
        case .structure, .list, .map:
            throw ParquetError(.unsupportedSchema("nested type where a primitive was expected"))
        }
    }

    /// The smallest n with 2^(8n-1) > 10^precision (precision 38 → 16 bytes).
    static func decimalByteWidth(_ precision: Int) -> Int {
        var n = 1
        while true {
            // log2(10^p) < 8n - 1
            if Double(precision) * 3.321928094887362 < Double(8 * n - 1) { return n }
            n += 1
        }
    }
}
