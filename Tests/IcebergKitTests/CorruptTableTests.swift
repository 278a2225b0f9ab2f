import Foundation
import IcebergKit
import LakeColumnar
import LakeTestSupport
import Synchronization
import Testing

/// Local files, with a hook that runs once, just before the next metadata file is published: it
/// lets a test commit in between another writer's read of the current metadata and its
/// compare-and-swap (a deterministic lost race).
final class RacingFileIO: FileIO {
    let local = LocalFileIO()
    let hook = Mutex<(@Sendable () async throws -> Void)?>(nil)

    /// Runs `body` before the next metadata file written through this IO is published.
    func beforeNextMetadataFile(_ body: @escaping @Sendable () async throws -> Void) {
        hook.withLock { $0 = body }
    }

    func newInputFile(_ location: String) -> any InputFile { local.newInputFile(location) }
    func newOutputFile(_ location: String) -> any OutputFile { Output(base: local.newOutputFile(location), io: self) }
    func delete(_ location: String) async throws(IcebergError) { try await local.delete(location) }
    func list(prefix: String) -> FileListing { local.list(prefix: prefix) }

    struct Output: OutputFile {
        let base: any OutputFile
        let io: RacingFileIO
        var location: String { base.location }

        func writer(mode: WriteMode) async throws(IcebergError) -> any FileWriter {
            if location.hasSuffix(".metadata.json"), let body = io.hook.withLock({ h in defer { h = nil }; return h }) {
                do { try await body() } catch { throw IcebergError(.io("race hook: \(error)")) }
            }
            return try await base.writer(mode: mode)
        }
    }
}

/// A value tasks share.
final class Shared<T: Sendable>: Sendable {
    let value: Mutex<T>
    init(_ initial: T) { value = Mutex(initial) }
}

@Suite("Corrupt and missing Iceberg files")
struct CorruptTableTests {
    @Test("missing or corrupt metadata, manifest lists and manifests give typed errors naming the file")
    func corruptFiles() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let catalog = try SQLiteCatalog(path: directory.file("catalog.db"), warehouse: "file://" + directory.path)
        try await catalog.createNamespace("logs", properties: [:])
        let id = TableIdentifier(namespace: "logs", name: "events")
        _ = try await catalog.createTable(id, schema: eventSchema)
        let table = try await catalog.loadTable(id).append([try eventBatch(0..<20)])
        let io = LocalFileIO()
        let snapshot = try #require(table.metadata.currentSnapshot)
        let list = try #require(snapshot.manifestList)
        let manifests = try ManifestReader.manifestList(try await io.newInputFile(list).read(), path: list)
        let manifest = try #require(manifests.first).manifestPath

        func expectError(_ path: String, _ body: () async throws -> Void) async {
            do {
                try await body()
                Issue.record("no error for \(path)")
            } catch let error as IcebergError {
                #expect(error.path == path || error.description.contains((path as NSString).lastPathComponent), "\(error)")
            } catch {
                Issue.record("untyped error \(error)")
            }
        }
        func replace(_ location: String, with bytes: [UInt8]) async throws {
            try FileManager.default.removeItem(atPath: LocalFileIOPath.strip(location))
            try await io.newOutputFile(location).write(bytes, mode: .createNew)
        }
        // Corrupt manifest: scan fails naming it; the table stays loadable.
        let original = try await io.newInputFile(manifest).read()
        try FileManager.default.removeItem(atPath: LocalFileIOPath.strip(manifest))
        await expectError(manifest) { _ = try await table.scan().planFiles() }
        try await io.newOutputFile(manifest).write(Array(original.prefix(original.count / 2)), mode: .createNew)
        await expectError(manifest) { _ = try await table.scan().planFiles() }
        // Corrupt manifest list.
        try await replace(list, with: Array("garbage".utf8))
        await expectError(list) { _ = try await table.scan().planFiles() }
        // Corrupt metadata file.
        try await replace(table.metadataLocation, with: Array("{\"format-version\": 2".utf8))
        // (A new catalog object: one that committed the file keeps its parsed metadata, which
        // metadata files, never rewritten, allow.)
        let reopened = try SQLiteCatalog(path: directory.file("catalog.db"), warehouse: "file://" + directory.path)
        await expectError(table.metadataLocation) { _ = try await reopened.loadTable(id) }
        // Metadata files are never overwritten.
        await #expect(throws: IcebergError.self) {
            try await io.newOutputFile(table.metadataLocation).write(Array("{}".utf8), mode: .createNew)
        }
    }

    @Test("a commit that loses the race leaves the winner's metadata current and deletes nothing the winner needs")
    func lostRace() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let io = RacingFileIO()
        let catalog = try SQLiteCatalog(path: directory.file("catalog.db"), warehouse: "file://" + directory.path, io: io)
        try await catalog.createNamespace("logs", properties: [:])
        let id = TableIdentifier(namespace: "logs", name: "events")
        let base = try await catalog.createTable(id, schema: eventSchema)
        // Writer A prepares a commit on the base; writer B (another catalog connection, as another
        // process) commits first, after A's catalog read the base and before A's compare-and-swap.
        let appendA = try base.newAppend()
        try await appendA.write(try eventBatch(0..<5))
        let other = try SQLiteCatalog(path: directory.file("catalog.db"), warehouse: "file://" + directory.path)
        let winner = Shared<Table?>(nil)
        io.beforeNextMetadataFile {
            let committed = try await other.loadTable(id).append([try eventBatch(5..<10)])
            winner.value.withLock { $0 = committed }
        }
        do throws(IcebergError) {
            try await appendA.commit(attempts: 1)
            Issue.record("the losing commit was accepted")
        } catch {
            guard case .commitConflict = error.kind else { Issue.record("expected a commit conflict, got \(error)"); return }
        }
        let won = try #require(winner.value.withLock { $0 })
        let current = try await catalog.loadTable(id)
        #expect(current.metadataLocation == won.metadataLocation)
        #expect(try await current.scan().planFiles().reduce(0) { $0 + $1.file.recordCount } == 5)
        #expect(rows(try await current.scan().readAll()) == rows([try eventBatch(5..<10)]))
        // The loser's data files are gone; the winner's remain.
        #expect(dataFilesOnDisk(current.metadata).count == (try await current.scan().planFiles().count))
    }
}
