import Foundation
import IcebergKit
import LakeColumnar
import LakeTestSupport
import Testing

/// Keyed deletes: equality delete files for the rows whose key columns equal given values.
@Suite("Keyed delete")
struct KeyedDeleteTests {
    func ids(_ batches: [RecordBatch]) -> [Int] {
        batches.flatMap { b in (0..<b.rowCount).compactMap { r -> Int? in
            if case let .int64(v)? = b.column(named: "id")?.scalar(at: r) { return Int(v) } else { return nil }
        } }.sorted()
    }

    func idKeys(_ values: [Int64]) throws -> RecordBatch {
        try RecordBatch(schema: Schema(fields: [Field(name: "id", id: 99, type: .int64)]),
                        columns: [.int64(PrimitiveColumn<Int64>(values: values))])
    }

    /// Reads every snapshot with pyiceberg and the given metadata files with DuckDB: ids, sorted.
    struct Read {
        /// Per snapshot: the ids pyiceberg reads, or nil where it refuses (equality deletes).
        var pyiceberg: [[Int]?]
        var duckdb: [[Int]]
        var files: Int
        var equalityIDs: [[Int]]
        var equalityRows: Int
    }

    func interop(_ directory: TemporaryDirectory, table name: String, metadata: [String]) throws -> Read {
        let script = pythonDuckDBIceberg + """
            import sys, json
            from pyiceberg.catalog.sql import SqlCatalog
            wh, name, metas = sys.argv[1], sys.argv[2], sys.argv[3:]
            cat = SqlCatalog("default", uri=f"sqlite:///{wh}/catalog.db", warehouse=f"file://{wh}")
            t = cat.load_table(name)
            def ids(s):
                # pyiceberg 0.12 refuses to read a snapshot with equality deletes (it does not apply them).
                try:
                    return sorted(t.scan(snapshot_id=s.snapshot_id).to_arrow().column("id").to_pylist())
                except ValueError as e:
                    return "unsupported" if "equality deletes" in str(e) else str(e)
            out = {"pyiceberg": [ids(s) for s in t.snapshots()]}
            out["duckdb"] = [[r[0] for r in con.execute(f"SELECT id FROM iceberg_scan('{m}') ORDER BY id").fetchall()] for m in metas]
            # pyiceberg's inspect tables do read the manifests: the equality delete files and their key ids.
            files = [f for f in t.inspect.delete_files().to_pylist() if f["content"] == 2]
            out["equality_files"] = len(files)
            out["equality_ids"] = sorted({tuple(f["equality_ids"]) for f in files})
            out["equality_rows"] = sum(f["record_count"] for f in files)
            print(json.dumps(out))
            """
        let text = try Interop.runText(script, arguments: [directory.path, name] + metadata.map(LocalFileIOPath.strip))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let py = (json["pyiceberg"] as? [Any] ?? []).map { $0 as? [Int] ?? (($0 as? String) == "unsupported" ? nil : [-1]) }
        return Read(pyiceberg: py, duckdb: json["duckdb"] as? [[Int]] ?? [], files: json["equality_files"] as? Int ?? -1,
                    equalityIDs: json["equality_ids"] as? [[Int]] ?? [], equalityRows: json["equality_rows"] as? Int ?? -1)
    }

    @Test("an unpartitioned table: the keyed rows are gone for us and DuckDB (pyiceberg 0.12 refuses equality deletes); a row committed later with the same key stays",
          .enabled(if: Interop.enabled))
    func unpartitioned() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let catalog = try SQLiteCatalog(path: directory.file("catalog.db"), warehouse: "file://" + directory.path)
        try await catalog.createNamespace("logs")
        let created = try await catalog.createTable(TableIdentifier(namespace: "logs", name: "flat"), schema: eventSchema)
        let table = try await created.append([try eventBatch(0..<30)]).append([try eventBatch(30..<60)])
        let deleted = try await table.delete(keys: try idKeys([3, 40, 41, 1_000]))
        let afterDelete = Array(0..<60).filter { ![3, 40, 41].contains($0) }
        #expect(ids(try await deleted.scan().readAll()) == afterDelete)
        #expect(deleted.currentSnapshot?.operation == "delete")
        #expect(deleted.currentSnapshot?.summary["added-equality-deletes"] == "4")
        let readded = try await deleted.append([try eventBatch(41..<42)])
        let afterAppend = (afterDelete + [41]).sorted()
        #expect(ids(try await readded.scan().readAll()) == afterAppend)
        // No key row: nothing committed.
        let none = try await readded.delete(keys: try idKeys([]))
        #expect(none.metadata.currentSnapshotID == readded.metadata.currentSnapshotID)

        let read = try interop(directory, table: "logs.flat", metadata: [deleted.metadataLocation, readded.metadataLocation])
        #expect(read.pyiceberg == [Array(0..<30), Array(0..<60), nil, nil])
        #expect(read.duckdb == [afterDelete, afterAppend])
        #expect(read.files == 1 && read.equalityIDs == [[1]] && read.equalityRows == 4)
    }

    @Test("a partitioned table: one equality delete file per partition of the keys; a key in another partition deletes nothing",
          .enabled(if: Interop.enabled))
    func partitioned() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (catalog, id) = try await makeEventsTable(in: directory)
        let table = try await catalog.loadTable(id).append([try eventBatch(0..<60)])
        // (id, day) pairs: ids 5 and 6 with their own days; id 7 with the day of id 8 (no such row).
        let day = { (i: Int) -> Int32 in Int32(19_700 + i % 3) }
        let keys = try RecordBatch(schema: Schema(fields: [Field(name: "id", id: 1, type: .int64), Field(name: "day", id: 2, type: .date32)]),
                                   columns: [.int64(PrimitiveColumn<Int64>(values: [5, 6, 7])),
                                             .int32(PrimitiveColumn<Int32>(values: [day(5), day(6), day(8)]))])
        let deleted = try await table.delete(keys: keys)
        let after = Array(0..<60).filter { ![5, 6].contains($0) }
        #expect(ids(try await deleted.scan().readAll()) == after)
        let read = try interop(directory, table: "logs.events", metadata: [deleted.metadataLocation])
        #expect(read.pyiceberg == [Array(0..<60), nil])
        #expect(read.duckdb == [after])
        #expect(read.files == 2)  // the key rows fall on two days: 5 and 8 share one
        #expect(read.equalityIDs == [[1, 2]] && read.equalityRows == 3)
    }

    @Test("keys that leave out a partition source column, or name an unknown column, are refused and commit nothing")
    func refusals() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (catalog, id) = try await makeEventsTable(in: directory)
        let table = try await catalog.loadTable(id).append([try eventBatch(0..<10)])
        await #expect {
            _ = try await table.delete(keys: try idKeys([1]))
        } throws: { error in
            guard let error = error as? IcebergError, case .unsupported = error.kind else { return false }
            return true
        }
        let unknown = try RecordBatch(schema: Schema(fields: [Field(name: "nope", id: 1, type: .int64)]),
                                      columns: [.int64(PrimitiveColumn<Int64>(values: [1]))])
        await #expect {
            _ = try await table.delete(keys: unknown)
        } throws: { error in
            guard let error = error as? IcebergError, case .notFound = error.kind else { return false }
            return true
        }
        let reloaded = try await table.refresh()
        #expect(reloaded.metadata.currentSnapshotID == table.metadata.currentSnapshotID)
        #expect(ids(try await reloaded.scan().readAll()) == Array(0..<10))
    }
}
