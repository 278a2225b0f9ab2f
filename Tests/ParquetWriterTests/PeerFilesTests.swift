import Foundation
import LakeColumnar
import LakeTestSupport
import ParquetWriter
import Testing

/// Files written by pyarrow, polars, DuckDB and fastparquet with the encodings and codecs they
/// offer, read by us and compared value by value with pyarrow's reading of the same file.
@Suite("Parquet files written by other engines", .enabled(if: Interop.enabled))
struct PeerFilesTests {
    static let writerScript = #"""
import sys, os, datetime, decimal
import pyarrow as pa, pyarrow.parquet as pq, polars as pl, duckdb
out = sys.argv[1]
n = 3000
def opt(values, every): return [None if i % every == 0 else v for i, v in enumerate(values)]
table = pa.table({
    "b": pa.array(opt([i % 3 == 0 for i in range(n)], 7), pa.bool_()),
    "i32": pa.array(opt([(i * 7919) % 100000 - 50000 for i in range(n)], 11), pa.int32()),
    "i64": pa.array(opt([i * 1000003 - 10**12 for i in range(n)], 13), pa.int64()),
    "f32": pa.array(opt([i / 7.0 for i in range(n)], 5), pa.float32()),
    "f64": pa.array(opt([i * 1.25e-3 for i in range(n)], 9), pa.float64()),
    "s": pa.array(opt([f"str-{i % 97}-{'x' * (i % 5)}" for i in range(n)], 4), pa.string()),
    "bin": pa.array(opt([bytes([i % 256, (i * 3) % 256]) for i in range(n)], 6), pa.binary()),
    "d": pa.array(opt([datetime.date(2020, 1, 1) + datetime.timedelta(days=i % 900) for i in range(n)], 8), pa.date32()),
    "ts": pa.array(opt([1700000000000000 + i * 1234567 for i in range(n)], 10), pa.timestamp("us", tz="UTC")),
    "ms": pa.array(opt([1700000000000 + i * 1234 for i in range(n)], 10), pa.timestamp("ms")),
    "dec": pa.array(opt([decimal.Decimal(i * 37 - 5000) / 100 for i in range(n)], 12), pa.decimal128(12, 2)),
    "lst": pa.array(opt([[j for j in range(i % 4)] for i in range(n)], 15), pa.list_(pa.int64())),
})
files = []
for codec in ["NONE", "SNAPPY", "GZIP", "ZSTD"]:
    for version in ["1.0", "2.0"]:
        p = os.path.join(out, f"pyarrow-{codec}-{version}.parquet")
        pq.write_table(table, p, compression=codec, data_page_version=version, row_group_size=1100, data_page_size=4096,
                       write_page_index=True)
        files.append(p)
encodings = {"i32": "DELTA_BINARY_PACKED", "i64": "DELTA_BINARY_PACKED", "s": "DELTA_BYTE_ARRAY", "bin": "DELTA_LENGTH_BYTE_ARRAY",
             "f32": "BYTE_STREAM_SPLIT", "f64": "BYTE_STREAM_SPLIT", "b": "RLE", "d": "DELTA_BINARY_PACKED"}
for version in ["1.0", "2.0"]:
    p = os.path.join(out, f"pyarrow-delta-{version}.parquet")
    pq.write_table(table, p, use_dictionary=False, column_encoding=encodings, data_page_version=version, compression="ZSTD",
                   row_group_size=1300)
    files.append(p)
df = pl.from_arrow(table)
for codec in ["uncompressed", "snappy", "gzip", "zstd"]:
    p = os.path.join(out, f"polars-{codec}.parquet")
    df.write_parquet(p, compression=codec, row_group_size=1000, data_page_size=8192)
    files.append(p)
con = duckdb.connect()
con.register("t", table)
for codec in ["uncompressed", "snappy", "gzip", "zstd"]:
    p = os.path.join(out, f"duckdb-{codec}.parquet")
    con.execute(f"COPY t TO '{p}' (FORMAT parquet, COMPRESSION {codec}, ROW_GROUP_SIZE 1024)")
    files.append(p)
try:
    import fastparquet
    p = os.path.join(out, "fastparquet.parquet")
    frame = table.select(["i32", "i64", "f64", "s"]).to_pandas()
    fastparquet.write(p, frame, compression="SNAPPY", row_group_offsets=1000)
    files.append(p)
except Exception as e:
    print("fastparquet skipped:", e, file=sys.stderr)
print("\n".join(files))
"""#

    @Test("pyarrow, polars, DuckDB and fastparquet files read value-identically")
    func peerFiles() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let files = try Interop.runText(Self.writerScript, arguments: [directory.path]).split(separator: "\n").map(String.init)
        #expect(files.count == 19, "every writer produced its files (fastparquet included)")
        for path in files {
            let reader = try ParquetReader(path: path)
            var batches: [RecordBatch] = []
            for g in 0..<reader.rowGroupCount { batches.append(try reader.readRowGroup(g)) }
            let output = try Interop.runText(pyarrowValuesScript, arguments: [path])
            let info = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
            let rows = try #require(info["rows"] as? [[Any]])
            let names = try #require(info["columns"] as? [String])
            #expect(rows.count == batches.reduce(0) { $0 + $1.rowCount }, "\(path)")
            var r = 0, mismatches = 0
            for batch in batches {
                for row in 0..<batch.rowCount {
                    for (c, field) in batch.schema.fields.enumerated() {
                        guard let pc = names.firstIndex(of: field.name) else { continue }
                        let expected = expectedJSON(batch.columns[c], field.type, row)
                        if !jsonEqual(expected, rows[r][pc]) {
                            mismatches += 1
                            if mismatches < 4 { Issue.record("\((path as NSString).lastPathComponent) row \(r) \(field.name): ours \(expected), pyarrow \(rows[r][pc])") }
                        }
                    }
                    r += 1
                }
            }
            #expect(mismatches == 0, "\(path)")
        }
    }
}
