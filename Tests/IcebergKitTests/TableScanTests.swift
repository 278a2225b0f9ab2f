import Foundation
import IcebergKit
import LakeColumnar
import LakeTestSupport
import Testing

func rows(_ batches: [RecordBatch]) -> [[Scalar?]] {
    batches.flatMap { b in (0..<b.rowCount).map { r in b.columns.map { $0.scalar(at: r) } } }
        .sorted { (a, b) in
            if case let .int64(x)?? = a.first, case let .int64(y)?? = b.first { return x < y }
            return false
        }
}

@Suite("Iceberg table scans")
struct TableScanTests {
    @Test("our tables: time travel by snapshot, timestamp and ref; pruning by partition and metrics")
    func ourTables() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (catalog, id) = try await makeEventsTable(in: directory)
        let first = try await catalog.loadTable(id).append([try eventBatch(0..<30)])
        try await Task.sleep(for: .milliseconds(10))
        let second = try await catalog.loadTable(id).append([try eventBatch(30..<90)])
        var scan = TableScan(table: second)
        #expect(rows(try await scan.readAll()).count == 90)
        scan.snapshotID = first.metadata.currentSnapshotID
        #expect(rows(try await scan.readAll()) == rows([try eventBatch(0..<30)]))
        scan = TableScan(table: second)
        try scan.asOf(timestampMs: first.metadata.snapshots[0].timestampMs)
        #expect(try await scan.planFiles().reduce(0) { $0 + $1.file.recordCount } == 30)
        try scan.useRef("main")
        #expect(try await scan.planFiles().reduce(0) { $0 + $1.file.recordCount } == 90)
        #expect(throws: IcebergError.self) { try scan.useRef("nope") }
        // Table.scan(snapshotID:) reads the same snapshots.
        #expect(rows(try await second.scan(snapshotID: first.metadata.currentSnapshotID).readAll()) == rows([try eventBatch(0..<30)]))

        // Pruning: 3 days × 2 appends = 6 files; one day keeps 2; ids ≥ 80 keep only second-append files.
        scan = TableScan(table: second)
        #expect(try await scan.planFiles().count == 6)
        scan.filter = .equal("day", .int32(19_701))
        #expect(try await scan.planFiles().count == 2)
        scan.filter = .greaterThanOrEqual("id", .int64(80))
        #expect(try await scan.planFiles().count == 3)
        scan.filter = .and(.equal("day", .int32(19_702)), .lessThan("id", .int64(10)))
        let batches = try await scan.readAll()
        let filter = try #require(scan.filter)
        let matching = batches.flatMap { b in (0..<b.rowCount).filter { filter.matches(b, row: $0) } }
        #expect(matching.count == (0..<10).filter { $0 % 3 == 2 }.count)
        scan.columns = ["status", "id"]
        #expect(try await scan.readAll().first?.schema.fields.map(\.name) == ["status", "id"])
    }

    @Test("a pyiceberg table (day and identity partitions, three appends) reads row-identically at every snapshot", .enabled(if: Interop.enabled))
    func pyicebergTable() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let out = try Interop.runText("""
            import sys, json, datetime
            import pyarrow as pa
            from pyiceberg.catalog.sql import SqlCatalog
            from pyiceberg.schema import Schema
            from pyiceberg.types import NestedField, LongType, TimestamptzType, StringType, DoubleType
            from pyiceberg.partitioning import PartitionSpec, PartitionField
            from pyiceberg.transforms import DayTransform, IdentityTransform
            wh = sys.argv[1]
            cat = SqlCatalog("default", uri=f"sqlite:///{wh}/catalog.db", warehouse=f"file://{wh}")
            cat.create_namespace("ns")
            schema = Schema(NestedField(1, "id", LongType(), required=False), NestedField(2, "ts", TimestamptzType(), required=False),
                            NestedField(3, "cat", StringType(), required=False), NestedField(4, "v", DoubleType(), required=False))
            spec = PartitionSpec(PartitionField(2, 1000, DayTransform(), "ts_day"), PartitionField(3, 1001, IdentityTransform(), "cat"))
            t = cat.create_table("ns.t", schema=schema, partition_spec=spec)
            base = datetime.datetime(2024, 3, 7, tzinfo=datetime.timezone.utc)
            snaps = []
            for k in range(3):
                n = 40
                ids = list(range(k * n, (k + 1) * n))
                t.append(pa.table({"id": pa.array(ids, pa.int64()),
                                   "ts": pa.array([base + datetime.timedelta(hours=7 * i) for i in ids], pa.timestamp("us", tz="UTC")),
                                   "cat": pa.array([["a", "b", None][i % 3] for i in ids]),
                                   "v": pa.array([None if i % 5 == 0 else i / 4 for i in ids])}))
                t = cat.load_table("ns.t")
                snaps.append(t.current_snapshot().snapshot_id)
            print(json.dumps({"metadata": t.metadata_location, "snaps": snaps}))
            """, arguments: [directory.path])
        let info = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        let location = try #require(info["metadata"] as? String)
        let snaps = try #require(info["snaps"] as? [Int])
        let metadata = try TableMetadata(jsonText: String(decoding: try await LocalFileIO().newInputFile(location).read(), as: UTF8.self), path: location)
        // A scan needs a table handle: pyiceberg's own catalog, opened by ours, has the same table.
        let catalog = try SQLiteCatalog(path: directory.file("catalog.db"), warehouse: "file://" + directory.path, name: "default")
        let table = try await catalog.loadTable(TableIdentifier(namespace: "ns", name: "t"))
        #expect(table.metadataLocation == location && table.metadata == metadata)
        let base = Int64(CivilCalendar.days(year: 2024, month: 3, day: 7)) * 86_400_000_000
        for (k, snap) in snaps.enumerated() {
            var scan = TableScan(table: table)
            scan.snapshotID = Int64(snap)
            let got = rows(try await scan.readAll())
            let n = (k + 1) * 40
            #expect(got.count == n, "snapshot \(k)")
            for (i, row) in got.enumerated() {
                let expected: [Scalar?] = [.int64(Int64(i)), .int64(base + Int64(i) * 7 * 3_600_000_000),
                                           [Scalar?.some(.binary(Array("a".utf8))), .binary(Array("b".utf8)), nil][i % 3],
                                           i % 5 == 0 ? nil : .float64(Double(i) / 4)]
                #expect(row == expected, "snapshot \(k) row \(i)")
            }
        }
        var scan = TableScan(table: table)
        scan.filter = .equal("cat", ColumnPredicate.string("a"))
        let all = TableScan(table: table)
        #expect(try await scan.planFiles().count < all.planFiles().count, "identity partition pruning on pyiceberg's manifests")
    }
}
