import Foundation
import IcebergKit
import LakeColumnar
import LakeTestSupport
import Testing

/// A record batch of `schema`'s top-level primitive columns, row `i` of column `name` from `value(name, i)`.
func evolvedBatch(_ schema: IcebergSchema, _ ids: Range<Int>, _ value: (String, Int) -> Scalar?) throws -> RecordBatch {
    try RecordBatch(schema: schema.columnarSchema(), columns: try schema.fields.map { f in
        try Column(scalars: ids.map { value(f.name, $0) }, type: f.type.columnarType)
    })
}

/// The bytes of the metadata file at `location` (a `file://` URI or a path).
func metadataBytes(_ location: String) throws -> Data {
    try Data(contentsOf: URL(fileURLWithPath: LocalFileIOPath.strip(location)))
}

@Suite("Schema evolution")
struct UpdateSchemaTests {
    /// id int required, name string, point struct<x double, y double>, tags list<struct<k string>>,
    /// attrs map<string, struct<v int>>, day date (identity partition source). Ids 1 … 13.
    static let nestedSchema = IcebergSchema(fields: [
        NestedField(id: 1, name: "id", required: true, type: .int),
        NestedField(id: 2, name: "name", required: false, type: .string),
        NestedField(id: 3, name: "point", required: false, type: .structure([
            NestedField(id: 4, name: "x", required: false, type: .double),
            NestedField(id: 5, name: "y", required: false, type: .double),
        ])),
        NestedField(id: 6, name: "tags", required: false, type: .list(elementID: 7, elementRequired: false, element: .structure([
            NestedField(id: 8, name: "k", required: false, type: .string),
        ]))),
        NestedField(id: 9, name: "attrs", required: false, type: .map(keyID: 10, key: .string, valueID: 11, valueRequired: false, value: .structure([
            NestedField(id: 12, name: "v", required: false, type: .int),
        ]))),
        NestedField(id: 13, name: "day", required: false, type: .date),
    ], identifierFieldIDs: [])

    func nestedTable(_ directory: TemporaryDirectory) async throws -> Table {
        let catalog = try SQLiteCatalog(path: directory.file("catalog.db"), warehouse: "file://" + directory.path)
        try await catalog.createNamespace("db")
        return try await catalog.createTable(TableIdentifier(namespace: "db", name: "t"), schema: Self.nestedSchema,
                                             spec: PartitionSpec(fields: [PartitionField(sourceID: 13, fieldID: 1000, name: "day", transform: .identity)]))
    }

