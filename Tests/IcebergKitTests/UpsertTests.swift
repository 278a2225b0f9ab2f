import Foundation
import IcebergKit
import LakeColumnar
import LakeTestSupport
import Testing

/// Upsert by key: updated rows, inserted rows, one snapshot; read back by us, pyiceberg and DuckDB.
@Suite("Upsert")
struct UpsertTests {
    /// Rows of eventSchema: `id`, the day `eventBatch` gives it, and the given status.
    func rows(_ pairs: [(Int, Int?)]) throws -> RecordBatch {
        try RecordBatch(schema: eventSchema.columnarSchema(), columns: [
            .int64(PrimitiveColumn<Int64>(values: pairs.map { Int64($0.0) })),
            .int32(PrimitiveColumn<Int32>(pairs.map { Int32(19_700 + $0.0 % 3) })),
            .int32(PrimitiveColumn<Int32>(pairs.map { $0.1.map(Int32.init) })),
        ])
    }

    /// The table's (id, status) pairs, sorted by id (status -1 for null).
    func pairs(_ batches: [RecordBatch]) -> [[Int]] {
        batches.flatMap { b in (0..<b.rowCount).map { r -> [Int] in
            guard case let .int64(id)? = b.column(named: "id")?.scalar(at: r) else { return [-2, -2] }
            if case let .int32(s)? = b.column(named: "status")?.scalar(at: r) { return [Int(id), Int(s)] }
            return [Int(id), -1]
        } }.sorted { $0[0] < $1[0] }
    }

    /// The status `eventBatch` gives row `id`, as `pairs` reports it.
    static func original(_ id: Int) -> Int { id % 9 == 0 ? -1 : 200 + (id % 4) * 100 }

    @Test("copy-on-write: changed rows updated, unchanged ones left, new keys inserted, in one overwrite snapshot; pyiceberg and DuckDB agree",
          .enabled(if: Interop.enabled))
    func updateAndInsert() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (catalog, id) = try await makeEventsTable(in: directory)
        let table = try await catalog.loadTable(id).append([try eventBatch(0..<30)])
        let before = table.metadata.snapshots.count
        // 25, 26, 27 change status; 28 and 29 are sent unchanged; 30..<35 are new.
        let (input, expected) = try updateCase()
        let result = try await table.upsert([input], keys: ["id"])
        #expect(result.updatedRows == 3 && result.insertedRows == 5 && result.rewrittenDataFiles > 0)
        #expect(pairs(try await result.table.scan().readAll()) == expected)
        #expect(result.table.metadata.snapshots.count == before + 1)
        #expect(result.table.currentSnapshot?.operation == "overwrite")

        // Nothing changes: no snapshot.
        let again = try await result.table.upsert([input], keys: ["id"])
        #expect(again.snapshotID == nil && again.table.metadata.currentSnapshotID == result.table.metadata.currentSnapshotID)

