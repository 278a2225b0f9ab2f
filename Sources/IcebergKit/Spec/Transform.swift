public import LakeColumnar

/// An Iceberg partition transform.
public enum Transform: Sendable, Hashable, CustomStringConvertible {
    case identity
    case bucket(Int)
    case truncate(Int)
    case year, month, day, hour
    case void

    /// Parses `identity`, `bucket[16]`, `truncate[10]`, `year`, `month`, `day`, `hour`, `void`.
    public init(parsing text: String) throws(IcebergError) {
        func argument(_ prefix: String) -> Int? {
            guard text.hasPrefix(prefix + "["), text.hasSuffix("]") else { return nil }
            return Int(text.dropFirst(prefix.count + 1).dropLast())
        }
        switch text {
        case "identity": self = .identity
        case "year": self = .year
        case "month": self = .month
        case "day": self = .day
        case "hour": self = .hour
        case "void": self = .void
        default:
            if let n = argument("bucket"), n > 0 { self = .bucket(n) }
            else if let w = argument("truncate"), w > 0 { self = .truncate(w) }
            else { throw IcebergError(.invalidMetadata("unknown transform '\(text)'")) }
        }
    }

    public var description: String {
        switch self {
        case .identity: return "identity"
        case let .bucket(n): return "bucket[\(n)]"
        case let .truncate(w): return "truncate[\(w)]"
        case .year: return "year"
        case .month: return "month"
        case .day: return "day"
        case .hour: return "hour"
        case .void: return "void"
        }
    }

    /// The type of the partition value for a source of `type`.
    public func resultType(_ type: DataType) -> DataType {
        switch self {
        case .identity, .truncate: return type == .dictionaryString ? .string : type
        case .bucket, .year, .month, .hour: return .int32
        case .day: return .date32
        case .void: return type
        }
    }

    /// Applies the transform to a storage-level value of a source column of `type`; nil stays nil.
    ///
    /// Dates are days (`.int32`), timestamps microseconds (`.int64`), strings UTF-8 `.binary`,
    /// decimals unscaled `.decimal128`.
    public func apply(_ value: Scalar?, type: DataType) throws(IcebergError) -> Scalar? {
        guard let value else { return nil }
        switch self {
        case .identity: return value
        case .void: return nil
        case let .bucket(n):
            let hash = Murmur3.hash32(try Self.bucketBytes(value, type: type))
            return .int32(Int32((Int(hash) & Int(Int32.max)) % n))
        case let .truncate(w):
            switch value {
            case let .int32(v): return .int32(v &- ((v % Int32(w)) &+ Int32(w)) % Int32(w))
            case let .int64(v): return .int64(v &- ((v % Int64(w)) &+ Int64(w)) % Int64(w))
            case let .decimal128(v): return .decimal128(v - ((v % Int128(w)) + Int128(w)) % Int128(w))
            case let .binary(b):
                if type.isString {
                    // First W code points.
                    let scalars = String(decoding: b, as: UTF8.self).unicodeScalars
                    return .binary(Array(String(String.UnicodeScalarView(scalars.prefix(w))).utf8))
                }
                return .binary(Array(b.prefix(w)))
            default: throw IcebergError(.unsupported("truncate of \(type)"))
            }
        case .year, .month, .day, .hour:
            let micros: Int64
            switch (type, value) {
            case let (.date32, .int32(days)): micros = Int64(days) * 86_400_000_000
            case let (.timestampMicroseconds, .int64(v)): micros = v
            default: throw IcebergError(.unsupported("\(self) of \(type)"))
            }
            if case .hour = self {
                guard case .timestampMicroseconds = type else { throw IcebergError(.unsupported("hour of \(type)")) }
                return .int32(Int32(truncatingIfNeeded: Self.floorDiv(micros, 3_600_000_000)))
            }
            let days = Self.floorDiv(micros, 86_400_000_000)
            if case .day = self { return .int32(Int32(truncatingIfNeeded: days)) }
            let (y, m, _) = CivilCalendar.date(fromDays: Int(days))
            if case .year = self { return .int32(Int32(y - 1970)) }
            return .int32(Int32((y - 1970) * 12 + (m - 1)))
        }
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }

    /// The bytes `bucket` hashes: numbers as 8-byte little-endian longs, strings UTF-8, decimals
    /// as the minimal big-endian two's complement of the unscaled value, others raw.
    static func bucketBytes(_ value: Scalar, type: DataType) throws(IcebergError) -> [UInt8] {
        switch value {
        case let .int32(v): return withUnsafeBytes(of: Int64(v).littleEndian) { Array($0) }
        case let .int64(v): return withUnsafeBytes(of: v.littleEndian) { Array($0) }
        case let .binary(b): return b
        case let .decimal128(v): return minimalBigEndian(v)
        default: throw IcebergError(.unsupported("bucket of \(type)"))
        }
    }

    /// The shortest big-endian two's complement encoding of `v` (Java's BigInteger.toByteArray).
    public static func minimalBigEndian(_ v: Int128) -> [UInt8] {
        var bytes: [UInt8] = (0..<16).map { UInt8(truncatingIfNeeded: v >> (8 * (15 - $0))) }
        while bytes.count > 1 {
            let first = bytes[0], second = bytes[1]
            if (first == 0 && second & 0x80 == 0) || (first == 0xFF && second & 0x80 != 0) { bytes.removeFirst() } else { break }
        }
        return bytes
    }
}
