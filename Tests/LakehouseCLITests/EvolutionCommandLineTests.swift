import Foundation
import LakeTestSupport
import Testing

@Suite("CLI: create from a Parquet schema, schema / partition / sort evolution, properties")
struct EvolutionCommandLineTests {
    @Test("create --schema-from/--partition/--sort/--property, then schema, partition, sort and properties; bad input exits non-zero and leaves the table; pyiceberg sees each change",
          .enabled(if: BuiltCLI.path != nil && Interop.enabled))
    func evolveFromTheCommandLine() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        _ = try Interop.runText("""
            import sys, datetime
            import pyarrow as pa, pyarrow.parquet as pq
            pq.write_table(pa.table({"id": pa.array([1, 2, 3], pa.int64()),
                                     "ts": pa.array([datetime.datetime(2024, 3, 1, h) for h in (1, 5, 9)], pa.timestamp("us")),
                                     "region": ["eu", "us", "eu"], "n": pa.array([1, 2, 3], pa.int32())}), sys.argv[1])
            """, arguments: [directory.file("in.parquet")])
        func run(_ arguments: [String]) throws -> BuiltCLI.Run {
            try BuiltCLI.run(["iceberg"] + arguments + ["--catalog", directory.file("catalog.db"), "--warehouse", directory.path], in: directory.path)
        }
        func ok(_ arguments: [String]) throws -> String {
            let r = try run(arguments)
            #expect(r.status == 0, "\(arguments): \(r.stderr)")
            return r.stdout
        }
        let created = try ok(["create", "db.t", "--schema-from", "in.parquet", "--partition", "hour(ts)", "--partition", "region",
                              "--sort", "id", "DESC", "--property", "owner=tests"])
        #expect(created.contains("1000: ts_hour = hour(ts)"))
        #expect(created.contains("1: id optional long"))
        #expect(try ok(["schema", "db.t", "add", "point", "struct<x: double>"]).contains("5: point optional struct"))
        #expect(try ok(["schema", "db.t", "add", "point.y", "double"]).contains("  7: y optional double"))
        #expect(try ok(["schema", "db.t", "rename", "n", "m"]).contains("4: m optional int"))
        #expect(try ok(["schema", "db.t", "promote", "m", "long"]).contains("4: m optional long"))
        #expect(try ok(["partition", "db.t", "replace", "hour(ts)", "day(ts)"]).contains("1002: ts_day = day(ts)"))
        #expect(try ok(["partition", "db.t", "rename", "ts_day", "day"]).contains("1002: day = day(ts)"))
        #expect(try ok(["sort", "db.t", "day(ts)", "ASC", "id", "DESC", "NULLS", "FIRST"]).contains("id DESC NULLS FIRST"))
        #expect(try ok(["properties", "db.t", "set", "k=v"]).contains("k=v"))
        #expect(!(try ok(["properties", "db.t", "unset", "owner"])).contains("owner="))

        // Bad input: a clear error, non-zero exit, the table as it was.
        let before = try ok(["describe", "db.t"])
        for bad in [["schema", "db.t", "promote", "m", "int"], ["schema", "db.t", "drop", "region"], ["schema", "db.t", "add", "id", "long"],
                    ["schema", "db.t", "rename", "m", "id"], ["schema", "db.t", "add", "x", "nonsense"], ["partition", "db.t", "add", "week(ts)"],
                    ["partition", "db.t", "remove", "nope"], ["sort", "db.t", "nope"], ["properties", "db.t", "set", "novalue"],
                    ["schema", "db.t", "frobnicate", "x"]] {
            let r = try run(bad)
            #expect(r.status != 0, "\(bad)")
            #expect(r.stderr.contains("Error"), "\(bad): \(r.stderr)")
        }
        #expect(try ok(["describe", "db.t"]) == before)

        let text = try Interop.runText("""
            import sys, json
            from pyiceberg.catalog.sql import SqlCatalog
            wh = sys.argv[1]
            t = SqlCatalog("default", uri=f"sqlite:///{wh}/catalog.db", warehouse=f"file://{wh}").load_table("db.t")
            print(json.dumps({"columns": [f.name for f in t.schema().fields], "m": str(t.schema().find_field("m").field_type),
                              "point": [f.name for f in t.schema().find_field("point").field_type.fields],
                              "spec": [(f.name, str(f.transform), f.field_id) for f in t.spec().fields],
                              "sort": [(str(f.transform), f.direction.name, f.null_order.name) for f in t.sort_order().fields],
                              "properties": {k: v for k, v in t.properties.items() if k in ("k", "owner")}}))
            """, arguments: [directory.path])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(json["columns"] as? [String] == ["id", "ts", "region", "m", "point"])
        #expect(json["m"] as? String == "long")
        #expect(json["point"] as? [String] == ["x", "y"])
        #expect((json["spec"] as? [[Any]])?.map { "\($0[0]) \($0[1]) \($0[2])" } == ["region identity 1001", "day day 1002"])
        #expect((json["sort"] as? [[String]]) == [["day", "ASC", "NULLS_FIRST"], ["identity", "DESC", "NULLS_FIRST"]])
        #expect(json["properties"] as? [String: String] == ["k": "v"])

        // Appending Parquet after evolution: a file written before `point` existed fills it with
        // nulls; a file without field ids is refused rather than matched by position.
        _ = try Interop.runText("""
            import sys, datetime
            import pyarrow as pa, pyarrow.parquet as pq
            def f(name, t, i): return pa.field(name, t, metadata={b"PARQUET:field_id": str(i).encode()})
            schema = pa.schema([f("id", pa.int64(), 1), f("ts", pa.timestamp("us"), 2), f("region", pa.string(), 3), f("m", pa.int64(), 4)])
            pq.write_table(pa.table({"id": [7, 8], "ts": [datetime.datetime(2024, 3, 2, 1), datetime.datetime(2024, 3, 3, 2)],
                                     "region": ["eu", "us"], "m": [70, 80]}, schema=schema), sys.argv[1])
            """, arguments: [directory.file("ids.parquet")])
        _ = try ok(["append", "db.t", "ids.parquet"])
        let refused = try run(["append", "db.t", "in.parquet"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("no field ids"), "\(refused.stderr)")
        let rows = try Interop.runText("""
            import sys, json
            from pyiceberg.catalog.sql import SqlCatalog
            wh = sys.argv[1]
            t = SqlCatalog("default", uri=f"sqlite:///{wh}/catalog.db", warehouse=f"file://{wh}").load_table("db.t")
            print(json.dumps(sorted([[r["id"], r["m"], r["point"]] for r in t.scan().to_arrow().to_pylist()])))
            """, arguments: [directory.path])
        #expect(rows.trimmingCharacters(in: .whitespacesAndNewlines) == "[[7, 70, null], [8, 80, null]]")
    }
}
