import Foundation
import IcebergKit
import LakeTestSupport
import Testing

/// `lakehouse iceberg append` processes appending to one table of the SQLite catalog at once:
/// 4 × 25 in the test command; with `LAKEHOUSE_FULL_CONCURRENCY=1` (Scripts/torture.sh) also the
/// issue's 8 × 25 and 16 × 10. Every writer must succeed (retries re-validate on the new base),
/// every snapshot id a writer reports must be in the table's history exactly once, the history
/// must be one line of exactly those snapshots, and every row must be read once.
@Suite("Concurrent appends from separate processes", .enabled(if: BuiltCLI.path != nil || Interop.required), .serialized)
struct ProcessConcurrencyTests {
    static var cli: String? { BuiltCLI.path }
    static var full: Bool { ProcessInfo.processInfo.environment["LAKEHOUSE_FULL_CONCURRENCY"] == "1" }
    static let rowsPerLog = 20

    struct Size: CustomStringConvertible, Sendable {
        var writers: Int
        var appends: Int
        var description: String { "\(writers) × \(appends)" }
    }

    static var sizes: [Size] {
        full ? [Size(writers: 4, appends: 25), Size(writers: 8, appends: 25), Size(writers: 16, appends: 10)]
            : [Size(writers: 4, appends: 25)]
    }

    @Test("N processes × M appends → N·M snapshots in one line of history, each reported id once, every row once",
          .timeLimit(.minutes(20)), arguments: sizes)
    func appendingProcesses(_ size: Size) async throws {
        let cli = try #require(Self.cli)
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        // Each writer records the `snapshot ID: …` line of every append it made.
        let script = """
            set -e
            cd "\(directory.path)"
            L="\(cli)"
            "$L" cloudfront generate --rows \(Self.rowsPerLog) --files 1 --out logs --seed 5 > /dev/null
            "$L" iceberg create silver.cf --catalog wh/catalog.db --warehouse wh > /dev/null
            pids=""
            for w in $(seq \(size.writers)); do
              ( set -e; for i in $(seq \(size.appends)); do "$L" iceberg append silver.cf logs/*.gz --catalog wh/catalog.db --warehouse wh >> "writer-$w.txt"; done ) &
              pids="$pids $!"
            done
            # Every writer must succeed: a failed append is reported, not hidden by `wait`.
            status=0
            for pid in $pids; do wait "$pid" || status=1; done
            exit $status
            """
        let run = try BuiltCLI.run(["-c", script], in: directory.path, timeout: .seconds(size.writers * size.appends * 6),
                                   executable: "/bin/bash")
        #expect(!run.timedOut, "\(size): a writer hung (killed after \(run.elapsed))")
        #expect(run.status == 0, "\(size): \(run.stderr)")

        var reported: [Int64] = []
        for writer in 1...size.writers {
            let text = (try? String(contentsOfFile: directory.file("writer-\(writer).txt"), encoding: .utf8)) ?? ""
            let ids = text.split(separator: "\n").compactMap { line -> Int64? in
                let words = line.split(separator: " ")
                guard words.first == "snapshot", words.count > 1 else { return nil }
                return Int64(words[1].trimmingCharacters(in: CharacterSet(charactersIn: ":")))
            }
            #expect(ids.count == size.appends, "\(size): writer \(writer) reported \(ids.count) commits")
            reported += ids
        }
        let total = size.writers * size.appends
        #expect(Set(reported).count == reported.count, "\(size): a snapshot id reported twice")

        let catalog = try SQLiteCatalog(path: directory.file("wh/catalog.db"), warehouse: "file://" + directory.file("wh"))
        let table = try await catalog.loadTable(TableIdentifier(namespace: "silver", name: "cf"))
        #expect(table.metadata.snapshots.count == total)
        // One line of history: from the current snapshot back through the parents, every
        // snapshot once, and exactly the ones the writers reported.
        var lineage: [Int64] = []
        var next = table.metadata.currentSnapshotID
        while let id = next, let snapshot = table.metadata.snapshots.first(where: { $0.snapshotID == id }) {
            lineage.append(id)
            next = snapshot.parentSnapshotID
        }
        #expect(lineage.count == total && Set(lineage) == Set(reported), "\(size): \(lineage.count) snapshots in the line of history")
        #expect(table.metadata.currentSnapshot?.summary["total-records"] == String(total * Self.rowsPerLog))
        let rows = try await table.scan().readAll().reduce(0) { $0 + $1.rowCount }
        #expect(rows == total * Self.rowsPerLog)
        print("concurrency \(size) appends: \(total) commits in \(run.elapsed), \(rows) rows")
        let found = Set(lineage).intersection(reported).count
        TortureReport.row("concurrency: \(size) appending processes", runs: total, passed: found,
                          lost: max(0, total * Self.rowsPerLog - rows), doubled: max(0, rows - total * Self.rowsPerLog),
                          hangs: run.timedOut ? 1 : 0)
        if Interop.enabled {
            let out = try Interop.runText("""
                import sys
                from pyiceberg.catalog.sql import SqlCatalog
                cat = SqlCatalog("default", uri=f"sqlite:///{sys.argv[1]}/wh/catalog.db", warehouse=f"file://{sys.argv[1]}/wh")
                t = cat.load_table("silver.cf")
                print(t.scan().to_arrow().num_rows, len(t.snapshots()))
                """, arguments: [directory.path])
            #expect(out.trimmingCharacters(in: .whitespacesAndNewlines) == "\(total * Self.rowsPerLog) \(total)")
        }
    }
}
