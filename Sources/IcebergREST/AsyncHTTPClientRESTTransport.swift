public import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// ``RESTTransport`` over AsyncHTTPClient (SwiftNIO): TLS verified, connections pooled.
public struct AsyncHTTPClientRESTTransport: RESTTransport {
    private let client: HTTPClient
    /// The largest response body accepted (table metadata of long-lived tables can be large).
    public var maximumBodySize: Int

    /// Uses the process-wide shared client.
    public init(client: HTTPClient = .shared, maximumBodySize: Int = 256 << 20) {
        self.client = client
        self.maximumBodySize = maximumBodySize
    }

    public func send(_ request: RESTRequest, timeout: Duration) async throws(RESTTransportError) -> RESTResponse {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = HTTPMethod(rawValue: request.method)
        for field in request.headers where field.name.lowercased() != "host" {
            outgoing.headers.add(name: field.name, value: field.value)
        }
        if !request.body.isEmpty || request.method == "POST" || request.method == "PUT" {
            outgoing.body = .bytes(ByteBuffer(bytes: request.body))
        }
        let (seconds, attoseconds) = timeout.components
        let nanoseconds = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let deadline = TimeAmount.nanoseconds(nanoseconds.overflow ? .max : nanoseconds.partialValue + attoseconds / 1_000_000_000)
        do {
            let response = try await client.execute(outgoing, timeout: deadline)
            let body = try await response.body.collect(upTo: maximumBodySize)
            return RESTResponse(status: Int(response.status.code),
                                headers: response.headers.map { RESTHeader($0.name, $0.value) },
                                body: Array(buffer: body))
        } catch {
            throw RESTTransportError("\(request.method) \(Self.redacted(request.url)): \(error)",
                                     mayHaveBeenSent: !Self.isConnectionFailure(error))
        }
    }

    /// Failures before a connection existed: the request never left.
    private static func isConnectionFailure(_ error: any Error) -> Bool {
        if let error = error as? HTTPClientError, error == .connectTimeout { return true }
        let text = String(describing: error)
        return text.contains("connectTimeout") || text.contains("NIOConnectionError") || text.contains("Connection refused")
            || text.contains("connectionRefused")
    }

    /// The URL without its query.
    static func redacted(_ url: String) -> String {
        guard let question = url.firstIndex(of: "?") else { return url }
        return String(url[..<question]) + "?…"
    }
}
