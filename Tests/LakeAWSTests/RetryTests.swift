import Foundation
import LakeAWS
import Testing

/// A transport that answers from a script and records what it was sent.
final class ScriptedTransport: HTTPTransport, @unchecked Sendable {
    private let lock = NSLock()
    private var responses: [Result<HTTPResponse, AWSError>]
    private(set) var requests: [HTTPRequest] = []

    init(_ responses: [Result<HTTPResponse, AWSError>]) {
        self.responses = responses
    }

    var sent: [HTTPRequest] { lock.withLock { requests } }

    func send(_ request: HTTPRequest, timeout: Duration, maximumBodySize: Int) async throws(AWSError) -> HTTPResponse {
        let next: Result<HTTPResponse, AWSError> = lock.withLock {
            requests.append(request)
            return responses.isEmpty ? .failure(AWSError(.transport, message: "script exhausted")) : responses.removeFirst()
        }
        return try next.get()
    }

    func download(_ request: HTTPRequest, to path: String, timeout: Duration) async throws(AWSError) -> HTTPResponse {
        try await send(request, timeout: timeout, maximumBodySize: .max)
    }
}

@Suite("Retries, errors and clock skew")
struct RetryTests {
    static func s3(_ transport: ScriptedTransport, attempts: Int = 3) throws(AWSError) -> S3Client {
        let configuration = try AWSConfiguration(region: "eu-west-1", endpointOverrides: [.s3: "http://127.0.0.1:1"], forcePathStyle: true,
                                                 environment: ["AWS_MAX_ATTEMPTS": String(attempts)], profile: AWSProfile(name: "t", settings: [:]))
        return S3Client(configuration: configuration,
                        credentials: StaticCredentials(AWSCredentials(accessKeyID: "AKID", secretAccessKey: "secret")), transport: transport)
    }

    static func response(_ status: Int, _ body: String = "", headers: [HeaderField] = []) -> Result<HTTPResponse, AWSError> {
        .success(HTTPResponse(status: status, headers: headers, body: Array(body.utf8)))
    }

    static func s3Error(_ code: String, _ status: Int) -> Result<HTTPResponse, AWSError> {
        response(status, "<Error><Code>\(code)</Code><Message>m</Message><RequestId>R1</RequestId></Error>")
    }

    @Test("transient and throttling errors are retried, then succeed")
    func retriesThenSucceeds() async throws {
        let transport = ScriptedTransport([Self.s3Error("SlowDown", 503), .failure(AWSError(.transport, message: "reset")), Self.response(200, "ok")])
        let (_, body) = try await Self.s3(transport).getObject(bucket: "b", key: "k")
        #expect(body == Array("ok".utf8))
        #expect(transport.sent.count == 3)
    }

    @Test("attempts are bounded; the error says retries ran out")
    func bounded() async throws {
        let transport = ScriptedTransport(Array(repeating: Self.s3Error("InternalError", 500), count: 5))
        do {
            _ = try await Self.s3(transport, attempts: 2).getObject(bucket: "b", key: "k")
            Issue.record("must fail")
        } catch {
            #expect(error.kind == .retriesExhausted && error.code == "InternalError" && error.requestID == "R1", "\(error)")
        }
        #expect(transport.sent.count == 2)
    }

    @Test("client errors are not retried and keep their type")
    func notRetried() async throws {
        for (code, status, kind) in [("AccessDenied", 403, AWSError.Kind.accessDenied), ("NoSuchKey", 404, .notFound),
                                     ("PreconditionFailed", 412, .preconditionFailed), ("ConditionalRequestConflict", 409, .conflict),
                                     ("InvalidArgument", 400, .service)] {
            let transport = ScriptedTransport([Self.s3Error(code, status), Self.response(200)])
            do {
                _ = try await Self.s3(transport).getObject(bucket: "b", key: "k")
                Issue.record("\(code) must fail")
            } catch {
                #expect(error.kind == kind && error.status == status && error.code == code, "\(error)")
            }
            #expect(transport.sent.count == 1, "\(code)")
        }
    }

