import Foundation
import IcebergKit
import LakeColumnar
import LakeTestSupport
import ParquetWriter
import Testing

/// add_files: existing Parquet files registered with metrics and partition values from their footers.
@Suite("Add files")
struct AddFilesTests {
    /// Writes rows (id, day, status) as a Parquet file with the table's field ids, in row groups of `rowGroup` rows.
    func writeFile(_ path: String, ids: [Int], day: (Int) -> Int32, status: (Int) -> Int32?, rowGroup: Int = 4) throws {
        let batch = try RecordBatch(schema: eventSchema.columnarSchema(), columns: [
            .int64(PrimitiveColumn<Int64>(values: ids.map(Int64.init))),
            .int32(PrimitiveColumn<Int32>(ids.map(day))),
            .int32(PrimitiveColumn<Int32>(ids.map(status))),
        ])
        let sink = ParquetMemorySink()
        var properties = WriterProperties()
        properties.rowGroupRows = rowGroup
        let writer = try ParquetFileWriter(sink: sink, name: path, schema: batch.schema, properties: properties)
        try writer.write(batch)
        _ = try writer.close()
        try Data(sink.take()).write(to: URL(fileURLWithPath: path))
    }

    func ids(_ batches: [RecordBatch]) -> [Int] {
        batches.flatMap { b in (0..<b.rowCount).compactMap { r -> Int? in
            if case let .int64(v)? = b.column(named: "id")?.scalar(at: r) { return Int(v) } else { return nil }
        } }.sorted()
    }

    @Test("a file of one partition is registered with its footer's metrics and partition; pyiceberg and DuckDB read it",
          .enabled(if: Interop.enabled))
    func registers() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (catalog, id) = try await makeEventsTable(in: directory)
        let table = try await catalog.loadTable(id).append([try eventBatch(0..<6)])
        let path = directory.file("import-0.parquet")
        // Ten rows of day 19_701 over three row groups; status null for ids divisible by 5, else 100 + id.
        try writeFile(path, ids: Array(100..<110), day: { _ in 19_701 }, status: { $0 % 5 == 0 ? nil : Int32(100 + $0) })
        let added = try await table.addFiles(["file://" + path])
        #expect(added.currentSnapshot?.operation == "append")
        #expect(ids(try await added.scan().readAll()) == Array(0..<6) + Array(100..<110))
        let file = try #require(try await added.scan().planFiles().map(\.file).first { $0.filePath.hasSuffix("import-0.parquet") })
        #expect(file.recordCount == 10 && file.partition == [.int32(19_701)])
        // Pruning uses the registered bounds: a filter outside ids 100...109 skips the file.
        #expect(try await added.scan(filter: .greaterThan("id", .int64(109))).planFiles().isEmpty)
        #expect(try await added.scan(filter: .equal("day", .int32(19_701))).planFiles().contains { $0.file.filePath == file.filePath })

        let script = pythonDuckDBIceberg + """
            import sys, json
            from pyiceberg.catalog.sql import SqlCatalog
            wh, meta = sys.argv[1:3]
            cat = SqlCatalog("default", uri=f"sqlite:///{wh}/catalog.db", warehouse=f"file://{wh}")
            t = cat.load_table("logs.events")
            f = [f for f in t.inspect.files().to_pylist() if f["file_path"].endswith("import-0.parquet")][0]
            m = f["readable_metrics"]
            out = {"ids": sorted(t.scan().to_arrow().column("id").to_pylist()),
                   "duckdb": [r[0] for r in con.execute(f"SELECT id FROM iceberg_scan('{meta}') ORDER BY id").fetchall()],
                   "partition": str(f["partition"]["day"]), "records": f["record_count"],
                   "id": [m["id"]["lower_bound"], m["id"]["upper_bound"], m["id"]["value_count"], m["id"]["null_value_count"]],
                   "status": [m["status"]["lower_bound"], m["status"]["upper_bound"], m["status"]["value_count"], m["status"]["null_value_count"]]}
            print(json.dumps(out))
            """
        let text = try Interop.runText(script, arguments: [directory.path, LocalFileIOPath.strip(added.metadataLocation)])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let expectedIDs = Array(0..<6) + Array(100..<110)
        #expect(json["ids"] as? [Int] == expectedIDs)
        #expect(json["duckdb"] as? [Int] == expectedIDs)
        #expect(json["partition"] as? String == "2023-12-10")  // day 19_701 since the epoch
        #expect(json["records"] as? Int == 10)
        #expect(json["id"] as? [Int] == [100, 109, 10, 0])
        #expect(json["status"] as? [Int] == [201, 209, 10, 2])  // ids 100 and 105 are null
    }

    @Test("a file spanning partitions, one already in the table or named twice is refused and nothing is committed")
    func refusals() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (catalog, id) = try await makeEventsTable(in: directory)
        let table = try await catalog.loadTable(id).append([try eventBatch(0..<6)])
        let mixed = directory.file("mixed.parquet")
        try writeFile(mixed, ids: Array(0..<10), day: { Int32(19_700 + $0 % 2) }, status: { _ in 1 })
        let single = directory.file("single.parquet")
        try writeFile(single, ids: Array(20..<22), day: { _ in 19_700 }, status: { _ in 1 })
        let existing = try #require(try await table.scan().planFiles().first?.file.filePath)
        for paths in [["file://" + mixed], ["file://" + single, existing], ["file://" + single, "file://" + single]] {
            await #expect {
                _ = try await table.addFiles(paths)
            } throws: { error in
                guard let error = error as? IcebergError, case .validationFailed = error.kind else { return false }
                return true
            }
        }
        let reloaded = try await table.refresh()
        #expect(reloaded.metadata.currentSnapshotID == table.metadata.currentSnapshotID)
        // The single-partition file alone is accepted; adding it again is refused.
        let added = try await table.addFiles(["file://" + single])
        #expect(ids(try await added.scan().readAll()) == Array(0..<6) + [20, 21])
        await #expect(throws: IcebergError.self) { _ = try await added.addFiles(["file://" + single]) }
    }
}