    @Test("adds (top level, in a struct, a list's element struct, a map's value struct), renames, moves, promotes and makes optional, with ids from last-column-id")
    func changes() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let table = try await nestedTable(directory)
        var update = table.updateSchema()
        try update.addColumn("region", .string)
        try update.addColumn("point.z", .double)
        try update.addColumn(parent: "tags", name: "w", .long)
        try update.addColumn(parent: "attrs", name: "u", .string)
        try update.addColumn("extra", try IcebergType(parsing: "struct<a: int, b: list<string>>"))
        try update.renameColumn("name", to: "label")
        try update.renameColumn("point.x", to: "px")
        try update.updateColumn("id", to: .long)
        try update.makeColumnOptional("id")
        try update.moveFirst("region")
        try update.moveBefore("name", "id")  // names as the base has them (as Java)
        try update.moveAfter("point.z", "point.x")
        let committed = try await update.commit()
        let s = committed.schema
        #expect(s.schemaID == 1)
        #expect(committed.metadata.currentSchemaID == 1)
        #expect(committed.metadata.schemas.count == 2)
        #expect(s.fields.map(\.name) == ["region", "label", "id", "point", "tags", "attrs", "day", "extra"])
        #expect(s.fields.map(\.id) == [14, 2, 1, 3, 6, 9, 13, 18])
        #expect(s.fields[2] == NestedField(id: 1, name: "id", required: false, type: .long))
        #expect(s.fields[0] == NestedField(id: 14, name: "region", required: false, type: .string))
        #expect(s.fields[3].type == .structure([
            NestedField(id: 4, name: "px", required: false, type: .double),
            NestedField(id: 15, name: "z", required: false, type: .double),
            NestedField(id: 5, name: "y", required: false, type: .double),
        ]))
        #expect(s.fields[4].type == .list(elementID: 7, elementRequired: false, element: .structure([
            NestedField(id: 8, name: "k", required: false, type: .string),
            NestedField(id: 16, name: "w", required: false, type: .long),
        ])))
        #expect(s.fields[5].type == .map(keyID: 10, key: .string, valueID: 11, valueRequired: false, value: .structure([
            NestedField(id: 12, name: "v", required: false, type: .int),
            NestedField(id: 17, name: "u", required: false, type: .string),
        ])))
        // A nested type's ids: the struct's fields first, then their children (19, 20, then 21 for b's element).
        #expect(s.fields[7].type == .structure([
            NestedField(id: 19, name: "a", required: false, type: .int),
            NestedField(id: 20, name: "b", required: false, type: .list(elementID: 21, elementRequired: false, element: .string)),
        ]))
        #expect(committed.metadata.lastColumnID == 21)
        // The old schema stays for files written under it; reloading gives the same.
        let reloaded = try await committed.refresh()
        #expect(reloaded.schema == s)
        #expect(reloaded.metadata.schemas.first { $0.schemaID == 0 }?.fields == Self.nestedSchema.fields)

        // Dropping a nested field and a top-level column.
        var drop = reloaded.updateSchema()
        try drop.deleteColumn("point.y")
        try drop.deleteColumn("label")
        let dropped = try await drop.commit()
        #expect(dropped.schema.fields.map(\.name) == ["region", "id", "point", "tags", "attrs", "day", "extra"])
        #expect(dropped.schema.field(named: "point")?.type == .structure([
            NestedField(id: 4, name: "px", required: false, type: .double), NestedField(id: 15, name: "z", required: false, type: .double),
        ]))
        #expect(dropped.metadata.lastColumnID == 21)

        // Renaming back to an earlier schema's exact fields reuses nothing new: no change, no commit.
        let unchanged = try await dropped.updateSchema().commit()
        #expect(unchanged.metadataLocation == dropped.metadataLocation)
    }

    @Test("illegal changes are typed errors and leave the metadata file as it was")
    func illegalChanges() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        var table = try await nestedTable(directory)
        // An identifier field to protect.
        var ident = table.updateSchema()
        try ident.setIdentifierFields(["id"])
        table = try await ident.commit()
        #expect(table.schema.identifierFieldIDs == [1])
        let location = table.metadataLocation
        let bytes = try metadataBytes(location)

        func refused(_ what: Comment, _ change: (inout UpdateSchema) throws(IcebergError) -> Void) async throws {
            var update = table.updateSchema()
            do {
                try change(&update)
                _ = try await update.commit()
                Issue.record("\(what): accepted")
            } catch {
                guard case .validationFailed = error.kind else { Issue.record("\(what): \(error)"); return }
            }
            let now = try await table.refresh()
            #expect(now.metadataLocation == location, what)
            #expect(try metadataBytes(now.metadataLocation) == bytes, what)
        }
        try await refused("drop the partition source column") { u throws(IcebergError) in try u.deleteColumn("day") }
        try await refused("drop the identifier field") { u throws(IcebergError) in try u.deleteColumn("id") }
        try await refused("long → int") { u throws(IcebergError) in
            try u.updateColumn("id", to: .long)
            try u.updateColumn("id", to: .int)
        }
        try await refused("string → int") { u throws(IcebergError) in try u.updateColumn("name", to: .int) }
        try await refused("double → float") { u throws(IcebergError) in try u.updateColumn("point.x", to: .float) }
        try await refused("date → timestamp") { u throws(IcebergError) in try u.updateColumn("day", to: .timestamp) }
        try await refused("a struct's type") { u throws(IcebergError) in try u.updateColumn("point", to: .string) }
        try await refused("duplicate name at the top level") { u throws(IcebergError) in try u.addColumn("name", .string) }
        try await refused("duplicate name in a struct") { u throws(IcebergError) in try u.addColumn("point.x", .double) }
        try await refused("duplicate name in a list's element") { u throws(IcebergError) in try u.addColumn(parent: "tags", name: "k", .string) }
        try await refused("rename onto an existing name") { u throws(IcebergError) in try u.renameColumn("name", to: "day") }
        try await refused("rename a nested field onto its sibling") { u throws(IcebergError) in try u.renameColumn("point.x", to: "y") }
        try await refused("required add without a default") { u throws(IcebergError) in try u.addColumn("must", .string, required: true) }
        try await refused("add to a primitive") { u throws(IcebergError) in try u.addColumn(parent: "name", name: "x", .string) }
        try await refused("move next to a column of another struct") { u throws(IcebergError) in try u.moveBefore("point.x", "name") }
        // Decimal: precision narrows, or scale changes.
        var withDecimal = table.updateSchema()
        try withDecimal.addColumn("amount", .decimal(precision: 9, scale: 2))
        table = try await withDecimal.commit()
        let decimalLocation = table.metadataLocation
        var narrow = table.updateSchema()
        #expect(throws: IcebergError.self) { try narrow.updateColumn("amount", to: .decimal(precision: 8, scale: 2)) }
        #expect(throws: IcebergError.self) { try narrow.updateColumn("amount", to: .decimal(precision: 12, scale: 3)) }
        try narrow.updateColumn("amount", to: .decimal(precision: 12, scale: 2))
        let widened = try await narrow.commit()
        #expect(widened.schema.field(named: "amount")?.type == .decimal(precision: 12, scale: 2))
        #expect(widened.metadataLocation != decimalLocation)
        // An unknown column is not found.
        var unknown = table.updateSchema()
        do {
            try unknown.renameColumn("nope", to: "x")
            Issue.record("renaming an unknown column was accepted")
        } catch {
            guard case .notFound = error.kind else { Issue.record("\(error)"); return }
        }
    }

    @Test("a change made on a stale table is re-applied on the newest schema, and refused there when it became illegal")
    func retriesOnFreshBase() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let table = try await nestedTable(directory)
        var first = table.updateSchema()
        try first.addColumn("a", .string)
        var second = table.updateSchema()
        try second.addColumn("b", .long)
        var third = table.updateSchema()
        try third.renameColumn("name", to: "a")
        _ = try await first.commit()
        // Planned on the same base: its column gets the next id above the first's.
        let both = try await second.commit()
        #expect(both.schema.fields.suffix(2).map(\.name) == ["a", "b"])
        #expect(both.schema.fields.suffix(2).map(\.id) == [14, 15])
        #expect(both.metadata.lastColumnID == 15)
        // The third would now rename onto "a": refused on the fresh base, nothing committed.
        do {
            _ = try await third.commit()
            Issue.record("rename onto a concurrently added name was accepted")
        } catch {
            guard case .validationFailed = error.kind else { Issue.record("\(error)"); return }
        }
        #expect(try await table.refresh().metadataLocation == both.metadataLocation)
    }

    @Test("a pyiceberg table we evolve and append to reads row-identical in pyiceberg and DuckDB; pyiceberg's schema equals ours after each change",
          .enabled(if: Interop.enabled))
    func pyicebergReadsOurEvolution() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        _ = try Interop.runText("""
            import sys, datetime
            from decimal import Decimal
            import pyarrow as pa
            from pyiceberg.catalog.sql import SqlCatalog
            from pyiceberg.schema import Schema
            from pyiceberg.types import NestedField, IntegerType, StringType, FloatType, DecimalType, DateType
            from pyiceberg.transforms import IdentityTransform
            from pyiceberg.partitioning import PartitionSpec, PartitionField
            wh = sys.argv[1]
            cat = SqlCatalog("theirs", uri=f"sqlite:///{wh}/catalog.db", warehouse=f"file://{wh}")
            cat.create_namespace("db")
            schema = Schema(NestedField(1, "id", IntegerType(), required=False), NestedField(2, "name", StringType(), required=False),
                            NestedField(3, "score", FloatType(), required=False), NestedField(4, "amount", DecimalType(9, 2), required=False),
                            NestedField(5, "gone", StringType(), required=False), NestedField(6, "day", DateType(), required=False))
            t = cat.create_table("db.events", schema=schema,
                                 partition_spec=PartitionSpec(PartitionField(source_id=6, field_id=1000, transform=IdentityTransform(), name="day")))
            ids = range(0, 20)
            t.append(pa.table({"id": pa.array(list(ids), pa.int32()), "name": [None if i % 7 == 0 else f"n{i}" for i in ids],
                               "score": pa.array([i * 0.5 for i in ids], pa.float32()), "amount": [Decimal(i * 101) / 100 for i in ids],
                               "gone": [f"g{i}" for i in ids], "day": [datetime.date(2024, 3, 1 + i % 3) for i in ids]},
                              schema=t.schema().as_arrow()))
            """, arguments: [directory.path])
        let catalog = try SQLiteCatalog(path: directory.file("catalog.db"), warehouse: "file://" + directory.path, name: "theirs")
        var table = try await catalog.loadTable(TableIdentifier(namespace: "db", name: "events"))

        func value(_ name: String, _ i: Int) -> Scalar? {
            switch name {
            case "id": return .int64(Int64(i))
            case "label": return i % 7 == 0 ? nil : ColumnPredicate.string("n\(i)")
            case "score": return .float64(Double(i) * 0.5)
            case "amount": return .decimal128(Int128(i * 101))
            case "day": return .int32(Int32(19_783 + i % 3))  // 2024-03-01 …
            case "region": return ColumnPredicate.string(["eu", "us"][i % 2])
            case "added": return i % 5 == 0 ? nil : .int64(Int64(i) * 1000)
            default: return nil
            }
        }
        // 1: rename, promote (int → long, float → double, decimal 9 → 12), add; append.
        var u1 = table.updateSchema()
        try u1.renameColumn("name", to: "label")
        try u1.updateColumn("id", to: .long)
        try u1.updateColumn("score", to: .double)
        try u1.updateColumn("amount", to: .decimal(precision: 12, scale: 2))
        try u1.addColumn("added", .long)
        table = try await u1.commit()
        var schemas = [table.schema]
        table = try await table.append([try evolvedBatch(table.schema, 20..<35, value)])
        // 2: drop, add, reorder; append.
        var u2 = table.updateSchema()
        try u2.deleteColumn("gone")
        try u2.addColumn("region", .string)
        try u2.moveFirst("region")
        try u2.moveAfter("added", "id")
        table = try await u2.commit()
        schemas.append(table.schema)
        table = try await table.append([try evolvedBatch(table.schema, 35..<50, value)])
        #expect(table.schema.fields.map(\.name) == ["region", "id", "added", "label", "score", "amount", "day"])

        // Our rows at every snapshot, as pyiceberg reads them by snapshot id.
        var ours: [String: [String]] = [:]
        for snapshot in table.metadata.snapshots {
            ours[String(snapshot.snapshotID)] = canonicalRows(try await table.scan(snapshotID: snapshot.snapshotID).readAll())
        }
        let current = canonicalRows(try await table.scan().readAll())
        #expect(current.count == 50)
        let text = try Interop.runText(pythonCanonical + pythonDuckDBIceberg + """
            import sys, json
            from pyiceberg.catalog.sql import SqlCatalog
            wh, meta = sys.argv[1:3]
            cat = SqlCatalog("theirs", uri=f"sqlite:///{wh}/catalog.db", warehouse=f"file://{wh}")
            t = cat.load_table("db.events")
            out = {"schemas": [s.model_dump_json(by_alias=True) for s in t.schemas().values()],
                   "current": t.schema().model_dump_json(by_alias=True), "last_column_id": t.metadata.last_column_id,
                   "snapshots": {str(s.snapshot_id): rows(t.scan(snapshot_id=s.snapshot_id).to_arrow()) for s in t.snapshots()},
                   "rows": rows(t.scan().to_arrow())}
            cur = con.execute(f"SELECT * FROM iceberg_scan('{meta}')")
            names = [d[0] for d in cur.description]
            out["duckdb_columns"] = names
            out["duckdb"] = sorted("|".join(canon(v) for v in r) for r in cur.fetchall())
            print(json.dumps(out))
            """, arguments: [directory.path, LocalFileIOPath.strip(table.metadataLocation)])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let theirSchemas = try (json["schemas"] as? [String] ?? []).map { text throws in try IcebergSchema(jsonText: text) }
        #expect(theirSchemas.count == 3)
        for s in schemas { #expect(theirSchemas.contains(s), "pyiceberg has schema \(s.schemaID) as we wrote it") }
        #expect(try IcebergSchema(jsonText: json["current"] as? String ?? "") == table.schema)
        #expect(json["last_column_id"] as? Int == Int(table.metadata.lastColumnID))
        #expect(json["snapshots"] as? [String: [String]] == ours)
        #expect(json["rows"] as? [String] == current)
        #expect(json["duckdb_columns"] as? [String] == table.schema.fields.map(\.name))
        #expect(json["duckdb"] as? [String] == current)

        // Pruning by a renamed column goes by field id: files have `name`, the filter says `label`.
        // Only one of pyiceberg's files can hold "n1" by its bounds ("n1" … "n19"; the others start at "n11", "n12", "n20" …).
        let planned = try await table.scan(filter: .equal("label", ColumnPredicate.string("n1"))).planFiles()
        #expect(planned.count == 1)
        #expect(planned.first?.dataSequenceNumber == 1)
        // A promoted column prunes by its int-typed bounds from before the promotion.
        let early = try await table.scan(filter: .lessThan("id", .int64(5))).planFiles()
        #expect(!early.isEmpty && early.allSatisfy { $0.file.recordCount <= 20 && $0.dataSequenceNumber == 1 })
    }

    @Test("a nested column we add to a pyiceberg table's struct reads as null from pyiceberg's files, in pyiceberg and here",
          .enabled(if: Interop.enabled))
    func nestedAdd() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        _ = try Interop.runText("""
            import sys
            import pyarrow as pa
            from pyiceberg.catalog.sql import SqlCatalog
            from pyiceberg.schema import Schema
            from pyiceberg.types import NestedField, LongType, DoubleType, StructType
            wh = sys.argv[1]
            cat = SqlCatalog("theirs", uri=f"sqlite:///{wh}/catalog.db", warehouse=f"file://{wh}")
            cat.create_namespace("db")
            schema = Schema(NestedField(1, "id", LongType(), required=False),
                            NestedField(2, "point", StructType(NestedField(3, "x", DoubleType(), required=False)), required=False))
            t = cat.create_table("db.points", schema=schema)
            t.append(pa.table({"id": pa.array([1, 2, 3], pa.int64()), "point": [{"x": 1.5}, None, {"x": -2.0}]}, schema=t.schema().as_arrow()))
            """, arguments: [directory.path])
        let catalog = try SQLiteCatalog(path: directory.file("catalog.db"), warehouse: "file://" + directory.path, name: "theirs")
        let table = try await catalog.loadTable(TableIdentifier(namespace: "db", name: "points"))
        var update = table.updateSchema()
        try update.addColumn("point.y", .double)
        try update.renameColumn("point.x", to: "px")
        let evolved = try await update.commit()
        #expect(evolved.schema.field(named: "point")?.type == .structure([
            NestedField(id: 3, name: "px", required: false, type: .double), NestedField(id: 4, name: "y", required: false, type: .double),
        ]))
        let text = try Interop.runText("""
            import sys, json
            from pyiceberg.catalog.sql import SqlCatalog
            wh = sys.argv[1]
            cat = SqlCatalog("theirs", uri=f"sqlite:///{wh}/catalog.db", warehouse=f"file://{wh}")
            t = cat.load_table("db.points")
            print(json.dumps({"schema": t.schema().model_dump_json(by_alias=True),
                              "rows": sorted(t.scan().to_arrow().to_pylist(), key=lambda r: r["id"])}))
            """, arguments: [directory.path])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(try IcebergSchema(jsonText: json["schema"] as? String ?? "") == evolved.schema)
        let rows = try #require(json["rows"] as? [[String: Any]])
        #expect(rows.count == 3)
        #expect((rows[0]["point"] as? [String: Any])?["px"] as? Double == 1.5)
        #expect((rows[0]["point"] as? [String: Any])?["y"] is NSNull)
        // Our scan of the same file through the evolved schema.
        let batches = try await evolved.scan().readAll()
        #expect(batches.reduce(0) { $0 + $1.rowCount } == 3)
        let point = try #require(batches.first?.columns[1])
        #expect(point.scalar(at: 0) != nil)
        #expect(batches.first?.schema.fields[1].type == evolved.schema.fields[1].type.columnarType)
    }

    @Test("files without field ids read through schema.name-mapping.default (pyiceberg's add_files, then our rename); without a mapping, a typed error",
          .enabled(if: Interop.enabled))
    func nameMapping() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let text = try Interop.runText("""
            import sys, json
            import pyarrow as pa, pyarrow.parquet as pq
            from pyiceberg.catalog.sql import SqlCatalog
            from pyiceberg.schema import Schema
            from pyiceberg.types import NestedField, LongType, StringType, StructType, DoubleType
            wh = sys.argv[1]
            cat = SqlCatalog("theirs", uri=f"sqlite:///{wh}/catalog.db", warehouse=f"file://{wh}")
            cat.create_namespace("db")
            schema = Schema(NestedField(1, "id", LongType(), required=False), NestedField(2, "name", StringType(), required=False),
                            NestedField(3, "point", StructType(NestedField(4, "x", DoubleType(), required=False)), required=False))
            t = cat.create_table("db.mapped", schema=schema)
            path = f"{wh}/external.parquet"
            # A file written by a tool that knows no Iceberg: no field ids, columns in another order.
            pq.write_table(pa.table({"name": ["a", None, "c"], "point": [{"x": 0.5}, None, {"x": 2.5}], "id": pa.array([7, 8, 9], pa.int64())}), path)
            t.add_files([f"file://{path}"])
            t = cat.load_table("db.mapped")
            print(json.dumps({"mapping": t.properties.get("schema.name-mapping.default"),
                              "created": t.schema().name_mapping.model_dump_json()}))
            """, arguments: [directory.path])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let catalog = try SQLiteCatalog(path: directory.file("catalog.db"), warehouse: "file://" + directory.path, name: "theirs")
        let table = try await catalog.loadTable(TableIdentifier(namespace: "db", name: "mapped"))
        // Our mapping of the schema is pyiceberg's (create_mapping_from_schema, as Java's MappingUtil.create).
        #expect(try NameMapping(jsonText: json["created"] as? String ?? "") == NameMapping(schema: table.schema))
        #expect(try table.nameMapping() == NameMapping(jsonText: json["mapping"] as? String ?? ""))
        func rows(_ t: Table) async throws -> [String] { canonicalRows(try await t.scan(columns: ["id", table.schema.fields[1].name]).readAll()) }
        #expect(try await rows(table) == ["7|a", "8|∅", "9|c"])
        // Renaming keeps the file's old name in the mapping: still read by id.
        var rename = table.updateSchema()
        try rename.renameColumn("name", to: "label")
        let renamed = try await rename.commit()
        #expect(try renamed.nameMapping()?.find(["label"])?.fieldID == 2)
        #expect(try renamed.nameMapping()?.find(["name"])?.fieldID == 2)
        #expect(canonicalRows(try await renamed.scan(columns: ["id", "label"]).readAll()) == ["7|a", "8|∅", "9|c"])
        let pyRows = try Interop.runText("""
            import sys, json
            from pyiceberg.catalog.sql import SqlCatalog
            wh = sys.argv[1]
            t = SqlCatalog("theirs", uri=f"sqlite:///{wh}/catalog.db", warehouse=f"file://{wh}").load_table("db.mapped")
            print(json.dumps(sorted(f"{r['id']}|{r['label'] if r['label'] is not None else '∅'}" for r in t.scan().to_arrow().to_pylist())))
            """, arguments: [directory.path])
        #expect(try JSONDecoder().decode([String].self, from: Data(pyRows.utf8)) == ["7|a", "8|∅", "9|c"])
        // Without a mapping: a typed error, not guessed columns.
        let unmapped = try await renamed.commit(requirements: [], updates: [.removeProperties([NameMapping.propertyKey])])
        do {
            _ = try await unmapped.scan().readAll()
            Issue.record("a file without field ids was read without a name mapping")
        } catch {
            guard case .unsupported = error.kind else { Issue.record("\(error)"); return }
        }
        // Our own mapping of the current schema (new names only) reads the renamed column as absent: the file says `name`.
        let remapped = try await unmapped.setNameMapping()
        #expect(canonicalRows(try await remapped.scan(columns: ["id", "label"]).readAll()) == ["7|∅", "8|∅", "9|∅"])
        let full = try await remapped.setNameMapping(NameMapping(fields: [
            .init(fieldID: 1, names: ["id"]), .init(fieldID: 2, names: ["label", "name"]),
            .init(fieldID: 3, names: ["point"], fields: [.init(fieldID: 4, names: ["x"])]),
        ]))
        let all = try await full.scan().readAll()
        #expect(canonicalRows(try all.map { b throws in try b.projected(names: ["id", "label"]) }) == ["7|a", "8|∅", "9|c"])
        // The struct column is mapped too: its rows are present where the file has them.
        let points = all.flatMap { b in (0..<b.rowCount).map { b.column(named: "point")?.scalar(at: $0) == nil } }
        #expect(points.filter { $0 }.count == 1 && points.count == 3)
    }
}
