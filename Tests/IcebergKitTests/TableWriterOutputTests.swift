import Foundation
import IcebergKit
import LakeColumnar
import LakeTestSupport
import ParquetWriter
import Synchronization
import Testing

/// Local files whose data-file writers record every write's size and can fail the N-th write
/// (counted over all data files).
final class RecordingDataFileIO: FileIO {
    let local = LocalFileIO()
    let writes = Mutex<[Int]>([])
    let failAtWrite: Int?

    init(failAtWrite: Int? = nil) { self.failAtWrite = failAtWrite }

    func newInputFile(_ location: String) -> any InputFile { local.newInputFile(location) }
    func newOutputFile(_ location: String) -> any OutputFile { Output(base: local.newOutputFile(location), io: self) }
    func delete(_ location: String) async throws(IcebergError) { try await local.delete(location) }
    func list(prefix: String) -> FileListing { local.list(prefix: prefix) }

    struct Output: OutputFile {
        let base: any OutputFile
        let io: RecordingDataFileIO
        var location: String { base.location }
        func writer(mode: WriteMode) async throws(IcebergError) -> any FileWriter {
            let inner = try await base.writer(mode: mode)
            return location.hasSuffix(".parquet") ? Recording(inner: inner, io: io, location: location) : inner
        }
    }

    final class Recording: FileWriter {
        let inner: any FileWriter
        let io: RecordingDataFileIO
        let location: String
        init(inner: any FileWriter, io: RecordingDataFileIO, location: String) {
            self.inner = inner
            self.io = io
            self.location = location
        }
        var position: Int64 { inner.position }
        func write(_ bytes: [UInt8]) async throws(IcebergError) {
            let n = io.writes.withLock { $0.append(bytes.count); return $0.count }
            if n == io.failAtWrite { throw IcebergError(.io("simulated write failure"), path: location) }
            try await inner.write(bytes)
        }
        func close() async throws(IcebergError) { try await inner.close() }
        func abort() async { await inner.abort() }
    }
}

@Suite("Iceberg table writer output")
struct TableWriterOutputTests {
    static func properties() -> WriterProperties {
        var properties = WriterProperties()
        properties.rowGroupRows = 3_000
        properties.dataPageSize = 8 << 10
        properties.codec = .uncompressed
        return properties
    }

    @Test("the writer's parts reach the file in order, each byte once; every row reads back")
    func partsInOrder() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (catalog, id) = try await makeEventsTable(in: directory)
        let table = try await catalog.loadTable(id)
        let io = RecordingDataFileIO()
        var properties = Self.properties()
        // 10,000 distinct ids a row group: an 80 KB dictionary page, handed over whole, between
        // gathered headers and small pages, so a drain carries several parts.
        properties.rowGroupRows = 10_000
        let writer = try TableWriter(metadata: table.metadata, io: io, properties: properties)
        for start in stride(from: 0, to: 120_000, by: 1_000) { try await writer.write(try eventBatch(start..<(start + 1_000))) }
        let files = try await writer.close()
        #expect(files.count == 3)
        let writes = io.writes.withLock { $0 }
        #expect(writes.allSatisfy { $0 > 0 })
        #expect(writes.contains { $0 >= 64 << 10 }, "no page was handed over whole")
        #expect(Int64(writes.reduce(0, +)) == files.reduce(0) { $0 + $1.fileSizeInBytes }, "every byte written once")
        for file in files {
            let onDisk = try FileManager.default.attributesOfItem(atPath: LocalFileIOPath.strip(file.filePath))[.size] as? Int
            #expect(onDisk.map(Int64.init) == file.fileSizeInBytes)
            #expect(try ParquetReader(path: LocalFileIOPath.strip(file.filePath)).metadata.rowGroups.count == 4)
            #expect(file.recordCount == 40_000)
        }
        let next = try await commitFiles(table, files)
        #expect(rows(try await next.scan().readAll()) == rows([try eventBatch(0..<120_000)]))
    }

    @Test("a write that fails after row groups reached the file, or an abort, leaves no file at all",
          arguments: [3, 9, nil])
    func failedWrite(failAt: Int?) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (catalog, id) = try await makeEventsTable(in: directory)
        let table = try await catalog.loadTable(id)
        let io = RecordingDataFileIO(failAtWrite: failAt)
        let writer = try TableWriter(metadata: table.metadata, io: io, properties: Self.properties(), targetFileSize: 20_000)
        var failed = false
        do {
            for start in stride(from: 0, to: 36_000, by: 1_000) { try await writer.write(try eventBatch(start..<(start + 1_000))) }
        } catch {
            failed = true
        }
        #expect(failed == (failAt != nil))
        if failAt == nil {
            // Files rolled at the target size are complete and published before the abort.
            #expect(dataFilesOnDisk(table.metadata).count >= 6, "\(dataFilesOnDisk(table.metadata))")
            await writer.abort()
        } else {
            #expect(io.writes.withLock { $0.count } == failAt)
        }
        // Written parts of open files, finished (rolled) files and temporaries: all gone.
        #expect(dataFilesOnDisk(table.metadata).isEmpty, "\(dataFilesOnDisk(table.metadata))")
        await #expect(throws: IcebergError.self) { _ = try await writer.close() }
    }
}
