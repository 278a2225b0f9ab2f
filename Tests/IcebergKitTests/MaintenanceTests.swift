import Foundation
import IcebergKit
import LakeColumnar
import LakeTestSupport
import Testing

/// Regular files under `root`, as absolute paths.
func filesOnDisk(_ root: String) -> Set<String> {
    guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
    var out = Set<String>()
    while let name = walker.nextObject() as? String {
        if walker.fileAttributes?[.type] as? FileAttributeType == .typeRegular { out.insert(root + "/" + name) }
    }
    return out
}

/// Python that lists, for every snapshot of the table at `sys.argv[1]` (a metadata file), the
/// files it references according to pyiceberg: its manifest list, its manifests and the data and
/// delete files live in them. Printed as JSON `{snapshot id: [paths]}` (paths without `file://`).
let pythonSnapshotFiles = """
    import sys, json
    from pyiceberg.table import StaticTable
    t = StaticTable.from_metadata(sys.argv[1])
    def strip(p): return p[7:] if p.startswith("file://") else p
    out = {}
    for s in t.metadata.snapshots:
        files = {strip(s.manifest_list)}
        for m in s.manifests(t.io):
            files.add(strip(m.manifest_path))
            for e in m.fetch_manifest_entry(t.io, discard_deleted=True):
                files.add(strip(e.data_file.file_path))
        out[str(s.snapshot_id)] = sorted(files)
    print(json.dumps(out))
    """

@Suite("Expire snapshots")
struct ExpireSnapshotsTests {
    func ids(_ batches: [RecordBatch]) -> [Int64] {
        batches.flatMap { b in (0..<b.rowCount).compactMap { r -> Int64? in
            if case let .int64(v)? = b.columns[0].scalar(at: r) { return v } else { return nil }
        } }.sorted()
    }

    func newTable(_ directory: TemporaryDirectory) async throws -> (SQLiteCatalog, Table) {
        let catalog = try SQLiteCatalog(path: directory.file("catalog.db"), warehouse: "file://" + directory.path)
        try await catalog.createNamespace("logs")
        let table = try await catalog.createTable(TableIdentifier(namespace: "logs", name: "events"), schema: eventSchema)
        return (catalog, table)
    }

    @Test("expiry keeps every kept snapshot readable by pyiceberg and DuckDB and deletes exactly the files only expired snapshots referenced",
          .enabled(if: Interop.enabled))
    func expireAndClean() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        var (_, table) = try await newTable(directory)
        // main: three appends, a position delete (id 5), one more append.
        for range in [0..<10, 10..<20, 20..<30] { table = try await table.append([try eventBatch(range)]) }
        // The file holding ids 0..<10 (lower bound of id 0): position 5 is id 5.
        let first = try #require(try await table.scan().planFiles().map(\.file).first { $0.lowerBounds[1] == [UInt8](repeating: 0, count: 8) })
        let positions = try await DeleteFileWriter(table: table).writePositionDeletes([first.filePath: [5]])
        table = try await table.newRowDelta().addDeletes(positions).commit()
        let withDelete = try #require(table.metadata.currentSnapshotID)
        table = try await table.append([try eventBatch(30..<40)])
        let head = try #require(table.metadata.currentSnapshotID)
        // Two appends then rolled back: their snapshots leave every ref's history.
        var rolledBack = table
        for range in [100..<110, 110..<120] { rolledBack = try await rolledBack.append([try eventBatch(range)]) }
        // A file the rolled-back history and main both commit (each in a manifest of its own):
        // the rolled-back manifest goes, the file stays.
        let shared = try await writeFiles(table, try eventBatch(200..<210))
        rolledBack = try await commitFiles(rolledBack, shared)
        table = try await rolledBack.commit(requirements: [.assertRefSnapshotID(ref: "main", snapshotID: rolledBack.metadata.currentSnapshotID)],
                                            updates: [.setSnapshotRef(name: "main", ref: SnapshotRef(snapshotID: head))])
        table = try await commitFiles(table, shared)
        let head2 = try #require(table.metadata.currentSnapshotID)
        #expect(table.metadata.snapshots.count == 9)
        let expected: [Int64: [Int64]] = [withDelete: (0..<30).filter { $0 != 5 }.map(Int64.init),
                                          head: (0..<40).filter { $0 != 5 }.map(Int64.init),
                                          head2: ((0..<40).filter { $0 != 5 } + Array(200..<210)).map(Int64.init)]

