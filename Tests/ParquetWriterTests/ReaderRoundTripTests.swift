import Foundation
import LakeColumnar
import LakeTestSupport
import ParquetWriter
import Testing

/// Scalar equality where NaN equals NaN (bit-for-bit round trips keep NaN).
func sameScalar(_ a: Scalar?, _ b: Scalar?) -> Bool {
    switch (a, b) {
    case (nil, nil): return true
    case let (.float32(x)?, .float32(y)?): return x.bitPattern == y.bitPattern || (x.isNaN && y.isNaN)
    case let (.float64(x)?, .float64(y)?): return x.bitPattern == y.bitPattern || (x.isNaN && y.isNaN)
    case let (.structure(x)?, .structure(y)?): return x.count == y.count && zip(x, y).allSatisfy { sameScalar($0, $1) }
    case let (.list(x)?, .list(y)?): return x.count == y.count && zip(x, y).allSatisfy { sameScalar($0, $1) }
    case let (.map(x)?, .map(y)?):
        return x.count == y.count && zip(x, y).allSatisfy { sameScalar($0.key, $1.key) && sameScalar($0.value, $1.value) }
    default: return a == b
    }
}

func expectSameRows(_ written: RecordBatch, _ read: RecordBatch, _ context: String) {
    #expect(read.rowCount == written.rowCount, "\(context): row count")
    #expect(read.schema.fields.map(\.name) == written.schema.fields.map(\.name), "\(context): names")
    #expect(read.schema.fields.map(\.id) == written.schema.fields.map(\.id), "\(context): field ids")
    var mismatches = 0
    for c in 0..<min(read.columns.count, written.columns.count) {
        for r in 0..<min(read.rowCount, written.rowCount) where !sameScalar(written.columns[c].scalar(at: r), read.columns[c].scalar(at: r)) {
            mismatches += 1
            if mismatches < 6 {
                Issue.record("\(context): \(written.schema.fields[c].name) row \(r): wrote \(String(describing: written.columns[c].scalar(at: r))), read \(String(describing: read.columns[c].scalar(at: r)))")
            }
        }
    }
    #expect(mismatches == 0, "\(context)")
}

@Suite("Parquet reader round trips")
struct ReaderRoundTripTests {
    @Test("every type × encoding × codec × page version reads back equal", arguments: ParquetInteropTests.variants)
    func roundTrip(_ variant: ParquetInteropTests.Variant) throws {
        let batch = try sampleBatch(rows: 1500, seed: 23)
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let path = directory.file("rt.parquet")
        let writer = try ParquetFileWriter(path: path, schema: batch.schema, properties: ParquetInteropTests.properties(variant))
        try writer.write(batch)
        _ = try writer.close()
        let reader = try ParquetReader(path: path, options: ParquetReadOptions(verifyChecksums: true))
        var parts: [RecordBatch] = []
        var it = try reader.batches(batchSize: 400)
        while let b = try it.next() { parts.append(b) }
        #expect(parts.allSatisfy { $0.rowCount <= 400 })
        var offset = 0
        for part in parts {
            expectSameRows(batch.slice(offset..<(offset + part.rowCount)), part, "\(variant) @\(offset)")
            offset += part.rowCount
        }
        #expect(offset == 1500)
    }

