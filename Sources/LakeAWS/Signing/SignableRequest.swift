/// One query parameter, decoded.
public struct QueryItem: Sendable, Hashable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String = "") {
        self.name = name
        self.value = value
    }
}

/// One header field as sent (names compare case-insensitively).
public struct HeaderField: Sendable, Hashable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// An HTTP request before signing: decoded path and query, headers in order.
public struct SignableRequest: Sendable, Hashable {
    public var method: String
    /// `https` or `http`.
    public var scheme: String
    /// Host with a non-default port (`127.0.0.1:9000`), as the `Host` header carries it.
    public var host: String
    /// The decoded path (`/bucket/my key.txt`); ``encodedPath`` is its wire form.
    public var path: String
    public var query: [QueryItem]
    public var headers: [HeaderField]
    /// The path exactly as sent, when it differs from what ``path`` encodes to: a path whose
    /// segments carry escaped reserved characters (an Iceberg REST `prefix` such as
    /// `arn%3Aaws%3As3tables%3A…%3Abucket%2Fname`, where `%2F` is not a segment separator).
    /// When set, ``encodedPath`` (and so the URL and the signature) uses it as it is.
    public var wirePath: String?

    public init(method: String, scheme: String = "https", host: String, path: String = "/", query: [QueryItem] = [],
                headers: [HeaderField] = []) {
        self.method = method
        self.scheme = scheme
        self.host = host
        self.path = path.isEmpty ? "/" : path
        self.query = query
        self.headers = headers
    }

    /// The path as sent: every byte except unreserved characters and `/` percent-encoded.
    public var encodedPath: String { wirePath ?? URIEncoding.encode(path, keepSlash: true) }

    /// The query as sent, in the given order.
    public var encodedQuery: String {
        query.map { URIEncoding.encode($0.name) + "=" + URIEncoding.encode($0.value) }.joined(separator: "&")
    }

    /// The full URL as sent.
    public var url: String {
        scheme + "://" + host + encodedPath + (query.isEmpty ? "" : "?" + encodedQuery)
    }

    /// The first value of header `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name.lowercased() == lower }?.value
    }

    /// Sets header `name`, replacing every existing field of that name.
    public mutating func setHeader(_ name: String, _ value: String) {
        let lower = name.lowercased()
        headers.removeAll { $0.name.lowercased() == lower }
        headers.append(HeaderField(name, value))
    }

    public mutating func removeHeader(_ name: String) {
        let lower = name.lowercased()
        headers.removeAll { $0.name.lowercased() == lower }
    }
}
