import Foundation
import LakeColumnar
import LakeTestSupport
@testable import ParquetWriter
import Testing

/// The read path's bulk decoders (word-at-a-time bit unpacking, dictionary gathers, levels and
/// PLAIN values copied in blocks) against straightforward references and round trips.
@Suite("Parquet decode paths")
struct DecodePathTests {
    /// Bit by bit, LSB first: the definition of the bit-packed encoding.
    static func referenceUnpack(_ raw: [UInt8], bitWidth: Int, count: Int) -> [UInt32] {
        (0..<count).map { i in
            var v: UInt32 = 0
            for b in 0..<bitWidth {
                let at = i * bitWidth + b
                if raw[at >> 3] >> UInt8(at & 7) & 1 != 0 { v |= 1 << UInt32(b) }
            }
            return v
        }
    }

    @Test("bit unpacking equals the bit-by-bit reference at every width 0…32, runs of any length")
    func unpackWidths() throws {
        var rng = SeededRandom(seed: 31)
        for width in 0...32 {
            for count in [0, 1, 7, 8, 9, 31, 64, 65, 513] {
                let bytes = (count * width + 7) / 8
                // Exactly the bytes needed (the word-at-a-time loop must stop before the end).
                let raw = rng.bytes(bytes)
                var out: [UInt32] = [42]
                try raw.withUnsafeBytes { try RLEHybridDecoder.unpack($0, bitWidth: width, count: count, into: &out) }
                #expect(out == [42] + Self.referenceUnpack(raw, bitWidth: width, count: count), "width \(width) count \(count)")
            }
        }
    }

    @Test("a bit-packed run shorter than its values is refused")
    func truncatedRun() {
        let raw: [UInt8] = [0xFF, 0xFF]
        #expect(throws: ParquetReadError.self) {
            var out: [UInt32] = []
            try raw.withUnsafeBytes { try RLEHybridDecoder.unpack($0, bitWidth: 5, count: 8, into: &out) }
        }
    }

    @Test("RLE / bit-packed hybrid: mixed runs decode like the encoder wrote them, appended after what was there")
    func hybridRoundTrip() throws {
        var rng = SeededRandom(seed: 5)
        for width in [1, 2, 3, 5, 8, 12, 17, 20, 31, 32] {
            let limit: UInt64 = width == 32 ? UInt64(UInt32.max) : (1 << UInt64(width)) - 1
            var values: [UInt32] = []
            while values.count < 5000 {
                // Alternate repeated runs (RLE) and noise (bit-packed).
                let v = UInt32(UInt64.random(in: 0...limit, using: &rng))
                if Bool.random(using: &rng) {
                    values += Array(repeating: v, count: Int.random(in: 1...40, using: &rng))
                } else {
                    for _ in 0..<Int.random(in: 1...40, using: &rng) { values.append(UInt32(UInt64.random(in: 0...limit, using: &rng))) }
                }
            }
            var encoded: [UInt8] = []
            values.withUnsafeBufferPointer { RLEHybrid.encode($0, bitWidth: width, into: &encoded) }
            var out: [UInt32] = [7, 7]
            try encoded.withUnsafeBytes { try RLEHybridDecoder.decode($0, bitWidth: width, count: values.count, into: &out) }
            #expect(out == [7, 7] + values, "width \(width)")
        }
    }

    /// A batch of every physical type with nulls, few distinct values (dictionary pages) and,
    /// with `distinct` large, enough distinct values to make the writer fall back to PLAIN mid-chunk.
    static func batch(rows: Int, distinct: Int, seed: UInt64) throws -> RecordBatch {
        var rng = SeededRandom(seed: seed)
        let types: [DataType] = [.boolean, .int32, .int64, .float32, .float64, .string, .binary,
                                 .fixedSizeBinary(byteWidth: 3), .timestampMicroseconds(utc: true)]
        var fields: [Field] = []
        var columns: [Column] = []
        for (c, type) in types.enumerated() {
            for nullable in [false, true] {
                fields.append(Field(name: "c\(c)\(nullable ? "n" : "r")", id: Int32(fields.count + 1), type: type, isNullable: nullable))
                let scalars: [Scalar?] = (0..<rows).map { r in
                    if nullable && Int.random(in: 0..<4, using: &rng) == 0 { return nil }
                    // The first quarter of the rows from a small set, the rest from `distinct` values.
                    let k = Int.random(in: 0..<(r < rows / 4 ? 5 : distinct), using: &rng)
                    switch type {
                    case .boolean: return .boolean(k % 2 == 0)
                    case .int32: return .int32(Int32(k) - 1000)
                    case .int64, .timestampMicroseconds: return .int64(Int64(k) * 1_000_003 - (1 << 40))
                    case .float32: return .float32(Float(k) / 8)
                    case .float64: return .float64(Double(k) * 1.5e-3)
                    case .fixedSizeBinary: return .binary([UInt8(k & 0xFF), UInt8(k >> 8 & 0xFF), 9])
                    case .string: return .binary(Array("value-\(k)-\(String(repeating: "x", count: k % 17))".utf8))
                    default: return .binary(k % 9 == 0 ? [] : Array(repeating: UInt8(k & 0xFF), count: k % 23))
                    }
                }
                columns.append(try Column(scalars: scalars, type: type))
            }
        }
        return try RecordBatch(schema: Schema(fields: fields), columns: columns)
    }

    @Test("dictionary pages, PLAIN fallback mid-chunk, many pages, nulls: every type reads back equal (whole and sliced)",
          arguments: [(ParquetCodec.zstd, DataPageVersion.v1), (.snappy, .v2), (.uncompressed, .v1), (.gzip, .v2)])
    func dictionaryFallback(_ codec: ParquetCodec, _ version: DataPageVersion) throws {
        let rows = 6000
        let batch = try Self.batch(rows: rows, distinct: 3000, seed: 91)
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let path = directory.file("dict.parquet")
        var properties = WriterProperties()
        properties.codec = codec
        properties.dataPageVersion = version
        properties.dataPageRowLimit = 700
        properties.dictionaryPageSizeLimit = 4096  // small: the writer falls back to PLAIN part-way
        properties.rowGroupRows = 2500
        let writer = try ParquetFileWriter(path: path, schema: batch.schema, properties: properties)
        try writer.write(batch)
        _ = try writer.close()
        let reader = try ParquetReader(path: path, options: ParquetReadOptions(verifyChecksums: true))
        // The file must really mix dictionary and PLAIN data pages, or this test tests nothing.
        let encodings = Set(reader.metadata.rowGroups.flatMap { $0.columns.flatMap(\.metaData.encodings) })
        #expect(encodings.contains(.rleDictionary) || encodings.contains(.plainDictionary))
        #expect(encodings.contains(.plain))
        var offset = 0
        for g in 0..<reader.rowGroupCount {
            let whole = try reader.readRowGroup(g)
            expectSameRows(batch.slice(offset..<(offset + whole.rowCount)), whole, "\(codec) \(version) group \(g)")
            // Slices that cut pages anywhere.
            var slices = try reader.rowGroupSlices(g, rowsPerSlice: 333)
            var sliced = 0
            while let part = try slices.next() {
                expectSameRows(batch.slice((offset + sliced)..<(offset + sliced + part.rowCount)), part,
                               "\(codec) \(version) group \(g) slice @\(sliced)")
                sliced += part.rowCount
            }
            #expect(sliced == whole.rowCount)
            offset += whole.rowCount
        }
        #expect(offset == rows)
    }
}
