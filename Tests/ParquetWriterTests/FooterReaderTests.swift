import Foundation
import LakeColumnar
import LakeTestSupport
import ParquetWriter
import Testing

@Suite("Parquet footer reader")
struct FooterReaderTests {
    @Test("our footers decode back to the metadata the writer returned")
    func roundTrip() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let batch = try sampleBatch(rows: 700, seed: 3)
        var properties = WriterProperties()
        properties.rowGroupRows = 300
        properties.keyValueMetadata = ["origin": "test"]
        let path = directory.file("rt.parquet")
        let writer = try ParquetFileWriter(path: path, schema: batch.schema, properties: properties)
        try writer.write(batch)
        let written = try writer.close()
        let read = try ParquetFooter.read(path: path)
        #expect(read == written.metadata)
    }

    @Test("truncated, non-Parquet and hostile-length files give typed errors")
    func corruptFiles() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let batch = try sampleBatch(rows: 50, seed: 4)
        let path = directory.file("ok.parquet")
        let writer = try ParquetFileWriter(path: path, schema: batch.schema)
        try writer.write(batch)
        _ = try writer.close()
        let good = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        func check(_ bytes: [UInt8], _ name: String) throws {
            let p = directory.file(name)
            try Data(bytes).write(to: URL(fileURLWithPath: p))
            #expect(throws: ParquetReadError.self, "\(name)") { try ParquetFooter.read(path: p) }
        }
        try check([], "empty")
        try check(Array("not a parquet file at all".utf8), "text")
        try check(Array(good.prefix(good.count / 2)), "truncated")
        var hostile = good
        hostile[good.count - 8] = 0xFF; hostile[good.count - 7] = 0xFF; hostile[good.count - 6] = 0xFF; hostile[good.count - 5] = 0x7F
        try check(hostile, "hostile-length")
        var rng = SeededRandom(seed: 9)
        let footerLength = Int(UInt32(good[good.count - 8]) | UInt32(good[good.count - 7]) << 8 | UInt32(good[good.count - 6]) << 16)
        for k in 0..<200 {
            var mutated = good
            let at = good.count - 8 - Int.random(in: 1...footerLength, using: &rng)
            mutated[at] = UInt8.random(in: 0...255, using: &rng)
            let p = directory.file("m\(k).parquet")
            try Data(mutated).write(to: URL(fileURLWithPath: p))
            _ = try? ParquetFooter.read(path: p)  // must return or throw, never trap
        }
    }

    @Test("footers written by pyarrow decode with the same rows, columns, codecs and null counts", .enabled(if: Interop.enabled))
    func pyarrowFooters() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let path = directory.file("pa.parquet")
        let script = """
            import sys, json, pyarrow as pa, pyarrow.parquet as pq
            t = pa.table({"a": pa.array([1, None, 3] * 100, pa.int64()), "s": pa.array(["x", "y", None] * 100),
                          "l": pa.array([[1, 2], None, []] * 100, pa.list_(pa.int32())),
                          "st": pa.array([{"p": 1.5, "q": "z"}, None, {"p": None, "q": None}] * 100)})
            pq.write_table(t, sys.argv[1], row_group_size=120, compression="snappy", write_page_index=True)
            md = pq.ParquetFile(sys.argv[1]).metadata
            print(json.dumps({"rows": md.num_rows, "groups": md.num_row_groups,
                "columns": [[md.row_group(g).column(c).path_in_schema, md.row_group(g).column(c).compression,
                             md.row_group(g).column(c).num_values, md.row_group(g).column(c).statistics.null_count,
                             md.row_group(g).column(c).total_compressed_size]
                            for g in range(md.num_row_groups) for c in range(md.num_columns)]}))
            """
        let info = try #require(try JSONSerialization.jsonObject(with: Data(try Interop.runText(script, arguments: [path]).utf8)) as? [String: Any])
        let md = try ParquetFooter.read(path: path)
        #expect(md.numRows == info["rows"] as? Int64 ?? -1 || Int(md.numRows) == info["rows"] as? Int)
        #expect(md.rowGroups.count == info["groups"] as? Int)
        let columns = try #require(info["columns"] as? [[Any]])
        let ours = md.rowGroups.flatMap { $0.columns }
        #expect(ours.count == columns.count)
        for (mine, theirs) in zip(ours, columns) {
            #expect(mine.metaData.pathInSchema.joined(separator: ".") == theirs[0] as? String)
            #expect("\(mine.metaData.codec)".uppercased() == theirs[1] as? String)
            #expect(Int(mine.metaData.numValues) == theirs[2] as? Int)
            #expect(Int(mine.metaData.statistics?.nullCount ?? -1) == theirs[3] as? Int)
            #expect(Int(mine.metaData.totalCompressedSize) == theirs[4] as? Int)
            #expect(mine.offsetIndexOffset != nil)
        }
    }
}
