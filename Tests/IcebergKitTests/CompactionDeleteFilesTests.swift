import Foundation
import IcebergKit
import LakeColumnar
import LakeTestSupport
import Testing

@Suite("Compaction drops equality delete files")
struct CompactionDeleteFilesTests {
    /// pyiceberg's file counts (it lists equality deletes though 0.12 refuses to read them) and
    /// DuckDB's rows at the current snapshot.
    let inspect = pythonDuckDBIceberg + """
        import sys, json
        from pyiceberg.catalog.sql import SqlCatalog
        wh, meta = sys.argv[1:3]
        t = SqlCatalog("default", uri=f"sqlite:///{wh}/catalog.db", warehouse=f"file://{wh}").load_table("logs.events")
        files = t.inspect.files().to_pylist()
        print(json.dumps({"data_files": sum(1 for f in files if f["content"] == 0),
                          "equality_deletes": sum(1 for f in files if f["content"] == 2),
                          "duckdb": [r[0] for r in con.execute(f"SELECT id FROM iceberg_scan('{meta}') ORDER BY id").fetchall()]}))
        """

    func read(_ directory: TemporaryDirectory, _ table: Table) throws -> [String: Any] {
        let text = try Interop.runText(inspect, arguments: [directory.path, LocalFileIOPath.strip(table.metadataLocation)])
        return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    func ids(_ batches: [RecordBatch]) -> [Int] {
        batches.flatMap { b in (0..<b.rowCount).compactMap { r -> Int? in
            if case let .int64(v)? = b.columns[0].scalar(at: r) { return Int(v) } else { return nil }
        } }.sorted()
    }

    func equalityDeletes(_ table: Table, ids: [Int64], day: Int32) async throws -> DataFile {
        let keys = try RecordBatch(schema: Schema(fields: [Field(name: "id", id: 1, type: .int64)]),
                                   columns: [.int64(PrimitiveColumn<Int64>(values: ids))])
        return try await DeleteFileWriter(table: table).writeEqualityDeletes(keys, partition: [.int32(day)])
    }

    @Test("an equality delete file goes with the last of the files it applies to: a day compacted alone drops its delete and keeps the other day's; a row re-appended after its delete survives; DuckDB and our scan read the same rows after each step",
          .enabled(if: Interop.enabled))
    func dropsEqualityDeletes() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (catalog, id) = try await makeEventsTable(in: directory)
        var table = try await catalog.loadTable(id)
        // 6 appends of 10 ids over 3 days (id % 3): 18 files.
        for i in 0..<6 { table = try await table.append([try eventBatch(i * 10..<(i + 1) * 10)]) }
        // Day 19700 holds ids ≡ 0 (mod 3), day 19701 ids ≡ 1.
        table = try await table.newRowDelta().addDeletes(try await equalityDeletes(table, ids: [0, 3, 30], day: 19_700)).commit()
        table = try await table.newRowDelta().addDeletes(try await equalityDeletes(table, ids: [1, 4], day: 19_701)).commit()
        // Id 1 again, after its delete: a delete never reaches rows committed later.
        table = try await table.append([try eventBatch(1..<2)])
        let expected = (Array(0..<60).filter { ![0, 3, 30, 4].contains($0) }).sorted()
        #expect(ids(try await table.scan().readAll()) == expected)
        let before = try read(directory, table)
        #expect(before["data_files"] as? Int == 19 && before["equality_deletes"] as? Int == 2)
        #expect(before["duckdb"] as? [Int] == expected)

        // Day 19700 only: its delete file applied to those files alone and goes; day 19701's stays.
        let first = try await table.rewriteDataFiles().filter(.equal("day", .int32(19_700))).execute()
        #expect(first.commits == 1 && first.rewrittenDataFiles == 6 && first.removedDeleteFiles == 1)
        table = first.table
        let middle = try read(directory, table)
        #expect(middle["data_files"] as? Int == 14 && middle["equality_deletes"] as? Int == 1)
        #expect(middle["duckdb"] as? [Int] == expected)
        #expect(ids(try await table.scan().readAll()) == expected)

        // Everything: day 19701's delete goes too; id 1 (re-appended) is there once, 4 is not.
        let second = try await table.rewriteDataFiles().execute()
        #expect(second.removedDeleteFiles == 1 && second.failedCommits.isEmpty)
        table = second.table
        let after = try read(directory, table)
        #expect(after["data_files"] as? Int == 3 && after["equality_deletes"] as? Int == 0)
        #expect(after["duckdb"] as? [Int] == expected)
        #expect(ids(try await table.scan().readAll()) == expected)
        #expect(table.currentSnapshot?.summary["total-delete-files"] == "0")
        #expect(table.currentSnapshot?.summary["total-records"] == String(expected.count))
    }

    @Test("with partial progress a delete file goes with the commit that rewrites the last of its files; a dangling delete file (no live data file left for it) goes with the first commit; pyiceberg and DuckDB agree",
          .enabled(if: Interop.enabled))
    func danglingAndPartialProgress() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (catalog, id) = try await makeEventsTable(in: directory)
        var table = try await catalog.loadTable(id)
        for i in 0..<6 { table = try await table.append([try eventBatch(i * 10..<(i + 1) * 10)]) }
        table = try await table.newRowDelta().addDeletes(try await equalityDeletes(table, ids: [1, 4, 31], day: 19_701)).commit()
        // A day no data file holds: this delete file applies to nothing (an id no day holds
        // either: DuckDB applies an equality delete across partitions).
        table = try await table.newRowDelta().addDeletes(try await equalityDeletes(table, ids: [999], day: 19_705)).commit()
        let expected = (Array(0..<60).filter { ![1, 4, 31].contains($0) }).sorted()
        let before = try read(directory, table)
        #expect(before["data_files"] as? Int == 18 && before["equality_deletes"] as? Int == 2)
        #expect(before["duckdb"] as? [Int] == expected)

        // Day 19701 only, its six files in three bins (two files each), one commit per bin.
        let smallest = try await table.scan().planFiles().map(\.file.fileSizeInBytes).max() ?? 0
        let result = try await table.rewriteDataFiles().filter(.equal("day", .int32(19_701)))
            .targetFileSizeBytes(2 * smallest + 1).partialProgress(maxCommits: 10).execute()
        #expect(result.commits == 3 && result.rewrittenDataFiles == 6 && result.failedCommits.isEmpty)
        #expect(result.removedDeleteFiles == 2, "the dangling one at once, day 19701's with its last files")
        table = result.table
        let after = try read(directory, table)
        #expect(after["equality_deletes"] as? Int == 0)
        #expect(after["duckdb"] as? [Int] == expected)
        #expect(ids(try await table.scan().readAll()) == expected)
        #expect(table.currentSnapshot?.summary["total-delete-files"] == "0")
    }
}
