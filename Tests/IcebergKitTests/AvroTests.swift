import Foundation
import IcebergKit
import LakeTestSupport
import Testing

/// A schema shaped like Iceberg's manifest entry: nested records, optional fields, arrays with
/// element ids, maps with key/value ids, bytes, fixed, logical types.
let manifestLikeSchema = AvroSchema.record(AvroRecord(name: "manifest_entry", fields: [
    AvroField(name: "status", type: .int, fieldID: 0),
    AvroField(name: "snapshot_id", type: .optional(.long), fieldID: 1, defaultValue: .null),
    AvroField(name: "data_file", type: .record(AvroRecord(name: "r2", fields: [
        AvroField(name: "file_path", type: .string, fieldID: 100),
        AvroField(name: "record_count", type: .long, fieldID: 103),
        AvroField(name: "column_sizes", type: .optional(.array(items: .record(AvroRecord(name: "k117_v118", fields: [
            AvroField(name: "key", type: .int, fieldID: 117), AvroField(name: "value", type: .long, fieldID: 118),
        ], properties: [:])), elementID: 104)), fieldID: 108, defaultValue: .null),
        AvroField(name: "lower_bounds", type: .optional(.map(values: .bytes, keyID: 126, valueID: 127)), fieldID: 125, defaultValue: .null),
        AvroField(name: "ratio", type: .double, fieldID: 130),
        AvroField(name: "weight", type: .float, fieldID: 131),
        AvroField(name: "flag", type: .boolean, fieldID: 132),
        AvroField(name: "day", type: .logical(.int, name: "date", properties: [:]), fieldID: 133),
        AvroField(name: "key_metadata", type: .optional(.bytes), fieldID: 131_1, defaultValue: .null),
        AvroField(name: "id", type: .fixed(name: "uuid_fixed", size: 16), fieldID: 134),
    ])), fieldID: 2),
]))

func sampleRecord(_ i: Int) -> AvroValue {
    let snapshot: AvroValue = i % 4 == 0 ? .union(branch: 0, .null) : .union(branch: 1, .long(Int64(i) * 1_000_000_007))
    var sizes: [AvroValue] = []
    for k in 0..<(i % 4) { sizes.append(.record([.int(Int32(k)), .long(Int64(k * i))])) }
    let columnSizes: AvroValue = i % 5 == 0 ? .union(branch: 0, .null) : .union(branch: 1, .array(sizes))
    let bounds: AvroValue = .union(branch: 1, .map([("1", .bytes([1, 2, UInt8(i % 256)])), ("2", .bytes([]))]))
    let uuid: [UInt8] = (0..<16).map { UInt8(($0 + i) % 256) }
    var dataFile: [AvroValue] = [.string("s3://bucket/data/part-\(i)-é.parquet"), .long(Int64(i * 10)), columnSizes, bounds]
    dataFile += [.double(Double(i) / 3), .float(Float(i) * 0.5), .boolean(i % 2 == 0), .int(Int32(19_000 + i))]
    dataFile += [.union(branch: 0, .null), .fixed(uuid)]
    return .record([.int(Int32(i % 3)), snapshot, .record(dataFile)])
}

func sampleRecords(_ n: Int) -> [AvroValue] { (0..<n).map(sampleRecord) }

@Suite("Avro object container files")
struct AvroTests {
    @Test("round-trip through every codec, across block boundaries")
    func roundTrip() throws {
        let records = sampleRecords(2500)
        for codec in AvroCodec.allCases {
            var writer = AvroContainerWriter(schema: manifestLikeSchema, codec: codec, metadata: ["format-version": "2"])
            writer.recordsPerBlock = 700
            for r in records { try writer.append(r) }
            let bytes = try writer.finish()
            let reader = try AvroContainerReader(bytes: bytes)
            #expect(reader.schema == manifestLikeSchema, "\(codec): schema with ids round-trips")
            #expect(reader.metadataString("format-version") == "2")
            #expect(try reader.records() == records, "\(codec)")
        }
    }