        let read = try interop(directory, result.table)
        #expect(read.pyiceberg == expected && read.duckdb == expected && read.snapshots == before + 1)
    }

    /// Input and expected rows of the update-and-insert tests.
    func updateCase() throws -> (input: RecordBatch, expected: [[Int]]) {
        let input = try rows([(25, 999), (26, nil), (27, 999), (28, Self.original(28)), (29, Self.original(29))]
                             + (30..<35).map { ($0, 123) })
        let expected = (0..<35).map { i -> [Int] in
            switch i {
            case 25, 27: return [i, 999]
            case 26: return [i, -1]
            case 30..<35: return [i, 123]
            default: return [i, Self.original(i)]
            }
        }
        return (input, expected)
    }

    @Test("merge-on-read (write.merge.mode): old rows deleted by position, new values appended, one snapshot; pyiceberg and DuckDB agree",
          .enabled(if: Interop.enabled))
    func mergeOnRead() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (catalog, id) = try await makeEventsTable(in: directory)
        let table = try await catalog.loadTable(id).setProperties(["write.merge.mode": "merge-on-read"]).append([try eventBatch(0..<30)])
        let before = table.metadata.snapshots.count
        let (input, expected) = try updateCase()
        let result = try await table.upsert([input], keys: ["id"])
        #expect(result.updatedRows == 3 && result.insertedRows == 5 && result.rewrittenDataFiles == 0)
        let summary = try #require(result.table.currentSnapshot?.summary)
        #expect(summary["added-position-deletes"] == "3" && summary["deleted-data-files"] == nil)
        #expect(pairs(try await result.table.scan().readAll()) == expected)
        let read = try interop(directory, result.table)
        #expect(read.pyiceberg == expected && read.duckdb == expected && read.snapshots == before + 1)
    }

    /// (id, status) pairs read by pyiceberg (current snapshot) and DuckDB (`table`'s metadata file).
    func interop(_ directory: TemporaryDirectory, _ table: Table) throws -> (pyiceberg: [[Int]]?, duckdb: [[Int]]?, snapshots: Int?) {
        let script = pythonDuckDBIceberg + """
            import sys, json
            from pyiceberg.catalog.sql import SqlCatalog
            wh, meta = sys.argv[1:3]
            cat = SqlCatalog("default", uri=f"sqlite:///{wh}/catalog.db", warehouse=f"file://{wh}")
            t = cat.load_table("logs.events")
            a = t.scan().to_arrow()
            py = sorted([i, -1 if s is None else s] for i, s in zip(a.column("id").to_pylist(), a.column("status").to_pylist()))
            dk = [[i, -1 if s is None else s] for i, s in con.execute(f"SELECT id, status FROM iceberg_scan('{meta}') ORDER BY id").fetchall()]
            print(json.dumps({"pyiceberg": py, "duckdb": dk, "snapshots": len(t.snapshots())}))
            """
        let text = try Interop.runText(script, arguments: [directory.path, LocalFileIOPath.strip(table.metadataLocation)])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        return (json["pyiceberg"] as? [[Int]], json["duckdb"] as? [[Int]], json["snapshots"] as? Int)
    }

    @Test("whenMatched: .ignore inserts only new keys in one append and rewrites nothing")
    func insertOnlyNewKeys() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (catalog, id) = try await makeEventsTable(in: directory)
        let table = try await catalog.loadTable(id).append([try eventBatch(0..<30)])
        let input = try rows([(3, 999), (40, 1), (41, 2)])
        let result = try await table.upsert([input], keys: ["id"], whenMatched: .ignore)
        #expect(result.updatedRows == 0 && result.insertedRows == 2 && result.rewrittenDataFiles == 0)
        #expect(result.table.currentSnapshot?.operation == "append")
        #expect(pairs(try await result.table.scan().readAll()) == (0..<30).map { [$0, Self.original($0)] } + [[40, 1], [41, 2]])
        // whenNotMatched: .ignore as well: nothing to do.
        let none = try await result.table.upsert([try rows([(50, 1)])], keys: ["id"], whenMatched: .ignore, whenNotMatched: .ignore)
        #expect(none.snapshotID == nil)
    }

    @Test("a key twice in the input, or an unknown or floating-point key column, is a typed error and commits nothing")
    func refusals() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (catalog, id) = try await makeEventsTable(in: directory)
        let table = try await catalog.loadTable(id).append([try eventBatch(0..<10)])
        for (input, keys) in [(try rows([(1, 5), (40, 1), (1, 6)]), ["id"]), (try rows([(1, 5)]), ["nope"]), (try rows([(1, 5)]), [])] {
            await #expect {
                _ = try await table.upsert([input], keys: keys)
            } throws: { error in
                guard let error = error as? IcebergError, case .validationFailed = error.kind else { return false }
                return true
            }
        }
        let reloaded = try await table.refresh()
        #expect(reloaded.metadata.currentSnapshotID == table.metadata.currentSnapshotID)
    }
}
