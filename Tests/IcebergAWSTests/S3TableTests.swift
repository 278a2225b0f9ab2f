import Foundation
import IcebergAWS
import IcebergKit
import LakeAWS
import LakeColumnar
import LakeTestSupport
import Testing

let eventSchema = IcebergSchema(fields: [
    NestedField(id: 1, name: "id", required: true, type: .long),
    NestedField(id: 2, name: "day", required: false, type: .date),
    NestedField(id: 3, name: "status", required: false, type: .int),
])

func eventBatch(_ range: Range<Int>) throws -> RecordBatch {
    try RecordBatch(schema: eventSchema.columnarSchema(), columns: [
        .int64(PrimitiveColumn<Int64>(values: range.map(Int64.init))),
        .int32(PrimitiveColumn<Int32>(range.map { Int32(19_700 + $0 % 3) })),
        .int32(PrimitiveColumn<Int32>(range.map { $0 % 9 == 0 ? nil : Int32(200 + ($0 % 4) * 100) })),
    ])
}

/// The rows of `batches` as scalars, ordered by the first column (the id).
func rows(_ batches: [RecordBatch]) -> [[Scalar?]] {
    batches.flatMap { b in (0..<b.rowCount).map { r in b.columns.map { $0.scalar(at: r) } } }.sorted { a, b in
        guard case let .int64(x)?? = a.first, case let .int64(y)?? = b.first else { return false }
        return x < y
    }
}

/// The expected rows of ids in `ids`.
func eventRows(_ ids: [Int]) throws -> [[Scalar?]] {
    try ids.flatMap { try rows([eventBatch($0..<($0 + 1))]) }
}

/// IcebergKit, unchanged, on S3: a SQLite catalog whose warehouse is an S3 bucket.
@Suite("Iceberg tables on S3", .enabled(if: S3TestServer.enabled), .serialized)
struct S3TableTests {
    @Test("create, append, scan, time travel and a position delete through S3FileIO", arguments: S3TestServer.selected)
    func tableOnS3(_ server: S3TestServer) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let recorder = RecordingTransport()
        let client = try server.client(transport: recorder)
        let bucket = try await server.newBucket(client, "iceberg")
        let io = S3FileIO(client: client)
        let catalog = try SQLiteCatalog(path: directory.file("catalog.db"), warehouse: "s3://\(bucket)/wh", io: io)
        try await catalog.createNamespace("logs")
        let id = TableIdentifier(namespace: "logs", name: "events")
        let created = try await catalog.createTable(id, schema: eventSchema,
                                                    spec: PartitionSpec(fields: [PartitionField(sourceID: 2, fieldID: 1000, name: "day",
                                                                                                transform: .identity)]))
        #expect(created.metadata.location == "s3://\(bucket)/wh/logs.db/events")
        #expect(created.metadataLocation.hasPrefix("s3://\(bucket)/wh/logs.db/events/metadata/00000-"))

        let first = try await created.append([try eventBatch(0..<30)])
        let second = try await first.append([try eventBatch(30..<45), try eventBatch(45..<50)])
        let loaded = try await catalog.loadTable(id)
        #expect(loaded.metadataLocation == second.metadataLocation)
        #expect(loaded.metadata.snapshots.count == 2)
        #expect(rows(try await loaded.scan().readAll()) == (try eventRows(Array(0..<50))))
        // Time travel to the first snapshot.
        let firstSnapshot = try #require(first.metadata.currentSnapshotID)
        #expect(rows(try await loaded.scan(snapshotID: firstSnapshot).readAll()) == (try eventRows(Array(0..<30))))
        // A projected scan.
        let projected = try await loaded.scan(columns: ["id"]).readAll()
        #expect(projected.reduce(0) { $0 + $1.rowCount } == 50 && projected.allSatisfy { $0.columns.count == 1 })

        // Position deletes of ids 0 and 3 (day 19700, first append) and 31 (day 19701, second
        // append): one delete file per partition, rows named by data file and position. Each
        // partition's file holds its rows in arrival order, so a row's position is its rank
        // among the ids of its day in that append.
        let tasks = try await loaded.scan().planFiles()
        #expect(tasks.count == 6, "three days × two appends")
        for task in tasks {
            #expect(try await io.newInputFile(task.file.filePath).length() == task.file.fileSizeInBytes, "\(task.file.filePath)")
        }
        var deletes: [Int32: [String: [Int64]]] = [:]
        for (id, range, sequence) in [(0, 0..<30, Int64(1)), (3, 0..<30, 1), (31, 30..<50, 2)] {
            let day = Int32(19_700 + id % 3)
            let task = try #require(tasks.first { $0.file.partition == [.int32(day)] && $0.dataSequenceNumber == sequence },
                                    "no data file of day \(day) in append \(sequence)")
            #expect(task.file.filePath.contains("/data/day="), "\(task.file.filePath)")
            let position = Int64(range.filter { $0 % 3 == id % 3 && $0 < id }.count)
            deletes[day, default: [:]][task.file.filePath, default: []].append(position)
        }
        let delta = loaded.newRowDelta()
        var deleteFiles: [DataFile] = []
        for (day, positions) in deletes.sorted(by: { $0.key < $1.key }) {
            let file = try await DeleteFileWriter(table: loaded).writePositionDeletes(positions, partition: [.int32(day)])
            #expect(file.filePath.hasPrefix("s3://\(bucket)/wh/logs.db/events/"))
            deleteFiles.append(file)
            _ = delta.addDeletes(file)
        }
        let deleted = try await delta.validateDataFilesExist(deletes.values.flatMap(\.keys)).commit()
        let remaining = Array(0..<50).filter { ![0, 3, 31].contains($0) }
        #expect(rows(try await deleted.scan().readAll()) == (try eventRows(remaining)))
        #expect(rows(try await catalog.loadTable(id).scan().readAll()) == (try eventRows(remaining)))
        #expect(deleted.currentSnapshot?.summary["total-position-deletes"] == "3")
        // Time travel still sees the rows before the delete.
        #expect(rows(try await deleted.scan(snapshotID: second.metadata.currentSnapshotID).readAll()) == (try eventRows(Array(0..<50))))

        // Every file of the table is in the bucket; only the catalog database is local.
        let files = try await io.list(prefix: deleted.metadata.location + "/").all().map(\.location)
        #expect(files.filter { $0.hasSuffix(".metadata.json") }.count == 4, "create, two appends, the delete")
        #expect(Set(deleteFiles.map(\.filePath)).isSubset(of: Set(files)))
        #expect(Set(tasks.map(\.file.filePath)).isSubset(of: Set(files)))
        #expect(files.filter { $0.hasSuffix(".avro") }.count >= 6, "manifest lists and manifests")
        let local = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { !$0.hasPrefix("catalog.db") }
        #expect(local.isEmpty, "\(local)")
        // Metadata files were created with If-None-Match; nothing was ever overwritten.
        let puts = recorder.requests.filter { $0.operation == "PutObject" || $0.operation == "CompleteMultipartUpload" }
        #expect(!puts.isEmpty && puts.allSatisfy { $0.header("If-None-Match") == "*" },
                "\(puts.filter { $0.header("If-None-Match") != "*" }.map { "\($0.operation) \($0.url) \($0.headers)" })")

        // Dropping with purge deletes every object under the table's location.
        try await catalog.dropTable(id, purge: true)
        #expect(try await io.list(prefix: deleted.metadata.location + "/").all().isEmpty)
    }
}