    @Test("corrupt files give typed errors; mutations never trap")
    func corrupt() throws {
        var writer = AvroContainerWriter(schema: manifestLikeSchema, codec: .deflate)
        for r in sampleRecords(50) { try writer.append(r) }
        let bytes = try writer.finish()
        #expect(throws: AvroError.self) { try AvroContainerReader(bytes: Array("not avro".utf8)) }
        // Found by the fuzzer: a block count of Int64.min must not overflow when negated.
        let minCount: [UInt8] = [0x4F, 0x62, 0x6A, 0x01] + Array(repeating: 0xFF, count: 9) + [0x2F, 0xFF, 0xFF, 0xFF]
        #expect(throws: AvroError.self) { try AvroContainerReader(bytes: minCount) }
        #expect(throws: AvroError.self) { try AvroContainerReader(bytes: Array(bytes.prefix(bytes.count - 20))).records() }
        var badSync = bytes
        badSync[badSync.count - 1] ^= 0xFF
        #expect(throws: AvroError.self) { try AvroContainerReader(bytes: badSync).records() }
        var rng = SeededRandom(seed: 5)
        for _ in 0..<500 {
            var m = bytes
            for _ in 0..<Int.random(in: 1...4, using: &rng) { m[Int.random(in: 0..<m.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
            _ = try? AvroContainerReader(bytes: m).records()
        }
    }

    @Test("fastavro reads our files with field ids; we read fastavro's", .enabled(if: Interop.enabled))
    func fastavroInterop() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let records = sampleRecords(300)
        for codec in AvroCodec.allCases {
            var writer = AvroContainerWriter(schema: manifestLikeSchema, codec: codec, metadata: ["schema-id": "0"])
            for r in records { try writer.append(r) }
            let path = directory.file("ours-\(codec).avro")
            try Data(try writer.finish()).write(to: URL(fileURLWithPath: path))
            let out = try Interop.runText("""
                import sys, json, fastavro
                with open(sys.argv[1], "rb") as f:
                    r = fastavro.reader(f)
                    rows = list(r)
                    schema = r.writer_schema
                    meta = r.metadata
                def ids(s, acc):
                    if isinstance(s, dict):
                        for k in ("field-id", "element-id", "key-id", "value-id"):
                            if k in s: acc.append(s[k])
                        for v in s.values(): ids(v, acc)
                    elif isinstance(s, list):
                        for v in s: ids(v, acc)
                    return acc
                first = rows[1]
                print(json.dumps({"n": len(rows), "codec": meta.get("avro.codec"), "ids": sorted(set(ids(schema, []))),
                                  "path": first["data_file"]["file_path"], "snap": first["snapshot_id"],
                                  "sizes": first["data_file"]["column_sizes"], "bounds": {k: v.hex() for k, v in first["data_file"]["lower_bounds"].items()},
                                  "uuid": first["data_file"]["id"].hex(), "day": str(first["data_file"]["day"]), "ratio": first["data_file"]["ratio"]}))
                """, arguments: [path])
            let info = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
            #expect(info["n"] as? Int == 300)
            #expect(info["codec"] as? String == codec.rawValue)
            #expect(info["ids"] as? [Int] == [0, 1, 2, 100, 103, 104, 108, 117, 118, 125, 126, 127, 130, 131, 132, 133, 134, 1311])
            #expect(info["path"] as? String == "s3://bucket/data/part-1-é.parquet")
            #expect(info["snap"] as? Int == 1_000_000_007)
            #expect((info["sizes"] as? [[String: Int]])?.map { [$0["key"]!, $0["value"]!] } == [[0, 0]])
            #expect(info["bounds"] as? [String: String] == ["1": "010201", "2": ""])
            #expect(info["uuid"] as? String == "0102030405060708090a0b0c0d0e0f10")
            #expect(info["day"] as? String == "2022-01-09", "date logical type: day 19001")
            #expect(info["ratio"] as? Double == 1.0 / 3)
        }
        // fastavro writes; we read.
        for codec in ["null", "deflate", "snappy", "zstandard"] {
            let path = directory.file("theirs-\(codec).avro")
            _ = try Interop.runText("""
                import sys, fastavro
                schema = {"type": "record", "name": "t", "fields": [
                    {"name": "a", "type": "long", "field-id": 1}, {"name": "b", "type": ["null", "string"], "field-id": 2},
                    {"name": "c", "type": {"type": "array", "items": "int", "element-id": 4}, "field-id": 3}]}
                rows = [{"a": i * 7, "b": None if i % 3 == 0 else f"v{i}", "c": list(range(i % 5))} for i in range(5000)]
                with open(sys.argv[1], "wb") as f:
                    fastavro.writer(f, fastavro.parse_schema(schema), rows, codec=sys.argv[2], sync_interval=4000)
                """, arguments: [path, codec])
            let reader = try AvroContainerReader(bytes: [UInt8](Data(contentsOf: URL(fileURLWithPath: path))), path: path)
            let rows = try reader.records()
            #expect(rows.count == 5000, "\(codec)")
            #expect(rows[4] == .record([.long(28), .union(branch: 1, .string("v4")), .array([.int(0), .int(1), .int(2), .int(3)])]), "\(codec)")
            #expect(rows[3] == .record([.long(21), .union(branch: 0, .null), .array([.int(0), .int(1), .int(2)])]))
            guard case let .record(r) = reader.schema else { Issue.record("not a record"); continue }
            #expect(r.fields.map(\.fieldID) == [1, 2, 3])
        }
    }
}
