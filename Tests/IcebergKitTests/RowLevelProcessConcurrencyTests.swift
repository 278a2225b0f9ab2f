import Foundation
import IcebergKit
import LakeTestSupport
import Testing

/// `lakehouse iceberg delete` in one process while others append, on one SQLite catalog.
@Suite("Row-level deletes racing appends from separate processes", .enabled(if: BuiltCLI.path != nil || Interop.required))
struct RowLevelProcessConcurrencyTests {
    @Test("a delete process racing three appending processes on the SQLite catalog loses no appended row", .timeLimit(.minutes(5)))
    func deleteRacingAppendProcesses() async throws {
        let cli = try #require(BuiltCLI.path)
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        _ = try BuiltCLI.run(["cloudfront", "generate", "--rows", "60", "--files", "1", "--out", directory.file("logs"), "--seed", "5"], in: directory.path)
        _ = try BuiltCLI.run(["iceberg", "create", "silver.cf"], in: directory.path)
        // Snapshot isolation: appended rows matching the filter are kept rather than failing the delete.
        let catalog = try SQLiteCatalog(path: directory.file("warehouse/catalog.db"), warehouse: "file://" + directory.file("warehouse"))
        let id = TableIdentifier(namespace: "silver", name: "cf")
        _ = try await catalog.loadTable(id).setProperties(["write.delete.isolation-level": "snapshot"])
        let script = """
            set -e
            cd "\(directory.path)"
            L="\(cli)"
            pids=""
            for w in 1 2 3; do
              ( set -e; for i in 1 2 3 4; do "$L" iceberg append silver.cf logs/* > /dev/null; done ) &
              pids="$pids $!"
            done
            ( set -e; for i in 1 2 3 4; do "$L" iceberg delete silver.cf --where "sc_status >= 400" >> deletes.txt; done ) &
            pids="$pids $!"
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
        let lines = try String(contentsOfFile: directory.file("deletes.txt"), encoding: .utf8).split(separator: "\n")
        let deletedRows = lines.compactMap { line -> Int? in
            let words = line.split(separator: " ")
            return words.first == "snapshot" && words.count > 2 ? Int(words[2]) : 0
        }.reduce(0, +)
        let table = try await catalog.loadTable(id)
        let rows = try await table.scan(columns: ["sc_status"]).readAll()
        var total = 0, kept = 0
        for b in rows {
            total += b.rowCount
            for r in 0..<b.rowCount {
                if case let .int32(s)? = b.columns[0].scalar(at: r), s >= 400 { continue }
                kept += 1
            }
        }
        // The log's rows that no delete matches, once per append.
        let one = try await catalog.loadTable(id).scan(columns: ["sc_status"], snapshotID: table.metadata.snapshots.first?.snapshotID).readAll()
        var perAppend = 0, perAppendErrors = 0
        for b in one {
            for r in 0..<b.rowCount {
                if case let .int32(s)? = b.columns[0].scalar(at: r), s >= 400 { perAppendErrors += 1 } else { perAppend += 1 }
            }
        }
        #expect(perAppend + perAppendErrors == 60)
        #expect(kept == 12 * perAppend)
        #expect(total == 12 * 60 - deletedRows)
        #expect(table.metadata.snapshots.filter { $0.operation == "append" }.count == 12)
    }

    @Test("two processes overwriting one partition from the same base (overwrite(where:), then dynamic partition overwrite): one commits, the other fails with a typed conflict; the partition holds the winner's rows",
          .enabled(if: BuiltCLI.sibling("lakehouse-crash-worker") != nil), .timeLimit(.minutes(5)))
    func conflictingOverwrites() async throws {
        let worker = try #require(BuiltCLI.sibling("lakehouse-crash-worker"))
        let harness = try CrashHarness(sqliteWorker: worker)
        defer { harness.directory.cleanup() }
        try harness.complete(["create"])
        try harness.append(30)
        // `replace-partitions START 15 D` writes the ids of START..<START+15 on day D, as
        // `overwrite D START 5` does.
        let races: [(operations: [[String]], day: Int, starts: [Int64])] = [
            ([["overwrite", "1", "1000", "5"], ["overwrite", "1", "2000", "5"]], 1, [1000, 2000]),
            ([["replace-partitions", "3000", "15", "2"], ["replace-partitions", "4000", "15", "2"]], 2, [3000, 4000]),
        ]
        for (operations, day, starts) in races {
            let snapshots = try await harness.load().metadata.snapshots.count
            let outcomes = try ConflictingWriters.race(harness, operations)
            let problems = try await ConflictingWriters.problems(harness, outcomes, day: day, starts: starts, count: 5,
                                                                 snapshotsBefore: snapshots)
            #expect(problems.isEmpty, "\(operations[0][0]): \(problems.joined(separator: "; "))")
            TortureReport.row("conflict on SQLite: two \(operations[0][0] == "overwrite" ? "overwrite(where:)" : "dynamic partition overwrite")s of one partition",
                              runs: 1, passed: problems.isEmpty ? 1 : 0, lost: nil, doubled: nil, hangs: outcomes.contains { $0.status == -1 } ? 1 : 0)
        }
    }
}
