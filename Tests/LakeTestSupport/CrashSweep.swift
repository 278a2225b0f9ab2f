public import Foundation
public import IcebergKit
import LakeColumnar

/// The crash torture's driver, shared by the SQLite, catalog-less S3 and Glue sweeps:
/// `lakehouse-crash-worker` runs one operation on a table and SIGKILLs itself at write point N;
/// after each run the table is read back and compared with the committed states it may be in.
///
/// The table's rows are ids (unique across the run, so that a row lost or doubled shows) on
/// three day partitions (`id % 3`); ``expected`` is the set of ids the last committed state
/// holds.
public final class CrashHarness {
    public let worker: String
    public let directory: TemporaryDirectory
    /// The worker's first argument: a SQLite file, `storage` or `glue`.
    public let catalogArgument: String
    public let warehouse: String
    public let table: String
    /// The worker's environment (nil: this process's).
    public let environment: [String: String]?
    /// Opens the catalog the worker commits through, in this process.
    let openCatalog: () async throws -> any Catalog
    public var expected: Set<Int64> = []
    public var nextID: Int64 = 0

    public struct WorkerFailure: Error, CustomStringConvertible {
        public var description: String
    }

    /// A harness on the SQLite catalog `wh/catalog.db` of a new temporary directory.
    public convenience init(sqliteWorker worker: String) throws {
        let directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.file("wh"), withIntermediateDirectories: true)
        let path = directory.file("wh/catalog.db"), warehouse = "file://" + directory.file("wh")
        self.init(worker: worker, directory: directory, catalogArgument: path, warehouse: warehouse, table: "crash.events",
                  environment: nil) { try SQLiteCatalog(path: path, warehouse: warehouse) }
    }

    public init(worker: String, directory: TemporaryDirectory, catalogArgument: String, warehouse: String, table: String,
                environment: [String: String]?, openCatalog: @escaping () async throws -> any Catalog) {
        self.worker = worker
        self.directory = directory
        self.catalogArgument = catalogArgument
        self.warehouse = warehouse
        self.table = table
        self.environment = environment
        self.openCatalog = openCatalog
    }

    public func run(crashAt: Int, _ operation: [String], timeout: Duration = .seconds(30),
                    environment extra: [String: String] = [:]) throws -> BuiltCLI.BoundedRun {
        var environment = self.environment ?? ProcessInfo.processInfo.environment
        environment.merge(extra) { _, new in new }
        return try BuiltCLI.run([catalogArgument, warehouse, table, "--crash-at", String(crashAt)] + operation, in: directory.path,
                                timeout: timeout, environment: environment, executable: worker)
    }

    /// Runs `operation` to completion (no kill); it must succeed.
    public func complete(_ operation: [String]) throws {
        let run = try run(crashAt: 0, operation)
        guard run.status == 0, !run.signalled else {
            throw WorkerFailure(description: "\(operation) exited \(run.status): \(run.stderr)")
        }
    }

    /// Appends fresh ids, without a kill.
    @discardableResult
    public func append(_ count: Int64) throws -> Range<Int64> {
        let ids = nextID..<(nextID + count)
        nextID += count
        try complete(["append", String(ids.lowerBound), String(count)])
        expected.formUnion(ids)
        return ids
    }

    public func load() async throws -> Table {
        try await openCatalog().loadTable(try TableIdentifier(parsing: table))
    }

    /// Every id the current snapshot holds, as read (duplicates kept).
    public func ids(_ table: Table, snapshotID: Int64? = nil) async throws -> [Int64] {
        var ids: [Int64] = []
        for try await batch in table.scan(columns: ["id"], snapshotID: snapshotID).batches() {
            guard case let .int64(column) = batch.columns[0] else { throw IcebergError(.invalidMetadata("id is not a long")) }
            for row in 0..<column.count { if let id = column[row] { ids.append(id) } }
        }
        return ids
    }

    /// Every (id, payload) the current snapshot holds.
    public func payloads(_ table: Table) async throws -> [Int64: String] {
        var payloads: [Int64: String] = [:]
        for try await batch in table.scan(columns: ["id", "payload"]).batches() {
            for row in 0..<batch.rowCount {
                guard case let .int64(id)? = batch.columns[0].scalar(at: row) else { continue }
                if case let .binary(bytes)? = batch.columns[1].scalar(at: row) { payloads[id] = String(decoding: bytes, as: UTF8.self) }
            }
        }
        return payloads
    }

    /// One line of the torture table, with what went wrong.
    public struct Tally: CustomStringConvertible, Sendable {
        public var name: String
        public var runs = 0, passed = 0, lost = 0, doubled = 0, hangs = 0, committedAtKill = 0
        public var failures: [String] = []
        public init(name: String) { self.name = name }
        public var description: String {
            "\(name.padding(toLength: 36, withPad: " ", startingAt: 0)) runs \(runs)  passed \(passed)  rows lost \(lost)  rows doubled \(doubled)  hangs \(hangs)  (kills after the commit: \(committedAtKill))"
        }
        public var clean: Bool { passed == runs && lost == 0 && doubled == 0 && hangs == 0 && failures.isEmpty }
    }

    /// The state one run of an operation commits: ids added and removed, and the payload tag
    /// the added rows carry once committed (nil: not checked).
    public struct Step {
        public var operation: [String]
        public var adds: Set<Int64>
        public var removes: Set<Int64>
        public var tag: String?
        public init(_ operation: [String], adds: Set<Int64> = [], removes: Set<Int64> = [], tag: String? = nil) {
            self.operation = operation
            self.adds = adds
            self.removes = removes
            self.tag = tag
        }
    }

    /// `overwrite(where: day = D)` replacing every row of day `day` with `count` new ids of that
    /// day: committed, the partition holds only the new rows (payload `overwritten …`); not
    /// committed, only the old ones.
    public func overwrite(day: Int, count: Int) -> Step {
        let start = nextID
        nextID += Int64(3 * count)
        let adds = Set((start..<nextID).filter { Int($0 % 3) == day })
        return Step(["overwrite", String(day), String(start), String(count)], adds: adds,
                    removes: expected.filter { Int($0 % 3) == day }, tag: "overwritten")
    }

    /// Dynamic partition overwrite of the days `days` with the ids of the next `count` that fall
    /// on them: those partitions' old rows all go, the other day's stay.
    public func replacePartitions(days: Set<Int>, count: Int) -> Step {
        let start = nextID
        nextID += Int64(count)
        let adds = Set((start..<nextID).filter { days.contains(Int($0 % 3)) })
        return Step(["replace-partitions", String(start), String(count), days.sorted().map(String.init).joined()], adds: adds,
                    removes: expected.filter { days.contains(Int($0 % 3)) }, tag: "replaced")
    }

    /// Kills the operation `prepare` sets up at every point 1, 2, … (every `stride`-th) until it
    /// completes; after each run the table must scan exactly the state before the operation or
    /// the one it commits (never in between, no id twice), and once committed the added rows
    /// must carry the step's payload tag. At the end every kept snapshot must scan (no
    /// referenced file missing).
    ///
    /// With `runs`, the first run goes uninterrupted and counts the operation's points; the
    /// stride is then chosen to spread about `runs` kills over all of them (an operation on S3
    /// passes hundreds of points: every buffer of every upload).
    public func sweep(_ name: String, stride: Int = 1, runs targetRuns: Int? = nil, maximumRuns: Int = 400,
                      prepare: (CrashHarness) async throws -> Step) async throws -> Tally {
        var tally = Tally(name: name)
        var stride = stride
        var point = targetRuns == nil ? 1 : 0
        while tally.runs < maximumRuns {
            let step = try await prepare(self)
            let before = expected
            let after = before.union(step.adds).subtracting(step.removes)
            let locationBefore = try await load().metadataLocation
            let run = try run(crashAt: point, step.operation)
            tally.runs += 1
            if run.timedOut { tally.hangs += 1 }
            let completed = run.status == 0 && !run.signalled
            let table = try await load()
            let read = try await ids(table)
            let got = Set(read)
            tally.doubled += read.count - got.count
            var ok: Bool
            let committed = table.metadataLocation != locationBefore
            var isNew = false
            if got == after && (committed || before == after) {
                expected = after
                ok = true
                isNew = committed
                if !completed && committed { tally.committedAtKill += 1 }
            } else if got == before && !completed {
                ok = true
            } else {
                ok = false
                tally.lost += before.intersection(after).subtracting(got).count
                tally.failures.append("\(name), point \(point): \(got.count) ids, expected \(before.count) (before) or \(after.count) (after); "
                    + "status \(run.status) signalled \(run.signalled): \(run.stderr)")
            }
            if ok, isNew, let tag = step.tag {
                let payloads = try await payloads(table)
                let wrong = step.adds.filter { payloads[$0]?.hasPrefix("\(tag) \($0) ") != true }
                if !wrong.isEmpty {
                    ok = false
                    tally.failures.append("\(name), point \(point): \(wrong.count) added rows do not read as \(tag)")
                }
            }
            if !completed && !run.signalled {
                tally.failures.append("\(name), point \(point): the worker failed instead of dying: \(run.stderr)")
            }
            if ok && read.count == got.count && !run.timedOut { tally.passed += 1 }
            if completed && point == 0, let targetRuns,
               let line = run.stdout.split(separator: "\n").first(where: { $0.hasPrefix("points ") }),
               let points = Int(line.dropFirst("points ".count)) {
                stride = max(1, points / max(1, targetRuns))
                point = 1
                continue
            }
            if completed { break }
            point += stride
        }
        let table = try await load()
        for snapshot in table.metadata.snapshots {
            _ = try await ids(table, snapshotID: snapshot.snapshotID)
        }
        return tally
    }
}

