import Foundation
import IcebergKit
import LakeColumnar
import LakeTestSupport
import Testing

@Suite("Appending to other writers' tables")
struct ForeignTableAppendTests {
    @Test("a table pyiceberg created and appended takes our appends; pyiceberg and DuckDB read the result, and pyiceberg appends again",
          .enabled(if: Interop.enabled))
    func pyicebergTable() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        _ = try Interop.runText("""
            import sys, datetime
            import pyarrow as pa
            from pyiceberg.catalog.sql import SqlCatalog
            from pyiceberg.schema import Schema
            from pyiceberg.types import NestedField, LongType, DateType, IntegerType
            from pyiceberg.transforms import IdentityTransform
            from pyiceberg.partitioning import PartitionSpec, PartitionField
            wh = sys.argv[1]
            cat = SqlCatalog("theirs", uri=f"sqlite:///{wh}/catalog.db", warehouse=f"file://{wh}")
            cat.create_namespace("logs")
            schema = Schema(NestedField(1, "id", LongType(), required=False), NestedField(2, "day", DateType(), required=False),
                            NestedField(3, "status", IntegerType(), required=False))
            t = cat.create_table("logs.events", schema=schema,
                                 partition_spec=PartitionSpec(PartitionField(source_id=2, field_id=1000, transform=IdentityTransform(), name="day")))
            ids = list(range(100, 110))
            t.append(pa.table({"id": pa.array(ids, pa.int64()), "day": [datetime.date(2023, 12, 1 + i % 2) for i in ids],
                               "status": pa.array([200] * len(ids), pa.int32())}, schema=t.schema().as_arrow()))
            """, arguments: [directory.path])
        let catalog = try SQLiteCatalog(path: directory.file("catalog.db"), warehouse: "file://" + directory.path, name: "theirs")
        let table = try await catalog.loadTable(TableIdentifier(namespace: "logs", name: "events"))
        // pyiceberg made every column optional: the batch takes the table's schema.
        let ours = try await table.append([try eventBatch(0..<30).conformed(to: table.schema.columnarSchema())])
        let summary = try #require(ours.currentSnapshot?.summary)
        #expect(summary["total-records"] == "40")
        #expect(summary["total-data-files"] == String(2 + 3))
        #expect(summary["total-delete-files"] == "0")
        #expect(try await ours.scan().readAll().reduce(0) { $0 + $1.rowCount } == 40)

        let text = try Interop.runText(pythonDuckDBIceberg + """
            import sys, json, datetime
            import pyarrow as pa
            from pyiceberg.catalog.sql import SqlCatalog
            wh, ours = sys.argv[1:3]
            cat = SqlCatalog("theirs", uri=f"sqlite:///{wh}/catalog.db", warehouse=f"file://{wh}")
            t = cat.load_table("logs.events")
            out = {"pyiceberg": sorted(t.scan().to_arrow().column("id").to_pylist())}
            files = t.inspect.files().to_pylist()
            out["files"] = len(files)
            out["records"] = sum(f["record_count"] for f in files)
            out["duckdb"] = [r[0] for r in con.execute(f"SELECT id FROM iceberg_scan('{ours}') ORDER BY id").fetchall()]
            t.append(pa.table({"id": pa.array([999], pa.int64()), "day": [datetime.date(2024, 1, 1)], "status": pa.array([201], pa.int32())},
                              schema=t.schema().as_arrow()))
            out["after"] = len(cat.load_table("logs.events").scan().to_arrow())
            print(json.dumps(out))
            """, arguments: [directory.path, LocalFileIOPath.strip(ours.metadataLocation)])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let expected = (0..<30).map { $0 } + (100..<110).map { $0 }
        #expect(json["pyiceberg"] as? [Int] == expected)
        #expect(json["duckdb"] as? [Int] == expected)
        #expect(json["files"] as? Int == 5)
        #expect(json["records"] as? Int == 40)
        #expect(json["after"] as? Int == 41)
        // And we read pyiceberg's append on top of ours.
        let latest = try await ours.refresh()
        #expect(try await latest.scan().readAll().reduce(0) { $0 + $1.rowCount } == 41)
        #expect(latest.metadata.snapshots.count == 3)
    }
}
