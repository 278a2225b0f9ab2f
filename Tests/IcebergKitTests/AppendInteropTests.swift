import Foundation
import IcebergKit
import LakeColumnar
import LakeTestSupport
import Testing

@Suite("Iceberg appends read by pyiceberg and DuckDB", .enabled(if: Interop.enabled))
struct AppendInteropTests {
    @Test("a day-partitioned table with two appends reads row-identically at each snapshot")
    func appendsAndTimeTravel() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let schema = IcebergSchema(fields: [
            NestedField(id: 1, name: "id", required: true, type: .long),
            NestedField(id: 2, name: "ts", required: false, type: .timestamptz),
            NestedField(id: 3, name: "path", required: false, type: .string),
            NestedField(id: 4, name: "bytes", required: false, type: .double),
        ])
        let spec = PartitionSpec(fields: [PartitionField(sourceID: 2, fieldID: 1000, name: "ts_day", transform: .day)])
        let location = "file://" + directory.path + "/wh/ns/t"
        let catalog = try SQLiteCatalog(path: directory.file("catalog.db"), warehouse: "file://" + directory.path + "/wh")
        try await catalog.createNamespace("ns")
        var table = try await catalog.createTable(TableIdentifier(namespace: "ns", name: "t"),
                                                  TableDefinition(schema: schema, spec: spec, location: location))
        #expect(table.metadata.location == location)
        let columnar = try schema.columnarSchema()
        func batch(_ range: Range<Int>) throws -> RecordBatch {
            try RecordBatch(schema: columnar, columns: [
                .int64(PrimitiveColumn<Int64>(values: range.map(Int64.init))),
                .int64(PrimitiveColumn<Int64>(range.map { $0 % 11 == 0 ? nil : 1_709_769_600_000_000 + Int64($0) * 3_600_000_000 })),
                .binary(BinaryColumn(range.map { $0 % 7 == 0 ? nil : "/page/\($0 % 13)" })),
                .float64(PrimitiveColumn<Double>(range.map { $0 % 5 == 0 ? nil : Double($0) * 1.5 })),
            ])
        }
        var snapshots: [Int64] = []
        var written: [DataFile] = []
        for range in [0..<100, 100..<250] {
            let files = try await writeFiles(table, try batch(range))
            written += files
            #expect(files.count > 1, "rows spread over several days")
            table = try await commitFiles(table, files)
            snapshots.append(try #require(table.metadata.currentSnapshotID))
        }
        let metadata = table.metadata, metadataPath = table.metadataLocation
        #expect(metadata.snapshots.count == 2 && metadata.metadataLog.count == 2)
        let script = """
            import sys, json, duckdb
            from pyiceberg.table import StaticTable
            path, snaps = sys.argv[1], json.loads(sys.argv[2])
            t = StaticTable.from_metadata(path)
            out = {}
            for s in snaps:
                rows = t.scan(snapshot_id=s).to_arrow().sort_by("id").to_pylist()
                out[str(s)] = [[r["id"], None if r["ts"] is None else int(r["ts"].timestamp() * 1e6), r["path"], r["bytes"]] for r in rows]
            files = t.inspect.files().to_pylist()
            out["files"] = len(files)
            out["record_counts"] = sum(f["record_count"] for f in files)
            out["null_counts_path"] = sum(f["null_value_counts"].get(3, 0) if isinstance(f["null_value_counts"], dict) else dict(f["null_value_counts"]).get(3, 0) for f in files)
            out["pruned"] = len(t.scan(row_filter="ts >= '2024-03-16T00:00:00+00:00'").plan_files())
            import glob, os, importlib
            con = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
            con.execute("SET enable_progress_bar=false")
            for name in ("avro", "iceberg"):  # avro first: iceberg would otherwise try to install it
                base = os.path.dirname(importlib.import_module(f"duckdb_extension_{name}").__file__)
                ext = glob.glob(os.path.join(base, "extensions", "**", f"{name}.duckdb_extension"), recursive=True)[0]
                con.execute(f"LOAD '{ext}'")
            out["duckdb"] = con.execute(f"SELECT count(*), sum(id), count(path) FROM iceberg_scan('{path}')").fetchone()
            print(json.dumps(out))
            """
        let out = try Interop.runText(script, arguments: [LocalFileIOPath.strip(metadataPath), "[\(snapshots.map(String.init).joined(separator: ","))]"])
        let info = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        for (k, s) in snapshots.enumerated() {
            let rows = try #require(info[String(s)] as? [[Any]])
            let expected = try batch(0..<(k == 0 ? 100 : 250))
            #expect(rows.count == expected.rowCount, "snapshot \(k)")
            for (r, row) in rows.enumerated() {
                #expect((row[0] as? Int) == r)
                let ts = expected.columns[1].scalar(at: r)
                if case let .int64(v)? = ts { #expect((row[1] as? Int) == Int(v)) } else { #expect(row[1] is NSNull) }
                if case let .binary(b)? = expected.columns[2].scalar(at: r) { #expect(row[2] as? String == String(decoding: b, as: UTF8.self)) } else { #expect(row[2] is NSNull) }
                if case let .float64(d)? = expected.columns[3].scalar(at: r) { #expect(row[3] as? Double == d) } else { #expect(row[3] is NSNull) }
            }
        }
        #expect(info["record_counts"] as? Int == 250)
        #expect(info["null_counts_path"] as? Int == (0..<250).filter { $0 % 7 == 0 }.count, "metrics from the Parquet footer")
        #expect((info["pruned"] as? Int ?? 999) < (info["files"] as? Int ?? 0), "pyiceberg prunes by our partition values and bounds")
        // fastavro reads our manifest list and manifests, with every Avro field carrying a field id.
        let avro = try Interop.runText("""
            import sys, json, fastavro
            def ids_ok(schema):
                ok = True
                def walk(s, in_record_field=False):
                    nonlocal ok
                    if isinstance(s, dict):
                        if s.get("type") == "record":
                            for f in s["fields"]:
                                if "field-id" not in f: ok = False
                                walk(f["type"])
                        elif s.get("type") == "array": walk(s["items"])
                        elif s.get("type") == "map": walk(s["values"])
                    elif isinstance(s, list):
                        for b in s: walk(b)
                walk(schema)
                return ok
            with open(sys.argv[1], "rb") as f:
                r = fastavro.reader(f); lists = list(r); list_ok = ids_ok(r.writer_schema)
            entries = 0; manifest_ok = True; meta = {}
            for m in lists:
                with open(m["manifest_path"].replace("file://", ""), "rb") as f:
                    r = fastavro.reader(f); entries += len(list(r)); manifest_ok = manifest_ok and ids_ok(r.writer_schema)
                    meta = {k: v for k, v in r.metadata.items() if not k.startswith("avro.")}
            print(json.dumps({"manifests": len(lists), "entries": entries, "ids": list_ok and manifest_ok, "keys": sorted(meta)}))
            """, arguments: [LocalFileIOPath.strip(metadata.currentSnapshot!.manifestList!)])
        let avroInfo = try #require(try JSONSerialization.jsonObject(with: Data(avro.utf8)) as? [String: Any])
        #expect(avroInfo["manifests"] as? Int == 2)
        #expect(avroInfo["entries"] as? Int == info["files"] as? Int)
        #expect(avroInfo["ids"] as? Bool == true)
        #expect(avroInfo["keys"] as? [String] == ["content", "format-version", "partition-spec", "partition-spec-id", "schema", "schema-id"])
        let duck = try #require(info["duckdb"] as? [Int])
        #expect(duck == [250, (0..<250).reduce(0, +), (0..<250).filter { $0 % 7 != 0 }.count])
        try compareFileMetrics(written, metadataPath: LocalFileIOPath.strip(metadataPath))
    }

    /// Every data file's metrics three ways: ours, pyiceberg's `inspect.files` (what our manifests
    /// say, as pyiceberg decodes them), and pyiceberg's own computation from the Parquet footer.
    func compareFileMetrics(_ written: [DataFile], metadataPath: String) throws {
        let out = try Interop.runText("""
            import sys, json
            import pyarrow.parquet as pq
            from pyiceberg.table import StaticTable
            from pyiceberg.io.pyarrow import data_file_statistics_from_parquet_metadata, compute_statistics_plan, parquet_path_to_id_mapping
            t = StaticTable.from_metadata(sys.argv[1])
            schema = t.schema()
            plan = compute_statistics_plan(schema, t.metadata.properties)
            mapping = parquet_path_to_id_mapping(schema)
            def counts(m):
                return {str(k): v for k, v in (m.items() if isinstance(m, dict) else (m or []))}
            def bounds(m):
                return {str(k): bytes(v).hex() for k, v in (m.items() if isinstance(m, dict) else (m or []))}
            result = {}
            for f in t.inspect.files().to_pylist():
                path = f["file_path"]
                stats = data_file_statistics_from_parquet_metadata(pq.read_metadata(path.replace("file://", "")), plan, mapping)
                computed = stats.to_serialized_dict()
                result[path] = {
                    "manifest": {"record_count": f["record_count"], "file_size_in_bytes": f["file_size_in_bytes"],
                                 "column_sizes": counts(f["column_sizes"]), "value_counts": counts(f["value_counts"]),
                                 "null_value_counts": counts(f["null_value_counts"]), "nan_value_counts": counts(f["nan_value_counts"]),
                                 "lower_bounds": bounds(f["lower_bounds"]), "upper_bounds": bounds(f["upper_bounds"]),
                                 "split_offsets": f["split_offsets"]},
                    "computed": {"record_count": computed["record_count"], "column_sizes": counts(computed["column_sizes"]),
                                 "value_counts": counts(computed["value_counts"]), "null_value_counts": counts(computed["null_value_counts"]),
                                 "lower_bounds": bounds(computed["lower_bounds"]), "upper_bounds": bounds(computed["upper_bounds"]),
                                 "split_offsets": computed["split_offsets"]},
                }
            print(json.dumps(result))
            """, arguments: [metadataPath])
        let info = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: [String: [String: Any]]])
        #expect(info.count == written.count)
        func counts(_ m: [Int32: Int64]) -> [String: Int] { Dictionary(uniqueKeysWithValues: m.map { (String($0.key), Int($0.value)) }) }
        func hex(_ m: [Int32: [UInt8]]) -> [String: String] {
            Dictionary(uniqueKeysWithValues: m.map { (String($0.key), $0.value.map { String(format: "%02x", $0) }.joined()) })
        }
        for file in written {
            guard let theirs = info[file.filePath], let manifest = theirs["manifest"], let computed = theirs["computed"] else {
                Issue.record("pyiceberg does not list \(file.filePath)")
                continue
            }
            #expect(manifest["record_count"] as? Int == Int(file.recordCount))
            #expect(manifest["file_size_in_bytes"] as? Int == Int(file.fileSizeInBytes))
            #expect(manifest["column_sizes"] as? [String: Int] == counts(file.columnSizes))
            #expect(manifest["value_counts"] as? [String: Int] == counts(file.valueCounts))
            #expect(manifest["null_value_counts"] as? [String: Int] == counts(file.nullValueCounts))
            #expect(manifest["nan_value_counts"] as? [String: Int] == counts(file.nanValueCounts))
            #expect(manifest["lower_bounds"] as? [String: String] == hex(file.lowerBounds))
            #expect(manifest["upper_bounds"] as? [String: String] == hex(file.upperBounds))
            #expect(manifest["split_offsets"] as? [Int] == file.splitOffsets?.map(Int.init))
            // pyiceberg's own reading of the Parquet footer agrees with the metrics we derived from it.
            #expect(computed["record_count"] as? Int == Int(file.recordCount))
            #expect(computed["column_sizes"] as? [String: Int] == counts(file.columnSizes))
            #expect(computed["value_counts"] as? [String: Int] == counts(file.valueCounts))
            #expect(computed["null_value_counts"] as? [String: Int] == counts(file.nullValueCounts))
            #expect(computed["lower_bounds"] as? [String: String] == hex(file.lowerBounds), "lower bounds of \(file.filePath)")
            #expect(computed["upper_bounds"] as? [String: String] == hex(file.upperBounds), "upper bounds of \(file.filePath)")
            #expect(computed["split_offsets"] as? [Int] == file.splitOffsets?.map(Int.init))
        }
    }
}

enum LocalFileIOPath {
    static func strip(_ p: String) -> String { p.hasPrefix("file://") ? String(p.dropFirst(7)) : p }
}
