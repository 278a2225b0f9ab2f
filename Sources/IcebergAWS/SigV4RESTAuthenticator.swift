import Foundation
public import IcebergKit
public import IcebergREST
public import LakeAWS

/// Signs Iceberg REST catalog requests with AWS Signature Version 4, as AWS's Iceberg endpoints
/// require: S3 Tables (`https://s3tables.<region>.amazonaws.com/iceberg`, signing name
/// `s3tables`) and Glue (`https://glue.<region>.amazonaws.com/iceberg`, signing name `glue`).
///
/// The signature covers the method, the path exactly as sent (the `prefix` S3 Tables returns is
/// URL-encoded and stays so), the query, every header and the SHA-256 of the body, as botocore
/// signs them (pyiceberg's and Java's `rest.sigv4-enabled`).
///
/// ```swift
/// let signer = SigV4RESTAuthenticator(credentials: CredentialChain.standard(), region: "us-east-1", signingName: "s3tables")
/// let catalog = RESTCatalog(uri: "https://s3tables.us-east-1.amazonaws.com/iceberg",
///                           warehouse: "arn:aws:s3tables:us-east-1:111122223333:bucket/lake",
///                           io: S3FileIO(client: s3), authenticator: signer)
/// ```
public struct SigV4RESTAuthenticator: RESTAuthenticator {
    public let credentials: any CredentialProvider
    public let region: String
    /// `s3tables` or `glue` (any SigV4 signing name).
    public let signingName: String

    public init(credentials: any CredentialProvider, region: String, signingName: String) {
        self.credentials = credentials
        self.region = region
        self.signingName = signingName
    }

    /// The signing name an AWS Iceberg endpoint's host implies: `glue` for `glue.…`, else
    /// `s3tables`.
    public static func signingName(forHost host: String) -> String {
        host.lowercased().hasPrefix("glue.") || host.lowercased().contains(".glue.") ? "glue" : "s3tables"
    }

    public func authenticate(_ request: inout RESTRequest) async throws(IcebergError) {
        let keys: AWSCredentials
        do {
            keys = try await credentials.credentials()
        } catch {
            throw IcebergError(.unauthorized("no AWS credentials to sign \(request.method) for \(signingName): \(error)"))
        }
        guard var signable = Self.signable(request) else {
            throw IcebergError(.unsupported("cannot sign \(request.method) \(request.url): not an http(s) URL"))
        }
        SigV4Signer(credentials: keys, region: region, service: signingName).sign(&signable, payload: .bytes(request.body), date: Date())
        for name in ["X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-SHA256", "Authorization"] {
            if let value = signable.header(name) { request.setHeader(name, value) }
        }
    }

    /// The request as the signer sees it: host with port, the path as sent (``SignableRequest/wirePath``),
    /// the decoded query, the headers; nil for a URL that is not `http(s)://`.
    public static func signable(_ request: RESTRequest) -> SignableRequest? {
        let url = request.url
        guard let schemeEnd = url.firstRange(of: "://") else { return nil }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { return nil }
        var rest = url[schemeEnd.upperBound...]
        var query = Substring("")
        if let question = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: question)...]
            rest = rest[..<question]
        }
        let host: Substring
        let path: Substring
        if let slash = rest.firstIndex(of: "/") {
            host = rest[..<slash]
            path = rest[slash...]
        } else {
            host = rest
            path = "/"
        }
        let items = query.split(separator: "&").map { pair -> QueryItem in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return QueryItem(percentDecoded(parts[0]), parts.count > 1 ? percentDecoded(parts[1]) : "")
        }
        var signable = SignableRequest(method: request.method, scheme: scheme, host: String(host), path: percentDecoded(path),
                                       query: items, headers: request.headers.map { HeaderField($0.name, $0.value) })
        signable.wirePath = String(path)
        return signable
    }

    /// `%XX` sequences decoded (a malformed one is kept as it is).
    static func percentDecoded(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = Array(text.utf8)[...]
        while let byte = iterator.popFirst() {
            if byte == UInt8(ascii: "%"), iterator.count >= 2,
               let high = hexValue(iterator[iterator.startIndex]), let low = hexValue(iterator[iterator.startIndex + 1]) {
                bytes.append(high << 4 | low)
                iterator = iterator.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - 48
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - 55
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - 87
        default: return nil
        }
    }
}
