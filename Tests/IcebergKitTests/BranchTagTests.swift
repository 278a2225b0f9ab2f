import Foundation
import IcebergKit
import LakeColumnar
import LakeTestSupport
import Testing

/// The `id` column (the first) of `batches`, sorted.
func sortedIDs(_ batches: [RecordBatch]) -> [Int64] {
    batches.flatMap { b in (0..<b.rowCount).compactMap { r -> Int64? in
        if case let .int64(v)? = b.columns[0].scalar(at: r) { return v } else { return nil }
    } }.sorted()
}

/// Appends rows `range` of ``eventBatch(_:)`` to `branch` (main when nil); returns the table as committed.
func appendEvents(_ table: Table, _ range: Range<Int>, branch: String? = nil) async throws -> Table {
    let append = try table.newAppend()
    if let branch { append.toBranch(branch) }
    try await append.write(try eventBatch(range))
    return try await append.commit()
}

/// An unpartitioned `logs.events` table (eventSchema) in a SQLite catalog in `directory`.
func unpartitionedEvents(_ directory: TemporaryDirectory) async throws -> (SQLiteCatalog, Table) {
    let catalog = try SQLiteCatalog(path: directory.file("catalog.db"), warehouse: "file://" + directory.path)
    try await catalog.createNamespace("logs")
    let table = try await catalog.createTable(TableIdentifier(namespace: "logs", name: "events"), schema: eventSchema)
    return (catalog, table)
}

/// Every ref of the metadata at each path as pyiceberg sees it (`metadata.refs` and `inspect.refs`),
/// and the ids of the rows pyiceberg and DuckDB read at each ref's snapshot.
private let refsScript = pythonDuckDBIceberg + """
    import sys, json
    from pyiceberg.table import StaticTable
    out = []
    for path in json.loads(sys.argv[1]):
        t = StaticTable.from_metadata(path)
        refs = {n: [r.snapshot_id, r.snapshot_ref_type.lower(), r.min_snapshots_to_keep, r.max_snapshot_age_ms, r.max_ref_age_ms]
                for n, r in t.metadata.refs.items()}
        inspected = {r["name"]: [r["snapshot_id"], r["type"].lower(), r["min_snapshots_to_keep"], r["max_snapshot_age_in_ms"],
                                 r["max_reference_age_in_ms"]] for r in t.inspect.refs().to_pylist()}
        rows, duck = {}, {}
        for n, r in t.metadata.refs.items():
            rows[n] = sorted(t.scan(snapshot_id=r.snapshot_id).to_arrow().column("id").to_pylist())
            duck[n] = [x[0] for x in con.execute(f"SELECT id FROM iceberg_scan('{path}', snapshot_from_id={r.snapshot_id}) ORDER BY id").fetchall()]
        out.append({"refs": refs, "inspect": inspected, "rows": rows, "duckdb": duck,
                    "current": t.metadata.current_snapshot_id})
    print(json.dumps(out))
    """

@Suite("Branches and tags")
struct BranchTagTests {
    /// A ref as pyiceberg prints it: [snapshot id, type, min-snapshots-to-keep, max-snapshot-age-ms, max-ref-age-ms].
    struct RefView: Hashable {
        var snapshotID: Int64
        var type: String
        var minSnapshotsToKeep: Int64?
        var maxSnapshotAgeMs: Int64?
        var maxRefAgeMs: Int64?
    }

    func describe(_ refs: [String: SnapshotRef]) -> [String: RefView] {
        refs.mapValues { r in
            RefView(snapshotID: r.snapshotID, type: r.isBranch ? "branch" : "tag", minSnapshotsToKeep: r.minSnapshotsToKeep.map(Int64.init),
                    maxSnapshotAgeMs: r.maxSnapshotAgeMs, maxRefAgeMs: r.maxRefAgeMs)
        }
    }

    func pythonRefs(_ any: Any?) -> [String: RefView]? {
        guard let dict = any as? [String: [Any]] else { return nil }
        func number(_ v: Any) -> Int64? { (v as? NSNumber)?.int64Value }
        var out: [String: RefView] = [:]
        for (name, fields) in dict {
            guard fields.count == 5, let id = number(fields[0]), let type = fields[1] as? String else { return nil }
            out[name] = RefView(snapshotID: id, type: type, minSnapshotsToKeep: number(fields[2]), maxSnapshotAgeMs: number(fields[3]),
                                maxRefAgeMs: number(fields[4]))
        }
        return out
    }

