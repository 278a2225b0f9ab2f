import Foundation
import IcebergKit
import LakeTestSupport
import Testing

/// Four `lakehouse iceberg append` processes append for a minute while compaction, expiry and
/// orphan removal run in a loop as separate processes; then a final maintenance pass. Runs only
/// with `LAKEHOUSE_TORTURE=1` (it takes over a minute); `LAKEHOUSE_TORTURE_SECONDS` sets the time.
@Suite("Maintenance under concurrent appends (torture)",
       .enabled(if: ProcessInfo.processInfo.environment["LAKEHOUSE_TORTURE"] == "1" && BuiltCLI.path != nil))
struct MaintenanceTortureTests {
    @Test("appends racing compaction, expiry and orphan removal: every row once, every kept snapshot readable, no orphan left",
          .timeLimit(.minutes(10)))
    func torture() async throws {
        let cli = try #require(BuiltCLI.path)
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let seconds = Int(ProcessInfo.processInfo.environment["LAKEHOUSE_TORTURE_SECONDS"] ?? "") ?? 60
        let script = """
            set -e
            cd "\(directory.path)"
            L="\(cli)"
            C="--catalog wh/catalog.db --warehouse wh"
            "$L" cloudfront generate --rows 50 --files 4 --out logs --seed 5 > /dev/null
            "$L" iceberg create silver.cf $C > /dev/null
            end=$(( $(date +%s) + \(seconds) ))
            pids=""
            for w in 1 2 3 4; do
              log=$(ls logs | sort | sed -n "${w}p")
              ( set -e; n=0; while [ $(date +%s) -lt $end ]; do "$L" iceberg append silver.cf "logs/$log" $C > /dev/null; n=$((n + 1)); done; echo $n > appended-$w ) &
              pids="$pids $!"
            done
            ( while [ $(date +%s) -lt $end ]; do
                "$L" iceberg compact silver.cf $C > /dev/null 2>> maintenance.err || echo compact >> failures
                "$L" iceberg expire-snapshots silver.cf --older-than 0s --retain-last 5 $C > /dev/null 2>> maintenance.err || echo expire >> failures
                "$L" iceberg remove-orphans silver.cf --older-than 20s $C > /dev/null 2>> maintenance.err || echo orphans >> failures
                "$L" iceberg rewrite-manifests silver.cf $C > /dev/null 2>> maintenance.err || echo manifests >> failures
              done ) &
            maintenance=$!
            status=0
            for pid in $pids; do wait "$pid" || status=1; done
            wait $maintenance
            # The final pass, alone.
            "$L" iceberg compact silver.cf $C > /dev/null
            "$L" iceberg expire-snapshots silver.cf --older-than 0s --retain-last 3 $C > /dev/null
            "$L" iceberg remove-orphans silver.cf --older-than 0s $C > /dev/null
            "$L" iceberg remove-orphans silver.cf --older-than 0s --dry-run $C | tail -n 1 > final-orphans
            exit $status
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", script]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "every append succeeds")
        let appended = try (1...4).map { w in
            Int(try String(contentsOfFile: directory.file("appended-\(w)"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        }
        let failures = (try? String(contentsOfFile: directory.file("failures"), encoding: .utf8)) ?? ""
        let catalog = try SQLiteCatalog(path: directory.file("wh/catalog.db"), warehouse: "file://" + directory.file("wh"))
        let table = try await catalog.loadTable(TableIdentifier(namespace: "silver", name: "cf"))
        let expectedRows = appended.reduce(0, +) * 50
        #expect(appended.allSatisfy { $0 > 0 }, "\(appended)")
        #expect(try await table.scan().readAll().reduce(0) { $0 + $1.rowCount } == expectedRows, "appends \(appended), maintenance failures: \(failures)")
        #expect(table.metadata.currentSnapshot?.summary["total-records"] == String(expectedRows))
        for s in table.metadata.snapshots {
            _ = try await table.scan(snapshotID: s.snapshotID).readAll()
        }
        let orphans = try String(contentsOfFile: directory.file("final-orphans"), encoding: .utf8)
        #expect(orphans.hasPrefix("would delete 0 orphan files"), "\(orphans)")
        if Interop.enabled {
            let out = try Interop.runText("""
                import sys
                from pyiceberg.catalog.sql import SqlCatalog
                cat = SqlCatalog("default", uri=f"sqlite:///{sys.argv[1]}/wh/catalog.db", warehouse=f"file://{sys.argv[1]}/wh")
                t = cat.load_table("silver.cf")
                print(t.scan().to_arrow().num_rows)
                """, arguments: [directory.path])
            #expect(out.trimmingCharacters(in: .whitespacesAndNewlines) == String(expectedRows))
        }
        let record = "torture: \(seconds) s, appends \(appended) (\(expectedRows) rows), maintenance failures: \(failures.split(separator: "\n").count), snapshots kept \(table.metadata.snapshots.count)"
        try record.write(toFile: "/tmp/lakehouse-torture-result.txt", atomically: true, encoding: .utf8)
    }
}
