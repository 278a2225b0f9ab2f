import Foundation
import LakeTestSupport
import Testing

@Suite("lakehouse iceberg delete and overwrite", .enabled(if: BuiltCLI.path != nil || Interop.required), .serialized)
struct RowLevelCommandLineTests {
    /// pyiceberg's view of silver.cf: rows, rows with sc_status >= 400, snapshots (operation, summary).
    static let state = """
        import sys, json
        import pyarrow.compute as pc
        from pyiceberg.catalog.sql import SqlCatalog
        d = sys.argv[1]
        t = SqlCatalog("default", uri=f"sqlite:///{d}/warehouse/catalog.db", warehouse=f"file://{d}/warehouse").load_table("silver.cf")
        a = t.scan(selected_fields=("sc_status", "date", "x_edge_request_id")).to_arrow()
        status = a.column("sc_status")
        print(json.dumps({"rows": a.num_rows, "errors": pc.sum(pc.greater_equal(status, 400)).as_py() or 0,
                          "ids": sorted(a.column("x_edge_request_id").to_pylist()),
                          "dates": sorted(set(str(x) for x in a.column("date").to_pylist())),
                          "snapshots": [[s.summary.operation.value, s.summary.get("deleted-records"), s.summary.get("added-records")] for s in t.snapshots()],
                          "metadata": t.metadata_location}))
        """

    func state(_ directory: TemporaryDirectory) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(try Interop.runText(Self.state, arguments: [directory.path]).utf8)) as? [String: Any])
    }

    @Test("delete --where and overwrite --where/--dynamic print what they did, pyiceberg agrees; bad input exits non-zero and changes nothing",
          .timeLimit(.minutes(5)))
    func deleteAndOverwrite() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        func lakehouse(_ arguments: [String]) throws -> BuiltCLI.Run {
            let run = try BuiltCLI.run(arguments, in: directory.path)
            try #require(run.status == 0, "\(arguments) failed: \(run.stderr)")
            return run
        }
        /// "snapshot ID: D row(s) deleted, I row(s) inserted; …"
        func numbers(_ run: BuiltCLI.Run) throws -> (snapshot: Int64, deleted: Int, inserted: Int) {
            let words = run.stdout.split(separator: " ").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: ":;,")) }
            try #require(words.count > 6 && words[0] == "snapshot", "\(run.stdout)")
            return (try #require(Int64(words[1])), try #require(Int(words[2])), try #require(Int(words[5])))
        }
        _ = try lakehouse(["cloudfront", "generate", "--rows", "400", "--files", "1", "--out", directory.file("logs"), "--seed", "21"])
        _ = try lakehouse(["cloudfront", "generate", "--rows", "40", "--files", "1", "--out", directory.file("new"), "--seed", "22"])
        let newLogs = try FileManager.default.contentsOfDirectory(atPath: directory.file("new")).map { "new/" + $0 }
        _ = try lakehouse(["cloudfront", "convert"] + newLogs + ["--out", directory.file("new.parquet")])
        _ = try lakehouse(["iceberg", "create", "silver.cf"])
        let logs = try FileManager.default.contentsOfDirectory(atPath: directory.file("logs")).map { "logs/" + $0 }
        _ = try lakehouse(["iceberg", "append", "silver.cf"] + logs)
        let before = try state(directory)
        let errors = try #require(before["errors"] as? Int)
        let total = try #require(before["rows"] as? Int)
        try #require(errors > 0 && total == 400)

        let deleted = try numbers(try lakehouse(["iceberg", "delete", "silver.cf", "--where", "sc_status >= 400"]))
        let afterDelete = try state(directory)
        #expect(deleted.deleted == errors && deleted.inserted == 0)
        #expect(afterDelete["rows"] as? Int == total - errors && afterDelete["errors"] as? Int == 0)
        // Nothing matches any more: nothing committed.
        #expect(try lakehouse(["iceberg", "delete", "silver.cf", "--where", "sc_status >= 400"]).stdout == "no rows matched: nothing committed\n")

        // Bad input: an unknown column, a bad predicate, a new row outside the filter, both modes.
        for arguments in [["iceberg", "delete", "silver.cf", "--where", "nope = 1"],
                          ["iceberg", "delete", "silver.cf", "--where", "sc_status >="],
                          ["iceberg", "overwrite", "silver.cf", "new.parquet", "--where", "sc_status = 200"],
                          ["iceberg", "overwrite", "silver.cf", "new.parquet", "--where", "sc_status = 200", "--dynamic"],
                          ["iceberg", "overwrite", "silver.cf", "new.parquet"]] {
            let run = try BuiltCLI.run(arguments, in: directory.path)
            #expect(run.status != 0, "\(arguments) succeeded")
            #expect(!run.stderr.isEmpty)
        }
        #expect(try BuiltCLI.run(["iceberg", "delete", "silver.cf", "--where", "nope = 1"], in: directory.path).stderr.contains("nope"))
        let unchanged = try state(directory)
        #expect(unchanged["metadata"] as? String == afterDelete["metadata"] as? String)

        // Dynamic: the new file's days are replaced, other days kept.
        let dates = try #require(afterDelete["dates"] as? [String])
        let dynamic = try numbers(try lakehouse(["iceberg", "overwrite", "silver.cf", "new.parquet", "--dynamic"]))
        #expect(dynamic.inserted == 40)
        let afterDynamic = try state(directory)
        let newDates = try #require(afterDynamic["dates"] as? [String])
        #expect(Set(newDates).isSuperset(of: dates) || afterDynamic["rows"] as? Int == 40)
        // Everything replaced by the new rows, through a filter every row matches.
        let all = try numbers(try lakehouse(["iceberg", "overwrite", "silver.cf", "new.parquet", "--where", "date >= '2000-01-01'"]))
        let final = try state(directory)
        #expect(all.deleted == afterDynamic["rows"] as? Int && all.inserted == 40 && final["rows"] as? Int == 40)
        let snapshots = try #require(final["snapshots"] as? [[Any]])
        #expect(snapshots.compactMap { $0[0] as? String } == ["append", "overwrite", "overwrite", "overwrite"])
        #expect(snapshots.last?[1] as? String == String(all.deleted))
    }
}
