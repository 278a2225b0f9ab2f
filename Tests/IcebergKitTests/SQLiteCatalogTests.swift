import Foundation
import IcebergKit
import LakeColumnar
import LakeTestSupport
import Testing

let eventSchema = IcebergSchema(fields: [
    NestedField(id: 1, name: "id", required: true, type: .long),
    NestedField(id: 2, name: "day", required: false, type: .date),
    NestedField(id: 3, name: "status", required: false, type: .int),
])

func eventBatch(_ range: Range<Int>) throws -> RecordBatch {
    try RecordBatch(schema: eventSchema.columnarSchema(), columns: [
        .int64(PrimitiveColumn<Int64>(values: range.map(Int64.init))),
        .int32(PrimitiveColumn<Int32>(range.map { Int32(19_700 + $0 % 3) })),
        .int32(PrimitiveColumn<Int32>(range.map { $0 % 9 == 0 ? nil : Int32(200 + ($0 % 4) * 100) })),
    ])
}

/// A catalog in `directory` with table `logs.events` (eventSchema, identity-partitioned by day).
func makeEventsTable(in directory: TemporaryDirectory) throws -> (SQLiteCatalog, TableIdentifier) {
    let catalog = try SQLiteCatalog(path: directory.file("catalog.db"), warehouse: "file://" + directory.path)
    try catalog.createNamespace("logs", properties: [:])
    let id = TableIdentifier(namespace: "logs", name: "events")
    _ = try catalog.createTable(id, schema: eventSchema,
                                spec: PartitionSpec(fields: [PartitionField(sourceID: 2, fieldID: 1000, name: "day", transform: .identity)]))
    return (catalog, id)
}

@Suite("SQLite catalog")
struct SQLiteCatalogTests {
    @Test("namespaces, tables, rename, drop, and compare-and-swap commits")
    func lifecycle() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let catalog = try SQLiteCatalog(path: directory.file("catalog.db"), warehouse: "file://" + directory.path)
        try catalog.createNamespace("logs", properties: ["owner": "tests"])
        #expect(throws: IcebergError.self) { try catalog.createNamespace("logs", properties: [:]) }
        #expect(try catalog.listNamespaces() == ["logs"])
        let id = TableIdentifier(namespace: "logs", name: "events")
        let table = try catalog.createTable(id, schema: eventSchema,
                                            spec: PartitionSpec(fields: [PartitionField(sourceID: 2, fieldID: 1000, name: "day", transform: .identity)]))
        #expect(throws: IcebergError.self) { try catalog.createTable(id, schema: eventSchema, spec: .unpartitioned, sortOrder: .unsorted, properties: [:]) }
        #expect(throws: IcebergError.self) { try catalog.createTable(TableIdentifier(namespace: "nope", name: "x"), schema: eventSchema, spec: .unpartitioned, sortOrder: .unsorted, properties: [:]) }
        let after = try catalog.append(id, [RecordBatchBox(try eventBatch(0..<30))])
        #expect(after.metadata.snapshots.count == 1)
        // A stale swap (from the pre-append location) must fail.
        #expect(throws: IcebergError.self) { try catalog.swapMetadataLocation(id, expected: table.metadataLocation, newLocation: "x") }
        #expect(try catalog.loadTable(id).metadataLocation == after.metadataLocation)
        let renamed = TableIdentifier(namespace: "logs", name: "events2")
        try catalog.renameTable(from: id, to: renamed)
        #expect(try catalog.listTables(namespace: "logs") == [renamed])
        try catalog.dropTable(renamed)
        #expect(throws: IcebergError.self) { try catalog.loadTable(renamed) }
    }

    @Test("concurrent appenders: every commit lands, retried on conflict", .timeLimit(.minutes(3)))
    func concurrentAppends() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let db = directory.file("catalog.db"), warehouse = "file://" + directory.path
        let setup = try SQLiteCatalog(path: db, warehouse: warehouse)
        try setup.createNamespace("logs", properties: [:])
        let id = TableIdentifier(namespace: "logs", name: "events")
        _ = try setup.createTable(id, schema: eventSchema, spec: .unpartitioned, sortOrder: .unsorted, properties: [:])
        let writers = 4, appends = 6
        try await withThrowingTaskGroup(of: Void.self) { group in
            for w in 0..<writers {
                group.addTask {
                    let catalog = try SQLiteCatalog(path: db, warehouse: warehouse)  // its own connection, like another process
                    for k in 0..<appends {
                        let start = (w * appends + k) * 10
                        try catalog.append(id, [RecordBatchBox(try eventBatch(start..<(start + 10)))], attempts: 50)
                    }
                }
            }
            try await group.waitForAll()
        }
        let table = try setup.loadTable(id)
        #expect(table.metadata.snapshots.count == writers * appends)
        #expect(table.metadata.currentSnapshot?.summary["total-records"] == String(writers * appends * 10))
    }

    @Test("pyiceberg's SqlCatalog opens our catalog and reads every row", .enabled(if: Interop.enabled))
    func pyicebergOpensCatalog() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (catalog, id) = try makeEventsTable(in: directory)
        try catalog.append(id, [RecordBatchBox(try eventBatch(0..<40))])
        try catalog.append(id, [RecordBatchBox(try eventBatch(40..<100))])
        let out = try Interop.runText("""
            import sys, json
            from pyiceberg.catalog.sql import SqlCatalog
            cat = SqlCatalog("default", uri=f"sqlite:///{sys.argv[1]}/catalog.db", warehouse=f"file://{sys.argv[1]}")
            t = cat.load_table("logs.events")
            rows = t.scan().to_arrow().sort_by("id").to_pylist()
            snaps = [s.snapshot_id for s in t.snapshots()]
            first = t.scan(snapshot_id=snaps[0]).to_arrow().num_rows
            import sqlite3
            types = [r[0] for r in sqlite3.connect(f"{sys.argv[1]}/catalog.db").execute("SELECT iceberg_type FROM iceberg_tables")]
            print(json.dumps({"types": types, "ids": [r["id"] for r in rows], "status": [r["status"] for r in rows], "snaps": len(snaps), "first": first,
                              "tables": [".".join(x) for x in cat.list_tables("logs")], "namespaces": [".".join(n) for n in cat.list_namespaces()]}))
            """, arguments: [directory.path])
        let info = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        #expect(info["ids"] as? [Int] == Array(0..<100))
        #expect((info["status"] as? [Any])?.count == 100)
        #expect(info["snaps"] as? Int == 2 && info["first"] as? Int == 40)
        #expect(info["tables"] as? [String] == ["logs.events"])
        #expect(info["namespaces"] as? [String] == ["logs"])
        #expect(info["types"] as? [String] == ["TABLE"], "pyiceberg's current (v1) catalog layout")
    }
}