    @Test("a 200 CompleteMultipartUpload carrying <Error> is an error")
    func errorInSuccess() async throws {
        let transport = ScriptedTransport([Self.s3Error("InternalError", 200)])
        await #expect(throws: AWSError.self) {
            try await Self.s3(transport).completeMultipartUpload(bucket: "b", key: "k", uploadID: "u", parts: [(1, "\"e\"")])
        }
    }

    @Test("RequestTimeTooSkewed: the clock is taken from the server's Date header once, then signed again")
    func clockSkew() async throws {
        let serverDate = "Sun, 07 Jan 2024 10:00:00 GMT"
        let transport = ScriptedTransport([
            .success(HTTPResponse(status: 403, headers: [HeaderField("Date", serverDate)],
                                  body: Array("<Error><Code>RequestTimeTooSkewed</Code><Message>skew</Message></Error>".utf8))),
            Self.response(200, "ok"),
        ])
        _ = try await Self.s3(transport).getObject(bucket: "b", key: "k")
        let sent = transport.sent
        #expect(sent.count == 2)
        let secondDate = sent[1].headers.first { $0.name.lowercased() == "x-amz-date" }?.value
        #expect(secondDate?.hasPrefix("20240107T10000") == true, "\(secondDate ?? "nil")")
    }

    @Test("backoff: jittered, capped, stretched toward x-amz-retry-after; the quota runs dry")
    func backoffAndQuota() async {
        let policy = RetryPolicy()
        #expect(RetryPolicySupport.delay(policy, retry: 0, throttling: false, retryAfter: nil, random: 1) == 0.05)
        #expect(RetryPolicySupport.delay(policy, retry: 3, throttling: true, retryAfter: nil, random: 0.5) == 4)
        #expect(RetryPolicySupport.delay(policy, retry: 10, throttling: true, retryAfter: nil, random: 1) == 20)
        #expect(RetryPolicySupport.delay(policy, retry: 0, throttling: false, retryAfter: 3000, random: 1) == 3)
        #expect(RetryPolicySupport.delay(policy, retry: 0, throttling: false, retryAfter: 60_000, random: 1) == 5.05)
        let quota = RetryQuota()
        var granted = 0
        while await RetryPolicySupport.acquire(quota, throttling: false) { granted += 1 }
        #expect(granted == 35)  // 500 / 14
    }

    @Test("a failed multipart upload is aborted, and the error is the part's")
    func multipartAbort() async throws {
        let transport = ScriptedTransport([
            Self.response(200, "<InitiateMultipartUploadResult><UploadId>up-1</UploadId></InitiateMultipartUploadResult>"),
            Self.s3Error("InvalidPart", 400),
            Self.response(204),
        ])
        let directory = NSTemporaryDirectory() + "/lakehouse-mpu-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data(count: 20 << 20).write(to: URL(fileURLWithPath: directory + "/big.bin"))
        do {
            try await Self.s3(transport).uploadFile(path: directory + "/big.bin", bucket: "b", key: "k")
            Issue.record("must fail")
        } catch {
            #expect(error.code == "InvalidPart", "\(error)")
        }
        let sent = transport.sent
        #expect(sent.map(\.method) == ["POST", "PUT", "DELETE"])
        #expect(sent.last?.url.hasSuffix("/b/k?uploadId=up-1") == true, "\(sent.last?.url ?? "")")
    }

    @Test("XML error bodies, entities and namespaces")
    func xml() throws {
        let root = try #require(XMLNode.parse(Array("""
            <?xml version="1.0" encoding="UTF-8"?>
            <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name>
            <Contents><Key>a&amp;b &lt;c&gt; &#233;&#x20AC;</Key><Size>12</Size></Contents>
            <Contents><Key><![CDATA[x&y]]></Key></Contents><IsTruncated>false</IsTruncated></ListBucketResult>
            """.utf8)))
        #expect(root.name == "ListBucketResult")
        #expect(root.all("Contents").compactMap { $0.value("Key") } == ["a&b <c> é€", "x&y"])
        #expect(XMLNode.parse(Array("<a><b></a>".utf8)) == nil)
    }
}
