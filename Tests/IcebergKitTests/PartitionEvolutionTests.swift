import Foundation
import IcebergKit
import LakeColumnar
import LakeTestSupport
import Testing

@Suite("Partition evolution")
struct PartitionEvolutionTests {
    /// id long, ts timestamp, region string, name string, amount int.
    static let schema = IcebergSchema(fields: [
        NestedField(id: 1, name: "id", required: false, type: .long),
        NestedField(id: 2, name: "ts", required: false, type: .timestamp),
        NestedField(id: 3, name: "region", required: false, type: .string),
        NestedField(id: 4, name: "name", required: false, type: .string),
        NestedField(id: 5, name: "amount", required: false, type: .int),
    ])
    /// 2024-03-01T00:00:00 in microseconds.
    static let start: Int64 = 1_709_251_200_000_000

    /// Row `i`: ts 37 minutes apart (several hours and two days per 100 rows).
    static func value(_ name: String, _ i: Int) -> Scalar? {
        switch name {
        case "id": return .int64(Int64(i))
        case "ts": return .int64(start + Int64(i) * 37 * 60_000_000)
        case "region": return ColumnPredicate.string(["eu", "us", "ap"][i % 3])
        case "name": return i % 11 == 0 ? nil : ColumnPredicate.string("n\(i)")
        case "amount": return .int32(Int32(i * 3))
        default: return nil
        }
    }

    func ids(_ batches: [RecordBatch]) -> [Int64] {
        batches.flatMap { b in (0..<b.rowCount).compactMap { r -> Int64? in
            if case let .int64(v)? = b.column(named: "id")?.scalar(at: r) { return v } else { return nil }
        } }.sorted()
    }

