import Foundation
import LakeTestSupport
import Testing

@Suite("lakehouse iceberg scan --plan-only", .enabled(if: BuiltCLI.path != nil || Interop.required), .serialized)
struct PlanOnlyCommandLineTests {
    @Test("--plan-only --where prints the files pyiceberg's plan_files plans for the same filter, reading no data file",
          .enabled(if: Interop.enabled), .timeLimit(.minutes(5)))
    func planOnly() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        func lakehouse(_ arguments: [String]) throws -> BuiltCLI.Run {
            let run = try BuiltCLI.run(arguments, in: directory.path)
            try #require(run.status == 0, "\(arguments) failed: \(run.stderr)")
            return run
        }
        // Three hourly logs of one day: one data file each, their `time` bounds an hour apart.
        _ = try lakehouse(["cloudfront", "generate", "--rows", "300", "--files", "3", "--out", directory.file("logs"), "--seed", "7"])
        let logs = try FileManager.default.contentsOfDirectory(atPath: directory.file("logs")).filter { !$0.hasPrefix(".") }.sorted()
        try #require(logs.count == 3)
        _ = try lakehouse(["iceberg", "create", "silver.cloudfront"])
        for log in logs { _ = try lakehouse(["iceberg", "append", "silver.cloudfront", "logs/" + log]) }
        let filter = "time >= '01:00:00'"
        let pyiceberg = """
            import sys, json
            from pyiceberg.catalog.sql import SqlCatalog
            d, f = sys.argv[1:3]
            t = SqlCatalog("default", uri=f"sqlite:///{d}/warehouse/catalog.db", warehouse=f"file://{d}/warehouse").load_table("silver.cloudfront")
            def planned(scan): return sorted([[p.file.file_path, p.file.record_count] for p in scan.plan_files()])
            print(json.dumps({"all": planned(t.scan()), "filtered": planned(t.scan(row_filter=f))}))
            """
        let expected = try #require(try JSONSerialization.jsonObject(with: Data(try Interop.runText(pyiceberg, arguments: [directory.path, filter]).utf8))
            as? [String: [[Any]]])
        func files(_ rows: [[Any]]?) -> [String] { (rows ?? []).map { "\($0[0])\t\($0[1]) rows\t0 delete files" }.sorted() }
        let all = files(expected["all"]), filtered = files(expected["filtered"])
        try #require(all.count == 3 && filtered.count == 2, "the filter prunes the first hour's file: \(expected)")

        // Every data file moved away: planning reads manifests only, so it still succeeds.
        let data = directory.file("warehouse/silver.db/cloudfront/data")
        try FileManager.default.moveItem(atPath: data, toPath: directory.file("moved-data"))
        func plan(_ extra: [String]) throws -> (summary: String, files: [String]) {
            let lines = try lakehouse(["iceberg", "scan", "silver.cloudfront", "--plan-only"] + extra).stdout
                .split(separator: "\n").map(String.init)
            return (lines.first ?? "", lines.dropFirst().sorted())
        }
        let whole = try plan([])
        #expect(whole.summary.hasPrefix("3 files planned; load "), "\(whole.summary)")
        #expect(whole.files == all)
        let pruned = try plan(["--where", filter])
        #expect(pruned.summary.hasPrefix("2 files planned; load "), "\(pruned.summary)")
        #expect(pruned.files == filtered)
        #expect(!FileManager.default.fileExists(atPath: data), "nothing wrote data")

        let bad = try BuiltCLI.run(["iceberg", "scan", "silver.cloudfront", "--plan-only", "--where", "nosuchcolumn = 1"], in: directory.path)
        #expect(bad.status != 0 && bad.stderr.contains("--where"), "\(bad.stderr)")
        let withoutPlanOnly = try BuiltCLI.run(["iceberg", "scan", "silver.cloudfront", "--where", filter], in: directory.path)
        #expect(withoutPlanOnly.status != 0 && withoutPlanOnly.stderr.contains("--plan-only"), "\(withoutPlanOnly.stderr)")
    }
}
