import Foundation
import IcebergKit
import Synchronization

/// Numbered points on the write and commit path; the process kills itself (SIGKILL, as the OOM
/// killer or a lost instance would) when it reaches the point it was told to.
///
/// Every storage step counts: a writer opened, each buffer written, each file published (before
/// and after), each delete, and the catalog swap (before and after). A run that reaches no point
/// of that number completes and reports how many points it passed.
final class CrashPoints: Sendable {
    private let crashAt: Int
    private let passed = Mutex(0)

    init(crashAt: Int) { self.crashAt = crashAt }

    /// Counts one point; at the chosen one, says which on standard error and dies.
    func reach(_ label: @autoclosure () -> String) {
        let number = passed.withLock { value -> Int in
            value += 1
            return value
        }
        guard number == crashAt else { return }
        FileHandle.standardError.write(Data("killed at point \(number): \(label())\n".utf8))
        kill(getpid(), SIGKILL)
        // SIGKILL cannot be caught; nothing after it runs.
        while true { pause() }
    }

    var count: Int { passed.withLock { $0 } }
}

/// A FileIO that passes every call through, counting the write path's points.
struct CrashingFileIO: FileIO {
    let base: any FileIO
    let points: CrashPoints

    func newInputFile(_ location: String) -> any InputFile { base.newInputFile(location) }
    func newInputFile(_ location: String, length: Int64) -> any InputFile { base.newInputFile(location, length: length) }
    func newOutputFile(_ location: String) -> any OutputFile {
        CrashingOutputFile(base: base.newOutputFile(location), points: points)
    }
    func delete(_ location: String) async throws(IcebergError) {
        points.reach("delete \(location)")
        try await base.delete(location)
    }
    func delete(_ locations: [String]) async -> [(location: String, error: IcebergError)] {
        points.reach("delete \(locations.count) files")
        return await base.delete(locations)
    }
    func list(prefix: String) -> FileListing { base.list(prefix: prefix) }
}

struct CrashingOutputFile: OutputFile {
    let base: any OutputFile
    let points: CrashPoints
    var location: String { base.location }

    func writer(mode: WriteMode) async throws(IcebergError) -> any FileWriter {
        points.reach("open \(location)")
        return CrashingFileWriter(base: try await base.writer(mode: mode), location: location, points: points)
    }
}

final class CrashingFileWriter: FileWriter {
    let base: any FileWriter
    let location: String
    let points: CrashPoints

    init(base: any FileWriter, location: String, points: CrashPoints) {
        self.base = base
        self.location = location
        self.points = points
    }

    var position: Int64 { base.position }
    func write(_ bytes: [UInt8]) async throws(IcebergError) {
        points.reach("write \(bytes.count) bytes at \(base.position) of \(location)")
        try await base.write(bytes)
    }
    func close() async throws(IcebergError) {
        points.reach("before publishing \(location)")
        try await base.close()
        points.reach("after publishing \(location)")
    }
    func abort() async { await base.abort() }
}

/// A catalog that passes every call through, with a point before and after each commit (the
/// atomic swap of the table's metadata pointer).
struct CrashingCatalog: Catalog {
    let base: any Catalog
    let points: CrashPoints
    let io: any FileIO

    var name: String { base.name }
    func createNamespace(_ namespace: String, properties: [String: String]) async throws(IcebergError) {
        try await base.createNamespace(namespace, properties: properties)
    }
    func listNamespaces() async throws(IcebergError) -> [String] { try await base.listNamespaces() }
    func createTable(_ id: TableIdentifier, _ definition: TableDefinition) async throws(IcebergError) -> Table {
        wrap(try await base.createTable(id, definition))
    }
    func loadTable(_ id: TableIdentifier) async throws(IcebergError) -> Table { wrap(try await base.loadTable(id)) }
    func listTables(namespace: String) async throws(IcebergError) -> [TableIdentifier] { try await base.listTables(namespace: namespace) }
    func dropTable(_ id: TableIdentifier, purge: Bool) async throws(IcebergError) { try await base.dropTable(id, purge: purge) }
    func renameTable(from: TableIdentifier, to: TableIdentifier) async throws(IcebergError) {
        try await base.renameTable(from: from, to: to)
    }
    func commitTable(_ id: TableIdentifier, requirements: [TableRequirement],
                     updates: [TableUpdate]) async throws(IcebergError) -> CommittedMetadata {
        points.reach("before the catalog commit of \(id)")
        let committed = try await base.commitTable(id, requirements: requirements, updates: updates)
        points.reach("after the catalog commit of \(id)")
        return committed
    }

    /// The table with this catalog and FileIO, so that its writes and commits pass the points.
    private func wrap(_ table: Table) -> Table {
        Table(identifier: table.identifier, metadata: table.metadata, metadataLocation: table.metadataLocation, catalog: self, io: io)
    }
}
