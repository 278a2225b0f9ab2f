import Foundation
import LakeTestSupport
import Testing

@Suite("lakehouse iceberg branch, tag, refs and range scans", .enabled(if: BuiltCLI.path != nil || Interop.required), .serialized)
struct RefCommandLineTests {
    @Test("write-audit-publish from the command line, checked by pyiceberg; bad input fails and changes nothing", .timeLimit(.minutes(5)))
    func writeAuditPublish() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        func lakehouse(_ arguments: [String]) throws -> BuiltCLI.Run {
            let run = try BuiltCLI.run(arguments, in: directory.path)
            try #require(run.status == 0, "\(arguments) failed: \(run.stderr)")
            return run
        }
        func snapshotID(_ run: BuiltCLI.Run) throws -> Int64 {
            // "snapshot ID: N rows, …"
            let word = run.stdout.split(separator: " ").dropFirst().first.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: ":")) }
            return try #require(word.flatMap { Int64($0) }, "\(run.stdout)")
        }
        func rowCount(_ run: BuiltCLI.Run) -> Int? {
            run.stderr.split(separator: "\n").last.flatMap { Int($0.split(separator: " ").first ?? "") }
        }
        _ = try lakehouse(["cloudfront", "generate", "--rows", "600", "--files", "2", "--out", directory.file("logs"), "--seed", "11"])
        let logs = try FileManager.default.contentsOfDirectory(atPath: directory.file("logs")).filter { !$0.hasPrefix(".") }.sorted()
        try #require(logs.count == 2)
        _ = try lakehouse(["iceberg", "create", "silver.cloudfront"])
        let s1 = try snapshotID(try lakehouse(["iceberg", "append", "silver.cloudfront", "logs/" + logs[0]]))
        let created = try lakehouse(["iceberg", "branch", "silver.cloudfront", "create", "audit"])
        #expect(created.stdout == "audit\tbranch\t\(s1)\n")
        let s2 = try snapshotID(try lakehouse(["iceberg", "append", "silver.cloudfront", "logs/" + logs[1], "--branch", "audit"]))
        _ = try lakehouse(["iceberg", "tag", "silver.cloudfront", "create", "v1", "--snapshot", String(s1), "--max-ref-age-ms", "86400000"])

        let pyiceberg = """
            import sys, json
            from pyiceberg.catalog.sql import SqlCatalog
            d = sys.argv[1]
            t = SqlCatalog("default", uri=f"sqlite:///{d}/warehouse/catalog.db", warehouse=f"file://{d}/warehouse").load_table("silver.cloudfront")
            refs = {r["name"]: [r["type"].lower(), r["snapshot_id"], r["max_reference_age_in_ms"]] for r in t.inspect.refs().to_pylist()}
            rows = {n: t.scan(snapshot_id=r.snapshot_id).to_arrow().num_rows for n, r in t.metadata.refs.items()}
            print(json.dumps({"refs": refs, "rows": rows, "metadata": t.metadata_location, "main": t.scan().to_arrow().num_rows}))
            """
        func state() throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(try Interop.runText(pyiceberg, arguments: [directory.path]).utf8)) as? [String: Any])
        }
        let staged = try state()
        let rows = try #require(staged["rows"] as? [String: Int])
        let mainRows = try #require(rows["main"]), auditRows = try #require(rows["audit"])
        #expect(mainRows > 0 && auditRows > mainRows && rows["v1"] == mainRows)
        #expect(staged["main"] as? Int == mainRows, "main does not see the staged append")
        // Our listing agrees with pyiceberg's inspect.refs.
        let listed = try lakehouse(["iceberg", "refs", "silver.cloudfront"]).stdout
        #expect(listed == "audit\tbranch\t\(s2)\nmain\tbranch\t\(s1)\nv1\ttag\t\(s1)\tmax-ref-age-ms=86400000\n")
        let refs = try #require(staged["refs"] as? [String: [Any]])
        #expect((refs["audit"]?[1] as? NSNumber)?.int64Value == s2 && refs["audit"]?[0] as? String == "branch")
        #expect((refs["v1"]?[1] as? NSNumber)?.int64Value == s1 && refs["v1"]?[0] as? String == "tag" && refs["v1"]?[2] as? Int == 86_400_000)

        // Reads: the branch, the tag, the appended rows of the range and its changelog.
        #expect(rowCount(try lakehouse(["iceberg", "scan", "silver.cloudfront", "--branch", "audit", "--discard"])) == auditRows)
        #expect(rowCount(try lakehouse(["iceberg", "scan", "silver.cloudfront", "--tag", "v1", "--discard"])) == mainRows)
        #expect(rowCount(try lakehouse(["iceberg", "scan", "silver.cloudfront", "--discard"])) == mainRows)
        #expect(rowCount(try lakehouse(["iceberg", "scan", "silver.cloudfront", "--from-snapshot", String(s1), "--branch", "audit", "--discard"]))
                == auditRows - mainRows)
        #expect(rowCount(try lakehouse(["iceberg", "scan", "silver.cloudfront", "--from-snapshot", String(s1), "--to-snapshot", String(s2), "--discard"]))
                == auditRows - mainRows)
        let changes = try lakehouse(["iceberg", "scan", "silver.cloudfront", "--changelog", "--branch", "audit", "--columns", "date", "--limit", "100000"])
        let lines = changes.stdout.split(separator: "\n")
        #expect(lines.count == auditRows)
        #expect(lines.filter { $0.contains("\"_change_type\":\"INSERT\"") && $0.contains("\"_commit_snapshot_id\":\(s2)") }.count == auditRows - mainRows)

        // Bad input: a non-zero exit, and the table as it was.
        let before = try #require(staged["metadata"] as? String)
        for bad in [["branch", "silver.cloudfront", "create", "audit"], ["branch", "silver.cloudfront", "remove", "main"],
                    ["branch", "silver.cloudfront", "fast-forward", "main"], ["branch", "silver.cloudfront", "fast-forward", "audit", "--to", "nope"],
                    ["branch", "silver.cloudfront", "replace", "audit", "--snapshot", "12345"], ["branch", "silver.cloudfront", "rename", "x"],
                    ["tag", "silver.cloudfront", "create", "v2", "--snapshot", "12345"], ["tag", "silver.cloudfront", "remove", "audit"],
                    ["scan", "silver.cloudfront", "--branch", "audit", "--tag", "v1"], ["scan", "silver.cloudfront", "--branch", "v1"],
                    ["scan", "silver.cloudfront", "--from-snapshot", String(s2), "--to-snapshot", String(s1)],
                    ["scan", "silver.cloudfront", "--to-snapshot", String(s2)], ["append", "silver.cloudfront", "logs/" + logs[0], "--branch", "v1"]] {
            let run = try BuiltCLI.run(["iceberg"] + bad, in: directory.path)
            #expect(run.status != 0, "\(bad) succeeded: \(run.stdout)")
            #expect(!run.stderr.isEmpty, "\(bad) said nothing")
        }
        #expect(try state()["metadata"] as? String == before)

        // Publish: main fast-forwards to the audited branch.
        let published = try lakehouse(["iceberg", "branch", "silver.cloudfront", "fast-forward", "main", "--to", "audit"])
        #expect(published.stdout == "main\tbranch\t\(s2)\n")
        _ = try lakehouse(["iceberg", "branch", "silver.cloudfront", "remove", "audit"])
        _ = try lakehouse(["iceberg", "tag", "silver.cloudfront", "remove", "v1"])
        let after = try state()
        #expect(after["main"] as? Int == auditRows)
        #expect((after["refs"] as? [String: Any])?.keys.sorted() == ["main"])
    }
}
