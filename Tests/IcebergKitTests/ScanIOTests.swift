import Foundation
import IcebergKit
import LakeColumnar
import LakeTestSupport
import ParquetWriter
import Synchronization
import Testing

/// A local ``FileIO`` that counts the bytes read from each file.
final class CountingFileIO: FileIO {
    let base = LocalFileIO()
    let counts = Mutex<[String: Int]>([:])

    func newInputFile(_ location: String) -> any InputFile { CountingInput(inner: base.newInputFile(location), io: self) }
    func newOutputFile(_ location: String) -> any OutputFile { base.newOutputFile(location) }
    func delete(_ location: String) async throws(IcebergError) { try await base.delete(location) }
    func list(prefix: String) -> FileListing { base.list(prefix: prefix) }

    func reset() { counts.withLock { $0.removeAll() } }
    func bytesRead(where predicate: (String) -> Bool) -> Int { counts.withLock { $0.filter { predicate($0.key) }.values.reduce(0, +) } }

    struct CountingInput: InputFile {
        let inner: any InputFile
        let io: CountingFileIO
        var location: String { inner.location }
        func length() async throws(IcebergError) -> Int64 { try await inner.length() }
        func exists() async throws(IcebergError) -> Bool { try await inner.exists() }
        func read(from offset: Int64, count: Int) async throws(IcebergError) -> [UInt8] {
            let bytes = try await inner.read(from: offset, count: count)
            io.counts.withLock { $0[location, default: 0] += bytes.count }
            return bytes
        }
    }
}

@Suite("Scans through FileIO")
struct ScanIOTests {
    static let wideSchema = IcebergSchema(fields: [
        NestedField(id: 1, name: "id", required: false, type: .long),
        NestedField(id: 2, name: "a", required: false, type: .string),
        NestedField(id: 3, name: "b", required: false, type: .string),
        NestedField(id: 4, name: "c", required: false, type: .string),
    ])

    static func wideBatch(_ range: Range<Int>) throws -> RecordBatch {
        var random = SeededRandom(seed: UInt64(range.lowerBound + 1))
        func text() -> BinaryColumn {
            var b = BinaryColumnBuilder()
            for _ in range { b.append((0..<24).map { _ in String(random.next() % 36, radix: 36) }.joined()) }
            return b.finish()
        }
        return try RecordBatch(schema: wideSchema.columnarSchema(), columns: [
            .int64(PrimitiveColumn<Int64>(values: range.map(Int64.init))), .binary(text()), .binary(text()), .binary(text()),
        ])
    }

