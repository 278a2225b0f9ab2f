import Foundation
import LakeTestSupport
import Testing

@Suite("lakehouse iceberg maintenance commands", .enabled(if: BuiltCLI.path != nil || Interop.required), .serialized)
struct MaintenanceCommandLineTests {
    @Test("expire-snapshots and remove-orphans (dry run, then for real) leave the rows as pyiceberg read them", .timeLimit(.minutes(5)))
    func expireAndRemoveOrphans() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        func lakehouse(_ arguments: [String]) throws -> BuiltCLI.Run {
            let run = try BuiltCLI.run(arguments, in: directory.path)
            try #require(run.status == 0, "\(arguments) failed: \(run.stderr)")
            return run
        }
        _ = try lakehouse(["cloudfront", "generate", "--rows", "900", "--files", "3", "--out", directory.file("logs"), "--seed", "7"])
        let logs = try FileManager.default.contentsOfDirectory(atPath: directory.file("logs")).filter { !$0.hasPrefix(".") }.sorted()
        try #require(logs.count == 3)
        _ = try lakehouse(["iceberg", "create", "silver.cloudfront"])
        for log in logs { _ = try lakehouse(["iceberg", "append", "silver.cloudfront", "logs/" + log]) }
        let pyiceberg = """
            import sys, json
            from pyiceberg.catalog.sql import SqlCatalog
            d = sys.argv[1]
            t = SqlCatalog("default", uri=f"sqlite:///{d}/warehouse/catalog.db", warehouse=f"file://{d}/warehouse").load_table("silver.cloudfront")
            print(json.dumps({"snapshots": len(t.snapshots()), "rows": t.scan().to_arrow().num_rows, "files": len(t.inspect.files())}))
            """
        func state() throws -> [String: Int] {
            try #require(try JSONSerialization.jsonObject(with: Data(try Interop.runText(pyiceberg, arguments: [directory.path]).utf8)) as? [String: Int])
        }
        let before = try state()
        #expect(before["snapshots"] == 3)

        // The defaults (5 days) keep everything young.
        let kept = try lakehouse(["iceberg", "expire-snapshots", "silver.cloudfront"])
        #expect(kept.stdout.contains("snapshots: 3 → 3 (expired 0)"), "\(kept.stdout)")
        // A dry run prints what the expiry then does, and changes nothing.
        let tableFiles = { () -> [String] in
            (FileManager.default.enumerator(atPath: directory.file("warehouse/silver.db/cloudfront"))?.allObjects as? [String] ?? []).sorted()
        }
        let filesBefore = tableFiles()
        let dryExpiry = try lakehouse(["iceberg", "expire-snapshots", "silver.cloudfront", "--older-than", "0s", "--retain-last", "1", "--dry-run"])
        #expect(dryExpiry.stdout.contains("snapshots: 3 → 1 (would expire 2)"), "\(dryExpiry.stdout)")
        #expect(dryExpiry.stdout.components(separatedBy: "would expire snapshot ").count == 3, "\(dryExpiry.stdout)")
        #expect(try state() == before)
        #expect(tableFiles() == filesBefore)
        let expired = try lakehouse(["iceberg", "expire-snapshots", "silver.cloudfront", "--older-than", "0s", "--retain-last", "1"])
        #expect(expired.stdout.contains("snapshots: 3 → 1 (expired 2)"), "\(expired.stdout)")
        #expect(expired.stdout.contains("2 manifest lists"), "\(expired.stdout)")
        let wouldDelete = dryExpiry.stdout.split(separator: "\n").first { $0.hasPrefix("would delete: ") }.map { $0.dropFirst("would delete: ".count) }
        let deleted = expired.stdout.split(separator: "\n").first { $0.hasPrefix("deleted: ") }.map { $0.dropFirst("deleted: ".count) }
        #expect(wouldDelete != nil && wouldDelete == deleted, "dry run: \(dryExpiry.stdout)\nrun: \(expired.stdout)")
        let after = try state()
        #expect(after["snapshots"] == 1)
        #expect(after["rows"] == before["rows"] && after["files"] == before["files"])
        let filesBeforeRewrite = tableFiles()
        let dryRewrite = try lakehouse(["iceberg", "rewrite-manifests", "silver.cloudfront", "--dry-run"])
        #expect(dryRewrite.stdout.contains("manifests: 3 → 1 (would replace 3, write 1)"), "\(dryRewrite.stdout)")
        #expect(try state() == after)
        #expect(tableFiles() == filesBeforeRewrite, "a dry run wrote or deleted files")
        let rewritten = try lakehouse(["iceberg", "rewrite-manifests", "silver.cloudfront"])
        #expect(rewritten.stdout.contains("manifests: 3 → 1 (replaced 3, wrote 1)"), "\(rewritten.stdout)")
        let merged = try state()
        #expect(merged["snapshots"] == 2 && merged["rows"] == before["rows"] && merged["files"] == before["files"])

        let table = directory.file("warehouse/silver.db/cloudfront")
        let orphan = table + "/data/abandoned.parquet"
        try Data("x".utf8).write(to: URL(fileURLWithPath: orphan))
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -4 * 86_400)], ofItemAtPath: orphan)
        let young = table + "/data/in-flight.parquet"
        try Data("y".utf8).write(to: URL(fileURLWithPath: young))
        let dry = try lakehouse(["iceberg", "remove-orphans", "silver.cloudfront", "--dry-run"])
        #expect(dry.stdout.contains("would delete 1 orphan files, 1 bytes"), "\(dry.stdout)")
        #expect(dry.stdout.contains(orphan), "\(dry.stdout)")
        #expect(FileManager.default.fileExists(atPath: orphan))
        let removed = try lakehouse(["iceberg", "remove-orphans", "silver.cloudfront"])
        #expect(removed.stdout.contains("deleted 1 orphan files"), "\(removed.stdout)")
        #expect(!FileManager.default.fileExists(atPath: orphan))
        #expect(FileManager.default.fileExists(atPath: young))
        let all = try lakehouse(["iceberg", "remove-orphans", "silver.cloudfront", "--older-than", "0s"])
        #expect(all.stdout.contains("deleted 1 orphan files"), "\(all.stdout)")
        #expect(!FileManager.default.fileExists(atPath: young))
        #expect(try state() == merged, "pyiceberg reads what it read before")

        // Three appends of the same days: compaction leaves one file per day.
        let dryCompact = try lakehouse(["iceberg", "compact", "silver.cloudfront", "--dry-run"])
        #expect(dryCompact.stdout.hasPrefix("would rewrite \(merged["files"] ?? -1) data files"), "\(dryCompact.stdout)")
        #expect(try state() == merged)
        let compacted = try lakehouse(["iceberg", "compact", "silver.cloudfront"])
        #expect(compacted.stdout.contains("1 commits"), "\(compacted.stdout)")
        let final = try state()
        #expect(final["rows"] == before["rows"] && final["snapshots"] == 3)
        #expect((final["files"] ?? 99) < (merged["files"] ?? 0) && (final["files"] ?? 0) >= 1)
        let badWhere = try BuiltCLI.run(["iceberg", "compact", "silver.cloudfront", "--where", "nosuchcolumn = 1"], in: directory.path)
        #expect(badWhere.status != 0 && badWhere.stderr.contains("--where"), "\(badWhere.stderr)")

        let bad = try BuiltCLI.run(["iceberg", "remove-orphans", "silver.cloudfront", "--older-than", "3 days"], in: directory.path)
        #expect(bad.status != 0)
    }
}
