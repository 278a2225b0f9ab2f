import Foundation
import IcebergKit
import LakeColumnar
import LakeTestSupport
import Testing

/// Crash at any point: `lakehouse-crash-worker` runs one operation on a table and SIGKILLs itself
/// at write point N (a writer opened, a buffer written, a file published — before and after — a
/// delete, the catalog swap — before and after), for N = 1, 2, … until the operation completes
/// without reaching N. After every kill the table must open and scan exactly the rows of a
/// committed state (the one before the operation, or the one it commits — never in between),
/// with no row twice; every kept snapshot must still scan (no referenced file missing); what the
/// kills left behind must be orphans that orphan removal finds, after which pyiceberg reads the
/// rows we expect.
///
/// `LAKEHOUSE_TORTURE=1` (Scripts/torture.sh) sweeps every operation three times at every point
/// and adds kills at random times from outside; by default each operation is swept once, at
/// every point (append, manifest rewrite, expiry), every second point (deletes, upserts), every
/// tenth (compaction) or about 12 kills spread over all points (overwrite(where:), dynamic
/// partition overwrite), which keeps the test command's run near a minute and a half on 2 cores.
private let crashWorker = BuiltCLI.sibling("lakehouse-crash-worker")

@Suite("Crash at any point of the write path", .enabled(if: crashWorker != nil || Interop.required), .serialized)
struct CrashTortureTests {
    static var worker: String? { crashWorker }
    static var full: Bool { ProcessInfo.processInfo.environment["LAKEHOUSE_TORTURE"] == "1" }
    /// Rounds of the full sweep (`LAKEHOUSE_TORTURE_ROUNDS`, default 3): each sweeps every
    /// operation at every point on the table the rounds before left.
    static var fullRounds: Int { max(1, ProcessInfo.processInfo.environment["LAKEHOUSE_TORTURE_ROUNDS"].flatMap { Int($0) } ?? 3) }

    /// Every row of `ids` still in the table carries the payload an upsert wrote (`prefix`).
    static func expectPayloads(_ harness: CrashHarness, ids: Range<Int64>, prefix: String, _ name: String) async throws {
        let table = try await harness.load()
        var seen = 0
        for try await batch in table.scan(columns: ["id", "payload"]).batches() {
            for row in 0..<batch.rowCount {
                guard case let .int64(id)? = batch.columns[0].scalar(at: row), ids.contains(id) else { continue }
                seen += 1
                guard case let .binary(bytes)? = batch.columns[1].scalar(at: row) else {
                    Issue.record("\(name): id \(id) has no payload")
                    continue
                }
                #expect(String(decoding: bytes, as: UTF8.self).hasPrefix(prefix + " "), "\(name): id \(id) reads the old payload")
            }
        }
        #expect(seen == ids.count, "\(name): \(seen) of the \(ids.count) upserted ids read")
    }

