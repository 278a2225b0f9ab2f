import Foundation
import IcebergKit
import LakeColumnar
import LakeTestSupport
import Synchronization
import Testing

/// Local files that count listings and can fail the next metadata-file write, either before
/// publishing it (nothing lands) or after (it landed, but the writer hears an error: a request
/// that timed out after the server applied it).
final class FlakyMetadataFileIO: FileIO {
    enum Fault: Sendable { case failBeforePublishing, failAfterPublishing }
    let local = LocalFileIO()
    let fault = Mutex<Fault?>(nil)
    let listings = Mutex<[String]>([])

    func failNextMetadataWrite(_ fault: Fault) { self.fault.withLock { $0 = fault } }

    func newInputFile(_ location: String) -> any InputFile { local.newInputFile(location) }
    func newOutputFile(_ location: String) -> any OutputFile { Output(base: local.newOutputFile(location), io: self) }
    func delete(_ location: String) async throws(IcebergError) { try await local.delete(location) }
    func list(prefix: String) -> FileListing {
        listings.withLock { $0.append(prefix) }
        return local.list(prefix: prefix)
    }

    struct Output: OutputFile {
        let base: any OutputFile
        let io: FlakyMetadataFileIO
        var location: String { base.location }

        func writer(mode: WriteMode) async throws(IcebergError) -> any FileWriter {
            let inner = try await base.writer(mode: mode)
            guard location.hasSuffix(".metadata.json"), let fault = io.fault.withLock({ f in defer { f = nil }; return f }) else { return inner }
            return FaultyWriter(inner: inner, fault: fault, location: location)
        }
    }

    final class FaultyWriter: FileWriter {
        let inner: any FileWriter
        let fault: Fault
        let location: String
        init(inner: any FileWriter, fault: Fault, location: String) {
            self.inner = inner
            self.fault = fault
            self.location = location
        }
        var position: Int64 { inner.position }
        func write(_ bytes: [UInt8]) async throws(IcebergError) { try await inner.write(bytes) }
        func abort() async { await inner.abort() }
        func close() async throws(IcebergError) {
            switch fault {
            case .failBeforePublishing: await inner.abort()
            case .failAfterPublishing: try await inner.close()
            }
            throw IcebergError(.io("simulated timeout"), path: location)
        }
    }
}

/// The ids of the rows of `batches`, sorted (the first column is the id).
func storageIDs(_ batches: [RecordBatch]) -> [Int64] {
    batches.flatMap { b in (0..<b.rowCount).compactMap { r -> Int64? in
        if case let .int64(v)? = b.columns[0].scalar(at: r) { return v }
        return nil
    } }.sorted()
}

/// The kind of the IcebergError `operation` throws (nil when it succeeds).
func thrownKind(_ operation: () async throws -> Void) async -> IcebergError.Kind? {
    do {
        try await operation()
        return nil
    } catch let error as IcebergError {
        return error.kind
    } catch {
        return .io("not an IcebergError: \(error)")
    }
}

@Suite("Storage catalog (catalog-less tables, numbered metadata files)")
struct StorageCatalogTests {
    static let logs = TableIdentifier(namespace: "logs", name: "events")

    /// A warehouse in `directory` with namespace `logs` and table `logs.events`.
    func makeTable(_ directory: TemporaryDirectory, io: any FileIO = LocalFileIO()) async throws -> (StorageCatalog, Table) {
        let catalog = StorageCatalog(warehouse: "file://" + directory.path + "/wh", io: io)
        try await catalog.createNamespace("logs", properties: [:])
        return (catalog, try await catalog.createTable(Self.logs, schema: eventSchema))
    }

