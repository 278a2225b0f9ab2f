import Foundation
import IcebergKit
import LakeColumnar
import LakeTestSupport
import ParquetWriter
import Testing

/// Writes `batch` into data files of `metadata`'s table (not committed).
func writeFiles(_ metadata: TableMetadata, _ batch: RecordBatch, targetFileSize: Int64 = 128 << 20) throws -> [DataFile] {
    let writer = try TableWriter(metadata: metadata, targetFileSize: targetFileSize)
    try writer.write(batch)
    return try writer.close()
}

/// Data files under the table's data directory, as paths.
func dataFilesOnDisk(_ metadata: TableMetadata) -> [String] {
    let root = LocalFileIO.localPath(metadata.location) + "/data"
    guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
    return walker.compactMap { $0 as? String }.filter { $0.hasSuffix(".parquet") }.sorted()
}

@Suite("Iceberg table writer")
struct TableWriterTests {
    @Test("rows go to their partition's file; every file holds only its partition; nothing is lost")
    func routing() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (catalog, id) = try makeEventsTable(in: directory)
        let metadata = try catalog.loadTable(id).metadata
        let batch = try eventBatch(0..<3000)
        let writer = try TableWriter(metadata: metadata)
        // Several batches, one partition and mixed ones.
        try writer.write(batch.slice(0..<1))
        try writer.write(batch.slice(1..<2000))
        try writer.write(batch.slice(2000..<3000))
        let files = try writer.close()
        #expect(files.count == 3, "one file per day")
        #expect(files.reduce(0) { $0 + $1.recordCount } == 3000)
        for file in files {
            let reader = try ParquetReader(path: LocalFileIO.localPath(file.filePath))
            var days = Set<Int32>()
            var it = try reader.batches(columns: .names(["day"]))
            while let b = try it.next() {
                guard case let .int32(c) = b.columns[0] else { continue }
                days.formUnion(c.optionals.compactMap { $0 })
            }
            #expect(days == Set(file.partition.compactMap { if case let .int32(d)? = $0 { return d } else { return nil } }))
        }
        // Committed, the table reads back every row.
        let (next, _) = try FastAppend().commit(files, base: metadata, baseLocation: try catalog.loadTable(id).metadataLocation, nowMs: 1)
        #expect(rows(try TableScan(metadata: next).read()) == rows([batch]))
    }

    @Test("files roll over at the target size; no file grows far past it")
    func rolling() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (catalog, id) = try makeEventsTable(in: directory)
        let metadata = try catalog.loadTable(id).metadata
        var properties = WriterProperties()
        properties.rowGroupRows = 2000
        properties.codec = .uncompressed
        let writer = try TableWriter(metadata: metadata, properties: properties, targetFileSize: 40_000)
        for start in stride(from: 0, to: 60_000, by: 1000) { try writer.write(try eventBatch(start..<(start + 1000))) }
        let files = try writer.close()
        #expect(files.reduce(0) { $0 + $1.recordCount } == 60_000)
        #expect(files.count >= 6, "\(files.count) files for 3 days")
        // Closed once past the target: at most one batch's share (about 333 rows) beyond it.
        #expect(files.allSatisfy { $0.fileSizeInBytes < 40_000 + 12_000 }, "\(files.map(\.fileSizeInBytes))")
        #expect(Set(files.map(\.filePath)).count == files.count)
    }

    @Test("more partitions than open files: the oldest is closed, rows stay in their partitions")
    func manyPartitions() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let catalog = try SQLiteCatalog(path: directory.file("catalog.db"), warehouse: "file://" + directory.path)
        try catalog.createNamespace("logs", properties: [:])
        let id = TableIdentifier(namespace: "logs", name: "by_status")
        let table = try catalog.createTable(id, schema: eventSchema,
                                            spec: PartitionSpec(fields: [PartitionField(sourceID: 1, fieldID: 1000, name: "id_bucket",
                                                                                        transform: .bucket(12))]))
        let writer = try TableWriter(metadata: table.metadata, maximumOpenFiles: 3)
        for start in stride(from: 0, to: 1200, by: 100) { try writer.write(try eventBatch(start..<(start + 100))) }
        let files = try writer.close()
        #expect(files.reduce(0) { $0 + $1.recordCount } == 1200)
        #expect(Set(files.map(\.partition)).count == 12)
        let (next, _) = try FastAppend().commit(files, base: table.metadata, baseLocation: table.metadataLocation, nowMs: 1)
        #expect(rows(try TableScan(metadata: next).read()) == rows([try eventBatch(0..<1200)]))
        // Every file's rows hash to its bucket.
        for file in files {
            let reader = try ParquetReader(path: LocalFileIO.localPath(file.filePath))
            var it = try reader.batches(columns: .names(["id"]))
            while let b = try it.next() {
                for r in 0..<b.rowCount {
                    let bucket = try Transform.bucket(12).apply(b.columns[0].scalar(at: r), type: .int64)
                    #expect(bucket == file.partition[0])
                }
            }
        }
    }

    @Test("an abandoned append or writer leaves no data files and no snapshot")
    func abandon() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (catalog, id) = try makeEventsTable(in: directory)
        let before = try catalog.loadTable(id)
        do {
            let append = try AppendTransaction(catalog: catalog, table: id)
            try append.write(try eventBatch(0..<500))
            append.abort()
            #expect(throws: IcebergError.self) { try append.commit() }
        }
        do {
            let writer = try TableWriter(metadata: before.metadata, targetFileSize: 2_000)
            for start in stride(from: 0, to: 3000, by: 500) { try writer.write(try eventBatch(start..<(start + 500))) }
            // Released without close: deinit abandons it.
        }
        do {
            let append = try AppendTransaction(catalog: catalog, table: id)
            try append.write(try eventBatch(0..<500))
            // A batch of another schema fails with a typed error; the append then cleans up.
            let other = try RecordBatch(schema: Schema(fields: [Field(name: "x", id: 9, type: .int64)]),
                                        columns: [.int64(PrimitiveColumn<Int64>(values: [1]))])
            #expect(throws: IcebergError.self) { try append.write(other) }
        }
        #expect(dataFilesOnDisk(before.metadata).isEmpty)
        #expect(try catalog.loadTable(id).metadataLocation == before.metadataLocation)
    }

    @Test("a streamed append commits one snapshot of every batch")
    func streamedAppend() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (catalog, id) = try makeEventsTable(in: directory)
        let append = try AppendTransaction(catalog: catalog, table: id)
        for start in stride(from: 0, to: 5000, by: 250) { try append.write(try eventBatch(start..<(start + 250))) }
        let table = try append.commit()
        #expect(table.metadata.snapshots.count == 1)
        #expect(table.metadata.currentSnapshot?.summary["added-records"] == "5000")
        #expect(table.metadata.currentSnapshot?.summary["added-data-files"] == "3")
        #expect(rows(try TableScan(metadata: table.metadata).read()) == rows([try eventBatch(0..<5000)]))
    }
}