        // The oracle: pyiceberg's view of what each snapshot references, before the expiry.
        let tableRoot = LocalFileIOPath.strip(table.metadata.location)
        let referencedText = try Interop.runText(pythonSnapshotFiles, arguments: [LocalFileIOPath.strip(table.metadataLocation)])
        let referenced = try #require(try JSONSerialization.jsonObject(with: Data(referencedText.utf8)) as? [String: [String]])
        #expect(referenced.count == 9)
        let kept: Set<Int64> = [withDelete, head, head2]
        let keptFiles = Set(referenced.filter { kept.contains(Int64($0.key) ?? 0) }.values.flatMap { $0 })
        let expiredFiles = Set(referenced.filter { !kept.contains(Int64($0.key) ?? 0) }.values.flatMap { $0 })
        let mustGo = expiredFiles.subtracting(keptFiles)
        let before = filesOnDisk(tableRoot)
        #expect(mustGo.isSubset(of: before))

        // A dry run names the same snapshots and counts the same files, and touches nothing.
        let dry = try await table.expireSnapshots().expireOlderThan(currentTimeMs() + 1).retainLast(3).dryRun()
        #expect(dry.table.metadataLocation == table.metadataLocation)
        #expect(try await table.refresh().metadataLocation == table.metadataLocation, "a dry run committed")
        #expect(filesOnDisk(tableRoot) == before, "a dry run deleted or wrote files")

        let result = try await table.expireSnapshots().expireOlderThan(currentTimeMs() + 1).retainLast(3).commit()
        #expect(Set(dry.expiredSnapshotIDs) == Set(result.expiredSnapshotIDs))
        #expect(dry.removedRefs == result.removedRefs)
        let dryCounts: [Int] = [dry.deletedDataFiles, dry.deletedDeleteFiles, dry.deletedManifests, dry.deletedManifestLists,
                                dry.deletedStatisticsFiles]
        let counts: [Int] = [result.deletedDataFiles, result.deletedDeleteFiles, result.deletedManifests, result.deletedManifestLists,
                             result.deletedStatisticsFiles]
        #expect(dryCounts == counts)
        #expect(dry.deletedBytes == result.deletedBytes)
        table = result.table
        #expect(Set(table.metadata.snapshots.map(\.snapshotID)) == kept)
        #expect(Set(result.expiredSnapshotIDs) == Set(referenced.keys.compactMap { Int64($0) }).subtracting(kept))
        #expect(result.deletedDataFiles == 2, "the two rolled-back appends' data files")
        #expect(result.deletedManifestLists == 6)
        #expect(result.deletedManifests == 3, "the rolled-back appends' own manifests")
        #expect(result.failedDeletes.isEmpty)
        let after = filesOnDisk(tableRoot)
        // Exactly the files only expired snapshots referenced are gone (new metadata files aside).
        #expect(before.subtracting(after) == mustGo)
        #expect(keptFiles.isSubset(of: after), "no file of a kept snapshot was deleted")
        #expect(try await table.scan().readAll().isEmpty == false)

        let script = pythonDuckDBIceberg + """
            import sys, json
            from pyiceberg.catalog.sql import SqlCatalog
            wh, meta = sys.argv[1:3]
            cat = SqlCatalog("default", uri=f"sqlite:///{wh}/catalog.db", warehouse=f"file://{wh}")
            t = cat.load_table("logs.events")
            out = {"snapshots": [s.snapshot_id for s in t.snapshots()],
                   "history": [h.snapshot_id for h in t.history()],
                   "inspect": [r["snapshot_id"] for r in t.inspect.snapshots().to_pylist()]}
            for s in t.snapshots():
                out[str(s.snapshot_id)] = sorted(t.scan(snapshot_id=s.snapshot_id).to_arrow().column("id").to_pylist())
            files = t.inspect.files().to_pylist()
            out["data_files"] = sum(1 for f in files if f["content"] == 0)
            out["delete_files"] = sum(1 for f in files if f["content"] != 0)
            out["duckdb"] = [r[0] for r in con.execute(f"SELECT id FROM iceberg_scan('{meta}') ORDER BY id").fetchall()]
            print(json.dumps(out))
            """
        let text = try Interop.runText(script, arguments: [directory.path, LocalFileIOPath.strip(table.metadataLocation)])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(Set((json["snapshots"] as? [Int])?.map(Int64.init) ?? []) == kept, "expired snapshots are gone from pyiceberg's view")
        #expect(Set((json["inspect"] as? [Int])?.map(Int64.init) ?? []) == kept)
        #expect(((json["history"] as? [Int])?.map(Int64.init) ?? []).allSatisfy(kept.contains))
        for (id, rows) in expected {
            #expect((json[String(id)] as? [Int])?.map(Int64.init) == rows, "pyiceberg at snapshot \(id)")
            #expect(ids(try await table.scan(snapshotID: id).readAll()) == rows, "our scan at snapshot \(id)")
        }
        #expect((json["duckdb"] as? [Int])?.map(Int64.init) == expected[head2])
        #expect(json["data_files"] as? Int == 5)
        #expect(json["delete_files"] as? Int == 1)

