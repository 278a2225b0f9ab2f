import Foundation
import IcebergKit
import LakeColumnar
import LakeTestSupport
import Testing

/// Rows as canonical text (the form the reference scripts print): nulls as ∅, dates ISO,
/// decimals with their scale, floats as Python's repr of the widened double.
func canonicalRows(_ batches: [RecordBatch]) -> [String] {
    var out: [String] = []
    for b in batches {
        for r in 0..<b.rowCount {
            out.append(zip(b.schema.fields, b.columns).map { field, column in canonical(column.scalar(at: r), field.type) }
                .joined(separator: "|"))
        }
    }
    return out.sorted()
}

func canonical(_ value: Scalar?, _ type: DataType) -> String {
    guard let value else { return "∅" }
    switch (type, value) {
    case let (.date32, .int32(d)): return CivilCalendar.isoDate(days: Int(d))
    case let (_, .int32(x)): return String(x)
    case let (_, .int64(x)): return String(x)
    case let (_, .float32(x)): return "\(Double(x))"
    case let (_, .float64(x)): return "\(x)"
    case let (.decimal(_, scale), .decimal128(v)):
        let negative = v < 0
        var digits = String(negative ? -v : v)
        if digits.count <= scale { digits = String(repeating: "0", count: scale - digits.count + 1) + digits }
        if scale > 0 { digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -scale)) }
        return (negative ? "-" : "") + digits
    case let (_, .binary(b)): return String(decoding: b, as: UTF8.self)
    case let (_, .boolean(b)): return b ? "True" : "False"
    default: return "\(value)"
    }
}

/// The Python side of ``canonical(_:_:)``.
let pythonCanonical = """
    import datetime, decimal
    def canon(v):
        if v is None: return "∅"
        if isinstance(v, bool): return "True" if v else "False"
        if isinstance(v, float): return repr(v)
        if isinstance(v, (datetime.date, datetime.datetime)): return v.isoformat()
        return str(v)
    def rows(table):
        return sorted("|".join(canon(v) for v in r.values()) for r in table.to_pylist())

    """

@Suite("Reading evolved tables")
struct SchemaEvolutionReadTests {
    static let evolveScript = pythonCanonical + """
        import sys, json, os
        from decimal import Decimal
        import pyarrow as pa
        from pyiceberg.catalog.sql import SqlCatalog
        from pyiceberg.schema import Schema
        from pyiceberg.types import NestedField, LongType, IntegerType, FloatType, DoubleType, StringType, DateType, DecimalType
        from pyiceberg.transforms import IdentityTransform
        from pyiceberg.partitioning import PartitionSpec, PartitionField
        wh = sys.argv[1]
        cat = SqlCatalog("evolved", uri=f"sqlite:///{wh}/catalog.db", warehouse=f"file://{wh}")
        cat.create_namespace("db")
        schema = Schema(
            NestedField(1, "id", IntegerType(), required=False), NestedField(2, "name", StringType(), required=False),
            NestedField(3, "score", FloatType(), required=False), NestedField(4, "day", DateType(), required=False),
            NestedField(5, "amount", DecimalType(9, 2), required=False), NestedField(6, "gone", StringType(), required=False))
        t = cat.create_table("db.events", schema=schema,
                             partition_spec=PartitionSpec(PartitionField(source_id=4, field_id=1000, transform=IdentityTransform(), name="day")))
        def batch(ids, s):
            values = {"id": lambda i: i, "name": lambda i: None if i % 7 == 0 else f"n{i}", "label": lambda i: None if i % 7 == 0 else f"n{i}",
                      "score": lambda i: i * 0.5, "day": lambda i: datetime.date(2024, 3, 1 + i % 3), "amount": lambda i: Decimal(i * 101) / 100,
                      "gone": lambda i: f"g{i}", "added": lambda i: i * 1000, "region": lambda i: ["eu", "us"][i % 2]}
            return pa.table({f.name: pa.array([values[f.name](i) for i in ids], f.type) for f in s}, schema=s)
        t.append(batch(range(0, 20), t.schema().as_arrow()))
        with t.update_schema() as u:
            u.rename_column("name", "label")
            u.add_column("added", LongType())
            u.update_column("id", LongType())
            u.update_column("score", DoubleType())
            u.update_column("amount", DecimalType(12, 2))
        t = cat.load_table("db.events")
        t.append(batch(range(20, 35), t.schema().as_arrow()))
        with t.update_schema() as u:
            u.delete_column("gone")
            u.add_column("region", StringType())
        t = cat.load_table("db.events")
        with t.update_spec() as s:
            s.add_identity("region")
        t = cat.load_table("db.events")
        t.append(batch(range(35, 50), t.schema().as_arrow()))
        out = []
        for snap in t.snapshots():
            tbl = t.scan(snapshot_id=snap.snapshot_id).to_arrow()
            out.append({"snapshot": str(snap.snapshot_id), "columns": tbl.column_names, "rows": rows(tbl)})
        proj = t.scan(row_filter="id >= 30", selected_fields=("label", "added", "id")).to_arrow().select(["label", "added", "id"])
        out.append({"snapshot": "projection", "columns": proj.column_names,
                    "rows": rows(proj.filter(pa.compute.greater_equal(proj["id"], 30)))})
        print(json.dumps(out))
        """

    struct Expected: Decodable {
        var snapshot: String
        var columns: [String]
        var rows: [String]
    }

    @Test("a pyiceberg table with renamed, added, dropped and promoted columns and an evolved spec reads row-identically at every snapshot",
          .enabled(if: Interop.enabled))
    func pyicebergEvolvedTable() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let output = try Interop.run(Self.evolveScript, arguments: [directory.path])
        let expected = try JSONDecoder().decode([Expected].self, from: Data(output))
        let catalog = try SQLiteCatalog(path: directory.file("catalog.db"), warehouse: "file://" + directory.path, name: "evolved")
        let table = try await catalog.loadTable(TableIdentifier(namespace: "db", name: "events"))
        #expect(table.metadata.snapshots.count == 3)
        #expect(table.metadata.partitionSpecs.count == 2)
        for e in expected where e.snapshot != "projection" {
            let batches = try await table.scan(snapshotID: Int64(e.snapshot)).readAll()
            #expect(batches.first?.schema.fields.map(\.name) == e.columns, "columns at snapshot \(e.snapshot)")
            #expect(canonicalRows(batches) == e.rows, "rows at snapshot \(e.snapshot)")
        }
        // Projection by current names (a renamed column), filtered on a promoted one.
        let projection = try #require(expected.last)
        let scan = table.scan(filter: .greaterThanOrEqual("id", .int64(30)), columns: ["label", "added", "id"])
        var matching: [RecordBatch] = []
        for try await batch in scan.batches() {
            let rows = (0..<batch.rowCount).filter { scan.filter!.matches(batch, row: $0) }
            matching.append(batch.take(rows))
        }
        #expect(matching.first?.schema.fields.map(\.name) == projection.columns)
        #expect(canonicalRows(matching) == projection.rows)
        // The file written before `region` existed is pruned by an equality on it only through
        // its partition (the old spec has no region field): it must still be read.
        let regional = try await table.scan(filter: .equal("region", ColumnPredicate.string("eu"))).planFiles()
        #expect(regional.contains { $0.specID == 0 })
    }
}
