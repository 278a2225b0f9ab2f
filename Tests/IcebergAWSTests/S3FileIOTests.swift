import Foundation
import IcebergAWS
import IcebergKit
import LakeAWS
import LakeTestSupport
import Testing

/// Locations S3FileIO refuses before sending anything.
@Suite("S3FileIO locations")
struct S3LocationTests {
    @Test("an invalid location is a typed error naming it, and no request is sent")
    func invalidLocations() async throws {
        // Nothing listens on the discard port: a request that went out would fail as I/O instead.
        let configuration = try AWSConfiguration(region: "us-east-1", endpointOverrides: [.s3: "http://127.0.0.1:9"], forcePathStyle: true,
                                                 environment: [:], profile: AWSProfile(name: "test", settings: [:], services: [:]))
        let recorder = RecordingTransport()
        let io = S3FileIO(client: S3Client(configuration: configuration,
                                           credentials: StaticCredentials(AWSCredentials(accessKeyID: "a", secretAccessKey: "b")),
                                           transport: recorder))
        let invalid = ["file:///tmp/x.parquet", "/tmp/x.parquet", "bucket/key", "gs://bucket/key", "S3://bucket/key",
                       "s3://", "s3:///key", "s3://bucket", "s3://bucket/", "s3://bad bucket/key", "s3://bucket?x/key",
                       "s3://bucket/" + String(repeating: "k", count: 1025)]
        for location in invalid {
            for (operation, error) in [
                ("length", await icebergError { _ = try await io.newInputFile(location).length() }),
                ("read", await icebergError { _ = try await io.newInputFile(location).read(from: 0, count: 1) }),
                ("exists", await icebergError { _ = try await io.newInputFile(location).exists() }),
                ("writer", await icebergError { _ = try await io.newOutputFile(location).writer(mode: .overwrite) }),
                ("delete", await icebergError { try await io.delete(location) }),
            ] {
                let error = try #require(error, "\(operation) accepted \(location)")
                #expect(error.kind.isUnsupported && error.path == location, "\(operation) \(location): \(error)")
            }
        }
        let failures = await io.delete(invalid)
        #expect(failures.map(\.location) == invalid)
        #expect(failures.allSatisfy { $0.error.kind.isUnsupported })
        // A listing prefix may stop at the bucket; a foreign scheme may not.
        let listing = await icebergError { _ = try await io.list(prefix: "gs://bucket/prefix").all() }
        #expect(listing?.kind.isUnsupported == true && listing?.path == "gs://bucket/prefix", "\(String(describing: listing))")
        #expect(recorder.requests.isEmpty, "requests went out: \(recorder.requests.map(\.url))")
    }
}

/// S3FileIO against moto and SeaweedFS.
@Suite("S3FileIO against local servers", .enabled(if: S3TestServer.enabled), .serialized)
struct S3FileIOTests {
    @Test("length by one HEAD, ranged reads, reads past the end are errors, missing files", arguments: S3TestServer.selected)
    func rangedReads(_ server: S3TestServer) async throws {
        let recorder = RecordingTransport()
        let client = try server.client(transport: recorder)
        let bucket = try await server.newBucket(client, "reads")
        let io = S3FileIO(client: client)
        var random = SeededRandom(seed: 21)
        let content = random.bytes(300_000)
        let location = "s3://\(bucket)/wh/db.db/t/data/part ü+&=0.parquet"
        try await io.newOutputFile(location).write(content)

        recorder.reset()
        let input = io.newInputFile(location)
        #expect(try await input.length() == Int64(content.count))
        #expect(try await input.length() == Int64(content.count))
        #expect(try await input.exists())
        #expect(recorder.count("HeadObject") == 1, "the length is asked once per input file: \(recorder.requests.map(\.operation))")
        #expect(try await input.read(from: 0, count: 16) == Array(content[0..<16]))
        #expect(try await input.read(from: 123_457, count: 4096) == Array(content[123_457..<(123_457 + 4096)]))
        #expect(try await input.read(from: Int64(content.count - 8), count: 8) == Array(content.suffix(8)))
        #expect(try await input.read(from: Int64(content.count), count: 0) == [])
        #expect(firstDifference(try await input.read(), content) == nil)
        let ranged = recorder.requests.filter { $0.operation == "GetObject" }
        #expect(ranged.count == 4 && ranged.allSatisfy { $0.header("Range") != nil }, "\(ranged.map { $0.header("Range") ?? "whole" })")
        #expect(ranged.first?.header("Range") == "bytes=0-15")

        // Past the end: refused from the known length, and from the server's answers on a file
        // whose length is not known yet (a short 206, a 416).
        let known = await icebergError { _ = try await input.read(from: Int64(content.count - 4), count: 8) }
        #expect(known?.kind.ioText?.contains("past the end") == true && known?.path == location, "\(String(describing: known))")
        let short = await icebergError { _ = try await io.newInputFile(location).read(from: Int64(content.count - 4), count: 8) }
        #expect(short?.kind.ioText?.contains("past the end") == true, "\(String(describing: short))")
        let beyond = await icebergError { _ = try await io.newInputFile(location).read(from: Int64(content.count + 10), count: 5) }
        #expect(beyond?.kind.ioText?.contains("past the end") == true, "\(String(describing: beyond))")
        let negative = await icebergError { _ = try await input.read(from: -1, count: 5) }
        #expect(negative?.kind.ioText != nil)

        // The Hadoop schemes name the same object.
        for scheme in ["s3a", "s3n"] {
            let alias = io.newInputFile(scheme + location.dropFirst(2))
            #expect(try await alias.read(from: 100, count: 50) == Array(content[100..<150]))
        }

        let missing = io.newInputFile("s3://\(bucket)/wh/missing.parquet")
        #expect(try await missing.exists() == false)
        let length = await icebergError { _ = try await missing.length() }
        #expect(length?.kind.isNotFound == true && length?.path == missing.location, "\(String(describing: length))")
        let read = await icebergError { _ = try await missing.read(from: 0, count: 10) }
        #expect(read?.kind.isNotFound == true && read?.path == missing.location, "\(String(describing: read))")
        let noBucket = await icebergError { _ = try await io.newInputFile("s3://no-such-bucket-\(bucket)/k").length() }
        #expect(noBucket?.kind.isNotFound == true, "\(String(describing: noBucket))")
    }

