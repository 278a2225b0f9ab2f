import Foundation
import IcebergAWS
import IcebergKit
import LakeAWS
import LakeTestSupport
import Testing

private let crashWorker = BuiltCLI.sibling("lakehouse-crash-worker")

/// Where the crash worker commits: the catalog-less path on SeaweedFS (its `If-None-Match: *` is
/// atomic; moto's is not, see S3StorageCatalogTests) or Glue on ministack (VersionId enforced),
/// table files on moto's S3.
enum AWSCrashTarget: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case storageOnSeaweed = "catalog-less S3 (SeaweedFS)"
    case glueOnMinistack = "Glue (ministack)"

    var testDescription: String { rawValue }

    var enabled: Bool {
        switch self {
        case .storageOnSeaweed: S3TestServer.selected.contains(.seaweed)
        case .glueOnMinistack: GlueTestServer.ministack.enabled
        }
    }

    static var selected: [AWSCrashTarget] { allCases.filter(\.enabled) }

    /// A harness on a new bucket (and, for Glue, a new database) whose worker runs with the
    /// emulators' endpoints and keys.
    func harness(worker: String) async throws -> CrashHarness {
        let environment = ProcessInfo.processInfo.environment
        var workerEnvironment = environment
        let directory = try TemporaryDirectory()
        switch self {
        case .storageOnSeaweed:
            let server = S3TestServer.seaweed
            let bucket = try await server.newBucket(try server.client(), "crash")
            let warehouse = "s3://\(bucket)/wh"
            workerEnvironment["LAKEHOUSE_CRASH_S3_ENDPOINT"] = server.endpoint
            workerEnvironment["LAKEHOUSE_CRASH_S3_KEY"] = server.credentials.accessKeyID
            workerEnvironment["LAKEHOUSE_CRASH_S3_SECRET"] = server.credentials.secretAccessKey
            return CrashHarness(worker: worker, directory: directory, catalogArgument: "storage", warehouse: warehouse,
                                table: "crash.events", environment: workerEnvironment) {
                StorageCatalog(warehouse: warehouse, io: S3FileIO(client: try server.client()))
            }
        case .glueOnMinistack:
            let fixture = try await GlueTestServer.ministack.catalog()
            workerEnvironment["LAKEHOUSE_CRASH_S3_ENDPOINT"] = S3TestServer.moto.endpoint
            workerEnvironment["LAKEHOUSE_CRASH_S3_KEY"] = "testing"
            workerEnvironment["LAKEHOUSE_CRASH_S3_SECRET"] = "testing"
            workerEnvironment["LAKEHOUSE_CRASH_GLUE_ENDPOINT"] = GlueTestServer.ministack.endpoint
            return CrashHarness(worker: worker, directory: directory, catalogArgument: "glue", warehouse: fixture.catalog.warehouse ?? "",
                                table: GlueTestServer.uniqueName("crash") + ".events", environment: workerEnvironment) {
                fixture.catalog
            }
        }
    }
}

/// The crash torture and process concurrency against the AWS commit paths: the same worker as
/// CrashTortureTests and ProcessConcurrencyTests, committing through `StorageCatalog` on S3
/// (create-if-absent of the next metadata version) or `GlueCatalog` (UpdateTable with VersionId).
///
/// An operation on S3 passes hundreds of points (every buffer of every upload), so kills are
/// spread evenly over all of them: about 4 per operation by default (each run costs about 3 s
/// against the emulators on 2 cores), 60 with `LAKEHOUSE_TORTURE=1`; concurrency runs 4 processes
/// × 5 appends, and `LAKEHOUSE_FULL_CONCURRENCY=1` adds 8 × 25.
@Suite("Crash at any point and process concurrency on S3 and Glue",
       .enabled(if: (crashWorker != nil || Interop.required) && !AWSCrashTarget.selected.isEmpty), .serialized)
struct AWSCrashTortureTests {
    static var full: Bool { ProcessInfo.processInfo.environment["LAKEHOUSE_TORTURE"] == "1" }

    @Test("SIGKILL at the write points of append, overwrite(where:) and dynamic partition overwrite: the table scans a committed state, every snapshot reads, leftovers are orphans",
          .timeLimit(.minutes(20)), arguments: AWSCrashTarget.selected)
    func everyPoint(_ target: AWSCrashTarget) async throws {
        let worker = try #require(crashWorker, "lakehouse-crash-worker is not built (swift build --build-tests)")
        let harness = try await target.harness(worker: worker)
        defer { harness.directory.cleanup() }
        try harness.complete(["create"])
        try harness.append(30)
        var tallies: [CrashHarness.Tally] = []
        tallies.append(try await harness.sweep("append", runs: Self.full ? 60 : 4) { h in
            let ids = h.nextID..<(h.nextID + 30)
            h.nextID += 30
            return .init(["append", String(ids.lowerBound), "30"], adds: Set(ids))
        })
        // The days stay the same for every run of a sweep, so that its points do too.
        tallies.append(try await harness.sweep("overwrite(where:) of a day", runs: Self.full ? 60 : 4) { h in
            h.overwrite(day: 1, count: 6)
        })
        tallies.append(try await harness.sweep("dynamic partition overwrite", runs: Self.full ? 60 : 4) { h in
            h.replacePartitions(days: [0, 2], count: 12)
        })
        print("crash torture on \(target.rawValue):\n" + tallies.map { "  \($0)" }.joined(separator: "\n"))
        for tally in tallies {
            TortureReport.row("crash on \(target.rawValue): \(tally.name)", runs: tally.runs, passed: tally.passed, lost: tally.lost,
                              doubled: tally.doubled, hangs: tally.hangs)
            #expect(tally.clean, "\(tally): \(tally.failures.joined(separator: "; "))")
        }
        // What the kills left are unreferenced orphans; removing them changes no row.
        let leftovers = try await harness.load().removeOrphanFiles().olderThan(currentTimeMs() + 60_000).execute()
        #expect(!leftovers.orphans.isEmpty, "kills between writing a file and committing leave orphans")
        let reread = try await harness.ids(try await harness.load())
        #expect(Set(reread) == harness.expected && reread.count == harness.expected.count)
    }

