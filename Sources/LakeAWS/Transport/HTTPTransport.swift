/// An HTTP request as LakeAWS sends it.
public struct HTTPRequest: Sendable, Hashable {
    public var method: String
    public var url: String
    public var headers: [HeaderField]
    public var body: [UInt8]

    public init(method: String, url: String, headers: [HeaderField] = [], body: [UInt8] = []) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// An HTTP response; `body` is empty when it was streamed to a file.
public struct HTTPResponse: Sendable, Hashable {
    public var status: Int
    public var headers: [HeaderField]
    public var body: [UInt8]

    public init(status: Int, headers: [HeaderField], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of header `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name.lowercased() == lower }?.value
    }
}

/// Sends HTTP requests. ``AsyncHTTPClientTransport`` is the real one; tests can script responses.
public protocol HTTPTransport: Sendable {
    /// Sends `request` and collects the response body (at most `maximumBodySize` bytes).
    func send(_ request: HTTPRequest, timeout: Duration, maximumBodySize: Int) async throws(AWSError) -> HTTPResponse

    /// Sends `request` and streams a 2xx response body into the file at `path` (other bodies are
    /// collected as usual, for the error).
    func download(_ request: HTTPRequest, to path: String, timeout: Duration) async throws(AWSError) -> HTTPResponse
}
