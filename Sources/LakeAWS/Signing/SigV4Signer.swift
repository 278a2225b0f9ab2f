public import Foundation

/// How the payload enters the signature (the last line of the canonical request).
public enum PayloadSigning: Sendable, Hashable {
    /// The SHA-256 of these bytes.
    case bytes([UInt8])
    /// A precomputed lowercase hex SHA-256 (e.g. of a file streamed from disk).
    case sha256(String)
    /// `UNSIGNED-PAYLOAD` (S3 over TLS, presigned URLs).
    case unsigned
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD` for `aws-chunked` uploads.
    case streaming

    var hash: String {
        switch self {
        case let .bytes(bytes): return SigningHashes.sha256Hex(bytes)
        case let .sha256(hex): return hex
        case .unsigned: return "UNSIGNED-PAYLOAD"
        case .streaming: return "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
        }
    }
}

/// A presigned URL's signature could not be produced.
public struct SigningError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// AWS Signature Version 4 for headers, presigned URLs and `aws-chunked` streams.
///
/// S3 rules apply when ``service`` is `s3`: the path is neither normalised nor encoded a second
/// time, and every request carries `x-amz-content-sha256`. Other services normalise the path and
/// encode each segment twice.
///
/// ```swift
/// let signer = SigV4Signer(credentials: credentials, region: "eu-west-1", service: "s3")
/// var request = SignableRequest(method: "GET", host: "bucket.s3.eu-west-1.amazonaws.com", path: "/logs/a.gz")
/// signer.sign(&request, payload: .unsigned, date: Date())
/// ```
public struct SigV4Signer: Sendable {
    public var credentials: AWSCredentials
    public var region: String
    /// The signing name: `s3`, `glue`, `athena`, `monitoring`, `sns`, `sts`.
    public var service: String

    /// Headers never signed (hop-by-hop or rewritten by proxies), as botocore.
    static let unsignedHeaders: Set<String> = [
        "connection", "expect", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
        "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id", "authorization",
    ]

