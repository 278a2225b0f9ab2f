public import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// ``HTTPTransport`` over AsyncHTTPClient (SwiftNIO): TLS verification on, connection pooling,
/// timeouts, response bodies streamed.
public final class AsyncHTTPClientTransport: HTTPTransport {
    private let client: HTTPClient

    /// Uses LakeAWS's process-wide client (``sharedClient``).
    public init() {
        self.client = Self.sharedClient
    }

    /// Seconds to establish a connection before the attempt fails: `LAKEHOUSE_AWS_CONNECT_TIMEOUT`
    /// (default 5).
    public static let connectTimeoutSeconds: Int64 = {
        guard let text = ProcessInfo.processInfo.environment["LAKEHOUSE_AWS_CONNECT_TIMEOUT"], let seconds = Int64(text), seconds > 0 else {
            return 5
        }
        return seconds
    }()

    /// The client every default transport shares: AsyncHTTPClient's shared settings, except
    /// that a connection that cannot be established fails its attempt after
    /// ``connectTimeoutSeconds``. AsyncHTTPClient's own pool would otherwise keep retrying the
    /// connection in the background until the request's deadline (60 s), so an endpoint that
    /// refuses connections cost three minutes over three attempts; now the retry policy
    /// (`AWS_MAX_ATTEMPTS`, backoff) alone decides on further attempts, as the AWS SDKs do, and
    /// a refused connection fails in about a second.
    public static let sharedClient: HTTPClient = {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.timeout.connect = .seconds(connectTimeoutSeconds)
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    public init(client: HTTPClient) {
        self.client = client
    }

    private func makeRequest(_ request: HTTPRequest) -> HTTPClientRequest {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = HTTPMethod(rawValue: request.method)
        for field in request.headers where field.name.lowercased() != "host" {
            outgoing.headers.add(name: field.name, value: field.value)
        }
        if !request.body.isEmpty || ["PUT", "POST"].contains(request.method) {
            outgoing.body = RequestBodySlices.body(request.body)
        }
        return outgoing
    }

    private static func headers(_ response: HTTPClientResponse) -> [HeaderField] {
        response.headers.map { HeaderField($0.name, $0.value) }
    }

    public func send(_ request: HTTPRequest, timeout: Duration, maximumBodySize: Int) async throws(AWSError) -> HTTPResponse {
        do {
            let response = try await client.execute(makeRequest(request), timeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000))
            let body = try await response.body.collect(upTo: maximumBodySize)
            return HTTPResponse(status: Int(response.status.code), headers: Self.headers(response), body: Array(buffer: body))
        } catch {
            throw AWSError(.transport, message: "\(request.method) \(Self.redacted(request.url)): \(error)")
        }
    }

    public func download(_ request: HTTPRequest, to path: String, timeout: Duration) async throws(AWSError) -> HTTPResponse {
        do {
            let response = try await client.execute(makeRequest(request), timeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000))
            let status = Int(response.status.code)
            guard (200..<300).contains(status) else {
                let body = try await response.body.collect(upTo: 1 << 20)
                return HTTPResponse(status: status, headers: Self.headers(response), body: Array(buffer: body))
            }
            // Write to a temporary file, renamed into place when complete.
            let temporary = path + ".part-\(ProcessInfo.processInfo.processIdentifier)"
            guard FileManager.default.createFile(atPath: temporary, contents: nil),
                  let handle = FileHandle(forWritingAtPath: temporary) else {
                throw AWSError(.transport, message: "cannot create \(temporary)")
            }
            do {
                for try await chunk in response.body {
                    try handle.write(contentsOf: Data(chunk.readableBytesView))
                }
                try handle.close()
                if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
                try FileManager.default.moveItem(atPath: temporary, toPath: path)
            } catch {
                try? handle.close()
                try? FileManager.default.removeItem(atPath: temporary)
                throw error
            }
            return HTTPResponse(status: status, headers: Self.headers(response), body: [])
        } catch let error as AWSError {
            throw error
        } catch {
            throw AWSError(.transport, message: "\(request.method) \(Self.redacted(request.url)): \(error)")
        }
    }

    /// The URL without its query (presigned URLs carry signatures and tokens there).
    static func redacted(_ url: String) -> String {
        guard let question = url.firstIndex(of: "?") else { return url }
        return String(url[..<question]) + "?…"
    }
}
