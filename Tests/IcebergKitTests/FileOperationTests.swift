import Foundation
import IcebergKit
import LakeColumnar
import LakeTestSupport
import Testing

/// Rows of `ids`, all on `day` (status 200).
func dayBatch(_ ids: some Sequence<Int>, day: Int32) throws -> RecordBatch {
    let ids = Array(ids)
    return try RecordBatch(schema: eventSchema.columnarSchema(), columns: [
        .int64(PrimitiveColumn<Int64>(values: ids.map(Int64.init))),
        .int32(PrimitiveColumn<Int32>(values: ids.map { _ in day })),
        .int32(PrimitiveColumn<Int32>(values: ids.map { _ in 200 })),
    ])
}

/// The sorted ids a scan returns.
func scannedIDs(_ scan: TableScan) async throws -> [Int64] {
    var out: [Int64] = []
    for b in try await scan.readAll() {
        for r in 0..<b.rowCount { if case let .int64(v)? = b.columns[0].scalar(at: r) { out.append(v) } }
    }
    return out.sorted()
}

/// Data files written through the table's writer (not committed).
func writeFiles(_ table: Table, _ batches: [RecordBatch]) async throws -> [DataFile] {
    let writer = try TableWriter(table: table)
    for b in batches { try await writer.write(b) }
    return try await writer.close()
}

