import Foundation
import IcebergAWS
import IcebergKit
import LakeAWS
import LakeColumnar
import LakeTestSupport
import Synchronization
import Testing

/// An S3 transport with faults on chosen requests (by operation, as ``RecordedRequest`` names
/// them, and optionally a URL fragment): after `skip` matching requests, the next `times` ones
/// get the fault. Everything else passes to `inner`.
final class S3FaultTransport: HTTPTransport {
    enum Fault: Sendable, Equatable {
        /// Never sent; answered with this status and an S3 `InternalError` body (retryable).
        case status(Int)
        /// Never sent; the caller sees a transport error (a connection reset before sending).
        case reset
        /// Sent and applied by the server; the caller sees a transport error (the answer lost).
        case dropAnswer
    }

    private let inner: any HTTPTransport
    private let operation: String
    private let urlContains: String?
    private let skip: Int
    private let times: Int
    private let fault: Fault
    private let matched = Mutex(0)

    init(_ inner: any HTTPTransport, operation: String, urlContains: String? = nil, skip: Int = 0, times: Int = 1, fault: Fault) {
        self.inner = inner
        self.operation = operation
        self.urlContains = urlContains
        self.skip = skip
        self.times = times
        self.fault = fault
    }

    /// How many requests got the fault.
    var injected: Int { matched.withLock { max(0, min($0 - skip, times)) } }

    func send(_ request: HTTPRequest, timeout: Duration, maximumBodySize: Int) async throws(AWSError) -> HTTPResponse {
        let entry = RecordedRequest(method: request.method, url: request.url, headers: request.headers, bodySize: request.body.count,
                                    status: nil, responseHeaders: [])
        var faulty = false
        if entry.operation == operation, urlContains.map({ request.url.contains($0) }) ?? true {
            faulty = matched.withLock { count in
                count += 1
                return count > skip && count - skip <= times
            }
        }
        guard faulty else { return try await inner.send(request, timeout: timeout, maximumBodySize: maximumBodySize) }
        switch fault {
        case let .status(status):
            let body = "<Error><Code>InternalError</Code><Message>test: injected \(status)</Message><RequestId>test</RequestId></Error>"
            return HTTPResponse(status: status, headers: [HeaderField("Content-Type", "application/xml")], body: Array(body.utf8))
        case .reset:
            throw AWSError(.transport, message: "test: connection reset before \(operation) was sent")
        case .dropAnswer:
            _ = try await inner.send(request, timeout: timeout, maximumBodySize: maximumBodySize)
            throw AWSError(.transport, message: "test: timed out waiting for the \(operation) response")
        }
    }

    func download(_ request: HTTPRequest, to path: String, timeout: Duration) async throws(AWSError) -> HTTPResponse {
        try await inner.download(request, to: path, timeout: timeout)
    }
}

let blobSchema = IcebergSchema(fields: [
    NestedField(id: 1, name: "id", required: true, type: .long),
    NestedField(id: 2, name: "payload", required: false, type: .binary),
])

/// `count` rows of `size` random (incompressible) bytes each: a data file of about `count × size` bytes.
func blobBatch(_ range: Range<Int>, size: Int, seed: UInt64) throws -> RecordBatch {
    var random = SeededRandom(seed: seed)
    return try RecordBatch(schema: blobSchema.columnarSchema(), columns: [
        .int64(PrimitiveColumn<Int64>(values: range.map(Int64.init))),
        .binary(BinaryColumn(bytes: range.map { _ in random.bytes(size) })),
    ])
}

