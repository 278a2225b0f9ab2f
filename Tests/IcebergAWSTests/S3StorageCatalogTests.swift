import Foundation
import IcebergAWS
import IcebergKit
import LakeAWS
import LakeColumnar
import LakeTestSupport
import Testing

/// Catalog-less tables on S3: IcebergKit's `StorageCatalog` over `S3FileIO`, whose create-if-absent
/// (`If-None-Match: *`) is what makes a commit atomic.
@Suite("Storage catalog on S3", .enabled(if: S3TestServer.enabled), .serialized)
struct S3StorageCatalogTests {
    static let id = TableIdentifier(namespace: "logs", name: "events")

    // SeaweedFS, not moto: moto checks `If-None-Match: *` and stores the object in two steps with
    // no lock between them, so under this contention two writers can both "create" a version (the
    // second overwrites the first: a lost commit, seen at 8 × 25 on moto). About 60 s alone on two
    // cores (170 s beside the other suites).
    @Test("8 writers × 25 appends on SeaweedFS: 200 snapshots in one line, every row once, v1…v201 each published once",
          .enabled(if: S3TestServer.selected.contains(.seaweed)), .timeLimit(.minutes(10)))
    func eightWritersTwentyFiveAppends() async throws {
        let server = S3TestServer.seaweed
        let client = try server.client()
        let bucket = try await server.newBucket(client, "storage-busy")
        let warehouse = "s3://\(bucket)/wh"
        let setup = StorageCatalog(warehouse: warehouse, io: S3FileIO(client: client))
        try await setup.createNamespace("logs")
        _ = try await setup.createTable(Self.id, schema: eventSchema)
        let (writers, appends, rowsPerAppend) = (8, 25, 3)
        let clock = ContinuousClock()
        let started = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for w in 0..<writers {
                group.addTask {
                    let catalog = StorageCatalog(warehouse: warehouse, io: S3FileIO(client: try server.client()))
                    for k in 0..<appends {
                        let start = (w * appends + k) * rowsPerAppend
                        _ = try await catalog.loadTable(Self.id).append([try eventBatch(start..<(start + rowsPerAppend))], attempts: 400)
                    }
                }
            }
            try await group.waitForAll()
        }
        print("catalog-less S3 on SeaweedFS: \(writers) writers × \(appends) appends in \(clock.now - started)")
        let total = writers * appends
        let table = try await setup.loadTable(Self.id)
        #expect(table.metadataLocation == "\(warehouse)/logs/events/metadata/v\(total + 1).metadata.json")
        #expect(table.metadata.snapshots.count == total)
        #expect(table.metadata.currentAncestry.count == total, "one linear history")
        #expect(rows(try await table.scan().readAll()) == (try eventRows(Array(0..<(total * rowsPerAppend)))))
        let prefix = "\(warehouse)/logs/events/metadata/v"
        let versions = try await setup.io.list(prefix: prefix).all().compactMap { file -> Int? in
            let rest = file.location.dropFirst(prefix.count)
            return rest.hasSuffix(".metadata.json") ? Int(rest.dropLast(".metadata.json".count)) : nil
        }.sorted()
        #expect(versions == Array(1...(total + 1)))
    }

    // Not on moto: its `If-None-Match: *` is not atomic (see above), so racing writers can both
    // "create" one version there and the test would fail by chance, not by our fault.
    @Test("4 writers × 5 appends: 20 snapshots, every row once, v1…v21 each published once",
          .timeLimit(.minutes(5)), arguments: S3TestServer.selected.filter { $0 != .moto })
    func concurrentAppends(_ server: S3TestServer) async throws {
        let recorder = RecordingTransport()
        let client = try server.client(transport: recorder)
        let bucket = try await server.newBucket(client, "storage-catalog")
        let warehouse = "s3://\(bucket)/wh"
        let setup = StorageCatalog(warehouse: warehouse, io: S3FileIO(client: client))
        try await setup.createNamespace("logs", properties: ["owner": "tests"])
        #expect(try await setup.namespaceProperties("logs") == ["owner": "tests"])
        let created = try await setup.createTable(Self.id, schema: eventSchema)
        #expect(created.metadataLocation == "s3://\(bucket)/wh/logs/events/metadata/v1.metadata.json")

        let writers = 4, appends = 5, rowsPerAppend = 5
        let results = try await withThrowingTaskGroup(of: [(location: String, snapshot: Int64)].self) { group in
            for w in 0..<writers {
                group.addTask {
                    // Its own client and catalog, like another worker.
                    let catalog = StorageCatalog(warehouse: warehouse, io: S3FileIO(client: try server.client(transport: recorder)))
                    var committed: [(location: String, snapshot: Int64)] = []
                    for k in 0..<appends {
                        let start = (w * appends + k) * rowsPerAppend
                        let table = try await catalog.loadTable(Self.id).append([try eventBatch(start..<(start + rowsPerAppend))], attempts: 200)
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
        let table = try await setup.loadTable(Self.id)
        #expect(table.metadataLocation == "s3://\(bucket)/wh/logs/events/metadata/v\(total + 1).metadata.json")
        #expect(table.metadata.snapshots.count == total)
        #expect(table.metadata.currentSnapshot?.summary["total-records"] == String(total * rowsPerAppend))
        #expect(rows(try await table.scan().readAll()) == (try eventRows(Array(0..<(total * rowsPerAppend)))))
        // Every version once, each still holding the commit its writer published.
        let prefix = "s3://\(bucket)/wh/logs/events/metadata/v"
        let versions = try await setup.io.list(prefix: prefix).all().compactMap { file -> Int? in
            let rest = file.location.dropFirst(prefix.count)
            return rest.hasSuffix(".metadata.json") ? Int(rest.dropLast(".metadata.json".count)) : nil
        }.sorted()
        #expect(versions == Array(1...(total + 1)))
        #expect(Set(results.map(\.location)).count == total)
        for (location, snapshot) in results {
            #expect(try await MetadataFileCommit.read(location, io: setup.io).currentSnapshotID == snapshot, "\(location) was overwritten")
        }
        // The metadata files went up create-if-absent.
        let metadataPuts = recorder.requests.filter { $0.operation == "PutObject" && $0.url.contains(".metadata.json") }
        #expect(!metadataPuts.isEmpty && metadataPuts.allSatisfy { $0.header("If-None-Match") == "*" })
        #expect(try await setup.listTables(namespace: "logs") == [Self.id])
        #expect(try await setup.listNamespaces() == ["logs"])

        // A stale hint on S3 is corrected by probing.
        try await setup.io.newOutputFile("s3://\(bucket)/wh/logs/events/metadata/version-hint.text").write(Array("3".utf8), mode: .overwrite)
        #expect(try await setup.loadTable(Self.id).metadataLocation == table.metadataLocation)

        try await setup.dropTable(Self.id, purge: true)
        #expect(try await setup.io.list(prefix: "s3://\(bucket)/wh/logs/events/").all().isEmpty)
    }
}
