import Foundation
import IcebergAWS
import IcebergKit
import LakeAWS
import LakeTestSupport
import Testing

/// Orphan removal on S3 also aborts the multipart uploads a crashed writer left under the table.
@Suite("Incomplete uploads on S3", .enabled(if: S3TestServer.enabled), .serialized)
struct S3IncompleteUploadTests {
    @Test("remove-orphans aborts abandoned multipart uploads under the table older than the threshold; a dry run, a younger upload and one outside the table are kept",
          arguments: S3TestServer.selected)
    func abandonedUploadsAborted(_ server: S3TestServer) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let client = try server.client()
        let bucket = try await server.newBucket(client, "sweep")
        let io = S3FileIO(client: client)
        let catalog = try SQLiteCatalog(path: directory.file("catalog.db"), warehouse: "s3://\(bucket)/wh", io: io)
        try await catalog.createNamespace("logs")
        let table = try await catalog.createTable(TableIdentifier(namespace: "logs", name: "events"), schema: eventSchema)
            .append([try eventBatch(0..<20)])

        // What a writer killed mid-file leaves: an upload begun, one part sent, never completed.
        // One under the table's data, one in another table's folder next to it.
        let abandonedKey = "wh/logs.db/events/data/00000-crashed.parquet"
        let abandoned = try await client.createMultipartUpload(bucket: bucket, key: abandonedKey)
        _ = try await client.uploadPart(bucket: bucket, key: abandonedKey, uploadID: abandoned, partNumber: 1, body: Array(repeating: 7, count: 1024))
        let otherKey = "wh/logs.db/events_other/data/00000-other.parquet"
        let other = try await client.createMultipartUpload(bucket: bucket, key: otherKey)
        func uploads() async throws -> Set<String> { Set(try await client.listMultipartUploads(bucket: bucket).map(\.uploadID)) }
        #expect(try await uploads() == [abandoned, other])

        // S3 stamps `Initiated` at whole seconds on some servers: a threshold a minute ahead
        // makes both uploads old, one three days back makes them young.
        // moto answers every upload's `Initiated` with a fixed 2010 date, so an upload's youth
        // can only be checked on SeaweedFS, which stamps the real time as S3 does.
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        if server != .moto {
            let young = try await table.removeOrphanFiles().olderThan(now - 3 * 86_400_000).execute()
            #expect(young.incompleteWrites.isEmpty && young.orphans.isEmpty)
            #expect(try await uploads() == [abandoned, other], "an upload younger than the threshold may be a write in flight")
        }

        let dry = try await table.removeOrphanFiles().olderThan(now + 60_000).dryRun().execute()
        #expect(dry.incompleteWrites.map(\.id) == [abandoned])
        #expect(dry.incompleteWrites.map(\.location) == ["s3://\(bucket)/\(abandonedKey)"])
        #expect(try await uploads() == [abandoned, other], "a dry run aborts nothing")

        let swept = try await table.removeOrphanFiles().olderThan(now + 60_000).execute()
        #expect(swept.incompleteWrites.map(\.id) == [abandoned])
        #expect(swept.failedAborts.isEmpty)
        #expect(swept.orphans.isEmpty, "every object under the table is referenced")
        #expect(try await uploads() == [other], "the abandoned upload is gone, the other table's is not touched")
        #expect(try await catalog.loadTable(table.identifier).scan().readAll().reduce(0) { $0 + $1.rowCount } == 20)

        // Aborting again (another sweeper got there first) is not an error.
        try await io.abort(IncompleteWrite(location: "s3://\(bucket)/\(abandonedKey)", id: abandoned, startedMs: nil))
        try await client.abortMultipartUpload(bucket: bucket, key: otherKey, uploadID: other)
    }
}