    @Test("every ref operation reads back identically in pyiceberg (metadata.refs, inspect.refs) and pyiceberg and DuckDB read each ref's rows as we do",
          .enabled(if: Interop.enabled))
    func refOperationsInterop() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        var (_, table) = try await unpartitionedEvents(directory)
        table = try await appendEvents(table, 0..<10)
        let s1 = try #require(table.metadata.currentSnapshotID)
        table = try await appendEvents(table, 10..<20)
        let s2 = try #require(table.metadata.currentSnapshotID)
        var states: [Table] = []

        table = try await table.manageSnapshots().createBranch("dev", snapshotID: s1).createTag("v1", snapshotID: s1).commit()
        states.append(table)
        // An append to dev: its parent is dev's head, main does not move.
        table = try await appendEvents(table, 100..<105, branch: "dev")
        let s3 = try #require(table.metadata.refs["dev"]?.snapshotID)
        #expect(table.metadata.currentSnapshotID == s2 && table.metadata.refs["main"]?.snapshotID == s2)
        #expect(table.metadata.snapshot(id: s3)?.parentSnapshotID == s1)
        #expect(table.metadata.snapshotLog.last?.snapshotID == s2, "a branch commit is not in main's history log")
        states.append(table)
        // A row delta on dev: a position delete of the first row dev added, checked against dev's files.
        let devFile = try #require(try await table.scan(ref: "dev").planFiles().map(\.file).first { $0.recordCount == 5 })
        let deletes = try await DeleteFileWriter(table: table).writePositionDeletes([devFile.filePath: [0]])
        table = try await table.newRowDelta().toBranch("dev").addDeletes(deletes).validateDataFilesExist([devFile.filePath]).commit()
        let s4 = try #require(table.metadata.refs["dev"]?.snapshotID)
        #expect(table.metadata.snapshot(id: s4)?.parentSnapshotID == s3 && table.metadata.currentSnapshotID == s2)
        #expect(sortedIDs(try await table.scan(ref: "dev").readAll()) == (Array(0..<10) + Array(101..<105)).map(Int64.init))
        states.append(table)
        table = try await table.manageSnapshots().setMinSnapshotsToKeep("dev", 3).setMaxSnapshotAgeMs("dev", 86_400_000)
            .setMaxRefAgeMs("v1", 604_800_000).commit()
        states.append(table)
        // Retention stays with a branch as commits move it.
        table = try await appendEvents(table, 105..<107, branch: "dev")
        #expect(table.metadata.refs["dev"]?.minSnapshotsToKeep == 3 && table.metadata.refs["dev"]?.maxSnapshotAgeMs == 86_400_000)
        states.append(table)
        table = try await table.manageSnapshots().renameBranch("dev", to: "feature").replaceTag("v1", snapshotID: s2)
            .createBranch("tmp").createTag("t2", snapshotID: s3).commit()
        #expect(table.metadata.refs["dev"] == nil && table.metadata.refs["feature"]?.minSnapshotsToKeep == 3)
        #expect(table.metadata.refs["tmp"]?.snapshotID == s2, "a branch created without a snapshot starts at main's head")
        states.append(table)
        table = try await table.manageSnapshots().removeBranch("tmp").removeTag("t2").commit()
        states.append(table)
        // Fast-forward main to a branch that descends from it; replace a branch to an older snapshot.
        table = try await table.manageSnapshots().createBranch("next").commit()
        table = try await appendEvents(table, 200..<203, branch: "next")
        let s6 = try #require(table.metadata.refs["next"]?.snapshotID)
        table = try await table.manageSnapshots().fastForwardBranch("main", to: "next").replaceBranch("feature", snapshotID: s1).commit()
        #expect(table.metadata.currentSnapshotID == s6 && table.metadata.snapshotLog.last?.snapshotID == s6)
        #expect(table.metadata.refs["feature"]?.snapshotID == s1 && table.metadata.refs["feature"]?.minSnapshotsToKeep == 3)
        #expect(sortedIDs(try await table.scan().readAll()) == (Array(0..<20) + Array(200..<203)).map(Int64.init))
        states.append(table)

