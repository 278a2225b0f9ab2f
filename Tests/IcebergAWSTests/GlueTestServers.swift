import Foundation
import IcebergAWS
import IcebergKit
import LakeAWS
import LakeTestSupport
import Synchronization
import Testing

/// The Glue emulators `Scripts/services.sh` started: moto (Glue that returns a `VersionId` but
/// does not enforce it) and ministack (enforces it). Table files always go to moto's S3.
enum GlueTestServer: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case moto
    case ministack

    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    var endpoint: String? {
        switch self {
        case .moto: Self.environment["LAKEHOUSE_MOTO_ENDPOINT"]
        case .ministack: Self.environment["LAKEHOUSE_MINISTACK_ENDPOINT"]
        }
    }

    /// Whether this server's tests run: it and moto's S3 are up, or interop is required (then a
    /// missing server fails the run).
    var enabled: Bool { Interop.required || (endpoint != nil && S3TestServer.moto.endpoint != nil) }

    static var selected: [GlueTestServer] { allCases.filter(\.enabled) }

    var testDescription: String { rawValue }

    var credentials: AWSCredentials {
        switch self {
        case .moto: AWSCredentials(accessKeyID: "testing", secretAccessKey: "testing")
        // ministack checks signatures of IAM-user keys; the root key `test` is its default account.
        case .ministack: AWSCredentials(accessKeyID: "test", secretAccessKey: "test")
        }
    }

    /// A Glue client for this server; `maxAttempts` overrides the retry policy's attempts.
    func glue(transport: any HTTPTransport = AsyncHTTPClientTransport(), maxAttempts: Int? = nil) throws -> GlueClient {
        guard let endpoint else {
            throw AWSError(.configuration, message: "\(rawValue) is not running: run the tests with Scripts/test.sh")
        }
        let configuration = try AWSConfiguration(region: "us-east-1", endpointOverrides: [.glue: endpoint], forcePathStyle: true,
                                                 environment: maxAttempts.map { ["AWS_MAX_ATTEMPTS": String($0)] } ?? [:],
                                                 profile: AWSProfile(name: "test", settings: [:], services: [:]))
        return GlueClient(configuration: configuration, credentials: StaticCredentials(credentials), transport: transport)
    }

    /// A catalog on this server's Glue whose warehouse is a new bucket on moto's S3.
    func catalog(transport: any HTTPTransport = AsyncHTTPClientTransport(), maxAttempts: Int? = nil) async throws -> GlueFixture {
        let s3 = try S3TestServer.moto.client()
        let bucket = try await S3TestServer.moto.newBucket(s3, "glue")
        let io = S3FileIO(client: s3)
        let catalog = GlueCatalog(glue: try glue(transport: transport, maxAttempts: maxAttempts), io: io, warehouse: "s3://\(bucket)/wh")
        return GlueFixture(catalog: catalog, io: io, bucket: bucket)
    }

    /// A fresh database name (Glue names are lower case).
    static func uniqueName(_ prefix: String) -> String { "\(prefix)_\(UInt32.random(in: 0...UInt32.max))" }
}

struct GlueFixture {
    var catalog: GlueCatalog
    var io: S3FileIO
    var bucket: String

    /// Another catalog on the same Glue and bucket (another process's view).
    func twin(transport: any HTTPTransport = AsyncHTTPClientTransport(), server: GlueTestServer,
              maxAttempts: Int? = nil) throws -> GlueCatalog {
        GlueCatalog(glue: try server.glue(transport: transport, maxAttempts: maxAttempts), io: io, warehouse: catalog.warehouse)
    }

    /// The metadata files under `location`.
    func metadataFiles(_ location: String) async throws -> [String] {
        try await io.list(prefix: location + "/metadata/").all().map(\.location).filter { $0.hasSuffix(".metadata.json") }.sorted()
    }
}

/// A Glue transport with faults: runs a hook before the first matching request, or fails it
/// before or after it reaches the server.
final class GlueFaultTransport: HTTPTransport {
    enum Fault: Sendable {
        /// The request is never sent; the caller sees a transport error.
        case failBeforeSending
        /// The request reaches the server and is applied; the caller sees a transport error (a
        /// timeout after sending).
        case failAfterSending
        /// `hook` runs, then the request is sent as usual.
        case before(@Sendable () async throws -> Void)
    }

    private let inner = AsyncHTTPClientTransport()
    private let pending: Mutex<[String: Fault]>
    private let seen = Mutex<[String]>([])

    /// Faults by Glue operation (`UpdateTable`), each applied once.
    init(_ faults: [String: Fault]) {
        pending = Mutex(faults)
    }

    /// The Glue operations sent, in order.
    var operations: [String] { seen.withLock { $0 } }

    func send(_ request: HTTPRequest, timeout: Duration, maximumBodySize: Int) async throws(AWSError) -> HTTPResponse {
        let target = request.headers.first { $0.name.lowercased() == "x-amz-target" }?.value ?? ""
        let operation = String(target.split(separator: ".").last ?? "")
        seen.withLock { $0.append(operation) }
        let fault = pending.withLock { $0.removeValue(forKey: operation) }
        switch fault {
        case .failBeforeSending?:
            throw AWSError(.transport, message: "test: connection reset before \(operation) was sent")
        case .failAfterSending?:
            _ = try await inner.send(request, timeout: timeout, maximumBodySize: maximumBodySize)
            throw AWSError(.transport, message: "test: timed out waiting for the \(operation) response")
        case let .before(hook)?:
            do { try await hook() } catch { throw AWSError(.configuration, message: "test hook failed: \(error)") }
            return try await inner.send(request, timeout: timeout, maximumBodySize: maximumBodySize)
        case nil:
            return try await inner.send(request, timeout: timeout, maximumBodySize: maximumBodySize)
        }
    }

    func download(_ request: HTTPRequest, to path: String, timeout: Duration) async throws(AWSError) -> HTTPResponse {
        try await inner.download(request, to: path, timeout: timeout)
    }
}