    @Test("createNew never overwrites (single PUT and multipart), overwrite replaces", arguments: S3TestServer.selected)
    func createNewAndOverwrite(_ server: S3TestServer) async throws {
        let recorder = RecordingTransport()
        let client = try server.client(transport: recorder)
        let bucket = try await server.newBucket(client, "create")
        let io = S3FileIO(client: client, partSize: 5 << 20)
        let location = "s3://\(bucket)/t/metadata/00001-a.metadata.json"
        let first = Array("{\"v\": 1}".utf8)
        try await io.newOutputFile(location).write(first, mode: .createNew)
        #expect(recorder.requests.last { $0.operation == "PutObject" }?.header("If-None-Match") == "*")

        let again = await icebergError { try await io.newOutputFile(location).write(Array("{\"v\": 2}".utf8), mode: .createNew) }
        #expect(again?.kind.isAlreadyExists == true && again?.path == location, "\(String(describing: again))")
        #expect(again.map { "\($0)" }?.contains("412") == true, "the HTTP status is kept: \(String(describing: again))")
        #expect(try await io.newInputFile(location).read() == first)

        // A multipart createNew onto an existing key fails at completion and leaves no upload.
        var random = SeededRandom(seed: 3)
        let big = random.bytes((5 << 20) + 1000)
        let multipart = await icebergError { try await io.newOutputFile(location).write(big, mode: .createNew) }
        #expect(multipart?.kind.isAlreadyExists == true && multipart?.path == location, "\(String(describing: multipart))")
        #expect(recorder.count("UploadPart") == 2, "\(recorder.requests.map(\.operation))")
        #expect(recorder.requests.last { $0.operation == "CompleteMultipartUpload" }?.header("If-None-Match") == "*")
        #expect(try await io.newInputFile(location).read() == first)
        #expect(try await server.multipartUploads(client, bucket: bucket).isEmpty)

        // Overwrite replaces, small or multipart.
        let second = Array("{\"v\": 3}".utf8)
        try await io.newOutputFile(location).write(second, mode: .overwrite)
        #expect(try await io.newInputFile(location).read() == second)
        try await io.newOutputFile(location).write(big, mode: .overwrite)
        #expect(firstDifference(try await io.newInputFile(location).read(), big) == nil)
        #expect(recorder.requests.last { $0.operation == "CompleteMultipartUpload" }?.header("If-None-Match") == nil)

        // A multipart createNew on a new key publishes.
        let fresh = "s3://\(bucket)/t/data/fresh.parquet"
        try await io.newOutputFile(fresh).write(big, mode: .createNew)
        #expect(firstDifference(try await io.newInputFile(fresh).read(), big) == nil)
    }

