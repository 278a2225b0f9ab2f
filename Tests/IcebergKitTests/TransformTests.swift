import IcebergKit
import LakeColumnar
import Testing

@Suite("Iceberg partition transforms")
struct TransformTests {
    func hash(_ value: Scalar, _ type: DataType) throws -> Int32 {
        // bucket[Int32.max + 1] would expose the raw hash; recompute through the public helper instead.
        switch value {
        case let .int32(v): return Murmur3.hash32(withUnsafeBytes(of: Int64(v).littleEndian) { Array($0) })
        case let .int64(v): return Murmur3.hash32(withUnsafeBytes(of: v.littleEndian) { Array($0) })
        case let .decimal128(v): return Murmur3.hash32(Transform.minimalBigEndian(v))
        case let .binary(b): return Murmur3.hash32(b)
        default: throw IcebergError(.unsupported("test"))
        }
    }

    @Test("murmur3 matches the spec's hash vectors")
    func specVectors() throws {
        let day = Int32(CivilCalendar.days(year: 2017, month: 11, day: 16))
        let ts = Int64(day) * 86_400_000_000 + Int64(22 * 3600 + 31 * 60 + 8) * 1_000_000
        #expect(try hash(.int32(34), .int32) == 2_017_239_379)
        #expect(try hash(.int64(34), .int64) == 2_017_239_379)
        #expect(try hash(.decimal128(1420), .decimal(precision: 9, scale: 2)) == -500_754_589)
        #expect(try hash(.int32(day), .date32) == -653_330_422)
        #expect(try hash(.int64(Int64(22 * 3600 + 31 * 60 + 8) * 1_000_000), .int64) == -662_762_989, "time 22:31:08")
        #expect(try hash(.int64(ts), .timestampMicroseconds(utc: false)) == -2_047_944_441)
        #expect(try hash(.int64(ts + 1), .timestampMicroseconds(utc: false)) == -1_207_196_810)
        #expect(try hash(.int64(ts), .timestampMicroseconds(utc: true)) == -2_047_944_441, "timestamptz 14:31:08-08:00 is the same instant")
        #expect(try hash(.binary(Array("iceberg".utf8)), .string) == 1_210_000_089)
        let uuid: [UInt8] = [0xF7, 0x9C, 0x3E, 0x09, 0x67, 0x7C, 0x4B, 0xBD, 0xA4, 0x79, 0x3F, 0x34, 0x9C, 0xB7, 0x85, 0xE7]
        #expect(try hash(.binary(uuid), .fixedSizeBinary(byteWidth: 16)) == 1_488_055_340)
        #expect(try hash(.binary([0, 1, 2, 3]), .binary) == -188_683_207)
        #expect(try Transform.bucket(16).apply(.int32(34), type: .int32) == .int32(3))
        #expect(try Transform.bucket(16).apply(.binary(Array("iceberg".utf8)), type: .string) == .int32(9))
        #expect(try Transform.bucket(16).apply(nil, type: .int32) == nil)
    }

    @Test("minimal big-endian decimal bytes")
    func decimalBytes() {
        #expect(Transform.minimalBigEndian(0) == [0])
        #expect(Transform.minimalBigEndian(127) == [0x7F])
        #expect(Transform.minimalBigEndian(128) == [0x00, 0x80])
        #expect(Transform.minimalBigEndian(-1) == [0xFF])
        #expect(Transform.minimalBigEndian(-129) == [0xFF, 0x7F])
        #expect(Transform.minimalBigEndian(1420) == [0x05, 0x8C])
    }

    @Test("truncate follows the spec's floor semantics")
    func truncate() throws {
        #expect(try Transform.truncate(10).apply(.int32(1), type: .int32) == .int32(0))
        #expect(try Transform.truncate(10).apply(.int32(-1), type: .int32) == .int32(-10))
        #expect(try Transform.truncate(10).apply(.int64(-1), type: .int64) == .int64(-10))
        #expect(try Transform.truncate(50).apply(.decimal128(1065), type: .decimal(precision: 9, scale: 2)) == .decimal128(1050))
        #expect(try Transform.truncate(3).apply(.binary(Array("iceberg".utf8)), type: .string) == .binary(Array("ice".utf8)))
        #expect(try Transform.truncate(2).apply(.binary(Array("日本語".utf8)), type: .string) == .binary(Array("日本".utf8)), "code points")
        #expect(try Transform.truncate(2).apply(.binary([1, 2, 3]), type: .binary) == .binary([1, 2]))
    }

    @Test("year, month, day and hour, before and after the epoch")
    func timeTransforms() throws {
        let day = Int32(CivilCalendar.days(year: 2017, month: 11, day: 16))
        let ts = Int64(day) * 86_400_000_000 + Int64(22 * 3600 + 31 * 60 + 8) * 1_000_000
        let t = DataType.timestampMicroseconds(utc: true)
        #expect(try Transform.day.apply(.int64(ts), type: t) == .int32(day))
        #expect(try Transform.hour.apply(.int64(ts), type: t) == .int32(Int32(ts / 3_600_000_000)))
        #expect(try Transform.month.apply(.int64(ts), type: t) == .int32(47 * 12 + 10))
        #expect(try Transform.year.apply(.int64(ts), type: t) == .int32(47))
        #expect(try Transform.year.apply(.int32(day), type: .date32) == .int32(47))
        #expect(try Transform.day.apply(.int64(-1), type: t) == .int32(-1))
        #expect(try Transform.hour.apply(.int64(-1), type: t) == .int32(-1))
        #expect(try Transform.month.apply(.int64(-1), type: t) == .int32(-1))
        #expect(try Transform.year.apply(.int64(-1), type: t) == .int32(-1))
        #expect(throws: IcebergError.self) { try Transform.hour.apply(.int32(1), type: .date32) }
    }

    @Test("transform names parse and print")
    func names() throws {
        for text in ["identity", "bucket[16]", "truncate[10]", "year", "month", "day", "hour", "void"] {
            #expect(try Transform(parsing: text).description == text)
        }
        for bad in ["bucket[0]", "bucket", "truncate[-1]", "days", ""] {
            #expect(throws: IcebergError.self, "\(bad)") { try Transform(parsing: bad) }
        }
    }
}
