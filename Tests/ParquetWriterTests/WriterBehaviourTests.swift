import Foundation
import LakeColumnar
import LakeTestSupport
import ParquetWriter
import Testing

func stringBatch(_ values: [String?], name: String = "s") throws -> RecordBatch {
    try RecordBatch(schema: Schema(fields: [Field(name: name, id: 1, type: .string)]), columns: [.binary(BinaryColumn(values))])
}

@Suite("Parquet writer behaviour")
struct WriterBehaviourTests {
    @Test("a batch that does not match the schema, or holds invalid UTF-8, fails before anything is written")
    func malformedInput() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let path = directory.file("bad.parquet")
        let good = try stringBatch(["a", "b"])
        let writer = try ParquetFileWriter(path: path, schema: good.schema)
        try writer.write(good)
        let other = try RecordBatch(schema: Schema(fields: [Field(name: "x", id: 1, type: .int32)]),
                                    columns: [.int32(PrimitiveColumn<Int32>(values: [1]))])
        #expect(throws: ParquetError.self) { try writer.write(other) }
        let invalid = try RecordBatch(schema: good.schema, columns: [.binary(BinaryColumn(bytes: [[0x61], [0xC3, 0x28]]))])
        do {
            try writer.write(invalid)
            Issue.record("invalid UTF-8 accepted")
        } catch {
            #expect(error.kind == .invalidUTF8(column: "s", row: 1))
        }
        // The writer is still usable after a rejected batch, and only the good rows are in the file.
        try writer.write(good)
        let result = try writer.close()
        #expect(result.rowCount == 4)
    }

    @Test("encoding on several threads writes the same bytes as one thread",
          arguments: [ParquetCodec.zstd, .snappy, .uncompressed])
    func threadsDoNotChangeTheFile(codec: ParquetCodec) throws {
        let batch = try sampleBatch(rows: 5000, seed: 23)
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        var files: [[UInt8]] = []
        for threads in [1, 2, 4] {
            var properties = WriterProperties()
            properties.codec = codec
            properties.encodingThreads = threads
            properties.dataPageRowLimit = 400
            properties.rowGroupRows = 1800
            properties.bloomFilters["text"] = BloomFilterOptions()
            let path = directory.file("t\(threads).parquet")
            let writer = try ParquetFileWriter(path: path, schema: batch.schema, properties: properties)
            for start in stride(from: 0, to: batch.rowCount, by: 700) {
                try writer.write(batch.slice(start..<min(batch.rowCount, start + 700)))
            }
            _ = try writer.close()
            files.append(try #require(FileManager.default.contents(atPath: path)).map { $0 })
        }
        #expect(files[0].count > 1000)
        #expect(firstDifference(files[1], files[0]) == nil)
        #expect(firstDifference(files[2], files[0]) == nil)
    }

    @Test("an abandoned or failed write leaves nothing at the path")
    func noPartialFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let path = directory.file("partial.parquet")
        do {
            let writer = try ParquetFileWriter(path: path, schema: try stringBatch([]).schema)
            try writer.write(try stringBatch(["x"]))
            writer.abort()
            #expect(throws: ParquetError.self) { try writer.close() }
        }
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty, "temporary file removed")
        do {
            // Dropped without close: deinit removes the temporary file.
            let writer = try ParquetFileWriter(path: path, schema: try stringBatch([]).schema)
            try writer.write(try stringBatch(["y"]))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test("statistics: NaN excluded and counted, zeros signed, strings truncated with exact flags")
    func statistics() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let schema = try Schema(fields: [Field(name: "f", id: 1, type: .float64), Field(name: "s", id: 2, type: .string),
                                         Field(name: "n", id: 3, type: .float32)])
        let long = String(repeating: "z", count: 100)
        let batch = try RecordBatch(schema: schema, columns: [
            .float64(PrimitiveColumn<Double>([.nan, 0.0, -0.0, nil, .nan])),
            .binary(BinaryColumn(["b", long, nil, "a" + long, "c"])),
            .float32(PrimitiveColumn<Float>([.nan, .nan, nil, .nan, .nan])),
        ])
        let path = directory.file("stats.parquet")
        let writer = try ParquetFileWriter(path: path, schema: schema)
        try writer.write(batch)
        let result = try writer.close()
        let f = result.columns[0], s = result.columns[1], n = result.columns[2]
        #expect(f.nanCount == 2 && f.nullCount == 1)
        #expect(f.lowerBound.map { Double(bitPattern: UInt64(littleEndian: $0.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })) }?.sign == .minus)
        #expect(f.upperBound.map { Double(bitPattern: UInt64(littleEndian: $0.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })) }?.sign == .plus)
        #expect(s.lowerBound == Array(("a" + String(repeating: "z", count: 63)).utf8) && !s.lowerBoundExact)
        #expect(s.upperBound == Array((String(repeating: "z", count: 63) + "{").utf8) && !s.upperBoundExact, "max truncated upward")
        #expect(n.lowerBound == nil && n.nanCount == 4, "all-NaN column has no bounds")

        guard Interop.enabled else { return }
        let script = """
            import sys, json, pyarrow.parquet as pq
            md = pq.ParquetFile(sys.argv[1]).metadata.row_group(0)
            out = []
            for c in range(md.num_columns):
                st = md.column(c).statistics
                out.append([st.has_min_max, st.null_count, repr(st.min) if st.has_min_max else None, repr(st.max) if st.has_min_max else None,
                            md.column(c).has_column_index])
            print(json.dumps(out))
            """
        let stats = try #require(try JSONSerialization.jsonObject(with: Data(try Interop.runText(script, arguments: [path]).utf8)) as? [[Any]])
        #expect(stats[0][0] as? Bool == true && stats[0][1] as? Int == 1)
        #expect(stats[0][2] as? String == "-0.0" && stats[0][3] as? String == "0.0")
        #expect(stats[1][2] as? String == "'a" + String(repeating: "z", count: 63) + "'")
        #expect(stats[2][0] as? Bool == false, "no min/max for an all-NaN chunk")
        #expect(stats[0][4] as? Bool == true)
        #expect(stats[2][4] as? Bool == false, "no column index with an all-NaN page")
    }

    @Test("dictionary falls back to PLAIN past its limit; both encodings listed; values intact")
    func dictionaryFallback() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let values = (0..<5000).map { "value-\($0)-" + String(repeating: "x", count: $0 % 50) }
        var properties = WriterProperties()
        properties.dictionaryPageSizeLimit = 10_000
        properties.dataPageRowLimit = 500
        let path = directory.file("fallback.parquet")
        let writer = try ParquetFileWriter(path: path, schema: try stringBatch([]).schema, properties: properties)
        try writer.write(try stringBatch(values))
        let result = try writer.close()
        let meta = result.metadata.rowGroups[0].columns[0].metaData
        #expect(meta.encodings.contains(.rleDictionary) && meta.encodings.contains(.plain))
        #expect(meta.encodingStats.contains { $0.pageType == .dictionaryPage })
        guard Interop.enabled else { return }
        let read = try Interop.runText("import sys, json, pyarrow.parquet as pq; print(json.dumps(pq.read_table(sys.argv[1]).column(0).to_pylist()))",
                                       arguments: [path])
        #expect(try JSONSerialization.jsonObject(with: Data(read.utf8)) as? [String] == values)
    }

    @Test("a chunk that falls back writes its dictionary page early: values, checksums and bloom filters intact")
    func earlyDictionaryPage() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let schema = try Schema(fields: [Field(name: "s", id: 1, type: .string), Field(name: "i", id: 2, type: .int64)])
        let strings = (0..<6000).map { "id-\($0 * 13)" }
        let numbers = (0..<6000).map { Int64($0) * 1_000_003 }
        var properties = WriterProperties()
        properties.dictionaryPageSizeLimit = 8_000      // both columns fall back within the first batch
        properties.dataPageRowLimit = 700
        properties.pageChecksums = true
        properties.bloomFilters = ["s": BloomFilterOptions(), "i": BloomFilterOptions()]
        properties.rowGroupRows = 4000                  // a second row group starts with a fresh dictionary
        let path = directory.file("early.parquet")
        let writer = try ParquetFileWriter(path: path, schema: schema, properties: properties)
        for start in stride(from: 0, to: 6000, by: 1500) {
            try writer.write(try RecordBatch(schema: schema, columns: [
                .binary(BinaryColumn(Array(strings[start..<(start + 1500)]))),
                .int64(PrimitiveColumn<Int64>(values: Array(numbers[start..<(start + 1500)]))),
            ]))
        }
        let result = try writer.close()
        #expect(result.metadata.rowGroups.count == 2)
        for group in result.metadata.rowGroups {
            for column in group.columns {
                #expect(column.metaData.encodings.contains(.rleDictionary) && column.metaData.encodings.contains(.plain))
                #expect(column.metaData.dictionaryPageOffset != nil)
            }
        }
        let reader = try ParquetReader(path: path, options: ParquetReadOptions(verifyChecksums: true))
        var it = try reader.batches(columns: .names(["s", "i"]))
        var readStrings: [String?] = [], readNumbers: [Int64?] = []
        while let b = try it.next() {
            guard case let .binary(s) = b.columns[0], case let .int64(i) = b.columns[1] else { Issue.record("types"); return }
            readStrings += (0..<s.count).map { s.string(at: $0) }
            readNumbers += i.optionals
        }
        #expect(readStrings == strings)
        #expect(readNumbers == numbers)
        for (k, value) in strings.enumerated() where k % 37 == 0 {
            let group = k < 4000 ? 0 : 1
            #expect(try reader.bloomFilterMightContain(rowGroup: group, column: "s", value: .binary(Array(value.utf8))) == true)
            #expect(try reader.bloomFilterMightContain(rowGroup: group, column: "i", value: .int64(numbers[k])) == true)
        }
        guard Interop.enabled else { return }
        let read = try Interop.runText("""
            import sys, json, pyarrow.parquet as pq
            t = pq.read_table(sys.argv[1], page_checksum_verification=True)
            print(json.dumps([t.column(0).to_pylist(), t.column(1).to_pylist()]))
            """, arguments: [path])
        let both = try JSONSerialization.jsonObject(with: Data(read.utf8)) as? [[Any]]
        #expect(both?[0] as? [String] == strings)
        #expect((both?[1] as? [NSNumber])?.map(\.int64Value) == numbers)
    }

    @Test("bloom filters answer membership: DuckDB probes find every written value", .enabled(if: Interop.enabled))
    func bloomFilters() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let schema = try Schema(fields: [Field(name: "s", id: 1, type: .string), Field(name: "i", id: 2, type: .int64)])
        let strings = (0..<2000).map { "user-\($0 * 7)" }
        let batch = try RecordBatch(schema: schema, columns: [
            .binary(BinaryColumn(strings)), .int64(PrimitiveColumn<Int64>(values: (0..<2000).map { Int64($0) * 3 })),
        ])
        var properties = WriterProperties()
        properties.bloomFilters = ["s": BloomFilterOptions(falsePositiveProbability: 0.01), "i": BloomFilterOptions()]
        let path = directory.file("bloom.parquet")
        let writer = try ParquetFileWriter(path: path, schema: schema, properties: properties)
        try writer.write(batch)
        _ = try writer.close()
        let script = """
            import sys, json, duckdb
            con = duckdb.connect()
            p = sys.argv[1]
            present = [con.execute(f"SELECT bloom_filter_excludes FROM parquet_bloom_probe('{p}', 's', 'user-{k*7}')").fetchone()[0] for k in range(0, 2000, 97)]
            absent = [con.execute(f"SELECT bloom_filter_excludes FROM parquet_bloom_probe('{p}', 's', 'nobody-{k}')").fetchone()[0] for k in range(200)]
            ipresent = [con.execute(f"SELECT bloom_filter_excludes FROM parquet_bloom_probe('{p}', 'i', {k*3})").fetchone()[0] for k in range(0, 2000, 101)]
            iabsent = [con.execute(f"SELECT bloom_filter_excludes FROM parquet_bloom_probe('{p}', 'i', {k*3+1})").fetchone()[0] for k in range(200)]
            print(json.dumps([present, absent, ipresent, iabsent]))
            """
        let out = try #require(try JSONSerialization.jsonObject(with: Data(try Interop.runText(script, arguments: [path]).utf8)) as? [[Bool]])
        #expect(out[0].allSatisfy { !$0 }, "a written string is never excluded")
        #expect(out[2].allSatisfy { !$0 }, "a written integer is never excluded")
        #expect(out[1].filter { $0 }.count >= 190, "absent strings are excluded (fpp 1%): \(out[1].filter { $0 }.count)/200")
        #expect(out[3].filter { $0 }.count >= 180, "absent integers are excluded: \(out[3].filter { $0 }.count)/200")
    }

    @Test("logical-type refinements and column key-value metadata as pyarrow sees them", .enabled(if: Interop.enabled))
    func logicalTypes() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let fields: [(String, DataType, String)] = [
            ("j", .string, "json"), ("e", .string, "enum"), ("u8", .int32, "uint8"), ("i16", .int32, "int16"),
            ("u32", .int32, "uint32"), ("u64", .int64, "uint64"), ("tms", .int64, "timestamp-millis"),
            ("tns", .int64, "timestamp-nanos-local"), ("tm", .int64, "time-micros"), ("uuid", .fixedSizeBinary(byteWidth: 16), "uuid"),
        ]
        let schema = try Schema(fields: fields.enumerated().map { i, f in
            Field(name: f.0, id: Int32(i + 1), type: f.1, metadata: ["parquet.logical": f.2, "origin": "lakehouse-\(f.0)"])
        })
        let columns: [Column] = fields.map { f in
            switch f.1 {
            case .string: return .binary(BinaryColumn(["{\"a\":1}", nil]))
            case .int32: return .int32(PrimitiveColumn<Int32>([7, nil]))
            case .int64: return .int64(PrimitiveColumn<Int64>([1_700_000_000_123, nil]))
            default: return .fixedSizeBinary(try! FixedSizeBinaryColumn(byteWidth: 16, bytes: Array(0..<32)))
            }
        }
        let path = directory.file("logical.parquet")
        let writer = try ParquetFileWriter(path: path, schema: schema)
        try writer.write(try RecordBatch(schema: schema, columns: columns))
        _ = try writer.close()
        let out = try Interop.runText("""
            import sys, json, pyarrow.parquet as pq
            f = pq.ParquetFile(sys.argv[1])
            md = f.metadata.row_group(0)
            print(json.dumps({"logical": [str(f.schema.column(i).logical_type) for i in range(len(f.schema))],
                              "arrow": [str(t) for t in f.schema_arrow.types],
                              "kv": [{k.decode(): v.decode() for k, v in (md.column(i).metadata or {}).items()} for i in range(md.num_columns)]}))
            """, arguments: [path])
        let info = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        let arrow = try #require(info["arrow"] as? [String])
        // pyarrow maps ENUM to binary (it has no enum string type); JSON and UUID become extension types.
        #expect(arrow == ["extension<arrow.json>", "binary", "uint8", "int16", "uint32", "uint64", "timestamp[ms, tz=UTC]",
                          "timestamp[ns]", "time64[us]", "extension<arrow.uuid>"], "\(arrow)")
        let logical = try #require(info["logical"] as? [String])
        #expect(logical[0].contains("JSON") && logical[1].contains("Enum") && logical[9].contains("UUID"), "\(logical)")
        let kv = try #require(info["kv"] as? [[String: String]])
        #expect(kv.enumerated().allSatisfy { i, m in m == ["origin": "lakehouse-\(fields[i].0)"] }, "\(kv)")
    }
}
