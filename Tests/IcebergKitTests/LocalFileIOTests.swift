import Foundation
import IcebergKit
import LakeTestSupport
import Testing

@Suite("Local file I/O: publishing and names")
struct LocalFileIOTests {
    /// Names in `directory` (not recursive), from the filesystem rather than through the FileIO.
    private func entries(_ directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    }

    @Test("a file being written has no name until published, in a directory that did not exist; two writers of one name: the first to publish wins and keeps its bytes")
    func unnamedUntilPublished() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let io = LocalFileIO()
        let target = directory.file("x/y/z/data.bin")
        let first = try await io.newOutputFile("file://" + target).writer(mode: .createNew)
        let second = try await io.newOutputFile(target).writer(mode: .createNew)
        try await first.write(Array(repeating: 1, count: 100_000))
        try await second.write([2, 2, 2])
        #expect(try await io.newInputFile(target).exists() == false)
        #if os(Linux)
        // While streaming, nothing in the directory: orphan removal listing it cannot see (and
        // delete) a file of a commit in flight, and a crash here leaves nothing to sweep.
        #expect(try entries(directory.file("x/y/z")) == [])
        #endif
        try await second.close()
        do {
            try await first.close()
            Issue.record("the second publish of one name succeeded")
        } catch {
            guard case .alreadyExists = error.kind else { Issue.record("expected alreadyExists, got \(error)"); return }
        }
        #expect(try await io.newInputFile(target).read() == [2, 2, 2])
        #expect(try entries(directory.file("x/y/z")) == ["data.bin"])
    }

    @Test("an aborted or failed write leaves no name behind; an overwrite replaces the bytes and leaves one name")
    func abortLeavesNothing() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let io = LocalFileIO()
        for i in 0..<20 {
            let writer = try await io.newOutputFile(directory.file("d/f\(i).bin")).writer(mode: .createNew)
            try await writer.write(Array(repeating: UInt8(i), count: 1_000))
            if i % 2 == 0 { await writer.abort() } else { try await writer.close() }
        }
        #expect(try entries(directory.file("d")) == (0..<20).filter { $0 % 2 == 1 }.map { "f\($0).bin" }.sorted())
        try await io.newOutputFile(directory.file("d/f1.bin")).write([9], mode: .overwrite)
        #expect(try await io.newInputFile(directory.file("d/f1.bin")).read() == [9])
        #expect(try entries(directory.file("d")).count == 10)
    }

    @Test("table UUIDs and file names carry version-4 UUIDs, all distinct")
    func identifiers() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let catalog = try SQLiteCatalog(path: directory.file("catalog.db"), warehouse: "file://" + directory.path)
        try await catalog.createNamespace("ns", properties: [:])
        let uuid = try Regex("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
        var seen = Set<String>()
        for i in 0..<20 {
            let table = try await catalog.createTable(TableIdentifier(namespace: "ns", name: "t\(i)"), schema: eventSchema, spec: .unpartitioned)
            let text = table.metadata.tableUUID.lowercased()
            #expect(text.wholeMatch(of: uuid) != nil, "\(text)")
            // Foundation parses it as a UUID of the same text (an independent parser).
            #expect(UUID(uuidString: text)?.uuidString.lowercased() == text)
            seen.insert(text)
        }
        let appended = try await catalog.loadTable(TableIdentifier(namespace: "ns", name: "t0")).append([try eventBatch(0..<10)])
        for file in try await appended.scan().planFiles() {
            let name = file.file.filePath.split(separator: "/").last.map(String.init) ?? ""
            let stem = String(name.dropLast(".parquet".count).suffix(36))
            #expect(stem.wholeMatch(of: uuid) != nil, "\(name)")
            seen.insert(stem)
        }
        #expect(seen.count == 21)
    }
}
