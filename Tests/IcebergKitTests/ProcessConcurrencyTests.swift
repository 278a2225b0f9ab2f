import Foundation
import IcebergKit
import LakeTestSupport
import Testing

/// Four `lakehouse iceberg append` processes appending 25 times each to one table at once.
@Suite("Concurrent appends from separate processes", .enabled(if: BuiltCLI.path != nil || Interop.required))
struct ProcessConcurrencyTests {
    static var cli: String? { BuiltCLI.path }

    @Test("4 processes × 25 appends → 100 snapshots, every row present", .timeLimit(.minutes(5)))
    func fourProcesses() async throws {
        let cli = try #require(Self.cli)
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let script = """
            set -e
            cd "\(directory.path)"
            L="\(cli)"
            "$L" cloudfront generate --rows 20 --files 1 --out logs --seed 5 > /dev/null
            "$L" iceberg create silver.cf --catalog wh/catalog.db --warehouse wh > /dev/null
            pids=""
            for w in 1 2 3 4; do
              ( set -e; for i in $(seq 25); do "$L" iceberg append silver.cf logs/*.gz --catalog wh/catalog.db --warehouse wh > /dev/null; done ) &
              pids="$pids $!"
            done
            # Every writer must succeed: a failed append is reported, not hidden by `wait`.
            status=0
            for pid in $pids; do wait "$pid" || status=1; done
            exit $status
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", script]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let catalog = try SQLiteCatalog(path: directory.file("wh/catalog.db"), warehouse: "file://" + directory.file("wh"))
        let table = try await catalog.loadTable(TableIdentifier(namespace: "silver", name: "cf"))
        #expect(table.metadata.snapshots.count == 100)
        #expect(table.metadata.currentSnapshot?.summary["total-records"] == "2000")
        let rows = try await table.scan().readAll().reduce(0) { $0 + $1.rowCount }
        #expect(rows == 2000)
        if Interop.enabled {
            let out = try Interop.runText("""
                import sys
                from pyiceberg.catalog.sql import SqlCatalog
                cat = SqlCatalog("default", uri=f"sqlite:///{sys.argv[1]}/wh/catalog.db", warehouse=f"file://{sys.argv[1]}/wh")
                t = cat.load_table("silver.cf")
                print(t.scan().to_arrow().num_rows, len(t.snapshots()))
                """, arguments: [directory.path])
            #expect(out.trimmingCharacters(in: .whitespacesAndNewlines) == "2000 100")
        }
    }
}
