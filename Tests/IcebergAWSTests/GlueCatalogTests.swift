import Foundation
import IcebergAWS
import IcebergKit
import LakeAWS
import LakeColumnar
import LakeTestSupport
import Synchronization
import Testing

/// A schema of most types, a list, a nested struct and a map.
let glueSchema = IcebergSchema(fields: [
    NestedField(id: 1, name: "id", required: true, type: .long),
    NestedField(id: 2, name: "name", required: false, type: .string, doc: "who"),
    NestedField(id: 3, name: "amount", required: false, type: .decimal(precision: 10, scale: 2)),
    NestedField(id: 4, name: "score", required: false, type: .double),
    NestedField(id: 5, name: "ratio", required: false, type: .float),
    NestedField(id: 6, name: "active", required: true, type: .boolean),
    NestedField(id: 7, name: "day", required: false, type: .date),
    NestedField(id: 8, name: "at", required: false, type: .timestamptz),
    NestedField(id: 9, name: "hits", required: false, type: .int),
    NestedField(id: 10, name: "payload", required: false, type: .binary),
    NestedField(id: 11, name: "tags", required: false, type: .list(elementID: 14, elementRequired: false, element: .string)),
    NestedField(id: 12, name: "place", required: false, type: .structure([
        NestedField(id: 15, name: "lat", required: false, type: .double),
        NestedField(id: 16, name: "lon", required: false, type: .double),
        NestedField(id: 17, name: "city", required: false, type: .string),
    ])),
    NestedField(id: 13, name: "attrs", required: false, type: .map(keyID: 18, key: .string, valueID: 19, valueRequired: false, value: .int)),
])

/// Row `i` of the typed table, as storage scalars in schema order.
func glueRow(_ i: Int) -> [Scalar?] {
    func text(_ s: String) -> Scalar { .binary(Array(s.utf8)) }
    return [
        .int64(Int64(i)),
        i % 5 == 0 ? nil : text("name-\(i)"),
        .decimal128(Int128(i * 125 + 5)),
        .float64(Double(i) + 0.5),
        i % 4 == 0 ? nil : .float32(Float(i % 4) * 0.25),
        .boolean(i % 2 == 0),
        .int32(Int32(19_700 + i % 7)),
        .int64(1_700_000_000_000_000 + Int64(i) * 1_000_123),
        .int32(Int32(i * 3)),
        i % 3 == 0 ? nil : .binary([UInt8(i % 256), 0, 255]),
        i % 6 == 0 ? nil : .list((0..<(i % 3)).map { text("t\($0)") } + (i % 2 == 0 ? [nil] : [])),
        i % 7 == 0 ? nil : .structure([.float64(40 + Double(i) / 8), .float64(-3.5 - Double(i) / 16), i % 2 == 0 ? nil : text("c\(i)")]),
        i % 8 == 0 ? nil : .map([MapEntry(key: text("k"), value: .int32(Int32(i))), MapEntry(key: text("z"), value: nil)]),
    ]
}

func glueBatch(_ ids: Range<Int>) throws -> RecordBatch {
    let schema = try glueSchema.columnarSchema()
    let rows = ids.map(glueRow)
    return try RecordBatch(schema: schema, columns: schema.fields.enumerated().map { index, field in
        try Column(scalars: rows.map { $0[index] }, type: field.type)
    })
}

/// The rows of `batches` sorted by the first column (a long id).
func sortedRows(_ batches: [RecordBatch]) -> [[Scalar?]] {
    batches.flatMap { b in (0..<b.rowCount).map { r in b.columns.map { $0.scalar(at: r) } } }.sorted { a, b in
        guard case let .int64(x)?? = a.first, case let .int64(y)?? = b.first else { return false }
        return x < y
    }
}

