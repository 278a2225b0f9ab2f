import Foundation
import LakeAWS
import LakeTestSupport
import Testing

/// S3 operations against moto (functional) and SeaweedFS (which checks signatures).
@Suite("S3 against local servers", .enabled(if: AWSTestServers.enabled), .serialized)
struct S3ServerTests {
    static let motoCredentials = StaticCredentials(AWSCredentials(accessKeyID: "testing", secretAccessKey: "testing"))

    func moto() throws -> S3Client {
        S3Client(configuration: try AWSTestServers.configuration(try AWSTestServers.require(AWSTestServers.moto, "moto")),
                 credentials: Self.motoCredentials, multipartThreshold: 6 << 20, partSize: 5 << 20)
    }

    func seaweed(secret: String? = nil, transport: any HTTPTransport = AsyncHTTPClientTransport()) throws -> S3Client {
        let environment = AWSTestServers.environment
        let credentials = AWSCredentials(accessKeyID: environment["LAKEHOUSE_SEAWEED_KEY"] ?? "",
                                         secretAccessKey: secret ?? environment["LAKEHOUSE_SEAWEED_SECRET"] ?? "")
        return S3Client(configuration: try AWSTestServers.configuration(try AWSTestServers.require(AWSTestServers.seaweed, "SeaweedFS")),
                        credentials: StaticCredentials(credentials), transport: transport)
    }

    @Test("objects: put, get, range, head, conditional writes, copy, delete")
    func objects() async throws {
        let s3 = try moto()
        let bucket = AWSTestServers.uniqueName("lake")
        try await s3.createBucket(bucket)
        let key = "silver/metadata/00001 ü+&.json"
        let body = Array("{\"format-version\": 2}".utf8)
        let tag = try await s3.putObject(bucket: bucket, key: key, body: body, condition: .ifNoneMatch, contentType: "application/json")
        #expect(tag != nil)
        let (info, read) = try await s3.getObject(bucket: bucket, key: key)
        #expect(read == body)
        #expect(info.eTag == tag)
        #expect(try await s3.getObject(bucket: bucket, key: key, range: 2...7).body == Array(body[2...7]))
        #expect(try await s3.headObject(bucket: bucket, key: key).size == Int64(body.count))

        // Never overwrite: If-None-Match fails with 412 when the key exists.
        await #expect(throws: AWSError.self) { try await s3.putObject(bucket: bucket, key: key, body: [1], condition: .ifNoneMatch) }
        do {
            try await s3.putObject(bucket: bucket, key: key, body: [1], condition: .ifNoneMatch)
        } catch {
            #expect(error.kind == .preconditionFailed && error.status == 412, "\(error)")
        }
        // Compare-and-swap with If-Match.
        do {
            try await s3.putObject(bucket: bucket, key: key, body: [2], condition: .ifMatch("\"0000\""))
            Issue.record("a stale If-Match must fail")
        } catch {
            #expect(error.kind == .preconditionFailed, "\(error)")
        }
        let newTag = try await s3.putObject(bucket: bucket, key: key, body: [3], condition: .ifMatch(try #require(tag)))
        #expect(newTag != tag)
        #expect(try await s3.getObject(bucket: bucket, key: key).body == [3])

        try await s3.copyObject(from: (bucket, key), to: bucket, key: "copy.json")
        #expect(try await s3.getObject(bucket: bucket, key: "copy.json").body == [3])
        try await s3.putObject(bucket: bucket, key: "sse.bin", body: [9], encryption: .kms(keyID: "alias/lake"))
        try await s3.deleteObject(bucket: bucket, key: "copy.json")
        do {
            _ = try await s3.headObject(bucket: bucket, key: "copy.json")
            Issue.record("deleted object still there")
        } catch {
            #expect(error.kind == .notFound, "\(error)")
        }
        do {
            _ = try await s3.getObject(bucket: bucket, key: "missing")
            Issue.record("missing object read")
        } catch {
            #expect(error.kind == .notFound && error.code == "NoSuchKey", "\(error)")
        }
    }

    @Test("listing paginates; DeleteObjects removes a batch")
    func listing() async throws {
        let s3 = try moto()
        let bucket = AWSTestServers.uniqueName("list")
        try await s3.createBucket(bucket)
        let keys = (0..<7).map { "bronze/2024/03/0\($0).gz" } + ["gold/daily.json"]
        for key in keys { try await s3.putObject(bucket: bucket, key: key, body: Array(key.utf8)) }
        let page = try await s3.listObjects(bucket: bucket, prefix: "bronze/", maxKeys: 3)
        #expect(page.objects.count == 3 && page.isTruncated && page.nextContinuationToken != nil)
        let all = try await s3.listAllObjects(bucket: bucket, prefix: "bronze/")
        #expect(all.map(\.key) == keys.filter { $0.hasPrefix("bronze/") })
        let top = try await s3.listObjects(bucket: bucket, delimiter: "/")
        #expect(top.commonPrefixes == ["bronze/", "gold/"])
        let failures = try await s3.deleteObjects(bucket: bucket, keys: keys)
        #expect(failures.isEmpty)
        #expect(try await s3.listAllObjects(bucket: bucket).isEmpty)
    }

    @Test("large files go up in parts and come down streamed to disk")
    func multipart() async throws {
        let s3 = try moto()
        let bucket = AWSTestServers.uniqueName("mpu")
        try await s3.createBucket(bucket)
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        var random = SeededRandom(seed: 5)
        let content = random.bytes(13 << 20)
        let source = directory.path + "/big.bin"
        try Data(content).write(to: URL(fileURLWithPath: source))
        let tag = try await s3.uploadFile(path: source, bucket: bucket, key: "big.bin")
        #expect(tag?.contains("-3") == true, "a 3-part upload's ETag ends in -3: \(tag ?? "nil")")
        let target = directory.path + "/back.bin"
        let info = try await s3.downloadObject(bucket: bucket, key: "big.bin", to: target)
        #expect(info.size == Int64(content.count))
        #expect(FileManager.default.contents(atPath: target) == Data(content))
        let small = directory.path + "/small.bin"
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: small))
        try await s3.uploadFile(path: small, bucket: bucket, key: "small.bin")
        #expect(try await s3.getObject(bucket: bucket, key: "small.bin").body == [1, 2, 3])
    }

