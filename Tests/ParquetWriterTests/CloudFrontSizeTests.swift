import CloudFrontLogs
import Foundation
import LakeColumnar
import LakeTestSupport
import ParquetWriter
import Testing

@Suite("CloudFront corpus as Parquet", .enabled(if: Interop.enabled))
struct CloudFrontSizeTests {
    @Test("zstd file size within 5 % of pyarrow's, and DuckDB reads the same rows")
    func sizeAgainstPyarrow() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        var generator = LogGenerator(seed: 21)
        let text = generator.logFile(rows: 20_000, hourStartMicros: 1_700_000_000_000_000 / 3_600_000_000 * 3_600_000_000)
        let reader = CloudFrontLogReader(bytes: text, name: "E2EXAMPLE4TEST.2023-11-14-22.abc.gz")
        let path = directory.file("ours.parquet")
        let writer = try ParquetFileWriter(path: path, schema: reader.schema.schema)
        while let next = try reader.next() { try writer.write(next.batch) }
        let result = try writer.close()
        let script = """
            import sys, os, json, pyarrow.parquet as pq, duckdb
            ours = sys.argv[1]
            theirs = ours + ".pyarrow.parquet"
            pq.write_table(pq.read_table(ours), theirs, compression="zstd")
            n, ids, hits = duckdb.sql(f"SELECT count(*), count(DISTINCT x_edge_request_id), count(*) FILTER (WHERE x_edge_result_type = 'Hit') FROM '{ours}'").fetchone()
            print(json.dumps([os.path.getsize(ours), os.path.getsize(theirs), n, ids, hits]))
            """
        let out = try #require(try JSONSerialization.jsonObject(with: Data(try Interop.runText(script, arguments: [path]).utf8)) as? [Int])
        let ratio = Double(out[0]) / Double(out[1])
        #expect(abs(ratio - 1) <= 0.05, "ours \(out[0]) bytes vs pyarrow \(out[1]) bytes (ratio \(ratio))")
        #expect(out[2] == 20_000 && out[3] == 20_000)
        // The hit count computed from our own batches equals DuckDB's count over the file.
        let again = CloudFrontLogReader(bytes: text, name: "x")
        var hits = 0
        while let next = try again.next() {
            guard case let .dictionary(c)? = next.batch.column(named: "x_edge_result_type") else { continue }
            for i in 0..<c.count where c.string(at: i) == "Hit" { hits += 1 }
        }
        #expect(out[4] == hits)
        #expect(result.rowCount == 20_000)
    }
}