    @Test("the builder names fields as Java does, assigns ids from 1000 and refuses what the spec's rules refuse")
    func builder() throws {
        let spec = try PartitionSpec.builder(Self.schema).day("ts").identity("region").bucket(16, "id").truncate(4, "name").build()
        #expect(spec.fields == [
            PartitionField(sourceID: 2, fieldID: 1000, name: "ts_day", transform: .day),
            PartitionField(sourceID: 3, fieldID: 1001, name: "region", transform: .identity),
            PartitionField(sourceID: 1, fieldID: 1002, name: "id_bucket_16", transform: .bucket(16)),
            PartitionField(sourceID: 4, fieldID: 1003, name: "name_trunc_4", transform: .truncate(4)),
        ])
        #expect(try PartitionSpec.builder(Self.schema).hour("ts", name: "hr").build().fields.map(\.name) == ["hr"])
        for (what, builder) in [
            ("unknown column", PartitionSpec.builder(Self.schema).day("nope")),
            ("hour of a string", PartitionSpec.builder(Self.schema).hour("region")),
            ("day of an int", PartitionSpec.builder(Self.schema).day("amount")),
            ("truncate of a timestamp", PartitionSpec.builder(Self.schema).truncate(3, "ts")),
            ("two time transforms of one column", PartitionSpec.builder(Self.schema).day("ts").hour("ts")),
            ("duplicate names", PartitionSpec.builder(Self.schema).identity("region", name: "p").identity("name", name: "p")),
            ("a name that is another column's", PartitionSpec.builder(Self.schema).day("ts", name: "region")),
        ] {
            #expect(throws: IcebergError.self, "\(what)") { try builder.build() }
        }
        for (text, column, transform) in [("day(ts)", "ts", Transform.day), (" bucket(16, id) ", "id", .bucket(16)),
                                          ("truncate(4,name)", "name", .truncate(4)), ("region", "region", .identity), ("hour(ts)", "ts", .hour)] {
            let term = try Transform.parseTerm(text)
            #expect(term.column == column && term.transform == transform, "\(text)")
        }
        for bad in ["day()", "bucket(x, id)", "bucket(16)", "week(ts)", "day(ts", ""] {
            #expect(throws: IcebergError.self, "\(bad)") { try Transform.parseTerm(bad) }
        }
    }

    @Test("add, replace hour → day, rename and remove: ids from last-partition-id, an equal old spec reused, each file pruned and read under its own spec")
    func evolveAndScan() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let catalog = try SQLiteCatalog(path: directory.file("catalog.db"), warehouse: "file://" + directory.path)
        try await catalog.createNamespace("db")
        var table = try await catalog.createTable(TableIdentifier(namespace: "db", name: "t"), schema: Self.schema)
        table = try await table.append([try evolvedBatch(table.schema, 0..<20, Self.value)])  // unpartitioned

        var add = table.updateSpec()
        try add.addField(term: "hour(ts)")
        table = try await add.commit()
        #expect(table.spec == PartitionSpec(specID: 1, fields: [PartitionField(sourceID: 2, fieldID: 1000, name: "ts_hour", transform: .hour)]))
        #expect(table.metadata.lastPartitionID == 1000)
        table = try await table.append([try evolvedBatch(table.schema, 20..<60, Self.value)])

        var replace = table.updateSpec()
        try replace.replaceField(term: "hour(ts)", with: "day(ts)")
        try replace.addField("region", .identity)
        table = try await replace.commit()
        #expect(table.spec == PartitionSpec(specID: 2, fields: [PartitionField(sourceID: 2, fieldID: 1001, name: "ts_day", transform: .day),
                                                               PartitionField(sourceID: 3, fieldID: 1002, name: "region", transform: .identity)]))
        table = try await table.append([try evolvedBatch(table.schema, 60..<120, Self.value)])

        var rename = table.updateSpec()
        try rename.renameField("ts_day", to: "day")
        try rename.removeField("region")
        table = try await rename.commit()
        #expect(table.spec == PartitionSpec(specID: 3, fields: [PartitionField(sourceID: 2, fieldID: 1001, name: "day", transform: .day)]))
        #expect(table.metadata.lastPartitionID == 1002)
        table = try await table.append([try evolvedBatch(table.schema, 120..<140, Self.value)])

        // Removing the last field makes the table unpartitioned again: spec 0 is the default once more.
        var none = table.updateSpec()
        try none.removeField("day")
        let unpartitioned = try await none.commit()
        #expect(unpartitioned.metadata.defaultSpecID == 0)
        #expect(unpartitioned.metadata.partitionSpecs.count == 4)
        // Adding hour(ts) back takes its old id and name: spec 1 again.
        var again = unpartitioned.updateSpec()
        try again.addField("ts", .hour)
        let hourly = try await again.commit()
        #expect(hourly.metadata.defaultSpecID == 1)
        #expect(hourly.metadata.partitionSpecs.count == 4)

        // Every row, read across four specs; files grouped by their own spec.
        let tasks = try await table.scan().planFiles()
        #expect(Set(tasks.map(\.specID)) == [0, 1, 2, 3])
        #expect(tasks.filter { $0.specID == 2 }.allSatisfy { $0.file.partition.count == 2 })
        #expect(ids(try await table.scan().readAll()) == (0..<140).map(Int64.init))
        // An equality on region prunes the spec-2 files by their partition values, and no others by it.
        let eu = try await table.scan(filter: .equal("region", ColumnPredicate.string("eu"))).planFiles()
        #expect(eu.filter { $0.specID == 2 }.allSatisfy { $0.file.partition[1] == ColumnPredicate.string("eu") })
        #expect(eu.filter { $0.specID == 2 }.count < tasks.filter { $0.specID == 2 }.count)
        let euRows = try await table.scan(filter: .equal("region", ColumnPredicate.string("eu"))).readAll()
        let expectedEU = (0..<140).filter { $0 % 3 == 0 }.map(Int64.init)
        #expect(Set(expectedEU).isSubset(of: Set(ids(euRows))))
        // A day range prunes day-partitioned files by their day: rows of 2024-03-01 only.
        let dayOne = ColumnPredicate.lessThan("ts", .int64(Self.start + 86_400_000_000))
        let planned = try await table.scan(filter: dayOne).planFiles()
        #expect(planned.filter { $0.specID == 2 || $0.specID == 3 }.allSatisfy { $0.file.partition[0] == .int32(19_783) })
        var rows: [Int64] = []
        for try await batch in table.scan(filter: dayOne).batches() {
            rows += ids([batch.take((0..<batch.rowCount).filter { dayOne.matches(batch, row: $0) })])
        }
        #expect(rows.sorted() == (0..<140).filter { Int64($0) * 37 * 60 < 86_400 }.map(Int64.init))
    }

    @Test("illegal partition changes are typed errors and leave the metadata file as it was; a stale change is re-applied on the newest spec")
    func illegalAndRetried() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let catalog = try SQLiteCatalog(path: directory.file("catalog.db"), warehouse: "file://" + directory.path)
        try await catalog.createNamespace("db")
        let table = try await catalog.createTable(TableIdentifier(namespace: "db", name: "t"), schema: Self.schema,
                                                  spec: try PartitionSpec.builder(Self.schema).day("ts").build())
        let location = table.metadataLocation
        let bytes = try metadataBytes(location)
        func refused(_ what: Comment, _ change: (inout UpdatePartitionSpec) throws(IcebergError) -> Void) async throws {
            var update = table.updateSpec()
            do {
                try change(&update)
                _ = try await update.commit()
                Issue.record("\(what): accepted")
            } catch {
                switch error.kind {
                case .validationFailed, .notFound, .invalidMetadata: break
                default: Issue.record("\(what): \(error)")
                }
            }
            let now = try await table.refresh()
            #expect(now.metadataLocation == location, what)
            #expect(try metadataBytes(now.metadataLocation) == bytes, what)
        }
        try await refused("add an existing field") { u throws(IcebergError) in try u.addField("ts", .day) }
        try await refused("hour next to day") { u throws(IcebergError) in try u.addField("ts", .hour) }
        try await refused("unknown column") { u throws(IcebergError) in try u.addField("nope", .identity) }
        try await refused("bucket of nothing") { u throws(IcebergError) in try u.addField(term: "bucket(0, id)") }
        try await refused("day of a string") { u throws(IcebergError) in try u.addField("region", .day) }
        try await refused("remove an unknown field") { u throws(IcebergError) in try u.removeField("nope") }
        try await refused("rename onto a column name") { u throws(IcebergError) in try u.renameField("ts_day", to: "region") }
        try await refused("rename then remove") { u throws(IcebergError) in
            try u.renameField("ts_day", to: "d")
            try u.removeField("ts_day")
        }
        try await refused("duplicate partition names") { u throws(IcebergError) in try u.addField("region", .identity, name: "ts_day") }
        // Schema side: the partition source column cannot be dropped.
        var drop = table.updateSchema()
        #expect(throws: IcebergError.self) { try drop.deleteColumn("ts") }

        // Two changes planned on the same spec: the second is re-applied on the first's, with the next id.
        var first = table.updateSpec()
        try first.addField("region", .identity)
        var second = table.updateSpec()
        try second.addField(term: "bucket(4, id)")
        _ = try await first.commit()
        let both = try await second.commit()
        #expect(both.spec.fields.map(\.name) == ["ts_day", "region", "id_bucket_4"])
        #expect(both.spec.fields.map(\.fieldID) == [1000, 1001, 1002])
        #expect(both.metadata.lastPartitionID == 1002)
    }

    /// The Python side: rows with ts as epoch microseconds.
    static let pythonRows = pythonCanonical + """
        import pyarrow as pa
        def norm(tbl):
            if "ts" in tbl.column_names:
                tbl = tbl.set_column(tbl.schema.get_field_index("ts"), "ts", tbl["ts"].cast(pa.int64()))
            return rows(tbl)
        def spec_json(s):
            return s.model_dump_json(by_alias=True)

        """

    struct PythonState: Decodable {
        var specs: [String]
        var current: String
        var lastPartitionID: Int
        var snapshots: [String: [String]]
        var files: [String: Int]?
        var duckdb: [String]?
        enum CodingKeys: String, CodingKey {
            case specs, current, snapshots, files, duckdb
            case lastPartitionID = "last_partition_id"
        }
    }

    func expectSpecsEqual(_ state: PythonState, _ table: Table) throws {
        let theirs = try state.specs.map { text throws in try PartitionSpec(json: try AvroJSON(parsing: text)) }
        #expect(theirs.sorted { $0.specID < $1.specID } == table.metadata.partitionSpecs.sorted { $0.specID < $1.specID })
        #expect(try PartitionSpec(json: try AvroJSON(parsing: state.current)) == table.spec)
        #expect(state.lastPartitionID == Int(table.metadata.lastPartitionID))
    }

    @Test("a table pyiceberg evolves (add hour, replace hour → day, add identity, remove) and writes between reads row-identical here at every snapshot, with pyiceberg's specs",
          .enabled(if: Interop.enabled))
    func pyicebergEvolves() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let text = try Interop.runText(Self.pythonRows + """
            import sys, json, datetime
            from pyiceberg.catalog.sql import SqlCatalog
            from pyiceberg.schema import Schema
            from pyiceberg.types import NestedField, LongType, TimestampType, StringType, IntegerType
            from pyiceberg.transforms import HourTransform, DayTransform, IdentityTransform
            wh = sys.argv[1]
            cat = SqlCatalog("theirs", uri=f"sqlite:///{wh}/catalog.db", warehouse=f"file://{wh}")
            cat.create_namespace("db")
            schema = Schema(NestedField(1, "id", LongType(), required=False), NestedField(2, "ts", TimestampType(), required=False),
                            NestedField(3, "region", StringType(), required=False), NestedField(4, "name", StringType(), required=False),
                            NestedField(5, "amount", IntegerType(), required=False))
            t = cat.create_table("db.events", schema=schema)
            start = datetime.datetime(2024, 3, 1)
            def batch(ids):
                return pa.table({"id": pa.array(list(ids), pa.int64()), "ts": [start + datetime.timedelta(minutes=37 * i) for i in ids],
                                 "region": [["eu", "us", "ap"][i % 3] for i in ids], "name": [None if i % 11 == 0 else f"n{i}" for i in ids],
                                 "amount": pa.array([i * 3 for i in ids], pa.int32())}, schema=t.schema().as_arrow())
            t.append(batch(range(0, 20)))
            with t.update_spec() as u:
                u.add_field("ts", HourTransform(), "ts_hour")
            t = cat.load_table("db.events")
            t.append(batch(range(20, 60)))
            with t.update_spec() as u:
                u.remove_field("ts_hour")
                u.add_field("ts", DayTransform(), "ts_day")
                u.add_identity("region")
            t = cat.load_table("db.events")
            t.append(batch(range(60, 120)))
            with t.update_spec() as u:
                u.remove_field("region")
            t = cat.load_table("db.events")
            t.append(batch(range(120, 140)))
            out = {"specs": [spec_json(s) for s in t.specs().values()], "current": spec_json(t.spec()),
                   "last_partition_id": t.metadata.last_partition_id,
                   "snapshots": {str(s.snapshot_id): norm(t.scan(snapshot_id=s.snapshot_id).to_arrow()) for s in t.snapshots()}}
            print(json.dumps(out))
            """, arguments: [directory.path])
        let state = try JSONDecoder().decode(PythonState.self, from: Data(text.utf8))
        let catalog = try SQLiteCatalog(path: directory.file("catalog.db"), warehouse: "file://" + directory.path, name: "theirs")
        let table = try await catalog.loadTable(TableIdentifier(namespace: "db", name: "events"))
        try expectSpecsEqual(state, table)
        #expect(table.metadata.partitionSpecs.count == 4)
        #expect(state.snapshots.count == 4)
        for (id, rows) in state.snapshots {
            let ours = canonicalRows(try await table.scan(snapshotID: Int64(id)).readAll())
            #expect(ours == rows, "snapshot \(id)")
        }
        #expect(state.snapshots.values.map(\.count).sorted() == [20, 60, 120, 140])
    }

    @Test("we evolve a pyiceberg table's spec and append under each spec: pyiceberg and DuckDB read it row-identical, pyiceberg's specs and each file's spec id equal ours",
          .enabled(if: Interop.enabled))
    func pyicebergReadsOurEvolution() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        _ = try Interop.runText(Self.pythonRows + """
            import sys, datetime
            from pyiceberg.catalog.sql import SqlCatalog
            from pyiceberg.schema import Schema
            from pyiceberg.types import NestedField, LongType, TimestampType, StringType, IntegerType
            from pyiceberg.transforms import IdentityTransform
            from pyiceberg.partitioning import PartitionSpec, PartitionField
            wh = sys.argv[1]
            cat = SqlCatalog("theirs", uri=f"sqlite:///{wh}/catalog.db", warehouse=f"file://{wh}")
            cat.create_namespace("db")
            schema = Schema(NestedField(1, "id", LongType(), required=False), NestedField(2, "ts", TimestampType(), required=False),
                            NestedField(3, "region", StringType(), required=False), NestedField(4, "name", StringType(), required=False),
                            NestedField(5, "amount", IntegerType(), required=False))
            t = cat.create_table("db.events", schema=schema,
                                 partition_spec=PartitionSpec(PartitionField(source_id=3, field_id=1000, transform=IdentityTransform(), name="region")))
            start = datetime.datetime(2024, 3, 1)
            ids = range(0, 30)
            t.append(pa.table({"id": pa.array(list(ids), pa.int64()), "ts": [start + datetime.timedelta(minutes=37 * i) for i in ids],
                               "region": [["eu", "us", "ap"][i % 3] for i in ids], "name": [None if i % 11 == 0 else f"n{i}" for i in ids],
                               "amount": pa.array([i * 3 for i in ids], pa.int32())}, schema=t.schema().as_arrow()))
            """, arguments: [directory.path])
        let catalog = try SQLiteCatalog(path: directory.file("catalog.db"), warehouse: "file://" + directory.path, name: "theirs")
        var table = try await catalog.loadTable(TableIdentifier(namespace: "db", name: "events"))
        var u1 = table.updateSpec()
        try u1.addField(term: "hour(ts)")
        try u1.addField(term: "bucket(4, id)")
        table = try await u1.commit()
        table = try await table.append([try evolvedBatch(table.schema, 30..<90, Self.value)])
        var u2 = table.updateSpec()
        try u2.replaceField(term: "hour(ts)", with: "day(ts)")
        try u2.removeField("region")
        try u2.addField(term: "truncate(2, name)")
        table = try await u2.commit()
        table = try await table.append([try evolvedBatch(table.schema, 90..<150, Self.value)])
        #expect(table.spec.fields.map(\.name) == ["id_bucket_4", "ts_day", "name_trunc_2"])

        var ours: [String: [String]] = [:]
        for snapshot in table.metadata.snapshots {
            ours[String(snapshot.snapshotID)] = canonicalRows(try await table.scan(snapshotID: snapshot.snapshotID).readAll())
        }
        var fileSpecs: [String: Int] = [:]
        for task in try await table.scan().planFiles() { fileSpecs[task.file.filePath] = Int(task.specID) }
        let current = canonicalRows(try await table.scan().readAll())
        #expect(current.count == 150)
        let text = try Interop.runText(Self.pythonRows + pythonDuckDBIceberg + """
            import sys, json
            from pyiceberg.catalog.sql import SqlCatalog
            wh, meta = sys.argv[1:3]
            t = SqlCatalog("theirs", uri=f"sqlite:///{wh}/catalog.db", warehouse=f"file://{wh}").load_table("db.events")
            out = {"specs": [spec_json(s) for s in t.specs().values()], "current": spec_json(t.spec()),
                   "last_partition_id": t.metadata.last_partition_id,
                   "snapshots": {str(s.snapshot_id): norm(t.scan(snapshot_id=s.snapshot_id).to_arrow()) for s in t.snapshots()},
                   "files": {f["file_path"]: f["spec_id"] for f in t.inspect.files().to_pylist()}}
            cur = con.execute(f"SELECT id, epoch_us(ts), region, name, amount FROM iceberg_scan('{meta}')")
            out["duckdb"] = sorted("|".join(canon(v) for v in r) for r in cur.fetchall())
            print(json.dumps(out))
            """, arguments: [directory.path, LocalFileIOPath.strip(table.metadataLocation)])
        let state = try JSONDecoder().decode(PythonState.self, from: Data(text.utf8))
        try expectSpecsEqual(state, table)
        #expect(state.snapshots == ours)
        #expect(state.files == fileSpecs)
        #expect(Set(fileSpecs.values) == [0, 1, 2])
        #expect(state.duckdb == current)
    }
}
