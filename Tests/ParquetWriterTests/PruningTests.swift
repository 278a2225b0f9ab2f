import Foundation
import LakeColumnar
import LakeTestSupport
import ParquetWriter
import Testing

@Suite("Parquet page-index and bloom-filter pruning")
struct PruningTests {
    func writeSorted(_ path: String, bloom: Bool = false, rowGroupRows: Int? = nil) throws -> RecordBatch {
        let n = 10_000
        let schema = try Schema(fields: [Field(name: "k", id: 1, type: .int64, isNullable: false),
                                         Field(name: "s", id: 2, type: .string), Field(name: "v", id: 3, type: .float64)])
        let batch = try RecordBatch(schema: schema, columns: [
            .int64(PrimitiveColumn<Int64>(values: (0..<n).map(Int64.init))),
            .binary(BinaryColumn((0..<n).map { $0 % 17 == 0 ? nil : "u" + String(repeating: "0", count: 5 - String($0).count) + String($0) })),
            .float64(PrimitiveColumn<Double>((0..<n).map { $0 % 3 == 0 ? nil : Double($0) / 2 })),
        ])
        var p = WriterProperties()
        p.dataPageRowLimit = 100
        p.dataPageSize = 1500  // byte-size splits make page boundaries differ between columns
        p.rowGroupRows = rowGroupRows
        if bloom { p.bloomFilters = ["s": BloomFilterOptions(falsePositiveProbability: 0.01)] }
        let writer = try ParquetFileWriter(path: path, schema: schema, properties: p)
        try writer.write(batch)
        _ = try writer.close()
        return batch
    }

    @Test("the page index narrows a point lookup to one page per column, and keeps every matching row")
    func pageIndexLookup() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let path = directory.file("sorted.parquet")
        let batch = try writeSorted(path)
        let reader = try ParquetReader(path: path)
        let predicate = ColumnPredicate.equal("k", .int64(5555))
        let ranges = try reader.candidateRows(rowGroup: 0, predicate: predicate)
        #expect(ranges.rowCount <= 100 && ranges.contains(5555), "\(ranges)")
        let rows = try reader.readRowGroup(0, columns: .names(["k", "s", "v"]), predicate: predicate)
        #expect(rows.rowCount == Int(ranges.rowCount))
        let matches = (0..<rows.rowCount).filter { predicate.matches(rows, row: $0) }
        #expect(matches.count == 1)
        let hit = try #require(matches.first)
        #expect(rows.columns[1].scalar(at: hit) == batch.columns[1].scalar(at: 5555))
        #expect(rows.columns[2].scalar(at: hit) == batch.columns[2].scalar(at: 5555))

        // Ranges: every row the predicate selects is among the candidate rows, for many predicates.
        let predicates: [ColumnPredicate] = [
            .and(.greaterThanOrEqual("k", .int64(1234)), .lessThan("k", .int64(1800))),
            .or(.equal("k", .int64(3)), .equal("k", .int64(9998))),
            .equal("s", ColumnPredicate.string("u04321")), .greaterThan("v", .float64(4990)), .isIn("k", [.int64(10), .int64(7000)]),
        ]
        for p in predicates {
            let selected = try reader.readRowGroup(0, predicate: p)
            let wanted = (0..<batch.rowCount).filter { p.matches(batch, row: $0) }
            let got = (0..<selected.rowCount).filter { p.matches(selected, row: $0) }
            #expect(got.count == wanted.count, "\(p)")
            #expect(selected.rowCount < batch.rowCount, "\(p) pruned something")
        }
    }

    @Test("bloom filters drop row groups that min/max cannot")
    func bloomPruning() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let path = directory.file("bloom.parquet")
        _ = try writeSorted(path, bloom: true, rowGroupRows: 1000)
        let reader = try ParquetReader(path: path)
        // "u04321x" lies inside row group 4's min/max but is absent.
        #expect(reader.rowGroups(matching: .equal("s", ColumnPredicate.string("u04321"))) == [4])
        #expect(reader.rowGroups(matching: .equal("s", ColumnPredicate.string("u04321x"))).isEmpty)
        #expect(try reader.bloomFilterMightContain(rowGroup: 4, column: "s", value: ColumnPredicate.string("u04321")) == true)
        #expect(try reader.bloomFilterMightContain(rowGroup: 4, column: "k", value: .int64(1)) == nil, "no filter on k")
    }

    @Test("bloom filters written by DuckDB answer lookups", .enabled(if: Interop.enabled))
    func duckdbBloom() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let path = directory.file("duck.parquet")
        _ = try Interop.runText("""
            import sys, duckdb
            duckdb.sql(f"COPY (SELECT 'city-' || (i % 50) AS c, i AS n FROM range(5000) t(i)) TO '{sys.argv[1]}' (FORMAT parquet)")
            """, arguments: [path])
        let reader = try ParquetReader(path: path)
        let present = try (0..<50).map { try reader.bloomFilterMightContain(rowGroup: 0, column: "c", value: ColumnPredicate.string("city-\($0)")) }
        #expect(present.allSatisfy { $0 == true }, "\(present)")
        let absent = try (0..<100).compactMap { try reader.bloomFilterMightContain(rowGroup: 0, column: "c", value: ColumnPredicate.string("town-\($0)")) }
        #expect(absent.count == 100 && absent.filter { $0 }.count < 10)
    }
}
