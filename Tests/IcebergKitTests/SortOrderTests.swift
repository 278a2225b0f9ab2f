import Foundation
import IcebergKit
import LakeColumnar
import LakeTestSupport
import Testing

@Suite("Sort orders")
struct SortOrderTests {
    /// Row `i` of a shuffled sequence: ts null every 13th row, id null every 17th.
    static func value(_ name: String, _ i: Int) -> Scalar? {
        let j = (i * 7_919) % 1_000  // a permutation of 0..<1000 for i in 0..<1000
        switch name {
        case "id": return j % 17 == 0 ? nil : .int64(Int64(j))
        case "ts": return j % 13 == 0 ? nil : .int64(PartitionEvolutionTests.start + Int64(j % 50) * 7 * 3_600_000_000)
        case "region": return ColumnPredicate.string(["eu", "us", "ap"][j % 3])
        case "name": return ColumnPredicate.string("n\(j)")
        case "amount": return .int32(Int32(j))
        default: return nil
        }
    }

    func table(_ directory: TemporaryDirectory, spec: PartitionSpec = .unpartitioned) async throws -> Table {
        let catalog = try SQLiteCatalog(path: directory.file("catalog.db"), warehouse: "file://" + directory.path, name: "ours")
        try await catalog.createNamespace("db")
        return try await catalog.createTable(TableIdentifier(namespace: "db", name: "t"), schema: PartitionEvolutionTests.schema, spec: spec)
    }

    /// Whether `rows` (ts, id) are in the order day(ts) ASC NULLS FIRST, id DESC NULLS LAST — computed here, not by the sorter.
    static func inOrder(_ rows: [(ts: Int64?, id: Int64?)]) -> Bool {
        func key(_ r: (ts: Int64?, id: Int64?)) -> (Int, Int64, Int, Int64) {
            (r.ts == nil ? 0 : 1, r.ts.map { $0 / 86_400_000_000 } ?? 0, r.id == nil ? 1 : 0, -(r.id ?? 0))
        }
        return zip(rows, rows.dropFirst()).allSatisfy { key($0) <= key($1) }
    }

    func rows(_ batches: [RecordBatch]) -> [(ts: Int64?, id: Int64?)] {
        batches.flatMap { b in (0..<b.rowCount).map { r in
            func int(_ name: String) -> Int64? { if case let .int64(v)? = b.column(named: name)?.scalar(at: r) { return v } else { return nil } }
            return (int("ts"), int("id"))
        } }
    }