    @Test("a 12 MiB file streams up in 5 MiB parts as they fill and reads back byte-identical", arguments: S3TestServer.selected)
    func multipartRoundTrip(_ server: S3TestServer) async throws {
        let recorder = RecordingTransport()
        let client = try server.client(transport: recorder)
        let bucket = try await server.newBucket(client, "multipart")
        let partSize = 5 << 20
        let io = S3FileIO(client: client, partSize: partSize)
        var random = SeededRandom(seed: 12)
        let content = random.bytes((12 << 20) + 12_345)
        let location = "s3://\(bucket)/t/data/big.parquet"

        recorder.reset()
        let writer = try await io.newOutputFile(location).writer(mode: .createNew)
        let chunk = 1_000_003
        var offset = 0
        var partsWhenFirstFilled: Int?
        while offset < content.count {
            let end = min(offset + chunk, content.count)
            try await writer.write(Array(content[offset..<end]))
            offset = end
            #expect(writer.position == Int64(offset))
            if partsWhenFirstFilled == nil, offset > partSize { partsWhenFirstFilled = recorder.count("UploadPart") }
        }
        // Streaming: the first part went up as soon as it filled, before the rest was written.
        #expect(partsWhenFirstFilled == 1)
        #expect(recorder.count("UploadPart") == 2, "two full parts before close")
        #expect(try await io.newInputFile(location).exists() == false, "nothing is visible before close")
        try await writer.close()
        #expect(recorder.count("CreateMultipartUpload") == 1)
        #expect(recorder.count("UploadPart") == 3)
        #expect(recorder.count("CompleteMultipartUpload") == 1)
        #expect(recorder.count("PutObject") == 0)
        let partSizes = recorder.requests.filter { $0.operation == "UploadPart" }.map(\.bodySize)
        #expect(partSizes == [partSize, partSize, content.count - 2 * partSize], "\(partSizes)")

        let info = try await client.headObject(bucket: bucket, key: "t/data/big.parquet")
        #expect(info.size == Int64(content.count))
        #expect(info.eTag?.contains("-3") == true, "a three-part upload's ETag ends in -3: \(info.eTag ?? "nil")")
        let input = io.newInputFile(location)
        #expect(firstDifference(try await input.read(), content) == nil)
        // A range across the first part boundary.
        #expect(try await input.read(from: Int64(partSize - 100), count: 200) == Array(content[(partSize - 100)..<(partSize + 100)]))
        // A write after close is refused.
        let late = await icebergError { try await writer.write([1]) }
        #expect(late?.kind.ioText != nil)
    }

    @Test("abort leaves no object and no multipart upload", arguments: S3TestServer.selected)
    func abortLeavesNothing(_ server: S3TestServer) async throws {
        let recorder = RecordingTransport()
        let client = try server.client(transport: recorder)
        let bucket = try await server.newBucket(client, "abort")
        let io = S3FileIO(client: client, partSize: 5 << 20)
        var random = SeededRandom(seed: 6)
        let location = "s3://\(bucket)/t/data/aborted.parquet"

        let writer = try await io.newOutputFile(location).writer(mode: .createNew)
        try await writer.write(random.bytes(6 << 20))
        #expect(recorder.count("UploadPart") == 1)
        #expect(try await server.multipartUploads(client, bucket: bucket) == ["t/data/aborted.parquet"])
        await writer.abort()
        #expect(recorder.count("AbortMultipartUpload") == 1)
        #expect(try await server.multipartUploads(client, bucket: bucket).isEmpty)
        #expect(try await io.newInputFile(location).exists() == false)
        let after = await icebergError { try await writer.write([1]) }
        #expect(after?.kind.ioText?.contains("aborted") == true, "\(String(describing: after))")
        let close = await icebergError { try await writer.close() }
        #expect(close?.kind.ioText != nil)

        // A small file never left the process.
        recorder.reset()
        let small = try await io.newOutputFile(location).writer(mode: .createNew)
        try await small.write([1, 2, 3])
        await small.abort()
        #expect(recorder.requests.isEmpty)
        #expect(try await io.newInputFile(location).exists() == false)
        #expect(try await io.list(prefix: "s3://\(bucket)/").all().isEmpty)
    }

    @Test("listing pages through more than 1,000 keys; batch delete removes them", arguments: S3TestServer.selected)
    func listingAndBatchDelete(_ server: S3TestServer) async throws {
        let recorder = RecordingTransport()
        let client = try server.client(transport: recorder)
        let bucket = try await server.newBucket(client, "list")
        let io = S3FileIO(client: client)
        let data = (0..<1005).map { "s3://\(bucket)/t/data/\(String(format: "%05d", $0)).parquet" }
        let metadata = (1...3).map { "s3://\(bucket)/t/metadata/0000\($0).metadata.json" }
        let outside = "s3://\(bucket)/t2/data/other.parquet"
        let sizes = Dictionary(uniqueKeysWithValues: (data + metadata + [outside]).enumerated().map { ($1, $0 % 17 + 1) })
        let start = Int64(Date().timeIntervalSince1970 * 1000)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (i, location) in (data + metadata + [outside]).enumerated() {
                if i >= 16 { try await group.next() }
                group.addTask { try await io.newOutputFile(location).write([UInt8](repeating: 7, count: sizes[location] ?? 0)) }
            }
            try await group.waitForAll()
        }

