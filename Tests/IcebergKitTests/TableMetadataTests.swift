import Foundation
import IcebergKit
import LakeTestSupport
import Testing

@Suite("Iceberg table metadata")
struct TableMetadataTests {
    @Test("a new table's metadata round-trips")
    func newTable() throws {
        let spec = PartitionSpec(fields: [PartitionField(sourceID: 2, fieldID: 1000, name: "ts_day", transform: .day)])
        let m = TableMetadata(location: "file:///wh/ns/t", schema: nestedIcebergSchema, spec: spec,
                              properties: ["write.format.default": "parquet"], tableUUID: "9c12d441-03fe-4693-9a96-a0705ddf69c1",
                              nowMs: 1_700_000_000_000)
        let parsed = try TableMetadata(jsonText: m.jsonText)
        #expect(parsed == m)
        #expect(parsed.lastColumnID == 19 && parsed.lastPartitionID == 1000)
        #expect(parsed.currentSnapshot == nil && parsed.refs.isEmpty)
    }

    @Test("invalid metadata is rejected the way Java rejects it")
    func invalid() throws {
        let m = TableMetadata(location: "file:///t", schema: nestedIcebergSchema, tableUUID: "u", nowMs: 1)
        func mutate(_ edit: (inout [(String, AvroJSON)]) -> Void) -> String {
            guard case var .object(pairs) = m.json else { return "" }
            edit(&pairs)
            return AvroJSON.object(pairs).text
        }
        let cases: [(String, String)] = [
            ("future version", mutate { p in p[0] = ("format-version", .integer(4)) }),
            ("no uuid", mutate { p in p.removeAll { $0.0 == "table-uuid" } }),
            ("unknown current schema", mutate { p in p = p.map { $0.0 == "current-schema-id" ? ($0.0, .integer(42)) : $0 } }),
            ("unknown default spec", mutate { p in p = p.map { $0.0 == "default-spec-id" ? ($0.0, .integer(7)) : $0 } }),
            ("missing snapshot", mutate { p in p = p.map { $0.0 == "current-snapshot-id" ? ($0.0, .integer(123)) : $0 } }),
            ("no sort orders", mutate { p in p.removeAll { $0.0 == "sort-orders" } }),
            ("not json", "{\"format-version\": 2,"),
            ("not an object", "[]"),
        ]
        for (name, text) in cases {
            #expect(throws: IcebergError.self, "\(name)") { try TableMetadata(jsonText: text) }
        }
    }

    @Test("pyiceberg's metadata parses to the same values; pyiceberg parses ours back equal", .enabled(if: Interop.enabled))
    func pyicebergMetadata() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let out = try Interop.runText("""
            import sys, json, datetime
            import pyarrow as pa
            from pyiceberg.catalog.sql import SqlCatalog
            from pyiceberg.schema import Schema
            from pyiceberg.types import NestedField, LongType, TimestamptzType, StringType
            from pyiceberg.partitioning import PartitionSpec, PartitionField
            from pyiceberg.transforms import DayTransform
            wh = sys.argv[1]
            cat = SqlCatalog("local", uri=f"sqlite:///{wh}/catalog.db", warehouse=f"file://{wh}")
            cat.create_namespace("ns")
            schema = Schema(NestedField(1, "id", LongType(), required=False), NestedField(2, "ts", TimestamptzType(), required=False),
                            NestedField(3, "s", StringType(), required=False))
            spec = PartitionSpec(PartitionField(source_id=2, field_id=1000, transform=DayTransform(), name="ts_day"))
            t = cat.create_table("ns.t", schema=schema, partition_spec=spec, properties={"owner": "tests"})
            arrow = pa.table({"id": pa.array([1, 2], pa.int64()),
                              "ts": pa.array([datetime.datetime(2024, 3, 7, 1, tzinfo=datetime.timezone.utc),
                                              datetime.datetime(2024, 3, 8, 2, tzinfo=datetime.timezone.utc)], pa.timestamp("us", tz="UTC")),
                              "s": pa.array(["a", None])})
            t.append(arrow)
            t.append(arrow)
            t = cat.load_table("ns.t")
            with open(t.metadata_location.replace("file://", "")) as f:
                print(f.read())
            """, arguments: [directory.path])
        let m = try TableMetadata(jsonText: out)
        #expect(m.formatVersion == 2)
        #expect(m.snapshots.count == 2)
        #expect(m.snapshots[1].parentSnapshotID == m.snapshots[0].snapshotID)
        #expect(m.snapshots.map(\.sequenceNumber) == [1, 2] && m.lastSequenceNumber == 2)
        #expect(m.currentSnapshotID == m.snapshots[1].snapshotID && m.refs["main"]?.snapshotID == m.currentSnapshotID)
        #expect(m.snapshots.allSatisfy { $0.operation == "append" && ($0.manifestList ?? "").hasSuffix(".avro") })
        #expect(m.snapshots[1].summary["total-records"] == "4")
        #expect(m.defaultSpec?.fields == [PartitionField(sourceID: 2, fieldID: 1000, name: "ts_day", transform: .day)])
        #expect(m.currentSchema?.fields.map(\.name) == ["id", "ts", "s"])
        #expect(m.properties["owner"] == "tests")
        #expect(m.snapshotLog.count == 2 && m.metadataLog.count == 2)

        let back = try Interop.runText("""
            import sys
            from pyiceberg.table.metadata import TableMetadataUtil
            ours = TableMetadataUtil.parse_raw(sys.argv[1])
            theirs = TableMetadataUtil.parse_raw(sys.argv[2])
            print("equal" if ours == theirs else f"differ:\\n{ours}\\n{theirs}")
            """, arguments: [m.jsonText, out])
        #expect(back.trimmingCharacters(in: .whitespacesAndNewlines) == "equal", "\(back.prefix(2000))")
    }
}