    @Test("SIGKILL at every write point of append, copy-on-write and merge-on-read delete, upsert (both modes), compaction, manifest rewrite, overwrite(where:), dynamic partition overwrite and expiry: each time the table scans exactly a committed state, every kept snapshot reads, leftovers are orphans, pyiceberg agrees",
          .timeLimit(.minutes(30)))
    func everyPoint() async throws {
        let worker = try #require(Self.worker, "lakehouse-crash-worker is not built (swift build --build-tests)")
        let harness = try CrashHarness(sqliteWorker: worker)
        defer { harness.directory.cleanup() }
        try harness.complete(["create"])
        _ = try harness.append(60)

        var tallies: [CrashHarness.Tally] = []
        for round in 1...(Self.full ? Self.fullRounds : 1) {
            tallies.append(try await harness.sweep("append (round \(round))", stride: 1) { h in
                let ids = h.nextID..<(h.nextID + 30)
                h.nextID += 30
                return .init(["append", String(ids.lowerBound), "30"], adds: Set(ids))
            })
            tallies.append(try await harness.sweep("delete, copy-on-write (round \(round))", stride: Self.full ? 1 : 2) { h in
                let ids = try h.append(20)
                let doomed = ids.lowerBound..<(ids.lowerBound + 10)
                return .init(["delete", "id >= \(doomed.lowerBound) AND id < \(doomed.upperBound)"], removes: Set(doomed))
            })
            tallies.append(try await harness.sweep("delete, merge-on-read (round \(round))", stride: Self.full ? 1 : 2) { h in
                let ids = try h.append(20)
                let doomed = ids.lowerBound..<(ids.lowerBound + 10)
                return .init(["delete-mor", "id >= \(doomed.lowerBound) AND id < \(doomed.upperBound)"], removes: Set(doomed))
            })
            for mode in ["copy-on-write", "merge-on-read"] {
                _ = try await harness.load().setProperties(["write.update.mode": mode])
                var upserted: Range<Int64> = 0..<0
                tallies.append(try await harness.sweep("upsert, \(mode) (round \(round))", stride: Self.full ? 1 : 2) { h in
                    // 5 ids already in the table get new payloads, 10 new ids are inserted.
                    let ids = try h.append(10)
                    upserted = (ids.lowerBound + 5)..<(ids.upperBound + 10)
                    h.nextID += 10
                    return .init(["upsert", String(upserted.lowerBound), String(upserted.count)], adds: Set(ids.upperBound..<upserted.upperBound))
                })
                try await Self.expectPayloads(harness, ids: upserted, prefix: "upserted", "upsert, \(mode)")
            }
            _ = try await harness.load().setProperties(["write.update.mode": "copy-on-write"])
            // Every tenth point by default: each compaction rewrites a manifest per append so
            // far and applies the deletes, so its points grow with the table's history (about
            // 390 in the first round).
            tallies.append(try await harness.sweep("compaction (round \(round))", stride: Self.full ? 1 : 10) { h in
                // Small files to compact, added only once the last ones were compacted, so that
                // the points of one compaction stay the same from run to run.
                if try await h.load().scan().planFiles().count <= 3 {
                    for _ in 0..<3 { _ = try h.append(5) }
                }
                return .init(["compact"])
            })
            tallies.append(try await harness.sweep("rewrite manifests (round \(round))", stride: 1) { h in
                // Manifests to merge: after a rewrite (or a compaction) the current snapshot is
                // a `replace` with its manifests merged; three appends add one each.
                if try await h.load().metadata.currentSnapshot?.operation == "replace" {
                    for _ in 0..<3 { _ = try h.append(5) }
                }
                return .init(["rewrite-manifests"])
            })
            // Overwrites: one day's rows replaced (copy-on-write: its files dropped, the new rows
            // written) or two days' (dynamic partition overwrite); after a kill the partition
            // holds all the old rows or all the new, never a mix. The days stay the same for
            // every run of a sweep, so that its points do too.
            tallies.append(try await harness.sweep("overwrite(where:) of a day (round \(round))", runs: Self.full ? nil : 12) { h in
                h.overwrite(day: round % 3, count: 6)
            })
            tallies.append(try await harness.sweep("dynamic partition overwrite (round \(round))", runs: Self.full ? nil : 12) { h in
                h.replacePartitions(days: [(round + 1) % 3, (round + 2) % 3], count: 12)
            })
            tallies.append(try await harness.sweep("expire snapshots (round \(round))", stride: 1) { h in
                _ = try h.append(5)
                return .init(["expire", "3"])
            })
        }
        if Self.full {
            // Kills from outside at random times, wherever the process happens to be.
            var tally = CrashHarness.Tally(name: "append, killed at random")
            var random = SeededRandom(seed: 99)
            for _ in 0..<60 {
                let before = harness.expected
                let ids = harness.nextID..<(harness.nextID + 30)
                harness.nextID += 30
                let after = before.union(ids)
                let run = try harness.run(crashAt: 0, ["append", String(ids.lowerBound), "30"],
                                          timeout: .milliseconds(Int(20 + random.next() % 400)))
                tally.runs += 1
                let read = try await harness.ids(try await harness.load())
                let got = Set(read)
                tally.doubled += read.count - got.count
                if got == after { harness.expected = after } else if got != before { tally.lost += before.subtracting(got).count }
                if (got == after || got == before) && read.count == got.count { tally.passed += 1 }
                if run.timedOut && got == after { tally.committedAtKill += 1 }
            }
            tallies.append(tally)
        }
        let table = """
            crash torture (\(Self.full ? "full" : "scaled down; LAKEHOUSE_TORTURE=1 for the full run")):
            \(tallies.map { "  \($0)" }.joined(separator: "\n"))
            """
        print(table)
        for tally in tallies {
            TortureReport.row("crash: \(tally.name)", runs: tally.runs, passed: tally.passed, lost: tally.lost, doubled: tally.doubled,
                              hangs: tally.hangs)
        }
        for tally in tallies {
            #expect(tally.clean, "\(tally): \(tally.failures.joined(separator: "; "))")
        }
        #expect(tallies.reduce(0) { $0 + $1.runs } >= 20, "at least 20 kill points")

        // What the kills left behind are orphans: unreferenced, found by orphan removal; after
        // removing them the table reads the same.
        let current = try await harness.load()
        let leftovers = try await current.removeOrphanFiles().olderThan(currentTimeMs() + 60_000).execute()
        #expect(!leftovers.orphans.isEmpty, "kills between writing a file and committing leave orphans")
        let reread = try await harness.ids(try await harness.load())
        #expect(Set(reread) == harness.expected && reread.count == harness.expected.count)

        if Interop.enabled {
            let out = try Interop.runText("""
                import sys
                from pyiceberg.catalog.sql import SqlCatalog
                cat = SqlCatalog("default", uri=f"sqlite:///{sys.argv[1]}", warehouse=sys.argv[2])
                t = cat.load_table("crash.events")
                ids = t.scan(selected_fields=("id",)).to_arrow().column("id").to_pylist()
                print(len(ids), len(set(ids)), sum(ids))
                for s in t.snapshots():
                    t.scan(snapshot_id=s.snapshot_id).to_arrow()
                """, arguments: [harness.catalogArgument, harness.warehouse])
            let sum = harness.expected.reduce(0, +)
            #expect(out.trimmingCharacters(in: .whitespacesAndNewlines) == "\(harness.expected.count) \(harness.expected.count) \(sum)")
        }
    }
}
