import Foundation
import IcebergKit
import LakeColumnar
import LakeTestSupport
import Testing

/// Python that opens DuckDB with the iceberg extension from the venv's bundled package (no
/// download: the test machine has no network), as `con`.
let pythonDuckDBIceberg = """
    import duckdb, glob, os, importlib
    con = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    con.execute("SET enable_progress_bar=false")
    for name in ("avro", "iceberg"):  # avro first: iceberg would otherwise try to install it
        base = os.path.dirname(importlib.import_module(f"duckdb_extension_{name}").__file__)
        ext = glob.glob(os.path.join(base, "extensions", "**", f"{name}.duckdb_extension"), recursive=True)[0]
        con.execute(f"LOAD '{ext}'")

    """

@Suite("Delete files")
struct DeleteFileTests {
    /// An unpartitioned events table with two data files: ids 0..<30 and 30..<50 (row position = id − first id).
    func twoFileTable(_ directory: TemporaryDirectory) async throws -> Table {
        let catalog = try SQLiteCatalog(path: directory.file("catalog.db"), warehouse: "file://" + directory.path)
        try await catalog.createNamespace("logs")
        let table = try await catalog.createTable(TableIdentifier(namespace: "logs", name: "events"), schema: eventSchema)
        let first = try await table.append([try eventBatch(0..<30)])
        return try await first.append([try eventBatch(30..<50)])
    }

    func ids(_ batches: [RecordBatch]) -> [Int64] {
        batches.flatMap { b in (0..<b.rowCount).compactMap { r -> Int64? in
            if case let .int64(v)? = b.columns[0].scalar(at: r) { return v } else { return nil }
        } }.sorted()
    }

    @Test("position and equality deletes are applied by sequence number, and pyiceberg and DuckDB read the same rows",
          .enabled(if: Interop.enabled))
    func mergeOnRead() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let table = try await twoFileTable(directory)
        let files = try await table.scan().planFiles().map(\.file)
        #expect(files.count == 2)
        let fileA = try #require(files.first { $0.recordCount == 30 }).filePath
        let fileB = try #require(files.first { $0.recordCount == 20 }).filePath

        // Snapshot 3: position deletes (ids 1, 5, 7 of the first file; id 30 of the second).
        let positions = try await DeleteFileWriter(table: table).writePositionDeletes([fileA: [1, 5, 7], fileB: [0]])
        let withPositions = try await table.newRowDelta().addDeletes(positions).validateDataFilesExist([fileA, fileB]).commit()
        let afterPositions = Set(0..<50).subtracting([1, 5, 7, 30]).map(Int64.init).sorted()
        #expect(ids(try await withPositions.scan().readAll()) == afterPositions)
        // Read in slices of 7 rows: deleted positions are found across slice boundaries.
        var sliced = withPositions.scan()
        sliced.batchSize = 7
        let slices = try await sliced.readAll()
        #expect(slices.allSatisfy { $0.rowCount <= 7 })
        #expect(ids(slices) == afterPositions)
        #expect(withPositions.currentSnapshot?.operation == "delete")
        #expect(withPositions.currentSnapshot?.summary["total-delete-files"] == "1")
        #expect(withPositions.currentSnapshot?.summary["total-position-deletes"] == "4")
        #expect(withPositions.currentSnapshot?.summary["total-records"] == "50")

        // Snapshot 4: equality deletes on id (12, 40, 41) and, in the same commit, a new data file
        // holding id 41 again: a delete never applies to rows committed with it.
        let keys = try RecordBatch(schema: Schema(fields: [Field(name: "id", id: 1, type: .int64)]),
                                   columns: [.int64(PrimitiveColumn<Int64>(values: [12, 40, 41]))])
        let equality = try await DeleteFileWriter(table: withPositions).writeEqualityDeletes(keys)
        let writer = try TableWriter(table: withPositions)
        try await writer.write(try eventBatch(41..<42))
        let added = try await writer.close()
        let delta = withPositions.newRowDelta().addDeletes(equality)
        for f in added { delta.addRows(f) }
        let withEquality = try await delta.commit()
        let afterEquality = (afterPositions.filter { ![12, 40, 41].contains($0) } + [41]).sorted()
        #expect(ids(try await withEquality.scan().readAll()) == afterEquality)
        #expect(withEquality.currentSnapshot?.operation == "overwrite")
        #expect(withEquality.currentSnapshot?.summary["total-equality-deletes"] == "3")
        #expect(withEquality.currentSnapshot?.summary["total-delete-files"] == "2")
        // Time travel still sees the rows as they were.
        #expect(ids(try await withEquality.scan(snapshotID: withPositions.metadata.currentSnapshotID).readAll()) == afterPositions)
        // A projection without the key column still applies the equality deletes.
        #expect(try await withEquality.scan(columns: ["status"]).readAll().reduce(0) { $0 + $1.rowCount } == afterEquality.count)