        var pages: [[FileInfo]] = []
        for try await page in io.list(prefix: "s3://\(bucket)/t/") { pages.append(page) }
        #expect(pages.map(\.count) == [1000, 8], "pages of the server's default size")
        let files = pages.flatMap { $0 }
        #expect(files.map(\.location).sorted() == (data + metadata).sorted())
        #expect(files.allSatisfy { Int($0.size) == sizes[$0.location] })
        // S3 keeps whole seconds on some servers: allow for the truncation and a slow run.
        #expect(files.allSatisfy { $0.lastModifiedMs >= start - 2000 && $0.lastModifiedMs <= start + 600_000 },
                "\(files.first.map { "\($0.lastModifiedMs) vs \(start)" } ?? "")")

        let small = S3FileIO(client: client, listPageSize: 300)
        var smallPages: [Int] = []
        for try await page in small.list(prefix: "s3://\(bucket)/t/") { smallPages.append(page.count) }
        #expect(smallPages == [300, 300, 300, 108])
        let aliased = try await io.list(prefix: "s3a://\(bucket)/t/metadata/").all()
        #expect(aliased.map(\.location).sorted() == metadata.map { "s3a" + $0.dropFirst(2) })
        #expect(try await io.list(prefix: "s3://\(bucket)/nothing/").all().isEmpty)
        #expect(try await io.list(prefix: "s3://\(bucket)").all().count == 1009)

        // Batch delete: two DeleteObjects requests for 1,009 keys; a missing key is not a
        // failure, an invalid location is.
        recorder.reset()
        let missing = "s3://\(bucket)/t/data/never-written.parquet"
        let failures = await io.delete(data + metadata + [missing, "gs://elsewhere/x"])
        #expect(failures.map(\.location) == ["gs://elsewhere/x"])
        #expect(recorder.count("DeleteObjects") == 2)
        #expect(try await io.list(prefix: "s3://\(bucket)/").all().map(\.location) == [outside])
        try await io.delete(outside)
        try await io.delete(outside)
        try await io.delete(missing)
        #expect(try await io.list(prefix: "s3://\(bucket)/").all().isEmpty)
    }

    // SeaweedFS without a KMS answers SSE-KMS writes with HTTP 500: moto only.
    @Test("SSE-KMS is requested on every PUT and multipart create", arguments: S3TestServer.selected.filter { $0 == .moto })
    func encryption(_ server: S3TestServer) async throws {
        let recorder = RecordingTransport()
        let client = try server.client(transport: recorder)
        let bucket = try await server.newBucket(client, "sse")
        let io = S3FileIO(client: client, partSize: 5 << 20, encryption: .kms(keyID: "alias/lake"))
        var random = SeededRandom(seed: 8)
        let big = random.bytes((5 << 20) + 10)
        recorder.reset()
        try await io.newOutputFile("s3://\(bucket)/t/metadata/00000-a.metadata.json").write(Array("{}".utf8))
        try await io.newOutputFile("s3://\(bucket)/t/data/big.parquet").write(big)
        let writes = recorder.requests.filter { ["PutObject", "CreateMultipartUpload"].contains($0.operation) }
        #expect(writes.map(\.operation) == ["PutObject", "CreateMultipartUpload"])
        for write in writes {
            #expect(write.header("x-amz-server-side-encryption") == "aws:kms", "\(write.operation)")
            #expect(write.header("x-amz-server-side-encryption-aws-kms-key-id") == "alias/lake", "\(write.operation)")
        }
        // The server stored the encryption and reports it back.
        for key in ["t/metadata/00000-a.metadata.json", "t/data/big.parquet"] {
            recorder.reset()
            _ = try await client.headObject(bucket: bucket, key: key)
            #expect(recorder.requests.last?.responseHeader("x-amz-server-side-encryption") == "aws:kms", "\(key)")
            #expect(recorder.requests.last?.responseHeader("x-amz-server-side-encryption-aws-kms-key-id")?.contains("lake") == true,
                    "\(recorder.requests.last?.responseHeaders ?? [])")
        }
    }

    @Test("an AWS error keeps its text and HTTP status; the location is the error's path",
          .enabled(if: S3TestServer.selected.contains(.seaweed)))
    func errorsKeepTheirCause() async throws {
        let io = S3FileIO(client: try S3TestServer.seaweed.client(secret: "not-the-secret"))
        let location = "s3://anything/t/metadata/v1.metadata.json"
        let error = try #require(await icebergError { _ = try await io.newInputFile(location).read(from: 0, count: 4) })
        let text = try #require(error.kind.ioText, "\(error)")
        #expect(text.contains("HTTP 403") && text.contains("SignatureDoesNotMatch") && text.contains("GetObject"), "\(text)")
        #expect(!text.contains("not-the-secret"))
        #expect(error.path == location)
    }
}
