import Foundation
import IcebergKit
import LakeTestSupport
import Testing

@Suite("Commits do not read back what they wrote")
struct CommitReadsTests {
    @Test("an append onto this process's last commit reads no manifest list; onto another writer's commit it reads that writer's list; pyiceberg reads every row once",
          .enabled(if: Interop.enabled))
    func parentListFromMemory() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let io = CountingFileIO()
        let catalog = try SQLiteCatalog(path: directory.file("catalog.db"), warehouse: "file://" + directory.path, io: io)
        try await catalog.createNamespace("logs", properties: [:])
        let id = TableIdentifier(namespace: "logs", name: "events")
        _ = try await catalog.createTable(id, schema: eventSchema, spec: .unpartitioned)
        func listBytesRead() -> Int { io.bytesRead { $0.contains("/metadata/snap-") } }

        var table = try await catalog.loadTable(id).append([try eventBatch(0..<10)])
        io.reset()
        table = try await table.append([try eventBatch(10..<20)])
        #expect(listBytesRead() == 0)
        io.reset()
        _ = try await catalog.loadTable(id).append([try eventBatch(20..<30)])
        #expect(listBytesRead() == 0)

        // Another writer commits; our next append must read its list (and carry its manifests).
        _ = try Interop.runText("""
            import sys, pyarrow as pa
            from pyiceberg.catalog.sql import SqlCatalog
            cat = SqlCatalog("default", uri=f"sqlite:///{sys.argv[1]}/catalog.db", warehouse=f"file://{sys.argv[1]}")
            t = cat.load_table("logs.events")
            schema = pa.schema([pa.field("id", pa.int64(), nullable=False), pa.field("day", pa.date32()), pa.field("status", pa.int32())])
            t.append(pa.table({"id": list(range(30, 35)), "day": [None] * 5, "status": [None] * 5}, schema=schema))
            """, arguments: [directory.path])
        io.reset()
        _ = try await catalog.loadTable(id).append([try eventBatch(35..<40)])
        #expect(listBytesRead() > 0)

        let out = try Interop.runText("""
            import sys, json
            from pyiceberg.catalog.sql import SqlCatalog
            cat = SqlCatalog("default", uri=f"sqlite:///{sys.argv[1]}/catalog.db", warehouse=f"file://{sys.argv[1]}")
            t = cat.load_table("logs.events")
            print(json.dumps(sorted(t.scan().to_arrow().column("id").to_pylist())))
            """, arguments: [directory.path])
        let ids = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [Int])
        #expect(ids == Array(0..<40))
    }
}