/// Writers racing from one base: each worker loads the table, then waits at a barrier
/// (`LAKEHOUSE_CRASH_BARRIER`) until all have loaded, so that their commits surely conflict.
public enum ConflictingWriters {
    public struct Outcome: Sendable {
        public var status: Int32
        public var stderr: String
    }

    /// Runs one worker per operation at once from the same base; returns each one's outcome.
    public static func race(_ harness: CrashHarness, _ operations: [[String]], timeout: Duration = .seconds(120)) throws -> [Outcome] {
        let barrier = harness.directory.file("barrier-\(UUID().uuidString)")
        var environment = harness.environment ?? ProcessInfo.processInfo.environment
        environment["LAKEHOUSE_CRASH_BARRIER"] = barrier
        var processes: [(Process, String)] = []
        for (n, operation) in operations.enumerated() {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: harness.worker)
            process.arguments = [harness.catalogArgument, harness.warehouse, harness.table, "--crash-at", "0"] + operation
            process.environment = environment
            process.currentDirectoryURL = URL(fileURLWithPath: harness.directory.path)
            let err = harness.directory.file("race-\(n).stderr")
            FileManager.default.createFile(atPath: err, contents: nil)
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            processes.append((process, err))
        }
        // Open the barrier once every worker has loaded the table (or after the time limit).
        let clock = ContinuousClock(), deadline = clock.now + timeout
        func arrived() -> Int {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: harness.directory.path)) ?? []
            return names.filter { $0.hasPrefix((barrier as NSString).lastPathComponent + ".") }.count
        }
        while arrived() < operations.count && clock.now < deadline && processes.allSatisfy({ $0.0.isRunning }) { usleep(10_000) }
        FileManager.default.createFile(atPath: barrier, contents: nil)
        for (process, _) in processes {
            while process.isRunning && clock.now < deadline { usleep(10_000) }
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
        }
        return processes.map { process, err in
            Outcome(status: process.terminationReason == .exit ? process.terminationStatus : -1,
                    stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
        }
    }

    /// What is wrong with two `overwrite DAY START COUNT` workers' race (empty: nothing): exactly
    /// one succeeded, the other failed with a typed conflict (validation failed or commit
    /// conflict) naming no other cause; day `day` holds exactly the winner's rows, the other
    /// days what they held, and exactly one snapshot was added.
    public static func problems(_ harness: CrashHarness, _ outcomes: [Outcome], day: Int, starts: [Int64], count: Int,
                                snapshotsBefore: Int) async throws -> [String] {
        var problems: [String] = []
        let winners = outcomes.indices.filter { outcomes[$0].status == 0 }
        guard winners.count == 1, let winner = winners.first else {
            return ["\(winners.count) of \(outcomes.count) overwrites committed: \(outcomes.map(\.stderr))"]
        }
        for (n, outcome) in outcomes.enumerated() where n != winner {
            let typed = outcome.stderr.contains("commit validation failed") || outcome.stderr.contains("commit conflict")
            if outcome.status != 2 || !typed { problems.append("the losing overwrite did not fail with a typed conflict: \(outcome.status) \(outcome.stderr)") }
        }
        let start = starts[winner]
        let winnerIDs = Set((start..<(start + Int64(3 * count))).filter { Int($0 % 3) == day })
        let expected = harness.expected.filter { Int($0 % 3) != day }.union(winnerIDs)
        let table = try await harness.load()
        let read = try await harness.ids(table)
        if Set(read) != expected || read.count != expected.count {
            problems.append("the table holds \(read.count) ids, expected \(expected.count) (the winner's day and the other days untouched)")
        }
        if table.metadata.snapshots.count != snapshotsBefore + 1 {
            problems.append("\(table.metadata.snapshots.count - snapshotsBefore) snapshots added")
        }
        harness.expected = expected
        return problems
    }
}
