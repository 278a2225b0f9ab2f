import Foundation
import IcebergKit
import LakeColumnar
import LakeTestSupport
import Testing

@Suite("Compaction, sort strategy")
struct CompactionSortTests {
    /// For every live data file (pyiceberg's inspect.files): its sort_order_id, its row count,
    /// and whether pyarrow reads its rows in the order `sys.argv[3]` names ("status_asc_id_desc"
    /// "status_desc_id_asc" or "id_asc"); pyiceberg's and DuckDB's rows at the current snapshot.
    let inspect = pythonDuckDBIceberg + """
        import sys, json
        import pyarrow.parquet as pq
        from pyiceberg.catalog.sql import SqlCatalog
        wh, meta, order = sys.argv[1:4]
        t = SqlCatalog("default", uri=f"sqlite:///{wh}/catalog.db", warehouse=f"file://{wh}").load_table("logs.events")
        def key(r):
            if order == "id_asc": return (r["id"],)
            if order == "status_desc_id_asc": return (r["status"] is None, -(r["status"] or 0), r["id"])
            return (r["status"] is not None, r["status"] or 0, -r["id"])
        files = []
        for f in t.inspect.files().to_pylist():
            if f["content"] != 0: continue
            rows = pq.read_table(f["file_path"].replace("file://", "")).to_pylist()
            files.append({"sort_order_id": f["sort_order_id"], "rows": len(rows), "sorted": rows == sorted(rows, key=key)})
        print(json.dumps({"files": files, "rows": sorted(t.scan().to_arrow().column("id").to_pylist()),
                          "duckdb": [r[0] for r in con.execute(f"SELECT id FROM iceberg_scan('{meta}') ORDER BY id").fetchall()]}))
        """

    func read(_ directory: TemporaryDirectory, _ table: Table, order: String) throws -> [String: Any] {
        let text = try Interop.runText(inspect, arguments: [directory.path, LocalFileIOPath.strip(table.metadataLocation), order])
        return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test("compaction sorted by the table's order: every file's rows in that order (pyarrow) with its sort_order_id; runs merged, so a file holds more than a run; another order's files record no id; rows unchanged for pyiceberg and DuckDB; a second sort finds nothing to do",
          .enabled(if: Interop.enabled))
    func sortsFiles() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (catalog, id) = try await makeEventsTable(in: directory)
        var table = try await catalog.loadTable(id)
        // Written while the table is unsorted: ids ascending in every file.
        for i in 0..<6 { table = try await table.append([try eventBatch(i * 10..<(i + 1) * 10)]) }
        let unsortedTable = table
        await #expect(throws: IcebergError.self) { _ = try await unsortedTable.rewriteDataFiles().sort().plan() }
        var order = table.replaceSortOrder()
        try order.asc("status")
        try order.desc("id")
        table = try await order.commit()
        let orderID = table.metadata.defaultSortOrderID
        #expect(orderID > 0)
        let before = try read(directory, table, order: "status_asc_id_desc")
        let expected = try #require(before["rows"] as? [Int])
        #expect(expected == Array(0..<60))
        let unsorted = try #require(before["files"] as? [[String: Any]])
        #expect(unsorted.count == 18 && unsorted.allSatisfy { $0["sort_order_id"] is NSNull })
        #expect(unsorted.contains { $0["sorted"] as? Bool == false }, "the appended files are not in the new order")

        // 20 rows per day read in batches of 3 or 4 (one per appended file); a run is written once
        // more than 8 rows wait: two runs per day (9 to 12 rows, then the rest), merged into one
        // file per day sorted as a whole, with the id; the temporary runs are gone.
        let dataDirectory = LocalFileIOPath.strip(table.metadata.location) + "/data"
        let onDisk = filesOnDisk(dataDirectory).filter { $0.hasSuffix(".parquet") }.count
        let first = try await table.rewriteDataFiles().sort().sortBufferRows(8).execute()
        table = first.table
        #expect(first.rewrittenDataFiles == 18 && first.addedDataFiles == 3)
        #expect(filesOnDisk(dataDirectory).filter { $0.hasSuffix(".parquet") }.count == onDisk + 3, "no run left behind")
        let sorted = try read(directory, table, order: "status_asc_id_desc")
        let files = try #require(sorted["files"] as? [[String: Any]])
        #expect(files.count == 3)
        #expect(files.allSatisfy { $0["sorted"] as? Bool == true })
        #expect(files.allSatisfy { ($0["sort_order_id"] as? Int).map { Int32($0) } == orderID })
        let rowsPerFile = files.compactMap { $0["rows"] as? Int }
        #expect(rowsPerFile == [20, 20, 20], "each file more than one run: \(rowsPerFile)")
        #expect(sorted["rows"] as? [Int] == expected && sorted["duckdb"] as? [Int] == expected)

        // Every file is in the order already.
        let again = try await table.rewriteDataFiles().sort().sortBufferRows(8).execute()
        #expect(again.commits == 0)

        // Another order (by id): files sorted by it, recording no id (the table has no such order).
        let byID = try await table.rewriteDataFiles().sort(by: [SortOrder.SortField(sourceID: 1)]).execute()
        table = byID.table
        #expect(byID.addedDataFiles == 3, "one file per day under the default run size")
        let custom = try read(directory, table, order: "id_asc")
        let customFiles = try #require(custom["files"] as? [[String: Any]])
        #expect(customFiles.count == 3 && customFiles.allSatisfy { $0["sorted"] as? Bool == true && $0["sort_order_id"] is NSNull })
        #expect(custom["rows"] as? [Int] == expected && custom["duckdb"] as? [Int] == expected)
        var scanned: [Int64] = []
        for batch in try await table.scan().readAll() {
            for r in 0..<batch.rowCount { if case let .int64(v)? = batch.columns[0].scalar(at: r) { scanned.append(v) } }
        }
        #expect(scanned.sorted() == (0..<60).map(Int64.init))
    }

    @Test("lakehouse iceberg compact --sort-by writes sorted files; --sort on an unsorted table is an error",
          .enabled(if: Interop.enabled && BuiltCLI.path != nil))
    func cli() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (catalog, id) = try await makeEventsTable(in: directory)
        var table = try await catalog.loadTable(id)
        for i in 0..<4 { table = try await table.append([try eventBatch(i * 10..<(i + 1) * 10)]) }
        let options = ["--catalog", directory.file("catalog.db"), "--warehouse", directory.path]
        let refused = try BuiltCLI.run(["iceberg", "compact", "logs.events", "--sort"] + options, in: directory.path)
        #expect(refused.status != 0 && refused.stderr.contains("no sort order"))
        let run = try BuiltCLI.run(["iceberg", "compact", "logs.events", "--sort-by", "status", "DESC", "id"] + options, in: directory.path)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("data files: 12 → 3"), "\(run.stdout)")
        table = try await table.refresh()
        let view = try read(directory, table, order: "status_desc_id_asc")
        #expect(view["rows"] as? [Int] == Array(0..<40))
        let files = try #require(view["files"] as? [[String: Any]])
        #expect(files.count == 3 && files.allSatisfy { $0["sorted"] as? Bool == true })
    }
}