/// Python that prints a value pyiceberg read the way ``interopText(_:_:)`` prints ours (`text(v)`),
/// so rows compare line by line; scripts interpolate it at top level.
let pythonInteropText = """
epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
def text(v):
    if v is None: return "null"
    if isinstance(v, bool): return "true" if v else "false"
    if isinstance(v, int): return str(v)
    if isinstance(v, float): return repr(v)
    if isinstance(v, decimal.Decimal): return str(v)
    if isinstance(v, str): return "'" + v + "'"
    if isinstance(v, bytes): return "0x" + v.hex()
    if isinstance(v, datetime.datetime):
        d = v - epoch
        return "t" + str((d.days * 86400 + d.seconds) * 1000000 + d.microseconds)
    if isinstance(v, datetime.date): return "d" + str((v - datetime.date(1970, 1, 1)).days)
    if isinstance(v, dict): return "{" + ",".join(text(x) for x in v.values()) + "}"
    if isinstance(v, list):
        if v and isinstance(v[0], tuple): return "{" + ",".join(text(k) + ":" + text(x) for k, x in v) + "}"
        return "[" + ",".join(text(x) for x in v) + "]"
    return "?" + repr(v)
"""

/// A row as text, the same way the pyiceberg script below prints it: decimals with their scale,
/// dates as days, timestamps as microseconds, binary as hex, structs in braces, maps as pairs.
func interopText(_ value: Scalar?, _ type: IcebergType) -> String {
    guard let value else { return "null" }
    switch (type, value) {
    case let (.boolean, .boolean(b)): return b ? "true" : "false"
    case let (.string, .binary(bytes)): return "'" + String(decoding: bytes, as: UTF8.self) + "'"
    case let (.binary, .binary(bytes)): return "0x" + bytes.map { String(format: "%02x", $0) }.joined()
    case let (.decimal(_, scale), .decimal128(unscaled)):
        let divisor = (0..<scale).reduce(Int128(1)) { r, _ in r * 10 }
        let fraction = String(unscaled % divisor)
        return "\(unscaled / divisor)." + String(repeating: "0", count: scale - fraction.count) + fraction
    case let (.date, .int32(days)): return "d\(days)"
    case let (.timestamptz, .int64(micros)), let (.timestamp, .int64(micros)): return "t\(micros)"
    case let (_, .int32(v)): return String(v)
    case let (_, .int64(v)): return String(v)
    case let (_, .float32(v)): return String(Double(v))
    case let (_, .float64(v)): return String(v)
    case let (.list(_, _, element), .list(items)): return "[" + items.map { interopText($0, element) }.joined(separator: ",") + "]"
    case let (.structure(fields), .structure(items)):
        return "{" + zip(fields, items).map { interopText($1, $0.type) }.joined(separator: ",") + "}"
    case let (.map(_, key, _, _, valueType), .map(entries)):
        return "{" + entries.map { interopText($0.key, key) + ":" + interopText($0.value, valueType) }.joined(separator: ",") + "}"
    default: return "?\(value)"
    }
}