/// Faults on S3 (failed and lost part uploads, lost metadata writes) and SSE-KMS on every object
/// of a table, asserted from what the server stored.
@Suite("S3 faults and encryption", .enabled(if: S3TestServer.enabled), .serialized)
struct S3FaultTests {
    @Test("a part whose answer is lost, or that fails once, is retried: the file completes, byte-identical, no upload left",
          arguments: S3TestServer.selected)
    func partRetried(_ server: S3TestServer) async throws {
        for fault in [S3FaultTransport.Fault.dropAnswer, .status(500)] {
            let recorder = RecordingTransport()
            let faults = S3FaultTransport(recorder, operation: "UploadPart", skip: 1, fault: fault)
            let client = try server.client(transport: faults)
            let bucket = try await server.newBucket(client, "part-retry")
            let io = S3FileIO(client: client, partSize: 5 << 20)
            var random = SeededRandom(seed: 21)
            let bytes = random.bytes((12 << 20) + 3)
            let location = "s3://\(bucket)/t/data/retried.parquet"
            let writer = try await io.newOutputFile(location).writer(mode: .createNew)
            for start in stride(from: 0, to: bytes.count, by: 1 << 20) {
                try await writer.write(Array(bytes[start..<min(start + (1 << 20), bytes.count)]))
            }
            try await writer.close()
            #expect(faults.injected == 1, "\(fault)")
            #expect(recorder.count("UploadPart") == (fault == .dropAnswer ? 4 : 3), "\(fault): three parts, the lost one sent twice")
            #expect(recorder.count("AbortMultipartUpload") == 0)
            #expect(try await io.newInputFile(location).read() == bytes, "\(fault)")
            #expect(try await client.listMultipartUploads(bucket: bucket).isEmpty, "\(fault)")
        }
    }

