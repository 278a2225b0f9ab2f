import Foundation
import LakeColumnar
import LakeTestSupport
import ParquetWriter
import Testing

/// Column chunks decoded on several threads (`ParquetReadOptions.decodeThreads`) against the
/// same file decoded on one: every batch, of every read path (whole row groups, row-group slices,
/// the batch iterator with projections and a predicate), must be the same, column by column, and
/// equal to the rows written.
@Suite("Parquet parallel decode")
struct ParallelDecodeTests {
    /// Every flat type twice (required and nullable, dictionary pages falling back to PLAIN),
    /// plus a list and a struct column (assembled whole, then sliced).
    static func batch(rows: Int, seed: UInt64) throws -> RecordBatch {
        let flat = try DecodePathTests.batch(rows: rows, distinct: 3000, seed: seed)
        var rng = SeededRandom(seed: seed &+ 1)
        let listType = DataType.list(Field(name: "element", id: 101, type: .int64))
        let structType = DataType.structure([Field(name: "a", id: 102, type: .int32, isNullable: true),
                                             Field(name: "b", id: 103, type: .string, isNullable: true)])
        let lists: [Scalar?] = (0..<rows).map { r in
            if Int.random(in: 0..<5, using: &rng) == 0 { return nil }
            return .list((0..<(r % 4)).map { k in .int64(Int64(r * 10 + k)) })
        }
        let structs: [Scalar?] = (0..<rows).map { r in
            if Int.random(in: 0..<6, using: &rng) == 0 { return nil }
            return .structure([r % 3 == 0 ? nil : .int32(Int32(r)), .binary(Array("s\(r % 97)".utf8))])
        }
        let fields = flat.schema.fields + [Field(name: "nums", id: 100, type: listType, isNullable: true),
                                          Field(name: "pair", id: 104, type: structType, isNullable: true)]
        let columns = flat.columns + [try Column(scalars: lists, type: listType), try Column(scalars: structs, type: structType)]
        return try RecordBatch(schema: Schema(fields: fields), columns: columns)
    }

    /// Written with small row groups and pages (many of each), read back by `threads` threads.
    static func file(in directory: TemporaryDirectory, codec: ParquetCodec, version: DataPageVersion) throws -> (path: String, batch: RecordBatch) {
        let batch = try batch(rows: 7000, seed: 17)
        let path = directory.file("parallel-\(codec)-\(version).parquet")
        var properties = WriterProperties()
        properties.codec = codec
        properties.dataPageVersion = version
        properties.dataPageRowLimit = 600
        properties.dictionaryPageSizeLimit = 4096
        properties.rowGroupRows = 1500
        let writer = try ParquetFileWriter(path: path, schema: batch.schema, properties: properties)
        try writer.write(batch)
        _ = try writer.close()
        return (path, batch)
    }

    static func expectIdentical(_ single: RecordBatch, _ threaded: RecordBatch, _ context: String) {
        #expect(threaded.schema == single.schema, "\(context): schema")
        #expect(threaded.rowCount == single.rowCount, "\(context): rows")
        #expect(threaded.columns.count == single.columns.count, "\(context): columns")
        for (c, (a, b)) in zip(single.columns, threaded.columns).enumerated() where a != b {
            Issue.record("\(context): column \(c) (\(single.schema.fields[c].name)) differs")
        }
    }

    @Test("whole row groups and slices: N threads give the batches one thread gives, equal to the rows written",
          arguments: [(ParquetCodec.zstd, DataPageVersion.v1), (.snappy, .v2), (.uncompressed, .v1)])
    func rowGroupsAndSlices(_ codec: ParquetCodec, _ version: DataPageVersion) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (path, written) = try Self.file(in: directory, codec: codec, version: version)
        let single = try ParquetReader(path: path, options: ParquetReadOptions(decodeThreads: 1))
        #expect(single.rowGroupCount >= 4, "the file must have several row groups")
        let encodings = Set(single.metadata.rowGroups.flatMap { $0.columns.flatMap(\.metaData.encodings) })
        #expect(encodings.contains(.rleDictionary) || encodings.contains(.plainDictionary))
        #expect(encodings.contains(.plain))
        let projections: [ColumnSelection] = [.all, .names(["pair", "c5n", "c0r", "nums", "c8n"]), .fieldIDs([6, 100, 2])]
        for threads in [2, 3, 8] {
            let many = try ParquetReader(path: path, options: ParquetReadOptions(decodeThreads: threads))
            for columns in projections {
                var offset = 0
                let fields = try single.fieldIndices(columns)
                for g in 0..<single.rowGroupCount {
                    let context = "\(codec) \(version) threads \(threads) \(columns) group \(g)"
                    let one = try single.readRowGroup(g, columns: columns)
                    let all = try many.readRowGroup(g, columns: columns)
                    Self.expectIdentical(one, all, context)
                    expectSameRows(written.projected(fields).slice(offset..<(offset + one.rowCount)), all, context)
                    var a = try single.rowGroupSlices(g, columns: columns, rowsPerSlice: 257)
                    var b = try many.rowGroupSlices(g, columns: columns, rowsPerSlice: 257)
                    var sliced = 0
                    while let x = try a.next() {
                        let y = try #require(try b.next(), "\(context): threaded slices end early")
                        Self.expectIdentical(x, y, "\(context) slice @\(sliced)")
                        expectSameRows(written.projected(fields).slice((offset + sliced)..<(offset + sliced + y.rowCount)), y,
                                       "\(context) slice @\(sliced)")
                        sliced += x.rowCount
                    }
                    #expect(try b.next() == nil, "\(context): threaded slices run on")
                    #expect(sliced == one.rowCount)
                    offset += one.rowCount
                }
                #expect(offset == written.rowCount)
            }
        }
    }

    @Test("the batch iterator with a predicate: the same row groups and batches on 1 and 4 threads")
    func iteratorWithPredicate() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (path, _) = try Self.file(in: directory, codec: .zstd, version: .v1)
        let single = try ParquetReader(path: path, options: ParquetReadOptions(batchSize: 1000, decodeThreads: 1))
        let many = try ParquetReader(path: path, options: ParquetReadOptions(batchSize: 1000, decodeThreads: 4))
        // c1r (int32) holds values -1000…-996 in the first quarter of the rows and up to 1999 after.
        let predicate = ColumnPredicate.greaterThan("c1r", .int32(1500))
        #expect(single.rowGroups(matching: predicate).count < single.rowGroupCount, "the predicate must prune a row group")
        for columns in [ColumnSelection.all, .names(["c6n", "c1r", "pair"])] {
            var a = try single.batches(columns: columns, predicate: predicate)
            var b = try many.batches(columns: columns, predicate: predicate)
            var n = 0
            while let x = try a.next() {
                let y = try #require(try b.next(), "batch \(n): threaded batches end early")
                Self.expectIdentical(x, y, "\(columns) batch \(n)")
                n += 1
            }
            #expect(try b.next() == nil)
            #expect(n > 0)
        }
    }
}