/// Every file under the table's metadata directory.
func metadataFiles(_ directory: TemporaryDirectory) -> Set<String> {
    let root = directory.path + "/logs/events/metadata"
    return Set((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
}

func expectValidationFailed(_ what: String, contains text: String? = nil,
                            _ body: () async throws(IcebergError) -> Void) async {
    do {
        try await body()
        Issue.record("\(what): the commit succeeded")
    } catch {
        guard case let .validationFailed(message) = error.kind else { Issue.record("\(what): expected validationFailed, got \(error)"); return }
        if let text { #expect(message.contains(text), "\(what): \(message)") }
    }
}

@Suite("File operations")
struct FileOperationTests {
    /// The events table (identity-partitioned by day) after two appends: ids 0..<30 then 30..<60,
    /// each append one file per day 19700 + id % 3.
    func twoAppends(_ directory: TemporaryDirectory) async throws -> (Table, first: [DataFile], second: [DataFile]) {
        let (catalog, id) = try await makeEventsTable(in: directory)
        let s1 = try await catalog.loadTable(id).append([try eventBatch(0..<30)])
        let first = try await s1.scan().planFiles().map(\.file)
        let s2 = try await s1.append([try eventBatch(30..<60)])
        let firstPaths = Set(first.map(\.filePath))
        let second = try await s2.scan().planFiles().map(\.file).filter { !firstPaths.contains($0.filePath) }
        #expect(first.count == 3 && second.count == 3)
        return (s2, first, second)
    }

    func file(_ files: [DataFile], day: Int32) throws -> DataFile {
        try #require(files.first { $0.partition.first == .some(.int32(day)) })
    }

    func ids(_ range: Range<Int>, day: Int32) -> [Int] { range.filter { Int32(19_700 + $0 % 3) == day } }

    @Test("delete by path and by filter, overwrite, replace partitions and rewrite: DELETED/EXISTING entries, summaries; pyiceberg and DuckDB read the same rows at every snapshot",
          .enabled(if: Interop.enabled))
    func operationsInterop() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (s2, first, second) = try await twoAppends(directory)
        let all = (0..<60).map(Int64.init)
        var expected: [[Int64]] = [Array(0..<30).map(Int64.init), all]
        var tables = [s2]

        // s3: one file of the first append by path.
        let gone3 = try file(first, day: 19_700)
        let s3 = try await s2.newDelete().deleteFile(gone3).commit()
        expected.append(all.filter { !ids(0..<30, day: 19_700).contains(Int($0)) })
        tables.append(s3)
        // s4: every file of day 19701 by a filter that selects them whole.
        let s4 = try await s3.newDelete().deleteFromRowFilter(.equal("day", .int32(19_701))).commit()
        expected.append(expected[2].filter { $0 % 3 != 1 })
        tables.append(s4)
        // s5: day 19702 overwritten with ids 100..<110.
        let new5 = try await writeFiles(s4, [try dayBatch(100..<110, day: 19_702)])
        let s5 = try await s4.newOverwrite().overwriteByRowFilter(.equal("day", .int32(19_702))).addFile(try #require(new5.first))
            .validateAddedFilesMatchOverwriteFilter().validateNoConflictingData().validateNoConflictingDeletes().commit()
        expected.append(expected[3].filter { $0 % 3 != 2 } + (100..<110).map(Int64.init))
        tables.append(s5)
        // s6: the partition of the new rows (day 19700) replaced: the second append's file goes.
        let new6 = try await writeFiles(s5, [try dayBatch(200..<205, day: 19_700)])
        let s6 = try await s5.newReplacePartitions().addFile(try #require(new6.first)).validateNoConflictingData().commit()
        expected.append((Array(100..<110) + Array(200..<205)).map(Int64.init))
        tables.append(s6)
        // s7: the overwrite's file compacted into a new one holding the same rows.
        let new7 = try await writeFiles(s6, [try dayBatch(100..<110, day: 19_702)])
        let s7 = try await s6.newRewrite().rewriteFiles(removing: new5, adding: new7).commit()
        expected.append(expected[5])
        tables.append(s7)

        for (i, t) in tables.enumerated() {
            #expect(try await scannedIDs(t.scan()) == expected[i + 1].sorted(), "ours at snapshot \(i + 2)")
        }
        let summaries = tables.map { $0.currentSnapshot?.summary ?? [:] }
        #expect(summaries.map { $0["operation"] } == ["append", "delete", "delete", "overwrite", "overwrite", "replace"])
        #expect(summaries[1]["deleted-data-files"] == "1" && summaries[1]["deleted-records"] == "10")
        #expect(summaries[1]["total-records"] == "50" && summaries[1]["total-data-files"] == "5")
        #expect(summaries[1]["removed-files-size"] == String(gone3.fileSizeInBytes))
        #expect(summaries[2]["deleted-data-files"] == "2" && summaries[2]["deleted-records"] == "20" && summaries[2]["total-records"] == "30")
        #expect(summaries[3]["deleted-data-files"] == "2" && summaries[3]["added-records"] == "10" && summaries[3]["total-records"] == "20")
        #expect(summaries[4]["replace-partitions"] == "true" && summaries[4]["deleted-records"] == "10" && summaries[4]["total-records"] == "15")
        #expect(summaries[5]["deleted-data-files"] == "1" && summaries[5]["added-data-files"] == "1" && summaries[5]["total-records"] == "15")
        #expect(summaries[5]["total-data-files"] == "2")

        // What each snapshot should remove (path → the sequence number it was added at).
        let removed: [[String: Int]] = [
            [:],
            [gone3.filePath: 1],
            [try file(first, day: 19_701).filePath: 1, try file(second, day: 19_701).filePath: 2],
            [try file(first, day: 19_702).filePath: 1, try file(second, day: 19_702).filePath: 2],
            [try file(second, day: 19_700).filePath: 2],
            [try #require(new5.first).filePath: 5],
        ]
        let script = pythonDuckDBIceberg + """
            import sys, json
            from pyiceberg.catalog.sql import SqlCatalog
            wh = sys.argv[1]
            cat = SqlCatalog("default", uri=f"sqlite:///{wh}/catalog.db", warehouse=f"file://{wh}")
            t = cat.load_table("logs.events")
            out = {"snapshots": [], "duckdb": [], "pyiceberg": [], "entries": [], "manifests": []}
            for s in t.inspect.snapshots().to_pylist():
                out["snapshots"].append({"id": s["snapshot_id"], "operation": s["operation"], "summary": dict(s["summary"])})
            for s in t.snapshots():
                out["pyiceberg"].append(sorted(t.scan(snapshot_id=s.snapshot_id).to_arrow().column("id").to_pylist()))
                out["entries"].append([{"status": e["status"], "snapshot_id": e["snapshot_id"], "seq": e["sequence_number"],
                                        "file_seq": e["file_sequence_number"], "path": e["data_file"]["file_path"]}
                                       for e in t.inspect.entries(snapshot_id=s.snapshot_id).to_pylist()])
            for m in t.inspect.manifests().to_pylist():
                out["manifests"].append({k: m[k] for k in ("added_data_files_count", "existing_data_files_count", "deleted_data_files_count")})
            for meta in sys.argv[2:]:
                out["duckdb"].append([r[0] for r in con.execute(f"SELECT id FROM iceberg_scan('{meta}') ORDER BY id").fetchall()])
            print(json.dumps(out, default=str))
            """
        let text = try Interop.runText(script, arguments: [directory.path] + tables.map { LocalFileIOPath.strip($0.metadataLocation) })
        let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let pyiceberg = try #require(json["pyiceberg"] as? [[Int]])
        let duckdb = try #require(json["duckdb"] as? [[Int]])
        #expect(pyiceberg.map { $0.map(Int64.init) } == expected.map { $0.sorted() })
        #expect(duckdb.map { $0.map(Int64.init) } == expected.dropFirst().map { $0.sorted() })
        let snapshots = try #require(json["snapshots"] as? [[String: Any]])
        #expect(snapshots.compactMap { $0["operation"] as? String } == ["append", "append", "delete", "delete", "overwrite", "overwrite", "replace"])
        for (i, s) in snapshots.enumerated().dropFirst() {
            // pyiceberg gives the operation in its own column.
            #expect((s["summary"] as? [String: String]) == summaries[i - 1].filter { $0.key != "operation" }, "summary of snapshot \(i + 1) as pyiceberg reads it")
        }
        // Entries: a removed file is DELETED (2) by the removing snapshot with its sequence
        // numbers kept; no earlier DELETED entry is carried; the live files are as expected.
        let entries = try #require(json["entries"] as? [[[String: Any]]])
        #expect(entries.count == 7)
        let snapshotIDs = snapshots.compactMap { $0["id"] as? Int }
        for (i, list) in entries.enumerated() where i >= 1 {
            let deleted = list.filter { ($0["status"] as? Int) == 2 }
            let want = removed[i - 1]
            #expect(Set(deleted.compactMap { $0["path"] as? String }) == Set(want.keys), "DELETED entries of snapshot \(i + 1)")
            for e in deleted {
                #expect(e["snapshot_id"] as? Int == snapshotIDs[i])
                let seq = want[e["path"] as? String ?? ""]
                #expect(e["seq"] as? Int == seq && e["file_seq"] as? Int == seq, "sequence numbers of \(e)")
            }
            let live = Set(list.filter { ($0["status"] as? Int) != 2 }.compactMap { $0["path"] as? String })
            let ours = Set(try await tables[i - 1].scan().planFiles().map(\.file.filePath))
            #expect(live == ours, "live entries of snapshot \(i + 1)")
            #expect(live.count == list.count - deleted.count, "a file listed twice at snapshot \(i + 1)")
        }
        // s3 rewrote the first append's manifest: 2 EXISTING entries (of snapshot 1), 1 DELETED.
        let s3Entries = entries[2].filter { ($0["status"] as? Int) == 0 }
        #expect(s3Entries.count == 2 && s3Entries.allSatisfy { $0["snapshot_id"] as? Int == snapshotIDs[0] && $0["seq"] as? Int == 1 })
        // The current manifest list: s7's own manifest (1 ADDED), s5's manifest rewritten (its file
        // DELETED), s6's manifest carried (1 ADDED); s6's rewrite of s2's manifest, whose entries
        // are all DELETED, is dropped.
        let manifests = try #require(json["manifests"] as? [[String: Int]])
        let totals = manifests.reduce(into: [String: Int]()) { acc, m in for (k, v) in m { acc[k, default: 0] += v } }
        #expect(manifests.count == 3)
        #expect(totals["added_data_files_count"] == 2 && totals["existing_data_files_count"] == 0 && totals["deleted_data_files_count"] == 1)
    }

    @Test("a filter that would need a row rewrite, or a file that is not live, fails and leaves the table and its metadata directory as they were")
    func invalidRemovals() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (table, first, _) = try await twoAppends(directory)
        let before = metadataFiles(directory)
        await expectValidationFailed("partial filter", contains: "rewritten") { () throws(IcebergError) in
            _ = try await table.newDelete().deleteFromRowFilter(.lessThan("id", .int64(10))).commit()
        }
        await expectValidationFailed("missing path", contains: "not a live file") { () throws(IcebergError) in
            _ = try await table.newDelete().deleteFile(path: "file:///nowhere/x.parquet").commit()
        }
        let gone = try file(first, day: 19_700)
        let after = try await table.newDelete().deleteFile(gone).commit()
        // A file removed once is not live any more.
        let beforeSecond = metadataFiles(directory)
        await expectValidationFailed("removed twice", contains: "not a live file") { () throws(IcebergError) in
            _ = try await after.newDelete().deleteFile(gone).commit()
        }
        // An overwrite whose added file does not match its filter.
        let stray = try await writeFiles(after, [try dayBatch(500..<501, day: 19_701)])
        await expectValidationFailed("added file outside the filter", contains: "do not match") { () throws(IcebergError) in
            _ = try await after.newOverwrite().overwriteByRowFilter(.equal("day", .int32(19_702))).addFile(stray[0])
                .validateAddedFilesMatchOverwriteFilter().commit()
        }
        #expect(metadataFiles(directory) == beforeSecond)
        #expect(before.isSubset(of: beforeSecond))
        let reloaded = try await after.refresh()
        #expect(reloaded.metadataLocation == after.metadataLocation)
        #expect(try await scannedIDs(reloaded.scan()) == (0..<60).filter { !($0 < 30 && $0 % 3 == 0) }.map(Int64.init))
        // A filter matching nothing still commits a snapshot that removes nothing, as Java.
        let none = try await reloaded.newDelete().deleteFromRowFilter(.equal("day", .int32(1))).commit()
        #expect(none.currentSnapshot?.summary["total-records"] == "50")
        #expect(none.currentSnapshot?.summary["deleted-data-files"] == nil)
    }

    @Test("two overwrites of one partition from the same snapshot: the first wins, the second gets validationFailed and leaves the metadata as the winner left it")
    func competingOverwrites() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (table, _, _) = try await twoAppends(directory)
        let filter = ColumnPredicate.equal("day", .int32(19_702))
        let a = try await writeFiles(table, [try dayBatch(100..<105, day: 19_702)])
        let b = try await writeFiles(table, [try dayBatch(200..<205, day: 19_702)])
        let opA = table.newOverwrite().overwriteByRowFilter(filter).addFile(a[0]).validateNoConflictingData().validateNoConflictingDeletes()
        let opB = table.newOverwrite().overwriteByRowFilter(filter).addFile(b[0]).validateNoConflictingData().validateNoConflictingDeletes()
        let won = try await opA.commit()
        let files = metadataFiles(directory)
        await expectValidationFailed("second overwrite", contains: a[0].filePath) { () throws(IcebergError) in
            _ = try await opB.commit()
        }
        #expect(metadataFiles(directory) == files, "the loser's manifests are deleted")
        let now = try await table.refresh()
        #expect(now.metadataLocation == won.metadataLocation)
        #expect(try await scannedIDs(now.scan()) == ((0..<60).filter { $0 % 3 != 2 } + Array(100..<105)).map(Int64.init))

        // Without the checks the second re-applies its filter on the new base (as Java) and
        // replaces the first one's rows too.
        let c = try await writeFiles(now, [try dayBatch(300..<302, day: 19_702)])
        let d = try await writeFiles(now, [try dayBatch(400..<402, day: 19_702)])
        let opC = now.newOverwrite().overwriteByRowFilter(filter).addFile(c[0])
        let opD = now.newOverwrite().overwriteByRowFilter(filter).addFile(d[0])
        _ = try await opC.commit()
        let last = try await opD.commit()
        #expect(try await scannedIDs(last.scan()) == ((0..<60).filter { $0 % 3 != 2 } + [400, 401]).map(Int64.init))
    }

    @Test("replace partitions: a concurrent append to a replaced partition conflicts under validateNoConflictingData, one to another partition does not")
    func replacePartitionConflicts() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (table, _, _) = try await twoAppends(directory)
        let new = try await writeFiles(table, [try dayBatch(100..<103, day: 19_700)])
        let op = table.newReplacePartitions().addFile(new[0]).validateNoConflictingData()
        // Another partition: kept, and the replace commits on top.
        _ = try await table.append([try dayBatch(60..<62, day: 19_701)])
        let replaced = try await op.commit()
        let want = ((0..<60).filter { $0 % 3 != 0 } + [60, 61, 100, 101, 102]).map(Int64.init).sorted()
        #expect(try await scannedIDs(replaced.scan()) == want)

        let newer = try await writeFiles(replaced, [try dayBatch(200..<201, day: 19_700)])
        let op2 = replaced.newReplacePartitions().addFile(newer[0]).validateNoConflictingData()
        _ = try await replaced.append([try dayBatch(70..<71, day: 19_700)])
        await expectValidationFailed("replace after an append to its partition") { () throws(IcebergError) in
            _ = try await op2.commit()
        }
        // Without the check (Java's default) the partition is replaced, the appended row included.
        let op3 = replaced.newReplacePartitions().addFile(newer[0])
        let last = try await op3.commit()
        #expect(try await scannedIDs(last.scan()) == ((0..<60).filter { $0 % 3 != 0 } + [60, 61, 200]).map(Int64.init).sorted())
    }

    @Test("rewrite: appends committed meanwhile are kept; a removed file deleted meanwhile, or given new deletes meanwhile, fails with validationFailed")
    func rewriteConflicts() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (table, first, second) = try await twoAppends(directory)
        let day0 = [try file(first, day: 19_700), try file(second, day: 19_700)]
        let compacted = try await writeFiles(table, [try dayBatch(ids(0..<60, day: 19_700), day: 19_700)])
        let rewrite = table.newRewrite().rewriteFiles(removing: day0, adding: compacted)
        _ = try await table.append([try dayBatch(60..<63, day: 19_700)])
        let rewritten = try await rewrite.commit()
        #expect(try await scannedIDs(rewritten.scan()) == (0..<63).map(Int64.init))
        #expect(rewritten.currentSnapshot?.summary["total-data-files"] == "6")
        #expect(rewritten.currentSnapshot?.operation == "replace")

        // A removed file deleted concurrently.
        let day1 = [try file(first, day: 19_701)]
        let replacement = try await writeFiles(rewritten, [try dayBatch(ids(0..<30, day: 19_701), day: 19_701)])
        let lost = rewritten.newRewrite().rewriteFiles(removing: day1, adding: replacement)
        _ = try await rewritten.newDelete().deleteFile(day1[0]).commit()
        await expectValidationFailed("rewrite of a file deleted meanwhile", contains: "not a live file") { () throws(IcebergError) in
            _ = try await lost.commit()
        }
        // New position deletes for a removed file.
        let now = try await rewritten.refresh()
        let day2 = [try file(second, day: 19_702)]
        let replacement2 = try await writeFiles(now, [try dayBatch(ids(30..<60, day: 19_702), day: 19_702)])
        let stale = now.newRewrite().rewriteFiles(removing: day2, adding: replacement2)
        let positions = try await DeleteFileWriter(table: now).writePositionDeletes([day2[0].filePath: [0]], partition: [.int32(19_702)])
        _ = try await now.newRowDelta().addDeletes(positions).commit()
        await expectValidationFailed("rewrite of a file given deletes meanwhile", contains: "new delete file") { () throws(IcebergError) in
            _ = try await stale.commit()
        }
    }

    @Test("isolation levels read from the table properties, serializable by default")
    func isolationLevels() throws {
        #expect(try IsolationLevel.forCommand(.delete, properties: [:]) == .serializable)
        #expect(try IsolationLevel.forCommand(.merge, properties: ["write.merge.isolation-level": "snapshot"]) == .snapshot)
        #expect(try IsolationLevel.forCommand(.update, properties: ["write.delete.isolation-level": "snapshot"]) == .serializable)
        #expect(throws: IcebergError.self) { try IsolationLevel.forCommand(.delete, properties: ["write.delete.isolation-level": "dirty"]) }
    }
}

@Suite("File operations on pyiceberg's tables")
struct ForeignFileOperationTests {
    @Test("a table pyiceberg deleted from and overwrote reads row-identical at every snapshot; our delete and overwrite on it read the same in pyiceberg",
          .enabled(if: Interop.enabled))
    func pyicebergWrites() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let idsAt = """
            import sys, json, datetime
            import pyarrow as pa
            from pyiceberg.catalog.sql import SqlCatalog
            wh = sys.argv[1]
            cat = SqlCatalog("theirs", uri=f"sqlite:///{wh}/catalog.db", warehouse=f"file://{wh}")

            """
        let text = try Interop.runText(idsAt + """
            from pyiceberg.schema import Schema
            from pyiceberg.types import NestedField, LongType, DateType, IntegerType
            from pyiceberg.transforms import IdentityTransform
            from pyiceberg.partitioning import PartitionSpec, PartitionField
            from pyiceberg.expressions import LessThan, EqualTo
            cat.create_namespace("logs")
            schema = Schema(NestedField(1, "id", LongType(), required=False), NestedField(2, "day", DateType(), required=False),
                            NestedField(3, "status", IntegerType(), required=False))
            t = cat.create_table("logs.events", schema=schema,
                                 partition_spec=PartitionSpec(PartitionField(source_id=2, field_id=1000, transform=IdentityTransform(), name="day")))
            def rows(ids, day=None):
                return pa.table({"id": pa.array(ids, pa.int64()),
                                 "day": [day or datetime.date(2023, 12, 1 + i % 3) for i in ids],
                                 "status": pa.array([200] * len(ids), pa.int32())}, schema=t.schema().as_arrow())
            t.append(rows(list(range(0, 30))))
            t.delete(delete_filter=LessThan("id", 10))  # rewrites files in place (copy-on-write)
            t.overwrite(rows(list(range(100, 105)), datetime.date(2023, 12, 2)), overwrite_filter=EqualTo("day", datetime.date(2023, 12, 2)))
            t.dynamic_partition_overwrite(rows(list(range(200, 203)), datetime.date(2023, 12, 1)))
            t = cat.load_table("logs.events")
            out = [{"id": s.snapshot_id, "ids": sorted(t.scan(snapshot_id=s.snapshot_id).to_arrow().column("id").to_pylist())} for s in t.snapshots()]
            print(json.dumps(out))
            """, arguments: [directory.path])
        let theirs = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
        #expect(theirs.count >= 4)
        let catalog = try SQLiteCatalog(path: directory.file("catalog.db"), warehouse: "file://" + directory.path, name: "theirs")
        let table = try await catalog.loadTable(TableIdentifier(namespace: "logs", name: "events"))
        for s in theirs {
            let id = try #require(s["id"] as? Int)
            let want = try #require(s["ids"] as? [Int]).map(Int64.init)
            #expect(try await scannedIDs(table.scan(snapshotID: Int64(id))) == want, "snapshot \(id)")
        }
        // The last state pyiceberg wrote: ids 10..<30 except day 2023-12-01/02 ones, plus the overwrites.
        let expected = (Array(10..<30).filter { $0 % 3 == 2 } + [100, 101, 102, 103, 104, 200, 201, 202]).map(Int64.init).sorted()
        #expect(try await scannedIDs(table.scan()) == expected)

        // Our whole-file delete (day 2023-12-03 = 19694) and a copy-on-write delete on their manifests.
        let day3 = ColumnPredicate.equal("day", .int32(19_694))
        let afterDelete = try await table.newDelete().deleteFromRowFilter(day3).commit()
        let cow = try await afterDelete.delete(where: .greaterThan("id", .int64(201)))
        #expect(cow.deletedRows == 1 && cow.removedDataFiles == 1 && cow.rewrittenRows == 2)
        let ours = try await scannedIDs(cow.table.scan())
        #expect(ours == [100, 101, 102, 103, 104, 200, 201])
        let read = try Interop.runText(idsAt + """
            t = cat.load_table("logs.events")
            print(json.dumps(sorted(t.scan().to_arrow().column("id").to_pylist())))
            """, arguments: [directory.path])
        #expect(try JSONDecoder().decode([Int64].self, from: Data(read.utf8)) == ours)
    }
}
