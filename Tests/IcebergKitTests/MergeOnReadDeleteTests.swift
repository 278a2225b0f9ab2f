import Foundation
import IcebergKit
import LakeColumnar
import LakeTestSupport
import Testing

/// Merge-on-read deletes: position delete files for the rows a predicate matches.
@Suite("Merge-on-read delete")
struct MergeOnReadDeleteTests {
    /// The status `eventBatch` gives row `id` (nil every ninth row), computed here independently.
    static func status(_ id: Int) -> Int? { id % 9 == 0 ? nil : 200 + (id % 4) * 100 }

    func ids(_ batches: [RecordBatch]) -> [Int] {
        batches.flatMap { b in (0..<b.rowCount).compactMap { r -> Int? in
            if case let .int64(v)? = b.column(named: "id")?.scalar(at: r) { return Int(v) } else { return nil }
        } }.sorted()
    }

    /// A day-partitioned events table with ids 0..<60 in two appends (six data files).
    func table(_ directory: TemporaryDirectory) async throws -> Table {
        let (catalog, id) = try await makeEventsTable(in: directory)
        let table = try await catalog.loadTable(id)
        return try await table.append([try eventBatch(0..<30)]).append([try eventBatch(30..<60)])
    }

    @Test("position deletes for the matching rows, one file per partition; pyiceberg and DuckDB read the same rows at every snapshot",
          .enabled(if: Interop.enabled))
    func deletesAndInterop() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let start = try await table(directory)
        let schema = try eventSchema.columnarSchema()
        let all = Array(0..<60)

        // First delete: status >= 400 among ids below 40 (a null status is unknown: the row stays).
        let first = try await start.deleteMergeOnRead(where: try ColumnPredicate.parse("status >= 400 AND id < 40", schema: schema))
        let afterFirst = all.filter { !(($0 < 40) && (Self.status($0).map { $0 >= 400 } ?? false)) }
        #expect(ids(try await first.table.scan().readAll()) == afterFirst)
        #expect(first.deletedRows == Int64(all.count - afterFirst.count))
        // One delete file per day partition touched, each naming only its partition's data files.
        #expect(first.deleteFiles.count == 3)
        #expect(first.table.currentSnapshot?.operation == "delete")
        #expect(first.table.currentSnapshot?.summary["added-position-deletes"] == String(all.count - afterFirst.count))
        #expect(first.table.currentSnapshot?.summary["total-records"] == "60")

        // Second delete overlaps the first: rows already deleted are not deleted again.
        let second = try await first.table.deleteMergeOnRead(
            where: try ColumnPredicate.parse("id BETWEEN 30 AND 45 OR status IS NULL", schema: schema))
        let afterSecond = afterFirst.filter { !(($0 >= 30 && $0 <= 45) || Self.status($0) == nil) }
        #expect(ids(try await second.table.scan().readAll()) == afterSecond)
        #expect(second.deletedRows == Int64(afterFirst.count - afterSecond.count))
        #expect(second.table.currentSnapshot?.summary["total-position-deletes"] == String(all.count - afterSecond.count))

        // Nothing matches: no snapshot.
        let none = try await second.table.deleteMergeOnRead(where: .greaterThan("id", .int64(1_000)))
        #expect(none.deletedRows == 0 && none.table.metadata.currentSnapshotID == second.table.metadata.currentSnapshotID)