    /// The N of every `metadata/v<N>.metadata.json` of table `id`, sorted.
    func versionFiles(_ catalog: StorageCatalog, _ id: TableIdentifier) async throws -> [Int] {
        let prefix = catalog.tableLocation(id) + "/metadata/v"
        return try await catalog.io.list(prefix: prefix).all().compactMap { file -> Int? in
            let rest = file.location.dropFirst(prefix.count)
            return rest.hasSuffix(".metadata.json") ? Int(rest.dropLast(".metadata.json".count)) : nil
        }.sorted()
    }

    func versionLocation(_ catalog: StorageCatalog, _ id: TableIdentifier, _ version: Int) -> String {
        catalog.tableLocation(id) + "/metadata/v\(version).metadata.json"
    }

    @Test("namespaces, create, append, load, scan, list, rename refused, drop with and without purge")
    func lifecycle() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let root = "file://" + directory.path + "/wh"
        let catalog = StorageCatalog(warehouse: root + "/")
        #expect(catalog.warehouse == root)
        try await catalog.createNamespace("logs", properties: ["owner": "tests", "quote": "a \"b\""])
        #expect(await thrownKind { try await catalog.createNamespace("logs", properties: [:]) } == .alreadyExists("namespace 'logs'"))
        #expect(try await catalog.namespaceProperties("logs") == ["owner": "tests", "quote": "a \"b\""])
        try await catalog.createNamespace("empty")
        #expect(try await catalog.listNamespaces() == ["empty", "logs"])
        #expect(await thrownKind { try await catalog.createNamespace("a/b") } == .unsupported(
            "namespace 'a/b': a storage catalog needs a non-empty name without '/' that does not start with '.'"))

        let id = Self.logs
        let created = try await catalog.createTable(id, schema: eventSchema)
        #expect(created.metadataLocation == root + "/logs/events/metadata/v1.metadata.json")
        #expect(created.metadata.location == root + "/logs/events")
        #expect(await thrownKind { _ = try await catalog.createTable(id, schema: eventSchema) } == .alreadyExists("table logs.events"))
        #expect(await thrownKind { _ = try await catalog.createTable(TableIdentifier(namespace: "nope", name: "t"), schema: eventSchema) }
            == .notFound("namespace 'nope'"))
        let elsewhere = TableDefinition(schema: eventSchema, location: root + "/other/place")
        guard case .unsupported? = await thrownKind({ _ = try await catalog.createTable(TableIdentifier(namespace: "logs", name: "x"), elsewhere) }) else {
            Issue.record("a table outside its identifier's path was accepted"); return
        }
        // The table's own location, given explicitly, is fine.
        let second = TableIdentifier(namespace: "logs", name: "second")
        _ = try await catalog.createTable(second, TableDefinition(schema: eventSchema, location: catalog.tableLocation(second) + "/"))

        let first = try await created.append([try eventBatch(0..<30)])
        let appended = try await first.append([try eventBatch(30..<45), try eventBatch(45..<50)])
        #expect(appended.metadataLocation == root + "/logs/events/metadata/v3.metadata.json")
        let loaded = try await catalog.loadTable(id)
        #expect(loaded.metadataLocation == appended.metadataLocation)
        #expect(loaded.metadata.snapshots.count == 2)
        #expect(loaded.metadata.metadataLog.map(\.file) == [created.metadataLocation, first.metadataLocation])
        #expect(rows(try await loaded.scan().readAll()) == rows([try eventBatch(0..<50)]))
        #expect(try String(contentsOfFile: directory.path + "/wh/logs/events/metadata/version-hint.text", encoding: .utf8) == "3")
        #expect(try await versionFiles(catalog, id) == [1, 2, 3])
        #expect(try await catalog.listTables(namespace: "logs") == [id, second])
        #expect(try await catalog.listTables(namespace: "empty") == [])
        #expect(try await catalog.tableExists(id))

        // A path-based handle on the same table: its location is its catalog.
        let (byPath, pathID) = try StorageCatalog.table(at: root + "/logs/events/")
        #expect(byPath.warehouse == root && pathID == id)
        #expect(try await byPath.loadTable(pathID).metadataLocation == appended.metadataLocation)

        guard case .unsupported? = await thrownKind({ try await catalog.renameTable(from: id, to: TableIdentifier(namespace: "logs", name: "renamed")) }) else {
            Issue.record("rename was not refused"); return
        }

        // Drop without purge: the table is gone, its files stay, with a copy of its last metadata.
        try await catalog.dropTable(second)
        #expect(try await catalog.listTables(namespace: "logs") == [id])
        #expect(await thrownKind { _ = try await catalog.loadTable(second) } == .notFound("table logs.second"))
        let kept = try await catalog.io.list(prefix: catalog.tableLocation(second) + "/").all().map { $0.location.split(separator: "/").last.map(String.init) ?? "" }
        #expect(kept.count == 1 && kept[0].hasPrefix("dropped-v1-") && kept[0].hasSuffix(".metadata.json"), "\(kept)")

        // Drop with purge: nothing is left under the table's location.
        let dataFiles = try await loaded.scan().planFiles().map(\.file.filePath)
        #expect(dataFiles.count == 2)
        try await catalog.dropTable(id, purge: true)
        #expect(try await catalog.io.list(prefix: catalog.tableLocation(id) + "/").all().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: LocalFileIOPath.strip(dataFiles[0])))
        #expect(!(try await catalog.tableExists(id)))
        #expect(await thrownKind { try await catalog.dropTable(id) } == .notFound("table logs.events"))
        // The name can be used again.
        let again = try await catalog.createTable(id, schema: eventSchema)
        #expect(again.metadataLocation.hasSuffix("/v1.metadata.json") && again.metadata.snapshots.isEmpty)
    }

    @Test("8 writers × 10 appends: 80 snapshots, every row once, v1…v81 each published once", .timeLimit(.minutes(5)))
    func concurrentAppends() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (setup, _) = try await makeTable(directory)
        let warehouse = setup.warehouse
        let writers = 8, appends = 10, rowsPerAppend = 5
        let results = try await withThrowingTaskGroup(of: [(location: String, snapshot: Int64)].self) { group in
            for w in 0..<writers {
                group.addTask {
                    let catalog = StorageCatalog(warehouse: warehouse)  // its own catalog, like another process
                    var committed: [(location: String, snapshot: Int64)] = []
                    for k in 0..<appends {
                        let start = (w * appends + k) * rowsPerAppend
                        let table = try await catalog.loadTable(Self.logs).append([try eventBatch(start..<(start + rowsPerAppend))], attempts: 500)
                        committed.append((table.metadataLocation, try #require(table.metadata.currentSnapshotID)))
                    }
                    return committed
                }
            }
            var all: [(location: String, snapshot: Int64)] = []
            for try await r in group { all += r }
            return all
        }
        let total = writers * appends
        let table = try await setup.loadTable(Self.logs)
        #expect(table.metadata.snapshots.count == total)
        #expect(table.metadata.currentSnapshot?.summary["total-records"] == String(total * rowsPerAppend))
        #expect(table.metadataLocation.hasSuffix("/v\(total + 1).metadata.json"))
        #expect(storageIDs(try await table.scan().readAll()) == (0..<Int64(total * rowsPerAppend)).map { $0 })
        #expect(try await versionFiles(setup, Self.logs) == Array(1...(total + 1)))
        // Each writer's commit is still in the file it published (none was overwritten), and
        // each version holds exactly one more snapshot than the one before.
        #expect(Set(results.map(\.location)).count == total)
        for (location, snapshot) in results {
            let metadata = try await MetadataFileCommit.read(location, io: setup.io)
            #expect(metadata.currentSnapshotID == snapshot, "\(location) was overwritten")
        }
        for v in 1...(total + 1) {
            let metadata = try await MetadataFileCommit.read(versionLocation(setup, Self.logs, v), io: setup.io)
            #expect(metadata.snapshots.count == v - 1, "v\(v)")
            #expect(metadata.metadataLog.last?.file == (v == 1 ? nil : versionLocation(setup, Self.logs, v - 1)), "v\(v)")
        }
    }

    @Test("a stale, missing or garbage version hint, or a writer stopped before its hint: load finds the newest")
    func versionHint() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let io = FlakyMetadataFileIO()
        let (catalog, created) = try await makeTable(directory, io: io)
        var table = created
        for k in 0..<3 { table = try await table.append([try eventBatch((k * 10)..<(k * 10 + 10))]) }
        #expect(table.metadataLocation.hasSuffix("/v4.metadata.json"))
        let hint = directory.path + "/wh/logs/events/metadata/version-hint.text"
        func load(hint text: String?) async throws -> (String, listed: Bool) {
            if let text { try text.write(toFile: hint, atomically: true, encoding: .utf8) } else { try? FileManager.default.removeItem(atPath: hint) }
            io.listings.withLock { $0.removeAll() }
            let loaded = try await catalog.loadTable(Self.logs)
            return (loaded.metadataLocation.split(separator: "/").last.map(String.init) ?? "", !io.listings.withLock { $0 }.isEmpty)
        }
        // An exact or stale hint is followed by probing, never a listing.
        #expect(try await load(hint: "4") == ("v4.metadata.json", false))
        #expect(try await load(hint: "1\n") == ("v4.metadata.json", false))
        // Missing or garbage: a listing.
        for text in [nil, "", "banana", "0", "-3", "999", "4.0", String(repeating: "9", count: 40)] {
            #expect(try await load(hint: text) == ("v4.metadata.json", true), "hint \(text ?? "(none)")")
        }

        // A writer that published v5 and stopped before rewriting the hint (still "4").
        try "4".write(toFile: hint, atomically: true, encoding: .utf8)
        let next = try MetadataFileCommit.next(base: table.metadata, baseLocation: table.metadataLocation, requirements: [],
                                               updates: [.setProperties(["crashed": "after v5"])], nowMs: currentTimeMs())
        try await MetadataFileCommit.writeFile(next, to: table.metadataLocation.replacingOccurrences(of: "v4.", with: "v5."), io: io)
        let found = try await catalog.loadTable(Self.logs)
        #expect(found.metadataLocation.hasSuffix("/v5.metadata.json") && found.metadata.properties["crashed"] == "after v5")
        #expect(try String(contentsOfFile: hint, encoding: .utf8) == "4", "loading does not write the hint")
        // The next commit builds on v5 (its files are not lost) and writes v6 and the hint.
        let after = try await table.append([try eventBatch(30..<40)])
        #expect(after.metadataLocation.hasSuffix("/v6.metadata.json") && after.metadata.properties["crashed"] == "after v5")
        #expect(try String(contentsOfFile: hint, encoding: .utf8) == "6")
        #expect(storageIDs(try await after.scan().readAll()) == (0..<40).map { Int64($0) })
    }

    @Test("another writer's v(N+1), published between our read and our write: a conflict, then a retry on it")
    func preWrittenNextVersion() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let io = RacingFileIO()
        let (catalog, created) = try await makeTable(directory, io: io)
        let table = try await created.append([try eventBatch(0..<10)])  // v2
        let other = StorageCatalog(warehouse: catalog.warehouse)  // another process, plain local files
        func otherWriterCommits(_ key: String) -> @Sendable () async throws -> Void {
            { _ = try await other.loadTable(Self.logs).setProperties([key: "yes"]) }
        }
        // One attempt: the lost race is a commit conflict, and v3 is the other writer's.
        io.beforeNextMetadataFile(otherWriterCommits("first"))
        #expect(await thrownKind { _ = try await table.append([try eventBatch(10..<20)], attempts: 1) }
            == .commitConflict("version 3 was committed by another writer"))
        let v3 = try await catalog.loadTable(Self.logs)
        #expect(v3.metadataLocation.hasSuffix("/v3.metadata.json") && v3.metadata.properties["first"] == "yes")
        #expect(v3.metadata.snapshots.count == 1, "the losing append changed nothing")
        // With retries: the append lands on top of the other writer's v4.
        io.beforeNextMetadataFile(otherWriterCommits("second"))
        let appended = try await v3.append([try eventBatch(10..<20)])
        #expect(appended.metadataLocation.hasSuffix("/v5.metadata.json"))
        #expect(appended.metadata.properties["first"] == "yes" && appended.metadata.properties["second"] == "yes")
        #expect(storageIDs(try await catalog.loadTable(Self.logs).scan().readAll()) == (0..<20).map { Int64($0) })
        #expect(try await versionFiles(catalog, Self.logs) == [1, 2, 3, 4, 5])
    }

    @Test("a metadata write that landed but reported an error is our commit; one that did not land is unknown")
    func ambiguousWrites() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let io = FlakyMetadataFileIO()
        let (catalog, created) = try await makeTable(directory, io: io)
        io.failNextMetadataWrite(.failAfterPublishing)
        let appended = try await created.append([try eventBatch(0..<10)], attempts: 1)
        #expect(appended.metadataLocation.hasSuffix("/v2.metadata.json"))
        #expect(storageIDs(try await catalog.loadTable(Self.logs).scan().readAll()) == (0..<10).map { Int64($0) })

        io.failNextMetadataWrite(.failBeforePublishing)
        guard case .commitStateUnknown? = await thrownKind({ _ = try await appended.append([try eventBatch(10..<20)], attempts: 5) }) else {
            Issue.record("a failed metadata write must leave the commit's state unknown"); return
        }
        // Nothing was published, and the append's files were kept (the write might still land).
        #expect(try await catalog.loadTable(Self.logs).metadataLocation == appended.metadataLocation)
        let dataFiles = try await io.list(prefix: catalog.tableLocation(Self.logs) + "/data/").all()
        #expect(dataFiles.count == 2)
    }

    @Test("pyiceberg reads our newest metadata file; DuckDB finds it through the version hint", .enabled(if: Interop.enabled))
    func interop() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (catalog, created) = try await makeTable(directory)
        var table = created
        for range in [0..<40, 40..<100] { table = try await table.append([try eventBatch(range)]) }
        #expect(table.metadataLocation.hasSuffix("/v3.metadata.json"))
        let out = try Interop.runText(pythonDuckDBIceberg + """
            import sys, json
            from pyiceberg.table import StaticTable
            t = StaticTable.from_metadata(sys.argv[1])
            rows = t.scan().to_arrow().sort_by("id").to_pylist()
            duck = con.execute(f"SELECT count(*), sum(id), count(status) FROM iceberg_scan('{sys.argv[2]}')").fetchone()
            print(json.dumps({"ids": [r["id"] for r in rows], "status": [r["status"] for r in rows], "day": [str(r["day"]) for r in rows],
                              "snaps": len(t.snapshots()), "duckdb": list(duck)}))
            """, arguments: [LocalFileIOPath.strip(table.metadataLocation), LocalFileIOPath.strip(catalog.tableLocation(Self.logs))])
        let info = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        let expected = try eventBatch(0..<100)
        #expect(info["ids"] as? [Int] == Array(0..<100))
        #expect(info["snaps"] as? Int == 2)
        let status = try #require(info["status"] as? [Any])
        for r in 0..<100 {
            if case let .int32(v)? = expected.columns[2].scalar(at: r) { #expect(status[r] as? Int == Int(v)) } else { #expect(status[r] is NSNull) }
        }
        #expect((info["day"] as? [String])?.first == "2023-12-09", "day 19700")
        #expect(info["duckdb"] as? [Int] == [100, (0..<100).reduce(0, +), (0..<100).filter { $0 % 9 != 0 }.count])
    }
}