        // Expiring again changes nothing and deletes nothing.
        let again = try await table.expireSnapshots().expireOlderThan(currentTimeMs() + 1).retainLast(3).commit()
        #expect(again.expiredSnapshotIDs.isEmpty)
        #expect(again.table.metadataLocation == table.metadataLocation)
    }

    @Test("ref retention: an old ref goes, main never does, a tag keeps its snapshot, a branch keeps min-snapshots-to-keep; a ref's snapshot cannot be expired")
    func refRetention() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        var (_, table) = try await newTable(directory)
        var snaps: [Int64] = []
        for i in 0..<6 {
            table = try await table.append([try eventBatch(i * 10..<(i + 1) * 10)])
            snaps.append(try #require(table.metadata.currentSnapshotID))
        }
        let now = currentTimeMs() + 1000
        table = try await table.commit(updates: [
            .setSnapshotRef(name: "old-tag", ref: SnapshotRef(snapshotID: snaps[0], isBranch: false, maxRefAgeMs: 1)),
            .setSnapshotRef(name: "tag", ref: SnapshotRef(snapshotID: snaps[1], isBranch: false)),
            .setSnapshotRef(name: "branch", ref: SnapshotRef(snapshotID: snaps[3], isBranch: true, minSnapshotsToKeep: 2)),
            .setSnapshotRef(name: "main", ref: SnapshotRef(snapshotID: snaps[5], isBranch: true, maxRefAgeMs: 1)),
        ])
        let plan = try table.expireSnapshots().expireOlderThan(now).plan(table.metadata, nowMs: now)
        #expect(plan.refs == ["old-tag"])
        // Kept: main's head, the tag's snapshot, the branch's two newest (3 and 2).
        #expect(Set(plan.snapshotIDs) == Set([snaps[0], snaps[4]]))

        // The table property is the default where the ref sets nothing.
        let withProperty = try await table.commit(updates: [.setProperties(["history.expire.min-snapshots-to-keep": "3"])])
        let plan3 = try withProperty.expireSnapshots().expireOlderThan(now).plan(withProperty.metadata, nowMs: now)
        #expect(Set(plan3.snapshotIDs) == Set([snaps[0]]), "main keeps 5, 4, 3")
        table = try await withProperty.commit(updates: [.removeProperties(["history.expire.min-snapshots-to-keep"])])
        // Without an explicit cutoff the default age (5 days) keeps everything young.
        #expect(try table.expireSnapshots().plan(table.metadata, nowMs: now).snapshotIDs == [])

        // A snapshot a ref points at cannot be expired; the metadata stays as it was.
        do {
            _ = try await table.expireSnapshots().expireSnapshotID(snaps[1]).commit(nowMs: now)
            Issue.record("expired a tagged snapshot")
        } catch {
            guard case .validationFailed = error.kind else { Issue.record("expected validationFailed, got \(error)"); return }
        }
        #expect(try await table.refresh().metadataLocation == table.metadataLocation)

        let result = try await table.expireSnapshots().expireOlderThan(now).commit(nowMs: now)
        #expect(Set(result.table.metadata.refs.keys) == ["main", "tag", "branch"])
        #expect(Set(result.table.metadata.snapshots.map(\.snapshotID)) == Set([snaps[1], snaps[2], snaps[3], snaps[5]]))
        #expect(ids(try await result.table.scan(snapshotID: snaps[2]).readAll()) == (0..<30).map(Int64.init))
        // An explicit id expires a snapshot the age rules would keep.
        let explicit = try await result.table.expireSnapshots().expireSnapshotID(snaps[2]).commit(nowMs: now)
        #expect(explicit.expiredSnapshotIDs == [snaps[2]])
    }

    @Test("a stale table handle expires on the newest metadata: a concurrent append is kept")
    func concurrentAppend() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        var (_, table) = try await newTable(directory)
        for range in [0..<10, 10..<20, 20..<30] { table = try await table.append([try eventBatch(range)]) }
        let stale = table
        let newer = try await table.append([try eventBatch(30..<40)])
        let result = try await stale.expireSnapshots().expireOlderThan(currentTimeMs() + 1).retainLast(1).commit()
        #expect(result.table.metadata.snapshots.map(\.snapshotID) == [newer.metadata.currentSnapshotID])
        #expect(ids(try await result.table.scan().readAll()) == (0..<40).map(Int64.init))
    }

    @Test("the exactly-once ledger survives expiry: a re-delivered object is skipped afterwards, and a second expiry folds the first ledger")
    func ledgerSurvivesExpiry() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        var (catalog, table) = try await newTable(directory)
        func ingest(_ object: String, _ range: Range<Int>, into table: Table) async throws -> Table {
            let append = try table.newAppend()
            append.recordSource(object)
            try await append.write(try eventBatch(range))
            return try await append.commit()
        }
        for i in 0..<4 { table = try await ingest("s3://logs/obj-\(i).gz", i * 10..<(i + 1) * 10, into: table) }
        table = try await table.expireSnapshots().expireOlderThan(currentTimeMs() + 1).retainLast(1).commit().table
        #expect(table.metadata.snapshots.count == 1)
        #expect(SourceLedger.files(of: table.metadata).count == 1)
        // obj-3 is in the kept snapshot, obj-0…2 only in the ledger.
        #expect(table.metadata.committedSources() == ["s3://logs/obj-3.gz"])
        let reloaded = try await catalog.loadTable(table.identifier)
        for i in 0..<4 { #expect(try await reloaded.hasCommitted(source: "s3://logs/obj-\(i).gz")) }
        #expect(try await reloaded.hasCommitted(source: "s3://logs/obj-9.gz") == false)
        do {
            _ = try await ingest("s3://logs/obj-1.gz", 10..<20, into: reloaded)
            Issue.record("a re-delivered object was ingested twice")
        } catch {
            guard case .validationFailed? = (error as? IcebergError)?.kind else { Issue.record("expected validationFailed, got \(error)"); return }
        }
        // Two more objects, a second expiry: one ledger holding all of them replaces the first.
        for i in 4..<6 { table = try await ingest("s3://logs/obj-\(i).gz", i * 10..<(i + 1) * 10, into: table) }
        let firstLedger = try #require(SourceLedger.files(of: table.metadata).first)
        table = try await table.expireSnapshots().expireOlderThan(currentTimeMs() + 1).retainLast(1).commit().table
        let ledgers = SourceLedger.files(of: table.metadata)
        #expect(ledgers.count == 1 && ledgers.first?.location != firstLedger.location)
        #expect(try await table.committedSources() == Set((0..<6).map { "s3://logs/obj-\($0).gz" }))
        #expect(try await SourceLedger.load(table.metadata, io: table.io)[AppendTransaction.sourceSummaryKey]?.count == 5)
        do {
            _ = try await ingest("s3://logs/obj-4.gz", 40..<50, into: table)
            Issue.record("a re-delivered object was ingested twice")
        } catch {
            guard case .validationFailed? = (error as? IcebergError)?.kind else { Issue.record("expected validationFailed, got \(error)"); return }
        }
        #expect(ids(try await table.scan().readAll()) == (0..<60).map(Int64.init), "every object's rows once")
        // The ledger is a referenced file: orphan removal keeps it (the folded one is an orphan).
        let orphans = try await table.removeOrphanFiles().olderThan(currentTimeMs() + 60_000).dryRun().execute()
        let orphanPaths = Set(orphans.orphans.map { LocalFileIOPath.strip($0.location) })
        #expect(!orphanPaths.contains(LocalFileIOPath.strip(try #require(ledgers.first).location)))
        #expect(orphanPaths.contains(LocalFileIOPath.strip(firstLedger.location)))
    }
}

