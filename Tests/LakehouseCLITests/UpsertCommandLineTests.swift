import Foundation
import LakeTestSupport
import Testing

@Suite("lakehouse iceberg upsert and add-files", .enabled(if: BuiltCLI.path != nil || Interop.required), .serialized)
struct UpsertCommandLineTests {
    /// pyiceberg's view of silver.cf: row count, distinct request ids, snapshot count, metadata file.
    static let state = """
        import sys, json
        from pyiceberg.catalog.sql import SqlCatalog
        d = sys.argv[1]
        t = SqlCatalog("default", uri=f"sqlite:///{d}/warehouse/catalog.db", warehouse=f"file://{d}/warehouse").load_table("silver.cf")
        ids = t.scan(selected_fields=("x_edge_request_id",)).to_arrow().column("x_edge_request_id").to_pylist()
        print(json.dumps({"rows": len(ids), "distinct": len(set(ids)), "snapshots": len(t.snapshots()), "metadata": t.metadata_location}))
        """

    func state(_ directory: TemporaryDirectory) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(try Interop.runText(Self.state, arguments: [directory.path]).utf8)) as? [String: Any])
    }

    @Test("upsert --key inserts new keys once (a second run changes nothing), prints what it did; bad input exits non-zero and changes nothing",
          .enabled(if: Interop.enabled), .timeLimit(.minutes(5)))
    func upsertAndAddFiles() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        func lakehouse(_ arguments: [String]) throws -> BuiltCLI.Run {
            let run = try BuiltCLI.run(arguments, in: directory.path)
            try #require(run.status == 0, "\(arguments) failed: \(run.stderr)")
            return run
        }
        _ = try lakehouse(["cloudfront", "generate", "--rows", "300", "--files", "1", "--out", directory.file("logs"), "--seed", "31"])
        _ = try lakehouse(["cloudfront", "generate", "--rows", "50", "--files", "1", "--out", directory.file("new"), "--seed", "32"])
        let newLogs = try FileManager.default.contentsOfDirectory(atPath: directory.file("new")).map { "new/" + $0 }
        _ = try lakehouse(["cloudfront", "convert"] + newLogs + ["--out", directory.file("new.parquet")])
        _ = try lakehouse(["iceberg", "create", "silver.cf"])
        let logs = try FileManager.default.contentsOfDirectory(atPath: directory.file("logs")).map { "logs/" + $0 }
        _ = try lakehouse(["iceberg", "append", "silver.cf"] + logs)
        let before = try state(directory)
        try #require(before["rows"] as? Int == 300 && before["distinct"] as? Int == 300)

        let first = try lakehouse(["iceberg", "upsert", "silver.cf", "new.parquet", "--key", "x_edge_request_id", "--ignore-matched"])
        #expect(first.stdout.hasPrefix("snapshot ") && first.stdout.contains(" 0 row(s) updated, 50 row(s) inserted"), "\(first.stdout)")
        let afterFirst = try state(directory)
        #expect(afterFirst["rows"] as? Int == 350 && afterFirst["distinct"] as? Int == 350)
        #expect(afterFirst["snapshots"] as? Int == (before["snapshots"] as? Int).map { $0 + 1 })
        // The same rows again: every key is known and no value changed.
        #expect(try lakehouse(["iceberg", "upsert", "silver.cf", "new.parquet", "--key", "x_edge_request_id"]).stdout
            == "no row changed: nothing committed\n")

        for arguments in [["iceberg", "upsert", "silver.cf", "new.parquet", "--key", "nope"],
                          ["iceberg", "upsert", "silver.cf", "new.parquet", "--key", ""],
                          ["iceberg", "upsert", "silver.cf", "missing.parquet", "--key", "x_edge_request_id"],
                          ["iceberg", "add-files", "silver.cf", "missing.parquet"]] {
            let run = try BuiltCLI.run(arguments, in: directory.path)
            #expect(run.status != 0, "\(arguments) succeeded")
            #expect(!run.stderr.isEmpty)
        }
        #expect(try BuiltCLI.run(["iceberg", "upsert", "silver.cf", "new.parquet", "--key", "nope"], in: directory.path).stderr.contains("nope"))
        #expect(try state(directory)["metadata"] as? String == afterFirst["metadata"] as? String)
    }
}