        let paths = states.map { LocalFileIOPath.strip($0.metadataLocation) }
        let data = try JSONSerialization.data(withJSONObject: paths)
        let text = try Interop.runText(refsScript, arguments: [String(decoding: data, as: UTF8.self)])
        let theirs = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
        #expect(theirs.count == states.count)
        for (state, info) in zip(states, theirs) {
            let ours = describe(state.metadata.refs)
            #expect(pythonRefs(info["refs"]) == ours, "metadata.refs at \(state.metadataLocation)")
            #expect(pythonRefs(info["inspect"]) == ours, "inspect.refs at \(state.metadataLocation)")
            #expect((info["current"] as? NSNumber)?.int64Value == state.metadata.currentSnapshotID)
            let rows = try #require(info["rows"] as? [String: [Int]]), duck = try #require(info["duckdb"] as? [String: [Int]])
            for name in state.metadata.refs.keys {
                let ourRows = sortedIDs(try await state.scan(ref: name).readAll()).map(Int.init)
                #expect(rows[name] == ourRows, "pyiceberg reads \(name)")
                #expect(duck[name] == ourRows, "DuckDB reads \(name)")
            }
        }
    }

    @Test("a branch and a tag pyiceberg creates are read and written by us, and pyiceberg reads what we wrote",
          .enabled(if: Interop.enabled))
    func foreignRefs() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        var (catalog, table) = try await unpartitionedEvents(directory)
        table = try await appendEvents(table, 0..<10)
        let s1 = try #require(table.metadata.currentSnapshotID)
        table = try await appendEvents(table, 10..<20)
        let catalogScript = """
            import sys, json
            from pyiceberg.catalog.sql import SqlCatalog
            wh = sys.argv[1]
            cat = SqlCatalog("default", uri=f"sqlite:///{wh}/catalog.db", warehouse=f"file://{wh}")
            t = cat.load_table("logs.events")

            """
        _ = try Interop.runText(catalogScript + """
            s1 = int(sys.argv[2])
            t.manage_snapshots().create_branch(s1, "py-branch", min_snapshots_to_keep=2).create_tag(s1, "py-tag", max_ref_age_ms=3600000).commit()
            """, arguments: [directory.path, String(s1)])
        table = try await catalog.loadTable(table.identifier)
        #expect(table.metadata.refs["py-branch"] == SnapshotRef(snapshotID: s1, isBranch: true, minSnapshotsToKeep: 2))
        #expect(table.metadata.refs["py-tag"] == SnapshotRef(snapshotID: s1, isBranch: false, maxRefAgeMs: 3_600_000))
        #expect(sortedIDs(try await table.scan(ref: "py-tag").readAll()) == (0..<10).map(Int64.init))
        table = try await appendEvents(table, 300..<304, branch: "py-branch")
        let head = try #require(table.metadata.refs["py-branch"]?.snapshotID)
        #expect(table.metadata.refs["py-branch"]?.minSnapshotsToKeep == 2)
        let text = try Interop.runText(catalogScript + """
            r = t.metadata.refs["py-branch"]
            out = {"head": r.snapshot_id, "min": r.min_snapshots_to_keep, "main": t.metadata.current_snapshot_id,
                   "branch": sorted(t.scan(snapshot_id=r.snapshot_id).to_arrow().column("id").to_pylist()),
                   "rows": sorted(t.scan().to_arrow().column("id").to_pylist()),
                   "parent": t.snapshot_by_id(r.snapshot_id).parent_snapshot_id}
            print(json.dumps(out))
            """, arguments: [directory.path])
        let info = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect((info["head"] as? NSNumber)?.int64Value == head && (info["parent"] as? NSNumber)?.int64Value == s1)
        #expect(info["min"] as? Int == 2)
        #expect((info["main"] as? NSNumber)?.int64Value == table.metadata.currentSnapshotID)
        #expect(info["branch"] as? [Int] == Array(0..<10) + Array(300..<304))
        #expect(info["rows"] as? [Int] == Array(0..<20), "main does not see the branch's rows")
    }

    @Test("row-level writes (copy-on-write delete, overwrite, DeleteFiles) on a branch move only the branch; pyiceberg and DuckDB read both; changelog and incremental scans follow the branch",
          .enabled(if: Interop.enabled))
    func rowLevelWritesOnBranch() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        var (_, table) = try await unpartitionedEvents(directory)
        table = try await appendEvents(table, 0..<10)
        let s1 = try #require(table.metadata.currentSnapshotID)
        table = try await appendEvents(table, 10..<20)
        let s2 = try #require(table.metadata.currentSnapshotID)
        table = try await table.manageSnapshots().createBranch("dev").commit()
        let first = try #require(try await table.scan(snapshotID: s1).planFiles().first?.file)
        table = try await table.newDelete().toBranch("dev").deleteFile(first).commit()
        let d1 = try #require(table.metadata.refs["dev"]?.snapshotID)
        table = try await table.delete(where: .lessThan("id", .int64(15)), branch: "dev").table
        let d2 = try #require(table.metadata.refs["dev"]?.snapshotID)
        table = try await table.overwrite([try eventBatch(100..<103)], where: .greaterThanOrEqual("id", .int64(18)), branch: "dev").table
        let d3 = try #require(table.metadata.refs["dev"]?.snapshotID)
        #expect([d1, d2, d3].map { table.metadata.snapshot(id: $0)?.parentSnapshotID } == [s2, d1, d2])
        #expect(table.metadata.currentSnapshotID == s2, "main did not move")
        let devRows = (Array(15..<18) + Array(100..<103)).map(Int64.init)
        #expect(sortedIDs(try await table.scan(ref: "dev").readAll()) == devRows)
        #expect(sortedIDs(try await table.scan().readAll()) == (0..<20).map(Int64.init))

        let text = try Interop.runText(refsScript, arguments: ["[\"\(LocalFileIOPath.strip(table.metadataLocation))\"]"])
        let info = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]]).first
        #expect((info?["rows"] as? [String: [Int]])?["dev"] == devRows.map(Int.init))
        #expect((info?["duckdb"] as? [String: [Int]])?["dev"] == devRows.map(Int.init))
        #expect((info?["rows"] as? [String: [Int]])?["main"] == Array(0..<20))

        // Along dev: no append after s2; the changelog's net change per snapshot is what each write did.
        #expect(try await table.incrementalAppendScan(fromSnapshotExclusive: s2, toSnapshotInclusive: d3).readAll().isEmpty)
        #expect(sortedIDs(try await table.incrementalAppendScan(fromSnapshotExclusive: s1, toSnapshotInclusive: d3).readAll()) == (10..<20).map(Int64.init))
        var net: [Int32: [Int64: Int]] = [:]
        for b in try await table.changelogScan(fromSnapshotExclusive: s2, toSnapshotInclusive: d3, columns: ["id"]).readAll() {
            for r in 0..<b.rowCount {
                guard case let .int64(id)? = b.columns[0].scalar(at: r), case let .binary(type)? = b.columns[1].scalar(at: r),
                      case let .int32(ordinal)? = b.columns[2].scalar(at: r) else { Issue.record("changelog columns"); continue }
                net[ordinal, default: [:]][id, default: 0] += String(decoding: type, as: UTF8.self) == "INSERT" ? 1 : -1
            }
        }
        func nonZero(_ m: [Int64: Int]?) -> [Int64: Int] { (m ?? [:]).filter { $0.value != 0 } }
        #expect(nonZero(net[0]) == Dictionary(uniqueKeysWithValues: (0..<10).map { (Int64($0), -1) }))
        #expect(nonZero(net[1]) == Dictionary(uniqueKeysWithValues: (10..<15).map { (Int64($0), -1) }))
        #expect(nonZero(net[2]) == Dictionary(uniqueKeysWithValues: (18..<20).map { (Int64($0), -1) } + (100..<103).map { (Int64($0), 1) }))
    }

    @Test("a row-level write to a branch that does not exist yet creates it at the current snapshot (Java's latestSnapshot) and leaves main alone")
    func rowLevelWritesCreateBranch() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        var (_, table) = try await unpartitionedEvents(directory)
        table = try await appendEvents(table, 0..<10)
        table = try await appendEvents(table, 10..<20)
        let s2 = try #require(table.metadata.currentSnapshotID)
        table = try await table.delete(where: .lessThan("id", .int64(5)), branch: "cow").table
        let cow = try #require(table.metadata.refs["cow"]?.snapshotID)
        #expect(table.metadata.snapshot(id: cow)?.parentSnapshotID == s2)
        table = try await table.overwrite([try eventBatch(100..<102)], where: .greaterThanOrEqual("id", .int64(18)), branch: "ow").table
        let ow = try #require(table.metadata.refs["ow"]?.snapshotID)
        #expect(table.metadata.snapshot(id: ow)?.parentSnapshotID == s2)
        #expect(table.metadata.currentSnapshotID == s2, "main did not move")
        #expect(sortedIDs(try await table.scan(ref: "cow").readAll()) == (5..<20).map(Int64.init))
        #expect(sortedIDs(try await table.scan(ref: "ow").readAll()) == (0..<18).map(Int64.init) + [100, 101])
        #expect(sortedIDs(try await table.scan().readAll()) == (0..<20).map(Int64.init))
    }


    @Test("the exactly-once ledger answers per branch: an object staged on audit is refused there again and is not yet ingested on main")
    func sourcesPerBranch() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        var (catalog, table) = try await unpartitionedEvents(directory)
        func ingest(_ table: Table, _ source: String, _ range: Range<Int>, branch: String? = nil) async throws -> Table {
            let append = try table.newAppend()
            if let branch { append.toBranch(branch) }
            append.recordSource(source)
            try await append.write(try eventBatch(range))
            return try await append.commit()
        }
        table = try await ingest(table, "logs/a.gz", 0..<3)
        table = try await ingest(table, "logs/b.gz", 3..<6, branch: "audit")
        #expect(try await table.hasCommitted(source: "logs/b.gz") == false, "staged, not ingested on main")
        #expect(try await table.hasCommitted(source: "logs/b.gz", onBranch: "main") == false)
        #expect(try await table.hasCommitted(source: "logs/b.gz", onBranch: "audit"))
        #expect(try await table.hasCommitted(source: "logs/a.gz", onBranch: "audit"), "the branch holds main's history")
        #expect(table.metadata.committedSources(onBranch: "audit") == ["logs/a.gz", "logs/b.gz"])
        #expect(table.metadata.committedSources(onBranch: "main") == ["logs/a.gz"])
        let location = table.metadataLocation
        for (source, branch) in [("logs/b.gz", "audit"), ("logs/a.gz", "audit"), ("logs/a.gz", "main")] {
            do {
                _ = try await ingest(table, source, 6..<7, branch: branch)
                Issue.record("\(source) was ingested twice on \(branch)")
            } catch let error as IcebergError {
                guard case .validationFailed = error.kind else { Issue.record("expected validationFailed, got \(error)"); continue }
            }
        }
        #expect(try await catalog.loadTable(table.identifier).metadataLocation == location)
        table = try await table.manageSnapshots().fastForwardBranch("main", to: "audit").commit()
        #expect(try await table.hasCommitted(source: "logs/b.gz"))
        await #expect(throws: IcebergError.self) { try await ingest(table, "logs/b.gz", 6..<7) }
    }

    @Test("write-audit-publish: a staged append is invisible on main until fast-forwarded; a failed audit or a moved main publishes nothing",
          .enabled(if: Interop.enabled))
    func writeAuditPublish() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        var (catalog, table) = try await unpartitionedEvents(directory)
        table = try await appendEvents(table, 0..<20)
        let mainHead = try #require(table.metadata.currentSnapshotID)
        /// The audit: no id on the branch appears twice.
        func audit(_ table: Table, _ branch: String) async throws -> Bool {
            let ids = sortedIDs(try await table.scan(ref: branch).readAll())
            return Set(ids).count == ids.count
        }
        func pyiceberg(_ refs: [String]) throws -> [String: [Int]] {
            let text = try Interop.runText("""
                import sys, json
                from pyiceberg.catalog.sql import SqlCatalog
                wh = sys.argv[1]
                t = SqlCatalog("default", uri=f"sqlite:///{wh}/catalog.db", warehouse=f"file://{wh}").load_table("logs.events")
                out = {"main": sorted(t.scan().to_arrow().column("id").to_pylist())}
                for name in sys.argv[2:]:
                    out[name] = sorted(t.scan(snapshot_id=t.metadata.refs[name].snapshot_id).to_arrow().column("id").to_pylist())
                print(json.dumps(out))
                """, arguments: [directory.path] + refs)
            return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: [Int]])
        }

        // Stage: the branch does not exist yet, so the append creates it at main's head.
        table = try await appendEvents(table, 20..<30, branch: "audit")
        #expect(table.metadata.currentSnapshotID == mainHead)
        var seen = try pyiceberg(["audit"])
        #expect(seen["main"] == Array(0..<20), "main is unchanged while the append is staged")
        #expect(seen["audit"] == Array(0..<30))
        // Audit passes: publish.
        #expect(try await audit(table, "audit"))
        table = try await table.manageSnapshots().fastForwardBranch("main", to: "audit").commit()
        seen = try pyiceberg([])
        #expect(seen["main"] == Array(0..<30), "published")
        let published = try #require(table.metadata.currentSnapshotID)

        // A bad batch (ids 0..<5 again) fails the audit: nothing is published and the branch goes.
        table = try await appendEvents(table, 0..<5, branch: "audit2")
        #expect(try await audit(table, "audit2") == false)
        table = try await table.manageSnapshots().removeBranch("audit2").commit()
        seen = try pyiceberg([])
        #expect(seen["main"] == Array(0..<30) && table.metadata.currentSnapshotID == published)

        // Main moves after staging (another writer appends): publishing is refused, main keeps the other write.
        table = try await appendEvents(table, 30..<35, branch: "audit3")
        let stale = table
        _ = try await appendEvents(try await catalog.loadTable(table.identifier), 40..<41)
        let before = try await catalog.loadTable(table.identifier)
        await #expect(throws: IcebergError.self) { try await stale.manageSnapshots().fastForwardBranch("main", to: "audit3").commit() }
        let after = try await catalog.loadTable(table.identifier)
        #expect(after.metadataLocation == before.metadataLocation)
        seen = try pyiceberg(["audit3"])
        #expect(seen["main"] == Array(0..<30) + [40])
        #expect(seen["audit3"] == Array(0..<35))
    }

    @Test("illegal ref operations throw typed errors and leave the table unchanged")
    func illegalOperations() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        var (catalog, table) = try await unpartitionedEvents(directory)
        await #expect(throws: IcebergError.self) { try await table.manageSnapshots().createBranch("early").commit() }
        table = try await appendEvents(table, 0..<3)
        let s1 = try #require(table.metadata.currentSnapshotID)
        table = try await table.manageSnapshots().createTag("v1").createBranch("dev").commit()
        table = try await appendEvents(table, 3..<6, branch: "dev")
        table = try await appendEvents(table, 6..<9)
        let s3 = try #require(table.metadata.currentSnapshotID)
        let location = table.metadataLocation

        func expectFailure(_ kind: String, _ label: String, _ body: (ManageSnapshots) -> Void) async throws {
            let fresh = try await catalog.loadTable(table.identifier)
            let change = fresh.manageSnapshots()
            body(change)
            do {
                _ = try await change.commit()
                Issue.record("\(label) was committed")
            } catch {
                switch (kind, error.kind) {
                case ("validation", .validationFailed), ("notFound", .notFound): break
                default: Issue.record("\(label): expected \(kind), got \(error)")
                }
            }
            #expect(try await catalog.loadTable(table.identifier).metadataLocation == location, "\(label) changed the table")
        }
        try await expectFailure("validation", "remove main") { $0.removeBranch("main") }
        try await expectFailure("validation", "rename main") { $0.renameBranch("main", to: "trunk") }
        try await expectFailure("validation", "create an existing branch") { $0.createBranch("dev") }
        try await expectFailure("validation", "a tag over a branch") { $0.createTag("dev", snapshotID: s1) }
        try await expectFailure("validation", "fast-forward to a non-descendant") { $0.fastForwardBranch("main", to: "dev") }
        try await expectFailure("validation", "fast-forward a tag") { $0.fastForwardBranch("v1", to: "main") }
        try await expectFailure("notFound", "replace to an unknown snapshot") { $0.replaceBranch("dev", snapshotID: 12345) }
        try await expectFailure("notFound", "remove an unknown branch") { $0.removeBranch("nope") }
        try await expectFailure("validation", "remove a tag as a branch") { $0.removeBranch("v1") }
        try await expectFailure("validation", "branch retention on a tag") { $0.setMinSnapshotsToKeep("v1", 2) }
        try await expectFailure("validation", "non-positive retention") { $0.setMaxSnapshotAgeMs("dev", 0) }
        try await expectFailure("validation", "an expiring main") { $0.setMaxRefAgeMs("main", 1000) }
        // A valid operation before an illegal one in the same change commits nothing either.
        try await expectFailure("validation", "half a change") { $0.createTag("ok", snapshotID: s3).removeBranch("main") }
        // Appending to a tag is refused.
        let onTag = try table.newAppend()
        onTag.toBranch("v1")
        try await onTag.write(try eventBatch(9..<10))
        await #expect(throws: IcebergError.self) { try await onTag.commit() }
        #expect(try await catalog.loadTable(table.identifier).metadataLocation == location)
        await #expect(throws: IcebergError.self) { try table.scan(ref: "nope") }
        #expect(table.metadata.currentSnapshotID == s3)
    }

    @Test("a ref change made on a stale table retries on the fresh one; a branch write retries on the branch's new head")
    func retries() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        var (catalog, table) = try await unpartitionedEvents(directory)
        table = try await appendEvents(table, 0..<3)
        let stale = try await table.manageSnapshots().createBranch("dev").commit()
        // Another writer moves main and dev.
        var other = try await appendEvents(stale, 3..<6)
        other = try await appendEvents(other, 10..<12, branch: "dev")
        let devHead = try #require(other.metadata.refs["dev"]?.snapshotID)
        // The stale writer tags main and appends to dev: both land on the fresh heads.
        let tagged = try await stale.manageSnapshots().createTag("t").commit()
        #expect(tagged.metadata.refs["t"]?.snapshotID == stale.metadata.currentSnapshotID, "the tag is where the writer saw main")
        let appended = try await appendEvents(stale, 20..<22, branch: "dev")
        #expect(appended.metadata.snapshot(id: try #require(appended.metadata.refs["dev"]?.snapshotID))?.parentSnapshotID == devHead)
        let fresh = try await catalog.loadTable(table.identifier)
        #expect(sortedIDs(try await fresh.scan(ref: "dev").readAll()) == [0, 1, 2, 10, 11, 20, 21])
        #expect(sortedIDs(try await fresh.scan().readAll()) == [0, 1, 2, 3, 4, 5])
    }

    @Test("a branch is read with the table's current schema, a tag with its snapshot's (as Java reads refs)")
    func refSchemas() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        var (_, table) = try await unpartitionedEvents(directory)
        table = try await appendEvents(table, 0..<3)
        table = try await table.manageSnapshots().createBranch("b").createTag("t").commit()
        let wider = IcebergSchema(schemaID: 1, fields: eventSchema.fields + [NestedField(id: 4, name: "note", required: false, type: .string)])
        table = try await table.commit(requirements: [.assertTableUUID(table.metadata.tableUUID)], updates: [.addSchema(wider), .setCurrentSchema(-1)])
        #expect(try table.scan(ref: "b").projectedFields().map(\.name) == ["id", "day", "status", "note"])
        #expect(try table.scan(ref: "t").projectedFields().map(\.name) == ["id", "day", "status"])
        let branchRows = try await table.scan(ref: "b").readAll()
        #expect(branchRows.first?.columns.count == 4 && sortedIDs(branchRows) == [0, 1, 2])
        #expect(try await table.scan(ref: "t").readAll().first?.columns.count == 3)
    }
}
