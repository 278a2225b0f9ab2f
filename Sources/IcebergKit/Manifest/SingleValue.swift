public import LakeColumnar
import ParquetWriter

/// Iceberg's single-value binary serialisation (bounds, partition summaries).
public enum SingleValue {
    /// Serialises a storage scalar of an Iceberg type.
    public static func serialize(_ value: Scalar, type: IcebergType) -> [UInt8]? {
        switch (type, value) {
        case let (.boolean, .boolean(b)): return [b ? 1 : 0]
        case let (.int, .int32(v)), let (.date, .int32(v)): return withUnsafeBytes(of: v.littleEndian) { Array($0) }
        case let (.long, .int64(v)), let (.time, .int64(v)), let (.timestamp, .int64(v)), let (.timestamptz, .int64(v)),
             let (.timestampNs, .int64(v)), let (.timestamptzNs, .int64(v)):
            return withUnsafeBytes(of: v.littleEndian) { Array($0) }
        case let (.float, .float32(v)): return withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) }
        case let (.double, .float64(v)): return withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) }
        case let (.string, .binary(b)), let (.binary, .binary(b)), let (.fixed, .binary(b)), let (.uuid, .binary(b)): return b
        case let (.decimal, .decimal128(v)): return Transform.minimalBigEndian(v)
        default: return nil
        }
    }

    /// Converts a Parquet PLAIN-encoded bound of a leaf to Iceberg's form; strings and binary
    /// are truncated to `truncate` characters/bytes (upper bounds incremented so they stay ≥).
    static func fromParquet(_ plain: [UInt8], type: IcebergType, physical: PhysicalType, isUpper: Bool, truncate: Int) -> [UInt8]? {
        switch type {
        case .decimal:
            var v: Int128
            switch physical {
            case .int32:
                guard plain.count == 4 else { return nil }
                v = Int128(plain.withUnsafeBytes { Int32(littleEndian: $0.loadUnaligned(as: Int32.self)) })
            case .int64:
                guard plain.count == 8 else { return nil }
                v = Int128(plain.withUnsafeBytes { Int64(littleEndian: $0.loadUnaligned(as: Int64.self)) })
            default:
                guard plain.count <= 16 else { return nil }
                v = (plain.first ?? 0) & 0x80 != 0 ? -1 : 0
                for byte in plain { v = v << 8 | Int128(byte) }
            }
            return Transform.minimalBigEndian(v)
        case .string:
            let scalars = Array(String(decoding: plain, as: UTF8.self).unicodeScalars)
            guard scalars.count > truncate else { return plain }
            if !isUpper { return Array(String(String.UnicodeScalarView(scalars.prefix(truncate))).utf8) }
            var prefix = Array(scalars.prefix(truncate))
            while let last = prefix.popLast() {
                var next = last.value + 1
                if next >= 0xD800 && next < 0xE000 { next = 0xE000 }
                if let s = Unicode.Scalar(next) {
                    prefix.append(s)
                    return Array(String(String.UnicodeScalarView(prefix)).utf8)
                }
            }
            return nil
        case .binary, .fixed:
            guard plain.count > truncate else { return plain }
            if !isUpper { return Array(plain.prefix(truncate)) }
            var prefix = Array(plain.prefix(truncate))
            while let last = prefix.popLast() {
                if last < 0xFF { return prefix + [last + 1] }
            }
            return nil
        default:
            return plain
        }
    }
}

extension SingleValue {
    /// Reads a single-value serialised bound of an Iceberg type into a storage scalar.
    public static func deserialize(_ bytes: [UInt8], type: IcebergType) -> Scalar? {
        func le<T: FixedWidthInteger>(_: T.Type) -> T? {
            guard bytes.count == MemoryLayout<T>.size else { return nil }
            return bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(as: T.self)) }
        }
        switch type {
        case .boolean: return bytes.first.map { .boolean($0 != 0) }
        case .int, .date: return le(Int32.self).map { .int32($0) }
        // A column promoted from int (or float) keeps the 4-byte bounds its older files were written with.
        case .long: return le(Int64.self).map { .int64($0) } ?? le(Int32.self).map { .int64(Int64($0)) }
        case .time, .timestamp, .timestamptz, .timestampNs, .timestamptzNs: return le(Int64.self).map { .int64($0) }
        case .float: return le(UInt32.self).map { .float32(Float(bitPattern: $0)) }
        case .double: return le(UInt64.self).map { .float64(Double(bitPattern: $0)) } ?? le(UInt32.self).map { .float64(Double(Float(bitPattern: $0))) }
        case .string, .binary, .fixed, .uuid: return .binary(bytes)
        case .decimal:
            guard !bytes.isEmpty, bytes.count <= 16 else { return nil }
            var v: Int128 = bytes[0] & 0x80 != 0 ? -1 : 0
            for b in bytes { v = v << 8 | Int128(b) }
            return .decimal128(v)
        default: return nil
        }
    }
}