        let script = pythonDuckDBIceberg + """
            import sys, json
            import pyarrow.parquet as pq
            from pyiceberg.catalog.sql import SqlCatalog
            wh, m1, m2 = sys.argv[1:4]
            cat = SqlCatalog("default", uri=f"sqlite:///{wh}/catalog.db", warehouse=f"file://{wh}")
            t = cat.load_table("logs.events")
            snaps = t.snapshots()
            out = {"pyiceberg": [sorted(t.scan(snapshot_id=s.snapshot_id).to_arrow().column("id").to_pylist()) for s in snaps]}
            out["duckdb"] = [[r[0] for r in con.execute(f"SELECT id FROM iceberg_scan('{m}') ORDER BY id").fetchall()] for m in (m1, m2)]
            deletes = t.inspect.delete_files().to_pylist()
            out["delete_files"] = len(deletes)
            out["deleted_records"] = sum(f["record_count"] for f in deletes)
            # Each delete file is sorted by (file_path, pos) and names data files of its own partition.
            ok = True
            data = {f["file_path"]: f["partition"] for f in t.inspect.data_files().to_pylist()}
            for f in deletes:
                rows = pq.read_table(f["file_path"].removeprefix("file://")).to_pylist()
                keys = [(r["file_path"].encode(), r["pos"]) for r in rows]
                ok = ok and keys == sorted(keys) and all(data[r["file_path"]] == f["partition"] for r in rows)
            out["sorted_and_partitioned"] = ok
            entries = t.inspect.entries().to_pylist()
            current = t.current_snapshot().snapshot_id
            out["added_delete_entries"] = sum(1 for e in entries if e["snapshot_id"] == current and e["status"] == 1 and e["data_file"]["content"] == 1)
            print(json.dumps(out))
            """
        let text = try Interop.runText(script, arguments: [directory.path, LocalFileIOPath.strip(first.table.metadataLocation),
                                                         LocalFileIOPath.strip(second.table.metadataLocation)])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(json["pyiceberg"] as? [[Int]] == [Array(0..<30), all, afterFirst, afterSecond])
        #expect(json["duckdb"] as? [[Int]] == [afterFirst, afterSecond])
        #expect(json["delete_files"] as? Int == first.deleteFiles.count + second.deleteFiles.count)
        #expect(json["deleted_records"] as? Int == all.count - afterSecond.count)
        #expect(json["sorted_and_partitioned"] as? Bool == true)
        #expect(json["added_delete_entries"] as? Int == second.deleteFiles.count)
    }

    @Test("delete(where:) with write.delete.mode=merge-on-read writes position deletes, on main or on a branch")
    func dispatchAndBranch() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let table = try await table(directory).setProperties(["write.delete.mode": "merge-on-read"])
        let onBranch = try await table.delete(where: .lessThan("id", .int64(10)), branch: "audit")
        #expect(onBranch.deletedRows == 10)
        #expect(ids(try await onBranch.table.scan().readAll()) == Array(0..<60))
        #expect(ids(try await onBranch.table.scan(ref: "audit").readAll()) == Array(10..<60))
        let onMain = try await onBranch.table.delete(where: .greaterThanOrEqual("id", .int64(50)))
        #expect(onMain.deletedRows == 10 && onMain.removedDataFiles == 0 && onMain.addedDataFiles == 0)
        #expect(onMain.snapshotID == onMain.table.metadata.currentSnapshotID)
        #expect(onMain.table.currentSnapshot?.summary["added-position-deletes"] == "10")
        #expect(ids(try await onMain.table.scan().readAll()) == Array(0..<50))
        #expect(ids(try await onMain.table.scan(ref: "audit").readAll()) == Array(10..<60))
    }

    @Test("conflicts as Java's: under serializable isolation matching rows appended meanwhile fail the delete; under snapshot they are kept; a concurrent delete of the same rows always fails")
    func conflicts() async throws {
        func isConflict(_ error: any Error) -> Bool {
            guard let error = error as? IcebergError, case .validationFailed = error.kind else { return false }
            return true
        }
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let stale = try await table(directory)
        // Serializable (the default): id 100 matches `id >= 50` and was appended after the delete read the table.
        let appended = try await stale.append([try eventBatch(100..<101)])
        await #expect { _ = try await stale.deleteMergeOnRead(where: .greaterThanOrEqual("id", .int64(50))) } throws: { isConflict($0) }
        let now = try await stale.refresh()
        #expect(now.metadata.currentSnapshotID == appended.metadata.currentSnapshotID, "nothing committed")
        // Data appended meanwhile that the filter cannot match (by the file's id bounds) does not conflict.
        _ = try await now.append([try eventBatch(101..<102)])
        let unrelated = try await now.deleteMergeOnRead(where: .lessThan("id", .int64(5)))
        #expect(unrelated.deletedRows == 5)
        // Snapshot isolation: the delete commits and the matching row appended meanwhile stays.
        let snapshotLevel = try await unrelated.table.refresh().setProperties(["write.delete.isolation-level": "snapshot"])
        _ = try await snapshotLevel.append([try eventBatch(102..<103)])
        let kept = try await snapshotLevel.deleteMergeOnRead(where: .greaterThanOrEqual("id", .int64(50)))
        #expect(kept.deletedRows == 12, "50..<60, 100 and 101 were read; 102 was not")
        #expect(ids(try await kept.table.scan().readAll()) == Array(5..<50) + [102])
        // The same rows deleted by two writers: the second fails whatever the level.
        let first = try await kept.table.refresh()
        _ = try await first.deleteMergeOnRead(where: .equal("id", .int64(20)))
        await #expect { _ = try await first.deleteMergeOnRead(where: .equal("id", .int64(20))) } throws: { isConflict($0) }
        #expect(ids(try await first.refresh().scan().readAll()) == Array(5..<20) + Array(21..<50) + [102])
    }

    @Test("an unknown column is a typed error and commits nothing")
    func refusals() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let table = try await table(directory)
        await #expect {
            _ = try await table.deleteMergeOnRead(where: .equal("nope", .int32(1)))
        } throws: { error in
            guard let error = error as? IcebergError, case .notFound = error.kind else { return false }
            return true
        }
        let reloaded = try await table.refresh()
        #expect(reloaded.metadata.currentSnapshotID == table.metadata.currentSnapshotID)
        #expect(ids(try await reloaded.scan().readAll()) == Array(0..<60))
    }

    @Test("rows deleted by equality deletes are not deleted again, and a batch boundary does not shift positions")
    func afterEqualityDeletes() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        // Unpartitioned: an equality delete written without partition values applies to every file.
        let catalog = try SQLiteCatalog(path: directory.file("catalog.db"), warehouse: "file://" + directory.path)
        try await catalog.createNamespace("logs")
        let created = try await catalog.createTable(TableIdentifier(namespace: "logs", name: "flat"), schema: eventSchema)
        let table = try await created.append([try eventBatch(0..<30)]).append([try eventBatch(30..<60)])
        let keys = try RecordBatch(schema: Schema(fields: [Field(name: "id", id: 1, type: .int64)]),
                                   columns: [.int64(PrimitiveColumn<Int64>(values: [3, 4, 50]))])
        let equality = try await DeleteFileWriter(table: table).writeEqualityDeletes(keys)
        let withEquality = try await table.newRowDelta().addDeletes(equality).commit()
        var delete = MergeOnReadDelete(table: withEquality)
        delete.batchSize = 4
        let result = try await delete.delete(where: .lessThan("id", .int64(10)))
        // ids 0..<10 less the equality-deleted 3 and 4.
        #expect(result.deletedRows == 8)
        #expect(ids(try await result.table.scan().readAll()) == Array(10..<60).filter { $0 != 50 })
    }
}