    @Test("SeaweedFS accepts our header-signed, presigned and aws-chunked requests")
    func signaturesAccepted() async throws {
        let s3 = try seaweed()
        let bucket = AWSTestServers.uniqueName("sig")
        try await s3.createBucket(bucket)
        let key = "dir/with space/ä.txt"
        try await s3.putObject(bucket: bucket, key: key, body: Array("signed".utf8))
        #expect(try await s3.getObject(bucket: bucket, key: key).body == Array("signed".utf8))

        var random = SeededRandom(seed: 9)
        let payload = random.bytes(200_000)
        try await s3.putObjectChunked(bucket: bucket, key: "chunked.bin", body: payload, chunkSize: 64 << 10)
        #expect(try await s3.getObject(bucket: bucket, key: "chunked.bin").body == payload)
        // A header-signed body larger than a transport slice goes out in slices under its
        // Content-Length; the server checks the payload hash against the signature.
        let sliced = random.bytes(4 * (256 << 10) + 17)
        try await s3.putObject(bucket: bucket, key: "sliced.bin", body: sliced)
        #expect(try await s3.getObject(bucket: bucket, key: "sliced.bin").body == sliced)

        let url = try await s3.presignedURL(bucket: bucket, key: key, expires: 300)
        let response = try await AsyncHTTPClientTransport().send(HTTPRequest(method: "GET", url: url), timeout: .seconds(10),
                                                                 maximumBodySize: 1 << 20)
        #expect(response.status == 200 && response.body == Array("signed".utf8))
        // A tampered presigned URL is refused.
        let tampered = url.replacingOccurrences(of: "X-Amz-Expires=300", with: "X-Amz-Expires=301")
        let refused = try await AsyncHTTPClientTransport().send(HTTPRequest(method: "GET", url: tampered), timeout: .seconds(10),
                                                                maximumBodySize: 1 << 20)
        #expect(refused.status == 403)
    }

    @Test("wrong keys: a typed 403 after exactly one request (no retry storm)")
    func wrongKeys() async throws {
        let counting = CountingTransport()
        let s3 = try seaweed(secret: "not-the-secret", transport: counting)
        do {
            _ = try await s3.listObjects(bucket: "anything")
            Issue.record("a wrong secret must fail")
        } catch {
            #expect(error.kind == .accessDenied && error.status == 403, "\(error)")
            #expect(error.code == "SignatureDoesNotMatch", "\(error)")
            #expect(!error.description.contains("not-the-secret"))
        }
        #expect(counting.count == 1)
    }
}
