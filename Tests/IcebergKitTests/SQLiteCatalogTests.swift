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
func makeEventsTable(in directory: TemporaryDirectory) async throws -> (SQLiteCatalog, TableIdentifier) {
    let catalog = try SQLiteCatalog(path: directory.file("catalog.db"), warehouse: "file://" + directory.path)
    try await catalog.createNamespace("logs", properties: [:])
    let id = TableIdentifier(namespace: "logs", name: "events")
    _ = try await catalog.createTable(id, schema: eventSchema,
                                      spec: PartitionSpec(fields: [PartitionField(sourceID: 2, fieldID: 1000, name: "day", transform: .identity)]))
    return (catalog, id)
}

@Suite("SQLite catalog")
struct SQLiteCatalogTests {
    @Test("namespaces, tables, rename, drop, and compare-and-swap commits")
    func lifecycle() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let catalog = try SQLiteCatalog(path: directory.file("catalog.db"), warehouse: "file://" + directory.path)
        try await catalog.createNamespace("logs", properties: ["owner": "tests"])
        await #expect(throws: IcebergError.self) { try await catalog.createNamespace("logs", properties: [:]) }
        #expect(try await catalog.listNamespaces() == ["logs"])
        let id = TableIdentifier(namespace: "logs", name: "events")
        let table = try await catalog.createTable(id, schema: eventSchema,
                                                  spec: PartitionSpec(fields: [PartitionField(sourceID: 2, fieldID: 1000, name: "day", transform: .identity)]))
        await #expect(throws: IcebergError.self) { try await catalog.createTable(id, schema: eventSchema, spec: .unpartitioned, sortOrder: .unsorted, properties: [:]) }
        await #expect(throws: IcebergError.self) { try await catalog.createTable(TableIdentifier(namespace: "nope", name: "x"), schema: eventSchema, spec: .unpartitioned, sortOrder: .unsorted, properties: [:]) }
        let after = try await catalog.loadTable(id).append([try eventBatch(0..<30)])
        #expect(after.metadata.snapshots.count == 1)
        // A stale compare-and-swap (a commit made on the pre-append table, requiring `main` to be
        // where it was then) must fail with a conflict and change nothing.
        let stale: [TableRequirement] = [.assertTableUUID(table.metadata.tableUUID),
                                         .assertRefSnapshotID(ref: "main", snapshotID: table.metadata.currentSnapshotID)]
        do throws(IcebergError) {
            _ = try await catalog.commitTable(id, requirements: stale, updates: [.setProperties(["stale": "yes"])])
            Issue.record("a stale commit was accepted")
        } catch {
            guard case .commitConflict = error.kind else { Issue.record("expected a commit conflict, got \(error)"); return }
        }
        await #expect(throws: IcebergError.self) { try await table.commit(requirements: stale, updates: [.setProperties(["stale": "yes"])]) }
        #expect(try await catalog.loadTable(id).metadataLocation == after.metadataLocation)
        #expect(try await catalog.loadTable(id).metadata.properties["stale"] == nil)
        let renamed = TableIdentifier(namespace: "logs", name: "events2")
        try await catalog.renameTable(from: id, to: renamed)
        #expect(try await catalog.listTables(namespace: "logs") == [renamed])
        try await catalog.dropTable(renamed)
        await #expect(throws: IcebergError.self) { try await catalog.loadTable(renamed) }
    }

    // The limit guards against a hang, not slowness: in the full suite every test shares two
    // cooperative threads with the interop tests' blocking Python runs, so this one can wait minutes.
    @Test("concurrent appenders: every commit lands, retried on conflict", .timeLimit(.minutes(10)))
    func concurrentAppends() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let db = directory.file("catalog.db"), warehouse = "file://" + directory.path
        let setup = try SQLiteCatalog(path: db, warehouse: warehouse)
        try await setup.createNamespace("logs", properties: [:])
        let id = TableIdentifier(namespace: "logs", name: "events")
        _ = try await setup.createTable(id, schema: eventSchema, spec: .unpartitioned, sortOrder: .unsorted, properties: [:])
        let writers = 4, appends = 6
        try await withThrowingTaskGroup(of: Void.self) { group in
            for w in 0..<writers {
                group.addTask {
                    let catalog = try SQLiteCatalog(path: db, warehouse: warehouse)  // its own connection, like another process
                    for k in 0..<appends {
                        let start = (w * appends + k) * 10
                        try await catalog.loadTable(id).append([try eventBatch(start..<(start + 10))], attempts: 50)
                    }
                }
            }
            try await group.waitForAll()
        }
        let table = try await setup.loadTable(id)
        #expect(table.metadata.snapshots.count == writers * appends)
        #expect(table.metadata.currentSnapshot?.summary["total-records"] == String(writers * appends * 10))
    }

    @Test("pyiceberg's SqlCatalog opens our catalog and reads every row", .enabled(if: Interop.enabled))
    func pyicebergOpensCatalog() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (catalog, id) = try await makeEventsTable(in: directory)
        try await catalog.loadTable(id).append([try eventBatch(0..<40)])
        try await catalog.loadTable(id).append([try eventBatch(40..<100)])
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
