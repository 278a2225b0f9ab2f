import Foundation
import IcebergAWS
import IcebergKit
import LakeAWS
import LakeTestSupport
import Synchronization
import Testing

/// The S3 emulators `Scripts/services.sh` started for this run (see `Scripts/test.sh`): moto
/// (functional S3) and SeaweedFS (checks signatures).
enum S3TestServer: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case moto
    case seaweed

    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    var endpoint: String? {
        switch self {
        case .moto: Self.environment["LAKEHOUSE_MOTO_ENDPOINT"]
        case .seaweed: Self.environment["LAKEHOUSE_SEAWEED_ENDPOINT"]
        }
    }

    /// The servers to test against: the ones running; with `LAKEHOUSE_REQUIRE_INTEROP=1` all of
    /// them, so that a server that did not start fails the run instead of skipping it.
    static var selected: [S3TestServer] { Interop.required ? allCases : allCases.filter { $0.endpoint != nil } }

    static var enabled: Bool { !selected.isEmpty }

    var testDescription: String { rawValue }

    var credentials: AWSCredentials {
        switch self {
        case .moto: AWSCredentials(accessKeyID: "testing", secretAccessKey: "testing")
        case .seaweed: AWSCredentials(accessKeyID: Self.environment["LAKEHOUSE_SEAWEED_KEY"] ?? "",
                                      secretAccessKey: Self.environment["LAKEHOUSE_SEAWEED_SECRET"] ?? "")
        }
    }

    /// A client for this server, path-style, no profile files; `secret` replaces the real one,
    /// `maxAttempts` the retry policy's attempts.
    func client(transport: any HTTPTransport = AsyncHTTPClientTransport(), secret: String? = nil, maxAttempts: Int? = nil,
                multipartThreshold: Int = 16 << 20, partSize: Int = 8 << 20) throws -> S3Client {
        guard let endpoint else {
            throw AWSError(.configuration, message: "\(rawValue) is not running: run the tests with Scripts/test.sh")
        }
        let configuration = try AWSConfiguration(region: "us-east-1", endpointOverrides: [.s3: endpoint], forcePathStyle: true,
                                                 environment: maxAttempts.map { ["AWS_MAX_ATTEMPTS": String($0)] } ?? [:],
                                                 profile: AWSProfile(name: "test", settings: [:], services: [:]))
        var credentials = credentials
        if let secret { credentials = AWSCredentials(accessKeyID: credentials.accessKeyID, secretAccessKey: secret) }
        return S3Client(configuration: configuration, credentials: StaticCredentials(credentials), transport: transport,
                        multipartThreshold: multipartThreshold, partSize: partSize)
    }

    /// A new bucket with a unique name.
    func newBucket(_ client: S3Client, _ prefix: String) async throws -> String {
        let bucket = "\(prefix)-\(UInt32.random(in: 0...UInt32.max))"
        try await client.createBucket(bucket)
        return bucket
    }

    /// The keys of the multipart uploads in progress in `bucket` (ListMultipartUploads).
    func multipartUploads(_ client: S3Client, bucket: String) async throws -> [String] {
        try await client.listMultipartUploads(bucket: bucket).map(\.key)
    }
}

/// `LAKEHOUSE_FULL_CONCURRENCY=1`: the concurrency tests at the issue's full size (8 writers × 25
/// commits) instead of 8 × 5.
let fullConcurrency = ProcessInfo.processInfo.environment["LAKEHOUSE_FULL_CONCURRENCY"] == "1"

/// One request as it went out, with the answer's status and headers.
struct RecordedRequest: Sendable {
    var method: String
    var url: String
    var headers: [HeaderField]
    var bodySize: Int
    var status: Int?
    var responseHeaders: [HeaderField]

    func header(_ name: String) -> String? { headers.first { $0.name.lowercased() == name.lowercased() }?.value }
    func responseHeader(_ name: String) -> String? { responseHeaders.first { $0.name.lowercased() == name.lowercased() }?.value }

    /// The S3 operation, from the method and query (enough for what these tests send).
    var operation: String {
        let query = url.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
        switch method {
        case "HEAD": return "HeadObject"
        case "GET": return query.contains("list-type=2") ? "ListObjectsV2" : (query.contains("uploads") ? "ListMultipartUploads" : "GetObject")
        case "PUT":
            if query.contains("partNumber=") { return "UploadPart" }
            // Path style: /bucket is the bucket, /bucket/key an object.
            let path = url.split(separator: "?", maxSplits: 1)[0].split(separator: "/", omittingEmptySubsequences: true)
            return path.count <= 3 ? "CreateBucket" : (query.isEmpty ? "PutObject" : "Put?")
        case "POST":
            if query.contains("uploads") { return "CreateMultipartUpload" }
            if query.contains("uploadId=") { return "CompleteMultipartUpload" }
            return query.contains("delete") ? "DeleteObjects" : "Post?"
        case "DELETE": return query.contains("uploadId=") ? "AbortMultipartUpload" : "DeleteObject"
        default: return method
        }
    }
}

/// Passes requests to the real transport and records them, to count and inspect what reached
/// the server.
final class RecordingTransport: HTTPTransport {
    private let inner = AsyncHTTPClientTransport()
    private let log = Mutex<[RecordedRequest]>([])

    var requests: [RecordedRequest] { log.withLock { $0 } }

    func count(_ operation: String) -> Int { requests.filter { $0.operation == operation }.count }

    func reset() { log.withLock { $0.removeAll() } }

    func send(_ request: HTTPRequest, timeout: Duration, maximumBodySize: Int) async throws(AWSError) -> HTTPResponse {
        do throws(AWSError) {
            let response = try await inner.send(request, timeout: timeout, maximumBodySize: maximumBodySize)
            record(request, response)
            return response
        } catch {
            record(request, nil)
            throw error
        }
    }

    func download(_ request: HTTPRequest, to path: String, timeout: Duration) async throws(AWSError) -> HTTPResponse {
        let response = try await inner.download(request, to: path, timeout: timeout)
        record(request, response)
        return response
    }

    private func record(_ request: HTTPRequest, _ response: HTTPResponse?) {
        let entry = RecordedRequest(method: request.method, url: request.url, headers: request.headers, bodySize: request.body.count,
                                    status: response?.status,
                                    responseHeaders: response?.headers ?? [])
        log.withLock { $0.append(entry) }
    }
}

/// The error an operation threw, or nil when it succeeded (an error of another type is a failure).
func icebergError(_ operation: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) async -> IcebergError? {
    do {
        try await operation()
        return nil
    } catch let error as IcebergError {
        return error
    } catch {
        Issue.record("expected an IcebergError, got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

extension IcebergError.Kind {
    var isNotFound: Bool { if case .notFound = self { true } else { false } }
    var isAlreadyExists: Bool { if case .alreadyExists = self { true } else { false } }
    var isUnsupported: Bool { if case .unsupported = self { true } else { false } }
    var ioText: String? { if case let .io(text) = self { text } else { nil } }
}
