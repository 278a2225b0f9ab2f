import Foundation
import IcebergKit
import LakeColumnar
import LakeTestSupport
import Testing

@Suite("Corrupt and missing Iceberg files")
struct CorruptTableTests {
    @Test("missing or corrupt metadata, manifest lists and manifests give typed errors naming the file")
    func corruptFiles() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let catalog = try SQLiteCatalog(path: directory.file("catalog.db"), warehouse: "file://" + directory.path)
        try catalog.createNamespace("logs", properties: [:])
        let id = TableIdentifier(namespace: "logs", name: "events")
        _ = try catalog.createTable(id, schema: eventSchema)
        let table = try catalog.append(id, [RecordBatchBox(try eventBatch(0..<20))])
        let io = LocalFileIO()
        let snapshot = try #require(table.metadata.currentSnapshot)
        let list = try #require(snapshot.manifestList)
        let manifests = try ManifestReader.manifestList(try io.read(list), path: list)
        let manifest = try #require(manifests.first).manifestPath

        func expectError(_ path: String, _ body: () throws -> Void) {
            do {
                try body()
                Issue.record("no error for \(path)")
            } catch let error as IcebergError {
                #expect(error.path == path || error.description.contains((path as NSString).lastPathComponent), "\(error)")
            } catch {
                Issue.record("untyped error \(error)")
            }
        }
        // Corrupt manifest: scan fails naming it; the table stays loadable.
        let original = try io.read(manifest)
        try FileManager.default.removeItem(atPath: LocalFileIO.localPath(manifest))
        expectError(manifest) { _ = try TableScan(metadata: table.metadata).planFiles() }
        try io.create(manifest, Array(original.prefix(original.count / 2)))
        expectError(manifest) { _ = try TableScan(metadata: table.metadata).planFiles() }
        // Corrupt manifest list.
        try FileManager.default.removeItem(atPath: LocalFileIO.localPath(list))
        try io.create(list, Array("garbage".utf8))
        expectError(list) { _ = try TableScan(metadata: table.metadata).planFiles() }
        // Corrupt metadata file.
        try FileManager.default.removeItem(atPath: LocalFileIO.localPath(table.metadataLocation))
        try io.create(table.metadataLocation, Array("{\"format-version\": 2".utf8))
        // (A new catalog object: one that committed the file keeps its parsed metadata, which
        // metadata files, never rewritten, allow.)
        let reopened = try SQLiteCatalog(path: directory.file("catalog.db"), warehouse: "file://" + directory.path)
        expectError(table.metadataLocation) { _ = try reopened.loadTable(id) }
        // Metadata files are never overwritten.
        #expect(throws: IcebergError.self) { try io.create(table.metadataLocation, Array("{}".utf8)) }
    }

    @Test("a commit that loses the race leaves the winner's metadata current and deletes nothing the winner needs")
    func lostRace() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let catalog = try SQLiteCatalog(path: directory.file("catalog.db"), warehouse: "file://" + directory.path)
        try catalog.createNamespace("logs", properties: [:])
        let id = TableIdentifier(namespace: "logs", name: "events")
        let base = try catalog.createTable(id, schema: eventSchema)
        // Writer A prepares a commit on the base; writer B commits first.
        let filesA = try writeFiles(base.metadata, try eventBatch(0..<5))
        let (_, locationA) = try FastAppend().commit(filesA, base: base.metadata, baseLocation: base.metadataLocation, nowMs: 1)
        let winner = try catalog.append(id, [RecordBatchBox(try eventBatch(5..<10))])
        #expect(throws: IcebergError.self) { try catalog.swapMetadataLocation(id, expected: base.metadataLocation, newLocation: locationA) }
        let current = try catalog.loadTable(id)
        #expect(current.metadataLocation == winner.metadataLocation)
        #expect(try TableScan(metadata: current.metadata).planFiles().reduce(0) { $0 + $1.recordCount } == 5)
    }
}