@Suite("Remove orphan files")
struct RemoveOrphanFilesTests {
    /// Writes `name` under `root` with a modification time `ageMs` in the past.
    func plant(_ path: String, ageMs: Int64) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data("orphan".utf8).write(to: URL(fileURLWithPath: path))
        let date = Date(timeIntervalSince1970: Double(currentTimeMs() - ageMs) / 1000)
        try FileManager.default.setAttributes([.modificationDate: date], ofItemAtPath: path)
    }

    @Test("old unreferenced files go (dry run lists them first); young ones and every referenced file stay; pyiceberg reads the same rows",
          .enabled(if: Interop.enabled))
    func removeOrphans() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let catalog = try SQLiteCatalog(path: directory.file("catalog.db"), warehouse: "file://" + directory.path)
        try await catalog.createNamespace("logs")
        var table = try await catalog.createTable(TableIdentifier(namespace: "logs", name: "events"), schema: eventSchema)
        for range in [0..<10, 10..<20, 20..<30] { table = try await table.append([try eventBatch(range)]) }
        let positions = try await DeleteFileWriter(table: table).writePositionDeletes([
            try #require(try await table.scan().planFiles().first?.file.filePath): [0]])
        table = try await table.newRowDelta().addDeletes(positions).commit()
        let root = LocalFileIOPath.strip(table.metadata.location)
        let referencedText = try Interop.runText(pythonSnapshotFiles, arguments: [LocalFileIOPath.strip(table.metadataLocation)])
        let referenced = try #require(try JSONSerialization.jsonObject(with: Data(referencedText.utf8)) as? [String: [String]])
        let referencedFiles = Set(referenced.values.flatMap { $0 })
        let metadataFiles = Set([table.metadataLocation] + table.metadata.metadataLog.map(\.file)).map(LocalFileIOPath.strip)
        let old = [root + "/data/00000-abandoned.parquet", root + "/metadata/snap-1-abandoned.avro",
                   root + "/data/ts_day=2024-03-07/deep/left.parquet", root + "/metadata/99999-abandoned.metadata.json"]
        for p in old { try plant(p, ageMs: 4 * 86_400_000) }
        let young = root + "/data/00001-in-flight.parquet"
        try plant(young, ageMs: 60_000)
        // Referenced files made old too: age alone never makes a file an orphan.
        for p in referencedFiles.union(metadataFiles) { try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_000_000)], ofItemAtPath: p) }
        let before = filesOnDisk(root)

        let dry = try await table.removeOrphanFiles().dryRun().execute()
        #expect(Set(dry.orphans.map { LocalFileIOPath.strip($0.location) }) == Set(old))
        #expect(dry.bytes == Int64(old.count * 6))
        #expect(filesOnDisk(root) == before, "a dry run deletes nothing")

        let done = try await table.removeOrphanFiles().execute()
        #expect(Set(done.orphans.map { LocalFileIOPath.strip($0.location) }) == Set(old))
        let after = filesOnDisk(root)
        #expect(after == before.subtracting(old))
        #expect(after.contains(young), "a file younger than the threshold may be a commit in flight")
        #expect(referencedFiles.union(metadataFiles).isSubset(of: after))
        // A threshold after the young file's time takes it too.
        let later = try await table.removeOrphanFiles().olderThan(currentTimeMs()).execute()
        #expect(later.orphans.map { LocalFileIOPath.strip($0.location) } == [young])

        let text = try Interop.runText(pythonDuckDBIceberg + """
            import sys, json
            from pyiceberg.catalog.sql import SqlCatalog
            wh, meta = sys.argv[1:3]
            t = SqlCatalog("default", uri=f"sqlite:///{wh}/catalog.db", warehouse=f"file://{wh}").load_table("logs.events")
            out = {str(s.snapshot_id): len(t.scan(snapshot_id=s.snapshot_id).to_arrow()) for s in t.snapshots()}
            out["duckdb"] = con.execute(f"SELECT count(*) FROM iceberg_scan('{meta}')").fetchone()[0]
            print(json.dumps(out))
            """, arguments: [directory.path, LocalFileIOPath.strip(table.metadataLocation)])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Int])
        #expect(json.count == 5)
        let counts = table.metadata.snapshots.map { json[String($0.snapshotID)] }
        #expect(counts == [10, 20, 30, 29])
        #expect(json["duckdb"] == 29)
    }

    @Test("a file referenced under another scheme or authority is an error and nothing is deleted; file:, file:/// and plain paths are one")
    func prefixMismatch() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let catalog = try SQLiteCatalog(path: directory.file("catalog.db"), warehouse: "file://" + directory.path)
        try await catalog.createNamespace("logs")
        var table = try await catalog.createTable(TableIdentifier(namespace: "logs", name: "events"), schema: eventSchema)
        table = try await table.append([try eventBatch(0..<10)])
        let root = LocalFileIOPath.strip(table.metadata.location)
        let orphan = root + "/data/zz-old.parquet"
        try plant(orphan, ageMs: 4 * 86_400_000)
        // A data file committed under a plain path (no scheme) is the same file: no orphan, no error.
        var plain = try #require(try await writeFiles(table, try eventBatch(10..<20)).first)
        plain.filePath = LocalFileIOPath.strip(plain.filePath)
        table = try await commitFiles(table, [plain])
        let ok = try await table.removeOrphanFiles().dryRun().execute()
        #expect(ok.orphans.map { LocalFileIOPath.strip($0.location) } == [orphan])
        // One committed under another authority: listed as file:///…, referenced as file://elsewhere/….
        var foreign = try #require(try await writeFiles(table, try eventBatch(20..<30)).first)
        foreign.filePath = "file://elsewhere" + LocalFileIOPath.strip(foreign.filePath)
        table = try await commitFiles(table, [foreign])
        do {
            _ = try await table.removeOrphanFiles().execute()
            Issue.record("orphan removal ran over a location mismatch")
        } catch {
            guard case .validationFailed = error.kind else { Issue.record("expected validationFailed, got \(error)"); return }
        }
        #expect(FileManager.default.fileExists(atPath: orphan), "nothing is deleted on a mismatch")
    }
}