    @Test("property: random flat schemas and batches round-trip")
    func randomSchemas() throws {
        var rng = SeededRandom(seed: 77)
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let types: [DataType] = [.boolean, .int32, .int64, .float32, .float64, .date32, .timestampMicroseconds(utc: true),
                                 .decimal(precision: 7, scale: 3), .decimal(precision: 30, scale: 5), .string, .binary,
                                 .fixedSizeBinary(byteWidth: 5), .dictionaryString]
        for trial in 0..<25 {
            let columnCount = Int.random(in: 1...6, using: &rng)
            let rows = Int.random(in: 0...900, using: &rng)
            var fields: [Field] = []
            var columns: [Column] = []
            for c in 0..<columnCount {
                let type = types[Int.random(in: 0..<types.count, using: &rng)]
                let nullable = Bool.random(using: &rng)
                fields.append(Field(name: "c\(c)", id: Int32(c + 1), type: type, isNullable: nullable))
                let scalars: [Scalar?] = (0..<rows).map { _ in
                    if nullable && Int.random(in: 0..<5, using: &rng) == 0 { return nil }
                    switch type {
                    case .boolean: return .boolean(Bool.random(using: &rng))
                    case .int32, .date32: return .int32(Int32.random(in: -50_000...50_000, using: &rng))
                    case .int64, .timestampMicroseconds: return .int64(Int64.random(in: -1 << 50 ... 1 << 50, using: &rng))
                    case .float32: return .float32(Float.random(in: -10...10, using: &rng))
                    case .float64: return .float64(Double.random(in: -1e9...1e9, using: &rng))
                    case .decimal(let p, _):
                        let bound = p >= 18 ? Int64.max / 2 : Int64(pow(10.0, Double(p))) - 1
                        return .decimal128(Int128(Int64.random(in: -bound...bound, using: &rng)))
                    case .fixedSizeBinary(let w): return .binary(rng.bytes(w))
                    case .string, .dictionaryString: return .binary(Array("s\(Int.random(in: 0...40, using: &rng))".utf8))
                    default: return .binary(rng.bytes(Int.random(in: 0...12, using: &rng)))
                    }
                }
                columns.append(try Column(scalars: scalars, type: type))
            }
            let batch = try RecordBatch(schema: Schema(fields: fields), columns: columns)
            var properties = WriterProperties()
            properties.codec = ParquetCodec.allCases[trial % 4]
            properties.dataPageVersion = trial % 2 == 0 ? .v1 : .v2
            properties.dataPageRowLimit = Int.random(in: 1...300, using: &rng)
            properties.rowGroupRows = Int.random(in: 1...1000, using: &rng)
            let path = directory.file("r\(trial).parquet")
            let writer = try ParquetFileWriter(path: path, schema: batch.schema, properties: properties)
            try writer.write(batch)
            _ = try writer.close()
            let reader = try ParquetReader(path: path)
            var read: [RecordBatch] = []
            for g in 0..<reader.rowGroupCount { read.append(try reader.readRowGroup(g)) }
            var offset = 0
            for part in read {
                expectSameRows(batch.slice(offset..<(offset + part.rowCount)), part, "trial \(trial)")
                offset += part.rowCount
            }
            #expect(offset == rows, "trial \(trial)")
        }
    }

    @Test("projection by name and by field id; pruning by statistics")
    func projectionAndPruning() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let schema = try Schema(fields: [Field(name: "k", id: 7, type: .int64, isNullable: false), Field(name: "s", id: 9, type: .string)])
        let batch = try RecordBatch(schema: schema, columns: [
            .int64(PrimitiveColumn<Int64>(values: (0..<1000).map(Int64.init))),
            .binary(BinaryColumn((0..<1000).map { "row-\($0)" })),
        ])
        var properties = WriterProperties()
        properties.rowGroupRows = 100
        let path = directory.file("p.parquet")
        let writer = try ParquetFileWriter(path: path, schema: schema, properties: properties)
        try writer.write(batch)
        _ = try writer.close()
        let reader = try ParquetReader(path: path)
        let byName = try reader.readRowGroup(3, columns: .names(["s"]))
        #expect(byName.schema.fields.map(\.name) == ["s"])
        #expect(byName.columns[0].scalar(at: 0) == ColumnPredicate.string("row-300"))
        let byID = try reader.readRowGroup(0, columns: .fieldIDs([9, 7]))
        #expect(byID.schema.fields.map(\.id) == [9, 7])
        #expect(throws: ParquetReadError.self) { try reader.readRowGroup(0, columns: .names(["nope"])) }
        #expect(reader.rowGroups(matching: .equal("k", .int64(555))) == [5])
        #expect(reader.rowGroups(matching: .and(.greaterThanOrEqual("k", .int64(150)), .lessThan("k", .int64(320)))) == [1, 2, 3])
        #expect(reader.rowGroups(matching: .or(.equal("k", .int64(5)), .isIn("k", [.int64(999)]))) == [0, 9])
        #expect(reader.rowGroups(matching: .equal("s", ColumnPredicate.string("row-77"))) == [0, 7], "string bounds compare bytewise")
        #expect(reader.rowGroups(matching: .isNull("s")).isEmpty)
        var it = try reader.batches(columns: .names(["k"]), predicate: .greaterThan("k", .int64(949)))
        var rows = 0
        while let b = try it.next() { rows += b.rowCount }
        #expect(rows == 100, "only the last row group is read")
    }
}