    @Test("a projected, filtered scan reads only footers and the needed column chunks")
    func bytesRead() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let io = CountingFileIO()
        let catalog = try SQLiteCatalog(path: directory.file("catalog.db"), warehouse: "file://" + directory.path, io: io)
        try await catalog.createNamespace("logs")
        var table = try await catalog.createTable(TableIdentifier(namespace: "logs", name: "wide"), schema: Self.wideSchema)
        var properties = WriterProperties()
        properties.rowGroupRows = 25_000
        for part in [0..<100_000, 100_000..<200_000] {
            let append = try table.newAppend(properties: properties)
            try await append.write(try Self.wideBatch(part))
            table = try await append.commit()
        }
        let files = try await table.scan().planFiles().map(\.file)
        let dataBytes = files.reduce(0) { $0 + Int($1.fileSizeInBytes) }
        io.reset()
        let scan = table.scan(filter: .greaterThanOrEqual("id", .int64(150_000)), columns: ["id"])
        var rows = 0, matching = 0
        for try await batch in scan.batches() {
            rows += batch.rowCount
            matching += (0..<batch.rowCount).filter { scan.filter!.matches(batch, row: $0) }.count
        }
        let read = io.bytesRead { $0.hasSuffix(".parquet") }
        let idChunk = try #require(files.first?.columnSizes[1])
        // One file pruned by its metrics; in the other, 2 of 4 row groups by statistics, and only `id`.
        #expect(matching == 50_000)
        #expect(rows == 50_000)
        #expect(read <= ParquetFooter.suggestedTailSize + Int(idChunk), "read \(read) of \(dataBytes) data bytes")
        #expect(read * 20 < dataBytes, "read \(read) of \(dataBytes) data bytes")
        print("scan read \(read) bytes of \(dataBytes) in data files (id chunks \(idChunk) per file)")
    }

    @Test("the page index prunes within a row group: only candidate pages are fetched and decoded, deletes still apply by position")
    func pageIndexPruning() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let io = CountingFileIO()
        let catalog = try SQLiteCatalog(path: directory.file("catalog.db"), warehouse: "file://" + directory.path, io: io)
        try await catalog.createNamespace("logs")
        var table = try await catalog.createTable(TableIdentifier(namespace: "logs", name: "paged"), schema: Self.wideSchema)
        var properties = WriterProperties()
        properties.rowGroupRows = nil
        properties.dataPageRowLimit = 1_000
        // `a` plain, so the bytes read show the pages; `b` dictionary-encoded until its
        // dictionary overflows (about 40,000 values) and plain after, so the candidate pages
        // straddle the switch.
        properties.columnEncodings["a"] = .plain
        let append = try table.newAppend(properties: properties)
        try await append.write(try Self.wideBatch(0..<100_000))
        table = try await append.commit()
        let file = try #require(try await table.scan().planFiles().first?.file)
        let reader = try ParquetReader(path: LocalFileIOPath.strip(file.filePath))
        #expect(reader.metadata.rowGroups.count == 1, "one row group: row-group statistics cannot prune")
        // A delete inside the candidate pages, one outside.
        let deletes = try await DeleteFileWriter(table: table).writePositionDeletes([file.filePath: [40_500, 90_000]])
        table = try await table.newRowDelta().addDeletes(deletes).commit()

        io.reset()
        let filter = ColumnPredicate.and(.greaterThanOrEqual("id", .int64(40_000)), .lessThan("id", .int64(41_500)))
        let scan = table.scan(filter: filter, columns: ["id", "a"])
        var ids: [Int64] = []
        var texts = 0
        for try await batch in scan.batches() {
            guard case let .int64(column) = batch.columns[0] else { Issue.record("id is not int64"); return }
            ids += column.optionals.compactMap { $0 }
            if case let .binary(a) = batch.columns[1] { texts += (0..<a.count).filter { a.isValid($0) }.count }
        }
        // The two 1,000-row pages that hold ids 40,000…41,499, less the deleted position.
        let expectedIDs = Array(Int64(40_000)..<42_000).filter { $0 != 40_500 }
        #expect(ids.elementsEqual(expectedIDs), "\(ids.count) ids from \(ids.first ?? -1) to \(ids.last ?? -1)")
        #expect(texts == ids.count)
        let read = io.bytesRead { $0 == file.filePath }
        let chunks = Int(file.columnSizes[1] ?? 0) + Int(file.columnSizes[2] ?? 0)
        #expect(read < ParquetFooter.suggestedTailSize + chunks / 10, "read \(read) bytes; the id and a chunks are \(chunks)")
        // Without a filter every row comes back, less the two deletes; the pruned read of `b`
        // holds the same values for the same ids.
        var all = 0
        var expected: [Int64: [UInt8]] = [:]
        for try await batch in table.scan(columns: ["id", "b"]).batches() {
            all += batch.rowCount
            guard case let .int64(id) = batch.columns[0], case let .binary(b) = batch.columns[1] else { continue }
            for row in 0..<batch.rowCount where (39_000..<43_000).contains(id.value(at: row)) { expected[id.value(at: row)] = b.bytes(at: row) }
        }
        #expect(all == 100_000 - 2)
        var compared = 0
        for try await batch in table.scan(filter: filter, columns: ["id", "b"]).batches() {
            guard case let .int64(id) = batch.columns[0], case let .binary(b) = batch.columns[1] else {
                Issue.record("unexpected column types")
                return
            }
            for row in 0..<batch.rowCount {
                #expect(b.bytes(at: row) == expected[id.value(at: row)], "id \(id.value(at: row))")
                compared += 1
            }
        }
        #expect(compared == ids.count)
    }

    @Test("LocalFileIO: ranged reads, create-if-absent, overwrite, abandoned writes leave nothing, listing by prefix")
    func localFileIO() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let io = LocalFileIO()
        let path = "file://" + directory.file("a/b/file.bin")
        try await io.newOutputFile(path).write(Array(0..<100))
        #expect(try await io.newInputFile(path).length() == 100)
        #expect(try await io.newInputFile(path).read(from: 10, count: 5) == [10, 11, 12, 13, 14])
        await #expect(throws: IcebergError.self) { try await io.newInputFile(path).read(from: 98, count: 5) }
        do {
            try await io.newOutputFile(path).write([1])
            Issue.record("createNew replaced a file")
        } catch {
            guard case .alreadyExists = error.kind else { Issue.record("expected alreadyExists, got \(error)"); return }
        }
        try await io.newOutputFile(path).write([7, 8], mode: .overwrite)
        #expect(try await io.newInputFile(path).read() == [7, 8])
        let writer = try await io.newOutputFile(directory.file("a/abandoned.bin")).writer(mode: .createNew)
        try await writer.write([1, 2, 3])
        await writer.abort()
        #expect(try await io.newInputFile(directory.file("a/abandoned.bin")).exists() == false)
        try await io.newOutputFile(directory.file("a/c/other.bin")).write([1])
        let listed = try await io.list(prefix: "file://" + directory.file("a/")).all().map(\.location).sorted()
        #expect(listed == ["file://" + directory.file("a/b/file.bin"), "file://" + directory.file("a/c/other.bin")])
        #expect(try await io.list(prefix: directory.file("a/b")).all().map(\.location) == [directory.file("a/b/file.bin")])
        try await io.delete(path)
        try await io.delete(path)  // already gone: not an error
        #expect(try await io.newInputFile(path).exists() == false)
        await #expect(throws: IcebergError.self) { try await io.newInputFile(path).length() }
    }

    @Test("a data file without field ids is refused, not matched by position", .enabled(if: Interop.enabled))
    func fileWithoutFieldIDs() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (catalog, id) = try await makeEventsTable(in: directory)
        let path = directory.file("foreign.parquet")
        _ = try Interop.runText("""
            import sys, datetime, pyarrow as pa, pyarrow.parquet as pq
            pq.write_table(pa.table({"id": pa.array([1, 2], pa.int64()), "day": [datetime.date(2023, 12, 1)] * 2,
                                     "status": pa.array([200, 404], pa.int32())}), sys.argv[1])
            """, arguments: [path])
        let size = try await LocalFileIO().newInputFile(path).length()
        let table = try await catalog.loadTable(id)
        let append = try table.newAppend()
        try append.appendFile(DataFile(filePath: "file://" + path, partition: [.int32(19_692)], recordCount: 2, fileSizeInBytes: size))
        let committed = try await append.commit()
        do {
            _ = try await committed.scan().readAll()
            Issue.record("a file without field ids was read")
        } catch {
            guard case .unsupported = error.kind else { Issue.record("expected unsupported, got \(error)"); return }
        }
        // The caller's file is still there: registering it never made it the table's to delete.
        #expect(FileManager.default.fileExists(atPath: path))
    }
}