@Suite("Rewrite manifests")
struct RewriteManifestsTests {
    /// A day-partitioned table with 12 appends (3 days each) and 2 position-delete commits.
    func history(_ directory: TemporaryDirectory) async throws -> (SQLiteCatalog, Table) {
        let (catalog, id) = try await makeEventsTable(in: directory)
        var table = try await catalog.loadTable(id)
        for i in 0..<12 { table = try await table.append([try eventBatch(i * 10..<(i + 1) * 10)]) }
        for position in [0, 1] as [Int64] {
            let file = try #require(try await table.scan().planFiles().first?.file)
            let deletes = try await DeleteFileWriter(table: table).writePositionDeletes([file.filePath: [position]], partition: file.partition)
            table = try await table.newRowDelta().addDeletes(deletes).commit()
        }
        return (catalog, table)
    }

    /// pyiceberg's view of the current snapshot: every entry (path → status, snapshot id, data
    /// and file sequence numbers), the manifests (content, partition bounds), and the rows of
    /// every snapshot; DuckDB's rows at the current one.
    let inspect = pythonDuckDBIceberg + """
        import sys, json
        from pyiceberg.catalog.sql import SqlCatalog
        wh, meta = sys.argv[1:3]
        t = SqlCatalog("default", uri=f"sqlite:///{wh}/catalog.db", warehouse=f"file://{wh}").load_table("logs.events")
        out = {"entries": {e["data_file"]["file_path"]: [e["status"], e["snapshot_id"], e["sequence_number"], e["file_sequence_number"]]
                           for e in t.inspect.entries().to_pylist()},
               "manifests": [[m["content"], [[str(s["lower_bound"]), str(s["upper_bound"])] for s in m["partition_summaries"]]]
                             for m in t.inspect.manifests().to_pylist()],
               "operation": t.current_snapshot().summary.operation.value,
               "rows": {str(s.snapshot_id): sorted(t.scan(snapshot_id=s.snapshot_id).to_arrow().column("id").to_pylist()) for s in t.snapshots()},
               "duckdb": [r[0] for r in con.execute(f"SELECT id FROM iceberg_scan('{meta}') ORDER BY id").fetchall()]}
        print(json.dumps(out))
        """

