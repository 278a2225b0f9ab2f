import Foundation
import IcebergKit
import LakeColumnar
import LakeTestSupport
import Testing

/// One row of the events table, as the tests model it (independently of the code under test).
struct EventRow: Hashable, Comparable {
    var id: Int64
    var day: Int32
    var status: Int32?

    static func < (a: EventRow, b: EventRow) -> Bool { a.id < b.id }

    /// The rows `eventBatch(range)` writes.
    static func of(_ range: Range<Int>) -> [EventRow] {
        range.map { EventRow(id: Int64($0), day: Int32(19_700 + $0 % 3), status: $0 % 9 == 0 ? nil : Int32(200 + ($0 % 4) * 100)) }
    }

    var text: String { "\(id)|\(day)|\(status.map(String.init) ?? "null")" }
}

func rowsBatch(_ rows: [EventRow]) throws -> RecordBatch {
    try RecordBatch(schema: eventSchema.columnarSchema(), columns: [
        .int64(PrimitiveColumn<Int64>(values: rows.map(\.id))),
        .int32(PrimitiveColumn<Int32>(values: rows.map(\.day))),
        .int32(PrimitiveColumn<Int32>(rows.map(\.status))),
    ])
}

/// Every row a scan returns, sorted by id.
func scannedRows(_ scan: TableScan) async throws -> [EventRow] {
    var out: [EventRow] = []
    for b in try await scan.readAll() {
        for r in 0..<b.rowCount {
            guard case let .int64(id)? = b.columns[0].scalar(at: r), case let .int32(day)? = b.columns[1].scalar(at: r) else { continue }
            var status: Int32?
            if case let .int32(s)? = b.columns[2].scalar(at: r) { status = s }
            out.append(EventRow(id: id, day: day, status: status))
        }
    }
    return out.sorted()
}

func dataFileCount(_ directory: TemporaryDirectory) -> Int {
    let root = directory.path + "/logs.db/events/data"
    let all = FileManager.default.enumerator(atPath: root)?.allObjects.compactMap { $0 as? String } ?? []
    return all.filter { $0.hasSuffix(".parquet") }.count
}

@Suite("Row-level writes")
struct RowLevelWriteTests {
    func table(_ directory: TemporaryDirectory) async throws -> Table {
        let (catalog, id) = try await makeEventsTable(in: directory)
        let s1 = try await catalog.loadTable(id).append([try eventBatch(0..<30)])
        return try await s1.append([try eventBatch(30..<60)])
    }

    @Test("copy-on-write delete, overwrite by filter and dynamic overwrite: pyiceberg and DuckDB read our rows at every snapshot, entries and summaries agree",
          .enabled(if: Interop.enabled))
    func interop() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        var table = try await table(directory)
        var model = EventRow.of(0..<60)
        var states: [(table: Table, rows: [EventRow])] = [(table, model)]

        // A column that is not a partition: every file with a 300 is rewritten without them.
        let d1 = try await table.delete(where: .equal("status", .int32(300)))
        let gone1 = model.filter { $0.status == 300 }.count
        model.removeAll { $0.status == 300 }
        #expect(d1.deletedRows == Int64(gone1) && d1.removedDataFiles == 6 && d1.addedDataFiles == 3 && d1.rewrittenRows == Int64(model.count))
        table = d1.table
        states.append((table, model))
        // A whole partition: dropped without a rewrite.
        let d2 = try await table.delete(where: .equal("day", .int32(19_700)))
        let gone2 = model.filter { $0.day == 19_700 }.count
        model.removeAll { $0.day == 19_700 }
        #expect(d2.deletedRows == Int64(gone2) && d2.removedDataFiles == 1 && d2.addedDataFiles == 0)
        table = d2.table
        states.append((table, model))
        // Rows of day 19701 with id < 30 replaced by new ones.
        let new = [1, 4, 7, 10].map { EventRow(id: Int64($0), day: 19_701, status: 201) }
        let filter = ColumnPredicate.and(.equal("day", .int32(19_701)), .lessThan("id", .int64(30)))
        let o1 = try await table.overwrite([try rowsBatch(new)], where: filter)
        let replaced = model.filter { $0.day == 19_701 && $0.id < 30 }
        model.removeAll { $0.day == 19_701 && $0.id < 30 }
        model += new
        #expect(o1.deletedRows == Int64(replaced.count) && o1.insertedRows == 4 && o1.removedDataFiles == 1)
        table = o1.table
        states.append((table, model))
        // Dynamic overwrite: day 19702 replaced, day 19701 kept.
        let fresh = (2000..<2003).map { EventRow(id: Int64($0), day: 19_702, status: nil) }
        let o2 = try await table.dynamicPartitionOverwrite([try rowsBatch(fresh)])
        model.removeAll { $0.day == 19_702 }
        model += fresh
        table = o2.table
        states.append((table, model))