    static var concurrencySizes: [(writers: Int, appends: Int)] {
        ProcessInfo.processInfo.environment["LAKEHOUSE_FULL_CONCURRENCY"] == "1" ? [(4, 5), (8, 25)] : [(4, 5)]
    }

    @Test("N processes appending at once: every append committed once in one line of history, every row once, no hang",
          .timeLimit(.minutes(30)), arguments: AWSCrashTarget.selected)
    func appendingProcesses(_ target: AWSCrashTarget) async throws {
        let worker = try #require(crashWorker, "lakehouse-crash-worker is not built (swift build --build-tests)")
        for size in Self.concurrencySizes {
            let harness = try await target.harness(worker: worker)
            defer { harness.directory.cleanup() }
            try harness.complete(["create"])
            let rows = 3
            // Each writer appends its own ids and records the snapshot id of every commit.
            let quoted = ([worker, harness.catalogArgument, harness.warehouse, harness.table, "--crash-at", "0"])
                .map { "'" + $0 + "'" }.joined(separator: " ")
            let script = """
                pids=""
                for w in $(seq 0 \(size.writers - 1)); do
                  ( set -e; for i in $(seq 0 \(size.appends - 1)); do
                      \(quoted) append $(( (w * \(size.appends) + i) * \(rows) )) \(rows) | grep '^snapshot' >> "writer-$w.txt"
                    done ) &
                  pids="$pids $!"
                done
                status=0
                for pid in $pids; do wait "$pid" || status=1; done
                exit $status
                """
            var environment = harness.environment ?? [:]
            environment["LAKEHOUSE_CRASH_ATTEMPTS"] = "400"
            let run = try BuiltCLI.run(["-c", script], in: harness.directory.path, timeout: .seconds(size.writers * size.appends * 8),
                                       environment: environment, executable: "/bin/bash")
            let total = size.writers * size.appends
            #expect(!run.timedOut, "\(target.rawValue) \(size): a writer hung")
            #expect(run.status == 0, "\(target.rawValue) \(size): \(run.stderr)")
            var reported: [Int64] = []
            for w in 0..<size.writers {
                let text = (try? String(contentsOfFile: harness.directory.file("writer-\(w).txt"), encoding: .utf8)) ?? ""
                reported += text.split(separator: "\n").compactMap { Int64($0.split(separator: " ").last ?? "") }
            }
            let table = try await harness.load()
            let lineage = table.metadata.currentAncestry.map(\.snapshotID)
            let read = try await harness.ids(table)
            let expected = Set((0..<Int64(total * rows)))
            let lost = expected.subtracting(read).count, doubled = read.count - Set(read).count
            #expect(reported.count == total && Set(reported).count == total, "\(size): \(reported.count) commits reported")
            #expect(lineage.count == total && Set(lineage) == Set(reported), "\(size): \(lineage.count) snapshots in the line of history")
            #expect(table.metadata.snapshots.count == total)
            #expect(lost == 0 && doubled == 0 && Set(read) == expected, "\(size): \(lost) rows lost, \(doubled) doubled")
            print("concurrency on \(target.rawValue): \(size.writers) processes × \(size.appends) appends in \(run.elapsed)")
            TortureReport.row("concurrency on \(target.rawValue): \(size.writers) × \(size.appends) appending processes", runs: total,
                              passed: Set(lineage).intersection(reported).count, lost: lost, doubled: doubled, hangs: run.timedOut ? 1 : 0)
        }
    }

    @Test("two processes overwriting one partition from the same base: one commits, the other fails with a typed conflict; the partition holds the winner's rows",
          .timeLimit(.minutes(5)), arguments: AWSCrashTarget.selected)
    func conflictingOverwrites(_ target: AWSCrashTarget) async throws {
        let worker = try #require(crashWorker, "lakehouse-crash-worker is not built (swift build --build-tests)")
        let harness = try await target.harness(worker: worker)
        defer { harness.directory.cleanup() }
        try harness.complete(["create"])
        try harness.append(30)
        let snapshots = try await harness.load().metadata.snapshots.count
        let outcomes = try ConflictingWriters.race(harness, [["overwrite", "1", "1000", "5"], ["overwrite", "1", "2000", "5"]])
        let problems = try await ConflictingWriters.problems(harness, outcomes, day: 1, starts: [1000, 2000], count: 5, snapshotsBefore: snapshots)
        #expect(problems.isEmpty, "\(target.rawValue): \(problems.joined(separator: "; "))")
        TortureReport.row("conflict on \(target.rawValue): two overwrites of one partition", runs: 1, passed: problems.isEmpty ? 1 : 0,
                          lost: nil, doubled: nil, hangs: outcomes.contains { $0.status == -1 } ? 1 : 0)
    }
}