    func read(_ directory: TemporaryDirectory, _ table: Table) throws -> [String: Any] {
        let text = try Interop.runText(inspect, arguments: [directory.path, LocalFileIOPath.strip(table.metadataLocation)])
        return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test("small manifests merge into one data and one delete manifest; entries keep their snapshot ids and sequence numbers; pyiceberg and DuckDB read the same rows",
          .enabled(if: Interop.enabled))
    func merge() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        var (_, table) = try await history(directory)
        let before = try read(directory, table)
        let beforeEntries = try #require(before["entries"] as? [String: [Int]])
        #expect((before["manifests"] as? [Any])?.count == 14)
        let result = try await table.rewriteManifests().commit()
        table = result.table
        #expect(result.manifestsBefore == 14 && result.manifestsAfter == 2 && result.replaced == 14 && result.created == 2)
        #expect(table.currentSnapshot?.summary["total-records"] == "120")
        let after = try read(directory, table)
        #expect(after["operation"] as? String == "replace")
        let manifests = try #require(after["manifests"] as? [[Any]])
        #expect(manifests.compactMap { $0.first as? Int }.sorted() == [0, 1], "data and delete manifests stay apart")
        // Every entry EXISTING (0), with the snapshot id and sequence numbers it had.
        let afterEntries = try #require(after["entries"] as? [String: [Int]])
        #expect(afterEntries.count == beforeEntries.count)
        for (path, entry) in beforeEntries {
            #expect(afterEntries[path] == [0] + entry.dropFirst(), "\(path)")
        }
        let rowsBefore = try #require(before["rows"] as? [String: [Int]])
        let rowsAfter = try #require(after["rows"] as? [String: [Int]])
        let current = String(try #require(table.metadata.currentSnapshotID))
        let parent = String(try #require(table.currentSnapshot?.parentSnapshotID))
        #expect(rowsAfter[current] == rowsBefore[parent])
        #expect(rowsAfter[current]?.count == 118)
        for (id, rows) in rowsBefore { #expect(rowsAfter[id] == rows, "snapshot \(id) still reads as before") }
        #expect(after["duckdb"] as? [Int] == rowsBefore[parent])
        #expect(ids(try await table.scan().readAll()) == rowsBefore[parent]?.map(Int64.init))

        // Nothing left to merge: no new snapshot.
        let again = try await table.rewriteManifests().commit()
        #expect(again.table.metadataLocation == table.metadataLocation && again.created == 0)
    }

    @Test("a target below the total splits by partition: each manifest holds one day", .enabled(if: Interop.enabled))
    func clustered() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        var (_, table) = try await history(directory)
        let dataBytes = try await SnapshotManifests.bytes(table, content: 0)
        table = try await table.commit(updates: [.setProperties(["commit.manifest.target-size-bytes": String(dataBytes / 3 + 1)])])
        let result = try await table.rewriteManifests().commit()
        #expect(result.created == 4, "three data manifests and one delete manifest")
        let refreshed = try await table.refresh()
        let after = try read(directory, refreshed)
        let data = try #require(after["manifests"] as? [[Any]]).filter { $0.first as? Int == 0 }
        let bounds = data.compactMap { ($0.last as? [[String]])?.first }
        #expect(bounds.count == 3)
        #expect(bounds.allSatisfy { $0[0] == $0[1] }, "one day per manifest: \(bounds)")
        #expect(Set(bounds.map { $0[0] }).count == 3)
    }

    @Test("a concurrent append is carried; a concurrent rewrite makes the stale one plan again")
    func concurrent() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (_, table) = try await history(directory)
        let appended = try await table.append([try eventBatch(500..<510)])
        // Planned on `table`: the append's manifest is carried, not rewritten away.
        let first = try await table.rewriteManifests().commit()
        #expect(first.table.currentSnapshot?.parentSnapshotID == appended.metadata.currentSnapshotID)
        #expect(ids(try await first.table.scan().readAll()).filter { $0 >= 500 } == (500..<510).map(Int64.init))
        #expect(ids(try await first.table.scan().readAll()).count == 128)
        // A second rewrite from the same stale handle finds its manifests gone and plans again.
        let second = try await table.rewriteManifests().commit()
        #expect(second.table.metadata.snapshots.count == first.table.metadata.snapshots.count + (second.created > 0 ? 1 : 0))
        #expect(ids(try await second.table.scan().readAll()).count == 128)
        let files = try await second.table.scan().planFiles()
        #expect(files.count == 39)
    }

    func ids(_ batches: [RecordBatch]) -> [Int64] {
        batches.flatMap { b in (0..<b.rowCount).compactMap { r -> Int64? in
            if case let .int64(v)? = b.columns[0].scalar(at: r) { return v } else { return nil }
        } }.sorted()
    }
}

/// The manifests of a table's current snapshot, read with fastavro-free means: the list through
/// the public scan planning would hide them, so their sizes come from the files on disk.
enum SnapshotManifests {
    static func bytes(_ table: Table, content: Int32) async throws -> Int64 {
        let list = try #require(table.currentSnapshot?.manifestList)
        let text = try Interop.runText("""
            import sys, json, fastavro
            with open(sys.argv[1].replace("file://", ""), "rb") as f:
                print(sum(m["manifest_length"] for m in fastavro.reader(f) if m["content"] == int(sys.argv[2])))
            """, arguments: [list, String(content)])
        return try #require(Int64(text.trimmingCharacters(in: .whitespacesAndNewlines)))
    }
}

@Suite("Compaction (rewrite data files)")
struct RewriteDataFilesTests {
    /// 12 appends of 10 rows over 3 days (36 small files), then position deletes of two rows of one file.
    func history(_ directory: TemporaryDirectory) async throws -> Table {
        let (catalog, id) = try await makeEventsTable(in: directory)
        var table = try await catalog.loadTable(id)
        for i in 0..<12 { table = try await table.append([try eventBatch(i * 10..<(i + 1) * 10)]) }
        for position in [0, 1] as [Int64] {
            let file = try #require(try await table.scan().planFiles().first?.file)
            let deletes = try await DeleteFileWriter(table: table).writePositionDeletes([file.filePath: [position]], partition: file.partition)
            table = try await table.newRowDelta().addDeletes(deletes).commit()
        }
        return table
    }

