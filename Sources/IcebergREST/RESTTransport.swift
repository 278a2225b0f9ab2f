/// One HTTP header field of a REST catalog request or response.
public struct RESTHeader: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// An HTTP request to a REST catalog, as an authenticator sees it before it is sent.
public struct RESTRequest: Sendable, Hashable {
    /// `GET`, `POST`, `HEAD` or `DELETE`.
    public var method: String
    /// The full URL as sent: path segments and query values already percent-encoded.
    public var url: String
    public var headers: [RESTHeader]
    public var body: [UInt8]

    public init(method: String, url: String, headers: [RESTHeader] = [], body: [UInt8] = []) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    /// The first value of header `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name.lowercased() == lower }?.value
    }

    /// Sets header `name`, replacing every field of that name.
    public mutating func setHeader(_ name: String, _ value: String) {
        let lower = name.lowercased()
        headers.removeAll { $0.name.lowercased() == lower }
        headers.append(RESTHeader(name, value))
    }
}

/// A REST catalog's answer.
public struct RESTResponse: Sendable, Hashable {
    public var status: Int
    public var headers: [RESTHeader]
    public var body: [UInt8]

    public init(status: Int, headers: [RESTHeader] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// A request that got no HTTP answer.
public struct RESTTransportError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    /// Whether the request may have reached the server (a timeout or a connection lost after
    /// sending). `false` only when the connection was never made, so a commit certainly did not
    /// apply.
    public var mayHaveBeenSent: Bool

    public init(_ message: String, mayHaveBeenSent: Bool) {
        self.message = message
        self.mayHaveBeenSent = mayHaveBeenSent
    }

    public var description: String { message }
}

/// Sends REST catalog requests. ``AsyncHTTPClientRESTTransport`` is the real one; tests script
/// answers with their own.
public protocol RESTTransport: Sendable {
    /// Sends `request` and collects the whole response body.
    func send(_ request: RESTRequest, timeout: Duration) async throws(RESTTransportError) -> RESTResponse
}