    public init(credentials: AWSCredentials, region: String, service: String) {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    var isS3: Bool { service == "s3" }

    /// The parts of one signature, exposed for tests and debugging (no secrets).
    public struct Signature: Sendable, Hashable {
        public var canonicalRequest: String
        public var stringToSign: String
        public var signature: String
        public var signedHeaders: String
    }

    /// `yyyyMMdd'T'HHmmss'Z'` in UTC.
    public static func timestamp(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var fields = tm()
        gmtime_r(&seconds, &fields)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return pad(fields.tm_year + 1900, 4) + pad(fields.tm_mon + 1, 2) + pad(fields.tm_mday, 2) + "T"
            + pad(fields.tm_hour, 2) + pad(fields.tm_min, 2) + pad(fields.tm_sec, 2) + "Z"
    }

    /// `<date>/<region>/<service>/aws4_request`.
    func scope(_ timestamp: String) -> String {
        "\(timestamp.prefix(8))/\(region)/\(service)/aws4_request"
    }

    func signingKey(_ timestamp: String) -> [UInt8] {
        let date = SigningHashes.hmac(Array(("AWS4" + credentials.secretAccessKey).utf8), String(timestamp.prefix(8)))
        let regionKey = SigningHashes.hmac(date, region)
        let serviceKey = SigningHashes.hmac(regionKey, service)
        return SigningHashes.hmac(serviceKey, "aws4_request")
    }

    func canonicalURI(_ request: SignableRequest) -> String {
        let wire = request.encodedPath
        if isS3 { return wire }
        return URIEncoding.encode(URIEncoding.normalizePath(wire), keepSlash: true)
    }

    /// Encoded `name=value` pairs sorted by encoded name, then value (bytewise: all ASCII).
    static func canonicalQuery(_ items: [QueryItem]) -> String {
        let pairs: [(name: String, value: String)] = items.map { item in
            (URIEncoding.encode(item.name), URIEncoding.encode(item.value))
        }
        let sorted = pairs.sorted { lhs, rhs in
            if lhs.name != rhs.name { return lhs.name.utf8.lexicographicallyPrecedes(rhs.name.utf8) }
            return lhs.value.utf8.lexicographicallyPrecedes(rhs.value.utf8)
        }
        return sorted.map { $0.name + "=" + $0.value }.joined(separator: "&")
    }

    /// Lowercased names → values trimmed with inner whitespace runs collapsed, repeated names
    /// joined with `,`, sorted by name.
    static func canonicalHeaders(_ headers: [HeaderField]) -> (block: String, signed: String) {
        var grouped: [String: [String]] = [:]
        for field in headers {
            let name = field.name.lowercased()
            guard !unsignedHeaders.contains(name) else { continue }
            let collapsed = field.value.split(whereSeparator: isASCIIWhitespace).joined(separator: " ")
            grouped[name, default: []].append(collapsed)
        }
        let names = grouped.keys.sorted()
        let block = names.map { "\($0):\(grouped[$0, default: []].joined(separator: ","))\n" }.joined()
        return (block, names.joined(separator: ";"))
    }

    private static func isASCIIWhitespace(_ character: Character) -> Bool {
        switch character {
        case " ", "\t", "\n", "\r", "\u{0B}", "\u{0C}": return true
        default: return false
        }
    }

    func canonicalRequest(_ request: SignableRequest, payloadHash: String) -> (String, String) {
        let headers = Self.canonicalHeaders(request.headers)
        let text = [request.method.uppercased(), canonicalURI(request), Self.canonicalQuery(request.query),
                    headers.block, headers.signed, payloadHash].joined(separator: "\n")
        return (text, headers.signed)
    }

    /// Adds `x-amz-date`, `x-amz-security-token`, (S3) `x-amz-content-sha256`, a `host` header
    /// when missing, and `Authorization`.
    @discardableResult
    public func sign(_ request: inout SignableRequest, payload: PayloadSigning, date: Date) -> Signature {
        let timestamp = Self.timestamp(date)
        request.removeHeader("Authorization")
        if request.header("host") == nil { request.headers.append(HeaderField("host", request.host)) }
        request.setHeader("X-Amz-Date", timestamp)
        if let token = credentials.sessionToken { request.setHeader("X-Amz-Security-Token", token) }
        let payloadHash = payload.hash
        if isS3 || payload == .streaming { request.setHeader("X-Amz-Content-SHA256", payloadHash) }
        let (canonical, signed) = canonicalRequest(request, payloadHash: payloadHash)
        let stringToSign = ["AWS4-HMAC-SHA256", timestamp, scope(timestamp),
                            SigningHashes.sha256Hex(Array(canonical.utf8))].joined(separator: "\n")
        let signature = SigningHashes.hex(SigningHashes.hmac(signingKey(timestamp), stringToSign))
        request.setHeader("Authorization",
                          "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope(timestamp)), SignedHeaders=\(signed), Signature=\(signature)")
        return Signature(canonicalRequest: canonical, stringToSign: stringToSign, signature: signature, signedHeaders: signed)
    }

    /// A presigned URL valid for `expires` seconds (1…604800). Headers in `request` are signed
    /// and must be sent with the URL; the payload is `UNSIGNED-PAYLOAD` for S3.
    public func presignedURL(_ request: SignableRequest, expires: Int, date: Date) throws(SigningError) -> (url: String, signature: Signature) {
        guard (1...604_800).contains(expires) else {
            throw SigningError(message: "presigned URLs expire after 1 to 604800 seconds, not \(expires)")
        }
        var request = request
        let timestamp = Self.timestamp(date)
        if request.header("host") == nil { request.headers.append(HeaderField("host", request.host)) }
        let signedNames = Self.canonicalHeaders(request.headers).signed
        request.query.append(QueryItem("X-Amz-Algorithm", "AWS4-HMAC-SHA256"))
        request.query.append(QueryItem("X-Amz-Credential", "\(credentials.accessKeyID)/\(scope(timestamp))"))
        request.query.append(QueryItem("X-Amz-Date", timestamp))
        request.query.append(QueryItem("X-Amz-Expires", String(expires)))
        request.query.append(QueryItem("X-Amz-SignedHeaders", signedNames))
        if let token = credentials.sessionToken { request.query.append(QueryItem("X-Amz-Security-Token", token)) }
        let payloadHash = isS3 ? "UNSIGNED-PAYLOAD" : SigningHashes.emptyPayloadHash
        let (canonical, signed) = canonicalRequest(request, payloadHash: payloadHash)
        let stringToSign = ["AWS4-HMAC-SHA256", timestamp, scope(timestamp),
                            SigningHashes.sha256Hex(Array(canonical.utf8))].joined(separator: "\n")
        let signature = SigningHashes.hex(SigningHashes.hmac(signingKey(timestamp), stringToSign))
        let url = request.url + "&X-Amz-Signature=" + signature
        return (url, Signature(canonicalRequest: canonical, stringToSign: stringToSign, signature: signature, signedHeaders: signed))
    }

    /// The signature of one `aws-chunked` chunk, chained from `previous` (the seed signature
    /// for the first chunk).
    public func chunkSignature(previous: String, timestamp: String, chunk: some Collection<UInt8>) -> String {
        let stringToSign = ["AWS4-HMAC-SHA256-PAYLOAD", timestamp, scope(timestamp), previous,
                            SigningHashes.emptyPayloadHash, SigningHashes.sha256Hex(chunk)].joined(separator: "\n")
        return SigningHashes.hex(SigningHashes.hmac(signingKey(timestamp), stringToSign))
    }
}