    func ids(_ batches: [RecordBatch]) -> [Int64] {
        batches.flatMap { b in (0..<b.rowCount).compactMap { r -> Int64? in
            if case let .int64(v)? = b.columns[0].scalar(at: r) { return v } else { return nil }
        } }.sorted()
    }

    let inspect = pythonDuckDBIceberg + """
        import sys, json, os
        from pyiceberg.catalog.sql import SqlCatalog
        wh, meta = sys.argv[1:3]
        t = SqlCatalog("default", uri=f"sqlite:///{wh}/catalog.db", warehouse=f"file://{wh}").load_table("logs.events")
        files = t.inspect.files().to_pylist()
        out = {"rows": {str(s.snapshot_id): sorted(t.scan(snapshot_id=s.snapshot_id).to_arrow().column("id").to_pylist()) for s in t.snapshots()},
               "data_files": sum(1 for f in files if f["content"] == 0), "delete_files": sum(1 for f in files if f["content"] != 0),
               "days": sorted(str(f["partition"]["day"]) for f in files if f["content"] == 0),
               "missing": [f["file_path"] for s in t.snapshots() for f in t.inspect.files(snapshot_id=s.snapshot_id).to_pylist()
                           if not os.path.exists(f["file_path"].replace("file://", ""))],
               "operation": t.current_snapshot().summary.operation.value,
               "duckdb": [r[0] for r in con.execute(f"SELECT id FROM iceberg_scan('{meta}') ORDER BY id").fetchall()]}
        print(json.dumps(out))
        """