    @Test("a part that keeps failing mid-file aborts the upload: no object, no multipart upload left (S3FileIO and S3Client.uploadFile)",
          arguments: S3TestServer.selected)
    func partFailureAborts(_ server: S3TestServer) async throws {
        for fault in [S3FaultTransport.Fault.status(500), .reset, .dropAnswer] {
            let recorder = RecordingTransport()
            let faults = S3FaultTransport(recorder, operation: "UploadPart", skip: 1, times: .max, fault: fault)
            let client = try server.client(transport: faults, maxAttempts: 2, multipartThreshold: 5 << 20, partSize: 5 << 20)
            let bucket = try await server.newBucket(client, "part-fail")
            let io = S3FileIO(client: client, partSize: 5 << 20)
            var random = SeededRandom(seed: 22)
            let bytes = random.bytes((12 << 20) + 3)
            let location = "s3://\(bucket)/t/data/failed.parquet"
            let writer = try await io.newOutputFile(location).writer(mode: .createNew)
            let error = await icebergError {
                for start in stride(from: 0, to: bytes.count, by: 1 << 20) {
                    try await writer.write(Array(bytes[start..<min(start + (1 << 20), bytes.count)]))
                }
                try await writer.close()
            }
            #expect(error?.kind.ioText?.contains("UploadPart") == true, "\(fault): \(String(describing: error))")
            #expect(error?.path == location)
            #expect(faults.injected == 2, "\(fault): the second part, tried twice")
            #expect(recorder.count("AbortMultipartUpload") == 1, "\(fault)")
            #expect(try await client.listMultipartUploads(bucket: bucket).isEmpty, "\(fault): a stray upload was left")
            #expect(try await io.newInputFile(location).exists() == false)

            // LakeAWS's own multipart path (the CLI's `aws s3 cp`) aborts the same way.
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("part-fail-\(UUID().uuidString)").path
            #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
            defer { try? FileManager.default.removeItem(atPath: path) }
            recorder.reset()
            await #expect(throws: AWSError.self) {
                try await client.uploadFile(path: path, bucket: bucket, key: "cli/failed.bin", encryption: nil)
            }
            #expect(recorder.count("CreateMultipartUpload") == 1 && recorder.count("AbortMultipartUpload") == 1, "\(fault)")
            #expect(try await client.listMultipartUploads(bucket: bucket).isEmpty, "\(fault): uploadFile left an upload")
            #expect(try await client.listAllObjects(bucket: bucket).isEmpty)
        }
    }

    @Test("an append whose data file fails mid-upload commits nothing and leaves no multipart upload",
          arguments: S3TestServer.selected)
    func appendWithFailedPart(_ server: S3TestServer) async throws {
        let recorder = RecordingTransport()
        let faults = S3FaultTransport(recorder, operation: "UploadPart", skip: 1, times: .max, fault: .status(500))
        let client = try server.client(transport: faults, maxAttempts: 2)
        let bucket = try await server.newBucket(client, "append-fail")
        let catalog = StorageCatalog(warehouse: "s3://\(bucket)/wh", io: S3FileIO(client: client, partSize: 5 << 20))
        try await catalog.createNamespace("logs")
        let id = TableIdentifier(namespace: "logs", name: "blobs")
        let created = try await catalog.createTable(id, schema: blobSchema)
        let error = await icebergError { _ = try await created.append([try blobBatch(0..<1400, size: 8 << 10, seed: 1)]) }
        #expect(error != nil)
        #expect(faults.injected == 2)
        #expect(try await client.listMultipartUploads(bucket: bucket).isEmpty, "a stray upload was left")
        let loaded = try await catalog.loadTable(id)
        #expect(loaded.metadataLocation == created.metadataLocation)
        #expect(loaded.metadata.snapshots.isEmpty)
        let data = try await catalog.io.list(prefix: "s3://\(bucket)/wh/logs/blobs/data/").all()
        #expect(data.isEmpty, "\(data.map(\.location))")
    }

    @Test("catalog-less: a metadata PUT whose answer is lost is recognised as applied (rows once); one never sent is commitStateUnknown and the table stays at its base",
          arguments: S3TestServer.selected)
    func lostMetadataWrite(_ server: S3TestServer) async throws {
        let setupClient = try server.client()
        let bucket = try await server.newBucket(setupClient, "lost-commit")
        let warehouse = "s3://\(bucket)/wh"
        let setup = StorageCatalog(warehouse: warehouse, io: S3FileIO(client: setupClient))
        try await setup.createNamespace("logs")
        let id = TableIdentifier(namespace: "logs", name: "events")
        _ = try await setup.createTable(id, schema: eventSchema)

        // Answer lost; LakeAWS retries (412: the first attempt landed) or does not (one attempt):
        // either way the file there is ours, byte for byte, and the commit is in, once.
        var version = 1
        for attempts in [3, 1] {
            let recorder = RecordingTransport()
            let faults = S3FaultTransport(recorder, operation: "PutObject", urlContains: "/v\(version + 1).metadata.json",
                                          fault: .dropAnswer)
            let catalog = StorageCatalog(warehouse: warehouse, io: S3FileIO(client: try server.client(transport: faults, maxAttempts: attempts)))
            let start = (version - 1) * 5
            let appended = try await catalog.loadTable(id).append([try eventBatch(start..<(start + 5))])
            version += 1
            #expect(faults.injected == 1)
            #expect(appended.metadataLocation == "\(warehouse)/logs/events/metadata/v\(version).metadata.json", "attempts \(attempts)")
            let loaded = try await setup.loadTable(id)
            #expect(loaded.metadataLocation == appended.metadataLocation)
            #expect(loaded.metadata.snapshots.count == version - 1, "attempts \(attempts): committed once")
            #expect(rows(try await loaded.scan().readAll()) == (try eventRows(Array(0..<(start + 5)))))
        }

        // Never sent, one attempt: the outcome is unknown to the writer (the request might still
        // land), the table is at its base, and the commit's data files are kept.
        let faults = S3FaultTransport(RecordingTransport(), operation: "PutObject", urlContains: "/v\(version + 1).metadata.json",
                                      fault: .reset)
        let catalog = StorageCatalog(warehouse: warehouse, io: S3FileIO(client: try server.client(transport: faults, maxAttempts: 1)))
        let dataBefore = try await setup.io.list(prefix: "\(warehouse)/logs/events/data/").all().count
        let error = await icebergError { _ = try await catalog.loadTable(id).append([try eventBatch(100..<105)], attempts: 1) }
        guard case .commitStateUnknown? = error?.kind else {
            Issue.record("expected commitStateUnknown, got \(String(describing: error))")
            return
        }
        let loaded = try await setup.loadTable(id)
        #expect(loaded.metadataLocation == "\(warehouse)/logs/events/metadata/v\(version).metadata.json")
        #expect(loaded.metadata.snapshots.count == version - 1)
        #expect(try await setup.io.list(prefix: "\(warehouse)/logs/events/data/").all().count == dataBefore + 1,
                "an unknown outcome keeps the commit's files")
        // The next writer commits on top.
        let next = try await setup.loadTable(id).append([try eventBatch(200..<201)])
        #expect(next.metadataLocation == "\(warehouse)/logs/events/metadata/v\(version + 1).metadata.json")
    }

    // SeaweedFS without a KMS answers SSE-KMS writes with HTTP 500: moto only.
    @Test("SSE-KMS on every object of a table (metadata, manifest lists, manifests, a multipart data file, the version hint) and on copies, as the server stored them",
          arguments: S3TestServer.selected.filter { $0 == .moto })
    func tableEncryption(_ server: S3TestServer) async throws {
        let recorder = RecordingTransport()
        let client = try server.client(transport: recorder)
        let bucket = try await server.newBucket(client, "sse-table")
        let kms = S3Encryption.kms(keyID: "alias/lake")
        let catalog = StorageCatalog(warehouse: "s3://\(bucket)/wh", io: S3FileIO(client: client, partSize: 5 << 20, encryption: kms))
        try await catalog.createNamespace("logs")
        let id = TableIdentifier(namespace: "logs", name: "blobs")
        var table = try await catalog.createTable(id, schema: blobSchema)
        table = try await table.append([try blobBatch(0..<1400, size: 8 << 10, seed: 2)])   // ≈ 11 MiB: three parts
        table = try await table.append([try blobBatch(1400..<1410, size: 100, seed: 3)])    // a single PUT
        #expect(recorder.requests.contains { $0.operation == "CreateMultipartUpload" && $0.url.contains("/data/") })
        #expect(recorder.count("UploadPart") >= 2)

        let objects = try await client.listAllObjects(bucket: bucket)
        let kinds = [".metadata.json", "version-hint.text", "/snap-", "-m0.avro", ".parquet"]
        for kind in kinds {
            #expect(objects.contains { $0.key.contains(kind) }, "no \(kind) object among \(objects.map(\.key))")
        }
        #expect(objects.contains { $0.key.hasSuffix(".parquet") && $0.size > 5 << 20 }, "a data file over one part")
        for object in objects {
            let head = try await client.headObject(bucket: bucket, key: object.key)
            #expect(head.serverSideEncryption == "aws:kms", "\(object.key): \(String(describing: head.serverSideEncryption))")
            #expect(head.kmsKeyID?.contains("lake") == true, "\(object.key): \(String(describing: head.kmsKeyID))")
        }
        // Every write request carried the headers (parts inherit the upload's).
        let writes = recorder.requests.filter { ["PutObject", "CreateMultipartUpload"].contains($0.operation) }
        #expect(writes.count >= objects.count)
        #expect(writes.allSatisfy { $0.header("x-amz-server-side-encryption") == "aws:kms"
            && $0.header("x-amz-server-side-encryption-aws-kms-key-id") == "alias/lake" })

        // Copies: the destination is encrypted as asked, whatever the source was.
        try await client.putObject(bucket: bucket, key: "plain.json", body: Array("{}".utf8))
        #expect(try await client.headObject(bucket: bucket, key: "plain.json").serverSideEncryption == nil)
        try await client.copyObject(from: (bucket, "plain.json"), to: bucket, key: "copied.json", encryption: kms)
        let copied = try await client.headObject(bucket: bucket, key: "copied.json")
        #expect(copied.serverSideEncryption == "aws:kms")
        #expect(copied.kmsKeyID?.contains("lake") == true, "\(String(describing: copied.kmsKeyID))")
        let metadata = try #require(objects.first { $0.key.hasSuffix(".metadata.json") })
        try await client.copyObject(from: (bucket, metadata.key), to: bucket, key: "copied.metadata.json", encryption: kms)
        #expect(try await client.headObject(bucket: bucket, key: "copied.metadata.json").kmsKeyID?.contains("lake") == true)
        #expect(rows(try await catalog.loadTable(id).scan(columns: ["id"]).readAll()).count == 1410)
    }
}
