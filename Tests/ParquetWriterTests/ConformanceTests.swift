import Foundation
import LakeColumnar
import LakeTestSupport
import ParquetWriter
import Testing

enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/parquet-testing").path

    static func path(_ name: String) -> String { root + "/" + name }

    static let mustRead = [
        "data/alltypes_plain", "data/alltypes_dictionary", "data/alltypes_plain.snappy", "data/alltypes_tiny_pages",
        "data/alltypes_tiny_pages_plain", "data/binary", "data/binary_truncated_min_max", "data/byte_array_decimal",
        "data/fixed_length_decimal", "data/fixed_length_decimal_legacy", "data/int32_decimal", "data/int64_decimal",
        "data/fixed_length_byte_array", "data/int32_with_null_pages", "data/nan_in_stats", "data/single_nan",
        "data/sort_columns", "data/column_chunk_key_value_metadata", "data/concatenated_gzip_members",
        "data/overflow_i16_page_cnt", "data/page_v2_empty_compressed", "data/datapage_v2_empty_datapage.snappy",
        "data/delta_binary_packed", "data/delta_byte_array", "data/delta_length_byte_array",
        "data/delta_encoding_optional_column", "data/delta_encoding_required_column", "data/byte_stream_split.zstd",
        "data/rle_boolean_encoding", "bad_data/ARROW-GH-43605", "data/data_index_bloom_encoding_stats",
        "data/data_index_bloom_encoding_with_length", "data/datapage_v1-uncompressed-checksum",
        "data/datapage_v1-snappy-compressed-checksum", "data/plain-dict-uncompressed-checksum",
        "data/rle-dict-snappy-checksum", "data/datapage_v1-corrupt-checksum", "data/rle-dict-uncompressed-corrupt-checksum",
        "data/dict-page-offset-zero", "data/unknown-logical-type",
        // Nested files (beyond the flat bar): read like pyarrow too. (nested_structs.rust is left out:
        // pyarrow itself cannot turn its timestamps into Python values.)
        "data/nested_lists.snappy", "data/nested_maps.snappy", "data/list_columns",
        "data/null_list", "data/nonnullable.impala", "data/nullable.impala",
    ]
    static let mustFail = ["bad_data/PARQUET-1481", "bad_data/ARROW-RS-GH-6229-DICTHEADER", "bad_data/ARROW-GH-47662"]
    static let corruptChecksums = ["data/datapage_v1-corrupt-checksum", "data/rle-dict-uncompressed-corrupt-checksum"]
    static let goodChecksums = ["data/datapage_v1-uncompressed-checksum", "data/datapage_v1-snappy-compressed-checksum",
                                "data/plain-dict-uncompressed-checksum", "data/rle-dict-snappy-checksum"]
}

/// pyarrow's values of a file, normalised by ``pythonNormalizePrelude`` (maps come as lists of 2-tuples).
let pyarrowValuesScript = pythonNormalizePrelude + "\n" + #"""
import pyarrow.parquet as pq
t = pq.read_table(sys.argv[1])
print(json.dumps({"columns": t.column_names, "rows": [[norm(r[n]) for n in t.column_names] for r in t.to_pylist()]}))
"""#

@Suite("Parquet conformance files")
struct ConformanceTests {
    static func readAll(_ path: String, verify: Bool = false) throws -> [RecordBatch] {
        let reader = try ParquetReader(path: path, options: ParquetReadOptions(verifyChecksums: verify))
        return try (0..<reader.rowGroupCount).map { try reader.readRowGroup($0) }
    }

    @Test("must-read files read value-identically to pyarrow", .enabled(if: Interop.enabled), arguments: Fixtures.mustRead)
    func mustRead(_ name: String) throws {
        let path = Fixtures.path(name + ".parquet")
        let batches = try Self.readAll(path)
        let output = try Interop.runText(pyarrowValuesScript, arguments: [path])
        let info = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        let rows = try #require(info["rows"] as? [[Any]])
        #expect((info["columns"] as? [String]) == batches.first.map { $0.schema.fields.map(\.name) } ?? (info["columns"] as? [String]))
        #expect(rows.count == batches.reduce(0) { $0 + $1.rowCount }, "\(name): row count")
        var r = 0
        var mismatches = 0
        for batch in batches {
            for row in 0..<batch.rowCount {
                for (c, field) in batch.schema.fields.enumerated() where r < rows.count {
                    let expected = expectedJSON(batch.columns[c], field.type, row)
                    if !jsonEqual(expected, rows[r][c]) {
                        mismatches += 1
                        if mismatches < 5 { Issue.record("\(name) row \(r) \(field.name): ours \(expected), pyarrow \(rows[r][c])") }
                    }
                }
                r += 1
            }
        }
        #expect(mismatches == 0, "\(name)")
    }

    @Test("must-fail files give a typed error", arguments: Fixtures.mustFail)
    func mustFail(_ name: String) {
        #expect(throws: ParquetReadError.self, "\(name)") { try Self.readAll(Fixtures.path(name + ".parquet")) }
    }

    @Test("wrong page checksums are detected when verification is on, ignored when off")
    func checksums() throws {
        for name in Fixtures.corruptChecksums {
            #expect(throws: ParquetReadError.self, "\(name)") { try Self.readAll(Fixtures.path(name + ".parquet"), verify: true) }
            #expect(throws: Never.self, "\(name)") { try Self.readAll(Fixtures.path(name + ".parquet"), verify: false) }
        }
        for name in Fixtures.goodChecksums {
            #expect(throws: Never.self, "\(name)") { try Self.readAll(Fixtures.path(name + ".parquet"), verify: true) }
        }
    }

    @Test("mutated conformance files never trap")
    func mutations() throws {
        var rng = SeededRandom(seed: 31)
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        for name in ["data/alltypes_plain", "data/delta_byte_array", "data/nested_lists.snappy", "data/rle_boolean_encoding",
                     "data/byte_stream_split.zstd", "data/datapage_v1-snappy-compressed-checksum"] {
            let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Fixtures.path(name + ".parquet"))))
            for k in 0..<40 {
                var bytes = original
                for _ in 0..<Int.random(in: 1...6, using: &rng) {
                    bytes[Int.random(in: 4..<(bytes.count - 8), using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
                let p = directory.file("m\(k).parquet")
                try Data(bytes).write(to: URL(fileURLWithPath: p))
                _ = try? Self.readAll(p)
            }
        }
    }
}