    func read(_ directory: TemporaryDirectory, _ table: Table) throws -> [String: Any] {
        let text = try Interop.runText(inspect, arguments: [directory.path, LocalFileIOPath.strip(table.metadataLocation)])
        return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test("36 small files with position deletes become one file per day; the deletes are applied and dropped; pyiceberg and DuckDB read the same rows at every snapshot",
          .enabled(if: Interop.enabled))
    func compact() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        var table = try await history(directory)
        let before = try read(directory, table)
        let rowsBefore = try #require(before["rows"] as? [String: [Int]])
        let head = String(try #require(table.metadata.currentSnapshotID))
        let expected = try #require(rowsBefore[head])
        #expect(expected.count == 118 && before["data_files"] as? Int == 36 && before["delete_files"] as? Int == 2)
        let result = try await table.rewriteDataFiles().execute()
        table = result.table
        #expect(result.commits == 1 && result.rewrittenDataFiles == 36 && result.addedDataFiles == 3 && result.removedDeleteFiles == 2)
        let after = try read(directory, table)
        #expect(after["operation"] as? String == "replace")
        #expect(after["data_files"] as? Int == 3 && after["delete_files"] as? Int == 0)
        #expect(after["days"] as? [String] == ["2023-12-09", "2023-12-10", "2023-12-11"], "days 19700…19702")
        let rowsAfter = try #require(after["rows"] as? [String: [Int]])
        #expect(rowsAfter[String(try #require(table.metadata.currentSnapshotID))] == expected)
        for (id, rows) in rowsBefore { #expect(rowsAfter[id] == rows, "snapshot \(id) reads as before") }
        #expect((after["missing"] as? [String])?.isEmpty == true, "no file of any snapshot is gone")
        #expect(after["duckdb"] as? [Int] == expected)
        #expect(ids(try await table.scan().readAll()) == expected.map(Int64.init))
        // Nothing left to compact.
        let again = try await table.rewriteDataFiles().execute()
        #expect(again.commits == 0 && again.table.metadataLocation == table.metadataLocation)
    }

    @Test("an append during compaction is kept; partial progress commits day by day; a filter limits the files")
    func appendsAndPartialProgress() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let table = try await history(directory)
        let expected = ids(try await table.scan().readAll())
        let filtered = try await table.rewriteDataFiles().filter(.equal("day", .int32(19_700))).plan()
        #expect(filtered.count == 1 && filtered[0].allSatisfy { $0.file.partition == [.int32(19_700)] } && filtered[0].count == 12)
        // Planned on `table`; an append lands first.
        let appended = try await table.append([try eventBatch(500..<503)])
        let result = try await table.rewriteDataFiles().partialProgress(maxCommits: 3).execute()
        #expect(result.commits == 3 && result.failedCommits.isEmpty)
        #expect(ids(try await result.table.scan().readAll()) == (expected + (500..<503).map(Int64.init)).sorted())
        #expect(result.table.metadata.snapshots.count == appended.metadata.snapshots.count + 3)
        #expect(try await result.table.scan().planFiles().count == 6, "3 compacted + the append's 3")
    }

    @Test("a delete committed during compaction fails that commit: no deleted row comes back, the new files are removed")
    func concurrentDelete() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let table = try await history(directory)
        let dataDirectory = LocalFileIOPath.strip(table.metadata.location) + "/data"
        let file = try #require(try await table.scan().planFiles().first { $0.deletes.isEmpty }?.file)
        let deletes = try await DeleteFileWriter(table: table).writePositionDeletes([file.filePath: [0]], partition: file.partition)
        let deleted = try await table.newRowDelta().addDeletes(deletes).commit()
        let expected = ids(try await deleted.scan().readAll())
        #expect(expected.count == 117)
        let filesBefore = filesOnDisk(dataDirectory)
        let result = try await table.rewriteDataFiles().partialProgress(maxCommits: 3).execute()
        #expect(result.failedCommits.count == 1 && result.commits == 2, "\(result.failedCommits)")
        let now = try await deleted.refresh()
        #expect(ids(try await now.scan().readAll()) == expected, "the delete holds")
        // The failed group's new files are gone; the two committed groups' files are referenced.
        let live = Set(try await now.scan().planFiles().map { LocalFileIOPath.strip($0.file.filePath) })
        let written = filesOnDisk(dataDirectory).subtracting(filesBefore)
        #expect(written.isSubset(of: live) && written.count == 2)
    }
}
