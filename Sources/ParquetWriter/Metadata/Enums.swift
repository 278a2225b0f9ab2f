/// Parquet physical types.
public enum PhysicalType: Int32, Sendable, Hashable {
    case boolean = 0, int32 = 1, int64 = 2, int96 = 3, float = 4, double = 5, byteArray = 6, fixedLenByteArray = 7
}

/// Field repetition.
public enum Repetition: Int32, Sendable, Hashable {
    case required = 0, optional = 1, repeated = 2
}

/// Value and level encodings.
public enum Encoding: Int32, Sendable, Hashable, CaseIterable {
    case plain = 0, plainDictionary = 2, rle = 3, bitPacked = 4, deltaBinaryPacked = 5, deltaLengthByteArray = 6
    case deltaByteArray = 7, rleDictionary = 8, byteStreamSplit = 9
}

/// Page compression codecs.
public enum ParquetCodec: Int32, Sendable, Hashable, CaseIterable {
    case uncompressed = 0, snappy = 1, gzip = 2, zstd = 6
}

/// Page kinds.
public enum PageType: Int32, Sendable, Hashable {
    case dataPage = 0, indexPage = 1, dictionaryPage = 2, dataPageV2 = 3
}

/// Legacy converted types (written beside logical types for older readers).
public enum ConvertedType: Int32, Sendable, Hashable {
    case utf8 = 0, map = 1, mapKeyValue = 2, list = 3, enumeration = 4, decimal = 5, date = 6
    case timeMillis = 7, timeMicros = 8, timestampMillis = 9, timestampMicros = 10
    case uint8 = 11, uint16 = 12, uint32 = 13, uint64 = 14, int8 = 15, int16 = 16, int32 = 17, int64 = 18
    case json = 19, bson = 20, interval = 21
}

/// Time units of TIME and TIMESTAMP.
public enum TimeUnit: Sendable, Hashable {
    case millis, micros, nanos

    var unionID: Int16 {
        switch self {
        case .millis: return 1
        case .micros: return 2
        case .nanos: return 3
        }
    }
}

/// Parquet logical types (the `LogicalType` union; ids as in parquet.thrift).
public enum LogicalType: Sendable, Hashable {
    case string, map, list, enumeration
    case decimal(scale: Int32, precision: Int32)
    case date
    case time(isAdjustedToUTC: Bool, unit: TimeUnit)
    case timestamp(isAdjustedToUTC: Bool, unit: TimeUnit)
    case integer(bitWidth: Int8, isSigned: Bool)
    case unknown, json, bson, uuid, float16
    /// A logical type this version does not know (read from a newer writer); never written.
    case unrecognized(id: Int16)

    func write(to w: inout CompactWriter) {
        switch self {
        case .string: w.structField(1) { _ in }
        case .map: w.structField(2) { _ in }
        case .list: w.structField(3) { _ in }
        case .enumeration: w.structField(4) { _ in }
        case let .decimal(scale, precision):
            w.structField(5) { w in
                w.field(1, i32: scale)
                w.field(2, i32: precision)
            }
        case .date: w.structField(6) { _ in }
        case let .time(utc, unit):
            w.structField(7) { w in
                w.field(1, utc)
                w.structField(2) { w in w.structField(unit.unionID) { _ in } }
            }
        case let .timestamp(utc, unit):
            w.structField(8) { w in
                w.field(1, utc)
                w.structField(2) { w in w.structField(unit.unionID) { _ in } }
            }
        case let .integer(width, signed):
            w.structField(10) { w in
                w.field(1, i8: width)
                w.field(2, signed)
            }
        case .unknown: w.structField(11) { _ in }
        case .json: w.structField(12) { _ in }
        case .bson: w.structField(13) { _ in }
        case .uuid: w.structField(14) { _ in }
        case .float16: w.structField(15) { _ in }
        case .unrecognized: break
        }
    }
}

/// Ordering of the column index entries.
public enum BoundaryOrder: Int32, Sendable, Hashable {
    case unordered = 0, ascending = 1, descending = 2
}

extension TimeUnit: CustomStringConvertible {
    public var description: String {
        switch self {
        case .millis: return "MILLIS"
        case .micros: return "MICROS"
        case .nanos: return "NANOS"
        }
    }
}

extension LogicalType: CustomStringConvertible {
    public var description: String {
        switch self {
        case .string: return "STRING"
        case .map: return "MAP"
        case .list: return "LIST"
        case .enumeration: return "ENUM"
        case let .decimal(scale, precision): return "DECIMAL(\(precision),\(scale))"
        case .date: return "DATE"
        case let .time(utc, unit): return "TIME(\(unit),\(utc ? "UTC" : "local"))"
        case let .timestamp(utc, unit): return "TIMESTAMP(\(unit),\(utc ? "UTC" : "local"))"
        case let .integer(width, signed): return "\(signed ? "INT" : "UINT")(\(width))"
        case .unknown: return "UNKNOWN"
        case .json: return "JSON"
        case .bson: return "BSON"
        case .uuid: return "UUID"
        case .float16: return "FLOAT16"
        case let .unrecognized(id): return "UNRECOGNIZED(\(id))"
        }
    }
}