        for (i, s) in states.enumerated() {
            #expect(try await scannedRows(s.table.scan()) == s.rows.sorted(), "ours after step \(i)")
        }
        let ops = states.dropFirst().map { $0.table.currentSnapshot?.operation }
        #expect(ops == ["overwrite", "delete", "overwrite", "overwrite"])
        #expect(o2.table.currentSnapshot?.summary["replace-partitions"] == "true")

        let script = pythonDuckDBIceberg + """
            import sys, json
            from pyiceberg.catalog.sql import SqlCatalog
            wh = sys.argv[1]
            cat = SqlCatalog("default", uri=f"sqlite:///{wh}/catalog.db", warehouse=f"file://{wh}")
            t = cat.load_table("logs.events")
            def text(rows):
                return sorted((f"{r['id']}|{(r['day'] - __import__('datetime').date(1970, 1, 1)).days}|{r['status'] if r['status'] is not None else 'null'}"
                               for r in rows), key=lambda s: int(s.split('|')[0]))
            out = {"pyiceberg": [], "duckdb": [], "deleted": [], "ops": []}
            for s in t.snapshots():
                out["pyiceberg"].append(text(t.scan(snapshot_id=s.snapshot_id).to_arrow().to_pylist()))
                entries = t.inspect.entries(snapshot_id=s.snapshot_id).to_pylist()
                out["deleted"].append(sum(1 for e in entries if e["status"] == 2))
                out["ops"].append(s.summary.operation.value)
            for meta in sys.argv[2:]:
                rows = con.execute(f"SELECT id, day, status FROM iceberg_scan('{meta}')").fetchall()
                out["duckdb"].append(text({"id": r[0], "day": r[1], "status": r[2]} for r in rows))
            print(json.dumps(out))
            """
        let text = try Interop.runText(script, arguments: [directory.path] + states.map { LocalFileIOPath.strip($0.table.metadataLocation) })
        let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let want = states.map { $0.rows.sorted().map(\.text) }
        #expect((json["pyiceberg"] as? [[String]])?.suffix(want.count).map { $0 } == want)
        #expect((json["duckdb"] as? [[String]]) == want)
        #expect((json["ops"] as? [String]) == ["append", "append", "overwrite", "delete", "overwrite", "overwrite"])
        // DELETED entries: the files each step removed, as our results say.
        #expect((json["deleted"] as? [Int]) == [0, 0, 6, 1, o1.removedDataFiles, o2.removedDataFiles])
        #expect(o2.removedDataFiles == 1 && o2.insertedRows == 3)
    }

    @Test("bad input leaves the table unchanged: an unknown column, a new row outside the overwrite filter; nothing to delete commits nothing")
    func badInput() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let table = try await table(directory)
        let files = dataFileCount(directory)
        await expectValidationFailed("unknown column", contains: "nope") { () throws(IcebergError) in
            _ = try await table.delete(where: .equal("nope", .int32(1)))
        }
        let outside = [EventRow(id: 5000, day: 19_700, status: 200), EventRow(id: 5001, day: 19_701, status: 200)]
        await expectValidationFailed("row outside the filter", contains: "row 1") { () throws(IcebergError) in
            _ = try await table.overwrite([try Self.typedBatch(outside)], where: .equal("day", .int32(19_700)))
        }
        #expect(dataFileCount(directory) == files, "the rewritten and new files of a failed overwrite are deleted")
        let none = try await table.delete(where: .greaterThan("id", .int64(1_000)))
        #expect(none.snapshotID == nil && none.table.metadataLocation == table.metadataLocation)
        let reloaded = try await table.refresh()
        #expect(reloaded.metadataLocation == table.metadataLocation)
        #expect(try await scannedRows(reloaded.scan()) == EventRow.of(0..<60))
        let bad = try await table.setProperties(["write.delete.mode": "sideways"])
        await #expect(throws: IcebergError.self) { try await bad.delete(where: .equal("id", .int64(1))) }
    }

    @Test("a delete racing appends loses no appended row (appends to other partitions commit meanwhile, the delete retries)")
    func deleteRacingAppends() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let start = try await table(directory)
        let appended = (0..<8).map { w in (0..<5).map { EventRow(id: Int64(10_000 + w * 10 + $0), day: 19_701, status: 200) } }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for rows in appended {
                group.addTask { _ = try await start.refresh().append([try rowsBatch(rows)]) }
            }
            group.addTask {
                // Rows of day 19700 below 30: files of that partition rewritten.
                _ = try await start.delete(where: .and(.equal("day", .int32(19_700)), .lessThan("id", .int64(30))))
            }
            try await group.waitForAll()
        }
        let now = try await start.refresh()
        let want = (EventRow.of(0..<60).filter { !($0.day == 19_700 && $0.id < 30) } + appended.flatMap { $0 }).sorted()
        #expect(try await scannedRows(now.scan()) == want)
        #expect(now.metadata.snapshots.count == 2 + 8 + 1)
    }

    @Test("serializable vs snapshot isolation: a delete planned before an append of matching rows fails serializable, keeps them under snapshot")
    func isolation() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let start = try await table(directory)
        let matching = [EventRow(id: 7_000, day: 19_700, status: 300)]
        _ = try await start.append([try rowsBatch(matching)])
        await expectValidationFailed("serializable delete", contains: "conflicting") { () throws(IcebergError) in
            _ = try await start.delete(where: .equal("status", .int32(300)))
        }
        let settled = try await start.refresh().setProperties(["write.delete.isolation-level": "snapshot"])
        let stale = settled
        _ = try await settled.append([try rowsBatch([EventRow(id: 7_001, day: 19_701, status: 300)])])
        let done = try await stale.delete(where: .equal("status", .int32(300)))
        // The row appended after the delete read the table stays (snapshot isolation).
        let rows = try await scannedRows(done.table.scan())
        #expect(rows.filter { $0.status == 300 }.map(\.id) == [7_001])
        #expect(rows.count == EventRow.of(0..<60).filter { $0.status != 300 }.count + 1)
    }

    @Test("two overwrites of the same partition at once: exactly one wins, the other gets validationFailed, the winner's metadata stays")
    func competingOverwrites() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let start = try await table(directory)
        let filter = ColumnPredicate.equal("day", .int32(19_702))
        let a = [EventRow(id: 100, day: 19_702, status: 200)], b = [EventRow(id: 200, day: 19_702, status: 200)]
        let results = await withTaskGroup(of: Result<RowLevelWriteResult, IcebergError>.self) { group in
            for rows in [a, b] {
                group.addTask {
                    do throws(IcebergError) {
                        return .success(try await start.overwrite([try Self.typedBatch(rows)], where: filter))
                    } catch { return .failure(error) }
                }
            }
            var out: [Result<RowLevelWriteResult, IcebergError>] = []
            for await r in group { out.append(r) }
            return out
        }
        let won = results.compactMap { try? $0.get() }
        #expect(won.count == 1)
        for r in results {
            if case let .failure(error) = r {
                guard case .validationFailed = error.kind else { Issue.record("expected validationFailed, got \(error)"); continue }
            }
        }
        let now = try await start.refresh()
        #expect(now.metadataLocation == won.first?.table.metadataLocation)
        let rows = try await scannedRows(now.scan())
        let winner = rows.filter { $0.day == 19_702 }.map(\.id)
        #expect(winner == [100] || winner == [200])
        #expect(rows.filter { $0.day != 19_702 } == EventRow.of(0..<60).filter { $0.day != 19_702 })
    }

    static func typedBatch(_ rows: [EventRow]) throws(IcebergError) -> RecordBatch {
        do { return try rowsBatch(rows) } catch { throw IcebergError(.io("\(error)")) }
    }

    @Test("a delete whose files were compacted away meanwhile fails with validationFailed (as Java), the compaction stays")
    func deleteAfterCompaction() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let start = try await table(directory)
        let day0 = try await start.scan(filter: .equal("day", .int32(19_700))).planFiles().map(\.file)
        #expect(day0.count == 2)
        let rows = EventRow.of(0..<60).filter { $0.day == 19_700 }
        let compacted = try await writeFiles(start, [try rowsBatch(rows)])
        let afterCompaction = try await start.newRewrite().rewriteFiles(removing: day0, adding: compacted).commit()
        await expectValidationFailed("delete on the compacted files") { () throws(IcebergError) in
            _ = try await start.delete(where: .and(.equal("day", .int32(19_700)), .lessThan("id", .int64(10))))
        }
        let now = try await start.refresh()
        #expect(now.metadataLocation == afterCompaction.metadataLocation)
        // Run again on the fresh table, it succeeds.
        let again = try await now.delete(where: .and(.equal("day", .int32(19_700)), .lessThan("id", .int64(10))))
        #expect(try await scannedRows(again.table.scan()) == EventRow.of(0..<60).filter { !($0.day == 19_700 && $0.id < 10) })
    }

    @Test("a copy-on-write delete applies the position and equality deletes of the files it rewrites: deleted rows stay deleted (ours, DuckDB)",
          .enabled(if: Interop.enabled))
    func rewriteUnderDeletes() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let catalog = try SQLiteCatalog(path: directory.file("catalog.db"), warehouse: "file://" + directory.path)
        try await catalog.createNamespace("logs")
        let empty = try await catalog.createTable(TableIdentifier(namespace: "logs", name: "events"), schema: eventSchema)
        let first = try await empty.append([try eventBatch(0..<30)])
        let table = try await first.append([try eventBatch(30..<50)])
        let fileA = try #require(try await first.scan().planFiles().first?.file.filePath)
        let positions = try await DeleteFileWriter(table: table).writePositionDeletes([fileA: [1, 15, 17]])
        let keys = try RecordBatch(schema: Schema(fields: [Field(name: "id", id: 1, type: .int64)]),
                                   columns: [.int64(PrimitiveColumn<Int64>(values: [12, 40]))])
        let equality = try await DeleteFileWriter(table: table).writeEqualityDeletes(keys)
        let withDeletes = try await table.newRowDelta().addDeletes(positions).addDeletes(equality).commit()
        let result = try await withDeletes.delete(where: .lessThan("id", .int64(10)))
        let want = (10..<50).filter { ![12, 15, 17, 40].contains($0) }.map(Int64.init)
        #expect(result.deletedRows == 9 && result.removedDataFiles == 1 && result.rewrittenRows == 17)
        #expect(try await scannedIDs(result.table.scan()) == want)
        let text = try Interop.runText(pythonDuckDBIceberg + """
            import sys, json
            meta = sys.argv[1]
            print(json.dumps({"duckdb": [r[0] for r in con.execute(f"SELECT id FROM iceberg_scan('{meta}') ORDER BY id").fetchall()]}))
            """, arguments: [LocalFileIOPath.strip(result.table.metadataLocation)])
        // pyiceberg 0.12 refuses tables with equality deletes: DuckDB is the independent reader here.
        let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: [Int]])
        #expect(json["duckdb"]?.map(Int64.init) == want)
    }
}