    @Test("the writer sorts each file by the default order and records its id; a file written in several bounded runs records none")
    func writerSorts() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        var table = try await table(directory)
        var order = table.replaceSortOrder()
        try order.asc("ts", .day)
        try order.desc("id")
        table = try await order.commit()
        #expect(table.sortOrder == SortOrder(orderID: 1, fields: [
            SortOrder.SortField(sourceID: 2, transform: .day, ascending: true, nullsFirst: true),
            SortOrder.SortField(sourceID: 1, transform: .identity, ascending: false, nullsFirst: false),
        ]))
        #expect(table.metadata.defaultSortOrderID == 1)
        // The same order again: nothing to commit.
        var same = table.replaceSortOrder()
        try same.add(term: "day(ts)")
        try same.add(term: "id", ascending: false)
        #expect(try await same.commit().metadataLocation == table.metadataLocation)

        // Three batches into one file: sorted as a whole.
        let batches = try [0..<300, 300..<700, 700..<1000].map { r throws in try evolvedBatch(table.schema, r, Self.value) }
        let appended = try await table.append(batches)
        let files = try await appended.scan().planFiles()
        #expect(files.count == 1)
        #expect(files.first?.file.sortOrderID == 1)
        let read = rows(try await appended.scan().readAll())
        #expect(read.count == 1000)
        #expect(Self.inOrder(read))
        #expect(!Self.inOrder(rows(batches)))

        // A buffer smaller than the file: runs sorted, the file says nothing.
        let writer = try TableWriter(table: appended)
        writer.sortBufferRows = 400
        for b in batches { try await writer.write(b) }
        let written = try await writer.close()
        #expect(written.count == 1)
        #expect(written.first?.sortOrderID == nil)
        let twice = try await appended.newRowDelta().addRows(try #require(written.first)).commit()
        #expect(rows(try await twice.scan().readAll()).count == 2000)
    }

    @Test("illegal sort orders are refused; a sort column cannot be dropped")
    func illegal() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let table = try await table(directory)
        var order = table.replaceSortOrder()
        #expect(throws: IcebergError.self) { try order.asc("nope") }
        #expect(throws: IcebergError.self) { try order.asc("region", .hour) }
        #expect(throws: IcebergError.self) { try order.add(term: "week(ts)") }
        try order.asc("region")
        #expect(throws: IcebergError.self) { try order.desc("region") }
        let sorted = try await order.commit()
        var drop = sorted.updateSchema()
        #expect(throws: IcebergError.self) { try drop.deleteColumn("region") }
    }

    @Test("pyiceberg reads our sort order and each file's sort_order_id; the rows of every file are in order as pyarrow reads them; pyiceberg and DuckDB read all rows",
          .enabled(if: Interop.enabled))
    func interop() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        var table = try await table(directory, spec: try PartitionSpec.builder(PartitionEvolutionTests.schema).identity("region").build())
        var order = table.replaceSortOrder()
        try order.asc("ts", .day)
        try order.desc("id")
        table = try await order.commit()
        table = try await table.append(try [0..<500, 500..<1000].map { r throws in try evolvedBatch(table.schema, r, Self.value) })
        let text = try Interop.runText(pythonDuckDBIceberg + """
            import sys, json
            import pyarrow as pa, pyarrow.parquet as pq
            from pyiceberg.catalog.sql import SqlCatalog
            wh, meta = sys.argv[1:3]
            t = SqlCatalog("ours", uri=f"sqlite:///{wh}/catalog.db", warehouse=f"file://{wh}").load_table("db.t")
            def key(r):
                ts, i = r["ts"], r["id"]
                return (0 if ts is None else 1, 0 if ts is None else ts // 86400000000, 1 if i is None else 0, -(i or 0))
            files = []
            for f in t.inspect.files().to_pylist():
                tbl = pq.read_table(f["file_path"].removeprefix("file://"))
                tbl = tbl.set_column(tbl.schema.get_field_index("ts"), "ts", tbl["ts"].cast(pa.int64()))
                rows = tbl.select(["ts", "id"]).to_pylist()
                files.append({"sort_order_id": f["sort_order_id"], "sorted": rows == sorted(rows, key=key), "rows": len(rows)})
            so = t.sort_order()
            print(json.dumps({"order": so.model_dump_json(by_alias=True), "order_id": t.metadata.default_sort_order_id,
                              "files": files, "pyiceberg": len(t.scan().to_arrow()),
                              "duckdb": con.execute(f"SELECT count(*), count(DISTINCT id) FROM iceberg_scan('{meta}')").fetchone()[0]}))
            """, arguments: [directory.path, LocalFileIOPath.strip(table.metadataLocation)])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let theirs = try SortOrder(json: try AvroJSON(parsing: json["order"] as? String ?? ""))
        #expect(theirs == table.sortOrder)
        #expect(json["order_id"] as? Int == 1)
        let files = try #require(json["files"] as? [[String: Any]])
        #expect(files.count == 3)
        #expect(files.allSatisfy { $0["sort_order_id"] as? Int == 1 && $0["sorted"] as? Bool == true })
        #expect(files.reduce(0) { $0 + ($1["rows"] as? Int ?? 0) } == 1000)
        #expect(json["pyiceberg"] as? Int == 1000)
        #expect(json["duckdb"] as? Int == 1000)
    }
}
