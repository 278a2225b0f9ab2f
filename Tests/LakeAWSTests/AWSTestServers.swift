import Foundation
import LakeAWS
import LakeTestSupport
import Testing

/// The emulators `Scripts/services.sh` started for this test run (see `Scripts/test.sh`).
enum AWSTestServers {
    static var environment: [String: String] { ProcessInfo.processInfo.environment }
    static var moto: String? { environment["LAKEHOUSE_MOTO_ENDPOINT"] }
    static var seaweed: String? { environment["LAKEHOUSE_SEAWEED_ENDPOINT"] }
    static var ministack: String? { environment["LAKEHOUSE_MINISTACK_ENDPOINT"] }

    /// Server tests run when the servers are up, and must run when the test command requires interop.
    static var enabled: Bool { moto != nil || Interop.required }

    static func require(_ endpoint: String?, _ name: String) throws -> String {
        guard let endpoint else {
            throw AWSError(.configuration, message: "\(name) is not running: run the tests with Scripts/test.sh")
        }
        return endpoint
    }

    /// A configuration pointing every service at `endpoint`, path-style, no profile files.
    static func configuration(_ endpoint: String, region: String = "us-east-1") throws -> AWSConfiguration {
        try AWSConfiguration(region: region, endpointOverrides: Dictionary(uniqueKeysWithValues: AWSService.allCases.map { ($0, endpoint) }),
                             forcePathStyle: true, environment: [:], profile: AWSProfile(name: "test", settings: [:], services: [:]))
    }

    static func uniqueName(_ prefix: String) -> String {
        "\(prefix)-\(UInt32.random(in: 0...UInt32.max))"
    }
}

/// Counts the requests that reach the network, to prove there is no retry storm.
final class CountingTransport: HTTPTransport, @unchecked Sendable {
    private let inner: any HTTPTransport
    private let lock = NSLock()
    private var _count = 0
    var count: Int { lock.withLock { _count } }

    init(_ inner: any HTTPTransport = AsyncHTTPClientTransport()) {
        self.inner = inner
    }

    func send(_ request: HTTPRequest, timeout: Duration, maximumBodySize: Int) async throws(AWSError) -> HTTPResponse {
        lock.withLock { _count += 1 }
        return try await inner.send(request, timeout: timeout, maximumBodySize: maximumBodySize)
    }

    func download(_ request: HTTPRequest, to path: String, timeout: Duration) async throws(AWSError) -> HTTPResponse {
        lock.withLock { _count += 1 }
        return try await inner.download(request, to: path, timeout: timeout)
    }
}