        let script = pythonDuckDBIceberg + """
            import sys, json
            from pyiceberg.catalog.sql import SqlCatalog
            wh, positions_meta, equality_meta = sys.argv[1:4]
            cat = SqlCatalog("default", uri=f"sqlite:///{wh}/catalog.db", warehouse=f"file://{wh}")
            t = cat.load_table("logs.events")
            snaps = t.snapshots()
            out = {"pyiceberg_positions": sorted(t.scan(snapshot_id=snaps[2].snapshot_id).to_arrow().column("id").to_pylist())}
            out["duckdb_positions"] = [r[0] for r in con.execute(f"SELECT id FROM iceberg_scan('{positions_meta}') ORDER BY id").fetchall()]
            out["duckdb_equality"] = [r[0] for r in con.execute(f"SELECT id FROM iceberg_scan('{equality_meta}') ORDER BY id").fetchall()]
            files = t.inspect.files().to_pylist()  # the live files at the current snapshot, read from the manifests
            out["files"] = {"data": sum(1 for f in files if f["content"] == 0), "records": sum(f["record_count"] for f in files if f["content"] == 0),
                            "deletes": sum(1 for f in files if f["content"] != 0),
                            "position": sum(f["record_count"] for f in files if f["content"] == 1),
                            "equality": sum(f["record_count"] for f in files if f["content"] == 2)}
            print(json.dumps(out, default=str))
            """
        let text = try Interop.runText(script, arguments: [directory.path, LocalFileIOPath.strip(withPositions.metadataLocation),
                                                         LocalFileIOPath.strip(withEquality.metadataLocation)])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect((json["pyiceberg_positions"] as? [Int])?.map(Int64.init) == afterPositions)
        #expect((json["duckdb_positions"] as? [Int])?.map(Int64.init) == afterPositions)
        #expect((json["duckdb_equality"] as? [Int])?.map(Int64.init) == afterEquality)
        // The summary's totals agree with the files pyiceberg finds in the manifests.
        let counted = try #require(json["files"] as? [String: Int])
        let summary = try #require(withEquality.currentSnapshot?.summary)
        #expect(summary["total-data-files"] == counted["data"].map(String.init))
        #expect(summary["total-records"] == counted["records"].map(String.init))
        #expect(summary["total-delete-files"] == counted["deletes"].map(String.init))
        #expect(summary["total-position-deletes"] == counted["position"].map(String.init))
        #expect(summary["total-equality-deletes"] == counted["equality"].map(String.init))
    }

    @Test("a deletion vector or a delete file in another format is a typed error, never silently skipped")
    func unsupportedDeletes() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let table = try await twoFileTable(directory)
        var vector = try await DeleteFileWriter(table: table).writePositionDeletes(["x.parquet": [0]])
        vector.fileFormat = "PUFFIN"
        vector.contentOffset = 4
        let committed = try await table.newRowDelta().addDeletes(vector).commit()
        do {
            _ = try await committed.scan().readAll()
            Issue.record("a scan over a deletion vector returned rows")
        } catch {
            guard case .unsupported = error.kind else { Issue.record("expected unsupported, got \(error)"); return }
        }
        // The snapshot before it still reads.
        #expect(try await committed.scan(snapshotID: table.metadata.currentSnapshotID).readAll().reduce(0) { $0 + $1.rowCount } == 50)
    }

    @Test("a position delete whose data file a concurrent commit removed fails validation")
    func removedDataFile() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let table = try await twoFileTable(directory)
        let deletes = try await DeleteFileWriter(table: table).writePositionDeletes(["file:///nowhere/gone.parquet": [0]])
        // Another writer commits first, so the retry re-validates on a base that lacks the file.
        _ = try await table.append([try eventBatch(50..<51)])
        do {
            _ = try await table.newRowDelta().addDeletes(deletes).validateDataFilesExist(["file:///nowhere/gone.parquet"]).commit()
            Issue.record("the commit succeeded")
        } catch {
            guard case .validationFailed = error.kind else { Issue.record("expected validationFailed, got \(error)"); return }
        }
    }
}