/// Glue as the catalog, S3 (moto) as the storage.
@Suite("Glue catalog", .serialized)
struct GlueCatalogTests {
    @Test("lifecycle on moto: namespace, create, Glue registration, append, load, scan, rename, drop with purge",
          .enabled(if: GlueTestServer.moto.enabled))
    func lifecycle() async throws {
        let fixture = try await GlueTestServer.moto.catalog()
        let catalog = fixture.catalog
        let glue = catalog.glue
        let namespace = GlueTestServer.uniqueName("lake")
        try await catalog.createNamespace(namespace, properties: ["comment": "the lake", "owner": "data"])
        #expect(try await catalog.listNamespaces().contains(namespace))
        let database = try await glue.database(namespace)
        #expect(database.description == "the lake" && database.parameters == ["owner": "data"])
        #expect(await icebergError { try await catalog.createNamespace(namespace) }?.kind.isAlreadyExists == true)

        let id = TableIdentifier(namespace: namespace, name: "events")
        let created = try await catalog.createTable(id, schema: glueSchema, properties: ["comment": "typed events"])
        let location = "s3://\(fixture.bucket)/wh/\(namespace).db/events"
        #expect(created.metadata.location == location)
        #expect(await icebergError { _ = try await catalog.createTable(id, schema: glueSchema) }?.kind.isAlreadyExists == true)
        #expect(try await fixture.metadataFiles(location).count == 1, "the refused create left no metadata file")

        // The Glue table, field by field, as Java's GlueCatalog registers it.
        let registered = try await glue.getTable(database: namespace, name: "events")
        #expect(registered.tableType == "EXTERNAL_TABLE")
        #expect(registered.parameters == ["table_type": "ICEBERG", "metadata_location": created.metadataLocation])
        #expect(registered.location == location)
        #expect(registered.description == "typed events")
        let expected: [(String, String, Int, Bool)] = [
            ("id", "bigint", 1, false), ("name", "string", 2, true), ("amount", "decimal(10,2)", 3, true), ("score", "double", 4, true),
            ("ratio", "float", 5, true), ("active", "boolean", 6, false), ("day", "date", 7, true), ("at", "timestamp", 8, true),
            ("hits", "int", 9, true), ("payload", "binary", 10, true), ("tags", "array<string>", 11, true),
            ("place", "struct<lat:double,lon:double,city:string>", 12, true), ("attrs", "map<string,int>", 13, true),
        ]
        #expect(registered.columns.map(\.name) == expected.map(\.0))
        for (column, (name, type, fieldID, optional)) in zip(registered.columns, expected) {
            #expect(column.type == type, "\(name)")
            #expect(column.parameters == ["iceberg.field.id": String(fieldID), "iceberg.field.optional": String(optional),
                                          "iceberg.field.current": "true"], "\(name)")
        }
        #expect(registered.columns[1].comment == "who")

        // Append (data on moto's S3), load again through a fresh catalog, scan the rows back.
        let appended = try await created.append([try glueBatch(0..<40)])
        let second = try await appended.append([try glueBatch(40..<64)])
        let afterAppend = try await glue.getTable(database: namespace, name: "events")
        #expect(afterAppend.parameters["metadata_location"] == second.metadataLocation)
        #expect(afterAppend.parameters["previous_metadata_location"] == appended.metadataLocation)
        #expect(afterAppend.parameters["table_type"] == "ICEBERG")
        let loaded = try await fixture.twin(server: .moto).loadTable(id)
        #expect(loaded.metadataLocation == second.metadataLocation && loaded.metadata.snapshots.count == 2)
        #expect(sortedRows(try await loaded.scan().readAll()) == (0..<64).map(glueRow))
        let dataFiles = try await loaded.scan().planFiles().map(\.file.filePath)
        #expect(!dataFiles.isEmpty && dataFiles.allSatisfy { $0.hasPrefix(location + "/data/") })

        // A Glue table that is not Iceberg: not listed, not loadable, not droppable as Iceberg.
        try await glue.createTable(database: namespace, input: GlueTableInput(name: "csv_logs", location: "s3://elsewhere/logs",
                                                                               columns: [GlueColumn(name: "line", type: "string")]))
        #expect(try await catalog.listTables(namespace: namespace) == [id])
        let notIceberg = await icebergError { _ = try await catalog.loadTable(TableIdentifier(namespace: namespace, name: "csv_logs")) }
        #expect(notIceberg?.kind.isUnsupported == true, "\(String(describing: notIceberg))")
        #expect(await icebergError { try await catalog.dropTable(TableIdentifier(namespace: namespace, name: "csv_logs")) }?.kind.isUnsupported == true)
        #expect(await icebergError { _ = try await catalog.loadTable(TableIdentifier(namespace: namespace, name: "absent")) }?.kind.isNotFound == true)

        // Rename: a taken target fails and changes nothing; a free one moves the registration.
        let renamed = TableIdentifier(namespace: namespace, name: "events_v2")
        #expect(await icebergError {
            try await catalog.renameTable(from: id, to: TableIdentifier(namespace: namespace, name: "csv_logs"))
        }?.kind.isAlreadyExists == true)
        #expect(try await catalog.loadTable(id).metadataLocation == second.metadataLocation)
        try await catalog.renameTable(from: id, to: renamed)
        #expect(try await catalog.listTables(namespace: namespace) == [renamed])
        #expect(await icebergError { _ = try await catalog.loadTable(id) }?.kind.isNotFound == true)
        let moved = try await catalog.loadTable(renamed)
        #expect(moved.metadataLocation == second.metadataLocation)
        #expect(try await glue.getTable(database: namespace, name: "events_v2").columns == registered.columns)
        // Commits go on under the new name.
        let third = try await moved.append([try glueBatch(64..<70)])
        #expect(sortedRows(try await catalog.loadTable(renamed).scan().readAll()) == (0..<70).map(glueRow))
        #expect(third.metadata.snapshots.count == 3)

        // Drop with purge: Glue forgets it and the prefix is empty.
        #expect(try await !fixture.io.list(prefix: location + "/").all().isEmpty)
        try await catalog.dropTable(renamed, purge: true)
        #expect(try await catalog.listTables(namespace: namespace).isEmpty)
        #expect(try await fixture.io.list(prefix: location + "/").all().isEmpty)
        #expect(await icebergError { try await catalog.dropTable(renamed) }?.kind.isNotFound == true)
    }

    @Test("a stale commit is refused and a retried append lands on top", arguments: GlueTestServer.selected)
    func staleCommit(_ server: GlueTestServer) async throws {
        let fixture = try await server.catalog()
        let namespace = GlueTestServer.uniqueName("stale")
        try await fixture.catalog.createNamespace(namespace)
        let id = TableIdentifier(namespace: namespace, name: "t")
        let base = try await fixture.catalog.createTable(id, schema: eventSchema).append([try eventBatch(0..<10)])
        let baseSnapshot = try #require(base.metadata.currentSnapshotID)

        // Two handles on the same base, through two catalogs (two processes).
        let first = try await fixture.catalog.loadTable(id)
        let second = try await fixture.twin(server: server).loadTable(id)
        let firstCommitted = try await first.append([try eventBatch(10..<20)])

        let stale = await icebergError {
            _ = try await second.commit(requirements: [.assertRefSnapshotID(ref: "main", snapshotID: baseSnapshot)],
                                        updates: [.setProperties(["stale": "true"])])
        }
        guard case .commitConflict? = stale?.kind else {
            Issue.record("expected a commit conflict, got \(String(describing: stale))")
            return
        }
        let glueTable = try await fixture.catalog.glue.getTable(database: namespace, name: "t")
        #expect(glueTable.parameters["metadata_location"] == firstCommitted.metadataLocation)
        #expect(try await fixture.metadataFiles(base.metadata.location).count == 3, "create and two appends; nothing of the stale commit")

        // The append transaction retries on the new base: both snapshots are in.
        let landed = try await second.append([try eventBatch(20..<30)])
        let loaded = try await fixture.catalog.loadTable(id)
        #expect(loaded.metadataLocation == landed.metadataLocation)
        let snapshots = Set(loaded.metadata.snapshots.map(\.snapshotID))
        #expect(snapshots.contains(try #require(firstCommitted.metadata.currentSnapshotID)))
        #expect(snapshots.count == 3)
        #expect(loaded.currentSnapshot?.parentSnapshotID == firstCommitted.metadata.currentSnapshotID)
        #expect(rows(try await loaded.scan().readAll()) == (try eventRows(Array(0..<30))))
        #expect(loaded.metadata.properties["stale"] == nil)
    }

    @Test("VersionId: an UpdateTable that lost the race is refused, never overwrites, and its file is deleted (ministack)",
          .enabled(if: GlueTestServer.ministack.enabled))
    func versionIDRace() async throws {
        let server = GlueTestServer.ministack
        let setup = try await server.catalog()
        let namespace = GlueTestServer.uniqueName("race")
        try await setup.catalog.createNamespace(namespace)
        let id = TableIdentifier(namespace: namespace, name: "t")
        let created = try await setup.catalog.createTable(id, schema: eventSchema)
        let rival = try setup.twin(server: server)
        let rivalLocation = Locked<String?>(nil)
        // Right before our UpdateTable goes out (after our GetTable and metadata write), another
        // writer commits: our VersionId is stale when Glue sees it.
        let transport = GlueFaultTransport(["UpdateTable": .before({
            let committed = try await rival.commitTable(id, requirements: [], updates: [.setProperties(["rival": "1"])])
            rivalLocation.set(committed.location)
        })])
        let ours = try setup.twin(transport: transport, server: server)
        let error = await icebergError {
            _ = try await ours.commitTable(id, requirements: [], updates: [.setProperties(["ours": "1"])])
        }
        guard case .commitConflict? = error?.kind else {
            Issue.record("expected a commit conflict, got \(String(describing: error))")
            return
        }
        let now = try await setup.catalog.glue.getTable(database: namespace, name: "t").parameters["metadata_location"]
        #expect(now != nil && now == rivalLocation.get())
        let files = try await setup.metadataFiles(created.metadata.location)
        #expect(files.count == 2, "create and the rival's commit; ours was deleted: \(files)")
        #expect(try await setup.catalog.loadTable(id).metadata.properties == ["rival": "1"])
    }

    @Test("a create that loses the race for the name answers alreadyExists and deletes its metadata file",
          arguments: GlueTestServer.selected)
    func createRace(_ server: GlueTestServer) async throws {
        let setup = try await server.catalog()
        let namespace = GlueTestServer.uniqueName("create")
        try await setup.catalog.createNamespace(namespace)
        let id = TableIdentifier(namespace: namespace, name: "t")
        let rival = try setup.twin(server: server)
        let rivalTable = Locked<Table?>(nil)
        // Between our existence check and our CreateTable, another writer creates the table.
        let transport = GlueFaultTransport(["CreateTable": .before({
            rivalTable.set(try await rival.createTable(id, schema: eventSchema))
        })])
        let ours = try setup.twin(transport: transport, server: server)
        let error = await icebergError { _ = try await ours.createTable(id, schema: eventSchema) }
        #expect(error?.kind.isAlreadyExists == true, "\(String(describing: error))")
        let winner = try #require(rivalTable.get())
        #expect(try await setup.catalog.loadTable(id).metadataLocation == winner.metadataLocation)
        #expect(try await setup.metadataFiles(winner.metadata.location) == [winner.metadataLocation])
    }

    @Test("VersionId on ministack: 4 concurrent appenders × 5 appends, every commit present once",
          .enabled(if: GlueTestServer.ministack.enabled))
    func concurrentAppenders() async throws {
        let server = GlueTestServer.ministack
        let fixture = try await server.catalog()
        let namespace = GlueTestServer.uniqueName("conc")
        try await fixture.catalog.createNamespace(namespace)
        let id = TableIdentifier(namespace: namespace, name: "t")
        let created = try await fixture.catalog.createTable(id, schema: eventSchema)
        let writers = 4, appends = 5, rowsPerAppend = 3
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<writers {
                let catalog = try fixture.twin(server: server)
                group.addTask {
                    var table = try await catalog.loadTable(id)
                    for n in 0..<appends {
                        let start = (writer * appends + n) * rowsPerAppend
                        table = try await table.append([try eventBatch(start..<(start + rowsPerAppend))])
                    }
                }
            }
            try await group.waitForAll()
        }
        let loaded = try await fixture.catalog.loadTable(id)
        #expect(loaded.metadata.snapshots.count == writers * appends)
        // One linear history: every snapshot's parent is the one before it.
        var chain = 0
        var cursor = loaded.currentSnapshot
        while let snapshot = cursor {
            chain += 1
            cursor = snapshot.parentSnapshotID.flatMap { parent in loaded.metadata.snapshots.first { $0.snapshotID == parent } }
        }
        #expect(chain == writers * appends)
        #expect(rows(try await loaded.scan().readAll()) == (try eventRows(Array(0..<(writers * appends * rowsPerAppend)))))
        #expect(try await fixture.metadataFiles(created.metadata.location).count == 1 + writers * appends,
                "every losing attempt's metadata file was deleted")
    }

    // 8 × 25 takes about 100 s on ministack (two cores): the default run keeps the 8 writers and
    // gives each 5 appends; LAKEHOUSE_FULL_CONCURRENCY=1 runs 8 × 25.
    @Test("VersionId on ministack: 8 writers × 5 appends (8 × 25 with LAKEHOUSE_FULL_CONCURRENCY=1), one linear history, every row once, no stray metadata file",
          .enabled(if: GlueTestServer.ministack.enabled), .timeLimit(.minutes(10)))
    func eightWritersTwentyFiveAppends() async throws {
        let server = GlueTestServer.ministack
        let fixture = try await server.catalog()
        let namespace = GlueTestServer.uniqueName("busy")
        try await fixture.catalog.createNamespace(namespace)
        let id = TableIdentifier(namespace: namespace, name: "t")
        let created = try await fixture.catalog.createTable(id, schema: eventSchema)
        let (writers, appends, rowsPerAppend) = (8, fullConcurrency ? 25 : 5, 3)
        let clock = ContinuousClock()
        let started = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<writers {
                let catalog = try fixture.twin(server: server)
                group.addTask {
                    for n in 0..<appends {
                        let start = (writer * appends + n) * rowsPerAppend
                        _ = try await catalog.loadTable(id).append([try eventBatch(start..<(start + rowsPerAppend))], attempts: 200)
                    }
                }
            }
            try await group.waitForAll()
        }
        print("Glue on ministack: \(writers) writers × \(appends) appends in \(clock.now - started)")
        let loaded = try await fixture.catalog.loadTable(id)
        #expect(loaded.metadata.snapshots.count == writers * appends)
        #expect(loaded.metadata.currentAncestry.count == writers * appends, "one linear history")
        #expect(rows(try await loaded.scan().readAll()) == (try eventRows(Array(0..<(writers * appends * rowsPerAppend)))))
        #expect(try await fixture.metadataFiles(created.metadata.location).count == 1 + writers * appends,
                "every losing attempt's metadata file was deleted")
    }

    @Test("an UpdateTable whose answer is lost is resolved by reading the table again", arguments: GlueTestServer.selected)
    func lostAnswers(_ server: GlueTestServer) async throws {
        let setup = try await server.catalog()
        let namespace = GlueTestServer.uniqueName("lost")
        try await setup.catalog.createNamespace(namespace)
        let id = TableIdentifier(namespace: namespace, name: "t")
        let created = try await setup.catalog.createTable(id, schema: eventSchema)
        var current = created.metadataLocation

        // Applied, answer lost, no retry: the table points at the new file: success.
        // Applied, answer lost, retried: ministack answers the retry ConcurrentModificationException
        // (its VersionId moved), moto applies it again; either way the commit is in.
        for attempts in [1, 3] {
            let catalog = try setup.twin(transport: GlueFaultTransport(["UpdateTable": .failAfterSending]), server: server,
                                         maxAttempts: attempts)
            let committed = try await catalog.commitTable(id, requirements: [], updates: [.setProperties(["attempts": "\(attempts)"])])
            #expect(committed.location != current)
            let glueTable = try await setup.catalog.glue.getTable(database: namespace, name: "t")
            #expect(glueTable.parameters["metadata_location"] == committed.location, "attempts \(attempts)")
            #expect(glueTable.parameters["previous_metadata_location"] == current, "attempts \(attempts)")
            #expect(try await setup.io.newInputFile(committed.location).length() > 0)
            current = committed.location
        }

        // A transport error with the table still at its base: the request may yet be applied (a
        // timeout looks the same as a reset before sending), so the outcome is unknown and the new
        // metadata file is kept (the writer keeps its files too; orphan removal takes them later).
        let failing = try setup.twin(transport: GlueFaultTransport(["UpdateTable": .failBeforeSending]), server: server, maxAttempts: 1)
        let error = await icebergError { _ = try await failing.commitTable(id, requirements: [], updates: [.setProperties(["x": "1"])]) }
        guard case .commitStateUnknown? = error?.kind else {
            Issue.record("expected commitStateUnknown, got \(String(describing: error))")
            return
        }
        #expect(try await setup.catalog.loadTable(id).metadataLocation == current)
        #expect(try await setup.metadataFiles(created.metadata.location).count == 4)
    }

    @Test("pyiceberg's GlueCatalog on the same moto loads our table and reads the same rows",
          .enabled(if: GlueTestServer.moto.enabled && Interop.enabled))
    func pyicebergReads() async throws {
        let fixture = try await GlueTestServer.moto.catalog()
        let namespace = GlueTestServer.uniqueName("interop")
        try await fixture.catalog.createNamespace(namespace)
        let id = TableIdentifier(namespace: namespace, name: "typed")
        let table = try await fixture.catalog.createTable(id, schema: glueSchema)
            .append([try glueBatch(0..<25)]).append([try glueBatch(25..<40)])
        let endpoint = try #require(GlueTestServer.moto.endpoint)
        let script = """
            import sys, json, datetime, decimal
            from pyiceberg.catalog.glue import GlueCatalog
            endpoint, namespace, name = sys.argv[1], sys.argv[2], sys.argv[3]
            catalog = GlueCatalog("glue", **{
                "glue.endpoint": endpoint, "glue.region": "us-east-1",
                "glue.access-key-id": "testing", "glue.secret-access-key": "testing",
                "s3.endpoint": endpoint, "s3.region": "us-east-1",
                "s3.access-key-id": "testing", "s3.secret-access-key": "testing",
            })
            table = catalog.load_table((namespace, name))
            \(pythonInteropText)
            print(table.metadata_location)
            print(len(table.metadata.snapshots))
            rows = sorted(table.scan().to_arrow().to_pylist(), key=lambda r: r["id"])
            for r in rows:
                print("|".join(text(v) for v in r.values()))
            """
        let output: String
        do {
            output = try Interop.runText(script, arguments: [endpoint, namespace, "typed"])
        } catch {
            Issue.record("pyiceberg failed: \(error)")
            return
        }
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty }
        #expect(lines.first == table.metadataLocation)
        #expect(lines.dropFirst().first == "2")
        let expected = (0..<40).map { i in zip(glueSchema.fields, glueRow(i)).map { interopText($1, $0.type) }.joined(separator: "|") }
        let actual = Array(lines.dropFirst(2))
        #expect(actual.count == expected.count)
        for (a, e) in zip(actual, expected) where a != e {
            Issue.record("pyiceberg row differs:\n  pyiceberg: \(a)\n  expected:  \(e)")
        }
    }
}

/// A value shared with a `@Sendable` closure.
final class Locked<Value: Sendable>: Sendable {
    private let value: Mutex<Value>
    init(_ value: Value) { self.value = Mutex(value) }
    func get() -> Value { value.withLock { $0 } }
    func set(_ newValue: Value) { value.withLock { $0 = newValue } }
}
