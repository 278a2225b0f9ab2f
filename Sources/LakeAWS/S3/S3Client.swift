import Crypto
import Foundation

/// Metadata of an S3 object.
public struct S3ObjectInfo: Sendable, Hashable {
    public var key: String
    public var size: Int64
    /// As S3 returns it, quoted (`"…"`); send it back unchanged in `If-Match`.
    public var eTag: String?
    public var lastModified: String?
    public var contentType: String?
    /// `x-amz-server-side-encryption` as the server reports it (`aws:kms`, `AES256`); HEAD and GET only.
    public var serverSideEncryption: String?
    /// `x-amz-server-side-encryption-aws-kms-key-id` as the server reports it; HEAD and GET only.
    public var kmsKeyID: String?
}

/// A multipart upload in progress (``S3Client/listMultipartUploads(bucket:prefix:)``).
public struct S3MultipartUpload: Sendable, Hashable {
    public var key: String
    public var uploadID: String
    public var initiated: String?
}

/// One page of `ListObjectsV2`.
public struct S3ListPage: Sendable, Hashable {
    public var objects: [S3ObjectInfo]
    public var commonPrefixes: [String]
    public var isTruncated: Bool
    public var nextContinuationToken: String?
}

/// A write condition for PutObject / CompleteMultipartUpload.
public enum S3WriteCondition: Sendable, Hashable {
    /// `If-None-Match: *`: create only if the key does not exist (412 otherwise).
    case ifNoneMatch
    /// `If-Match: <etag>`: replace only the version with this ETag (412 otherwise).
    case ifMatch(String)
}

/// Server-side encryption for writes.
public enum S3Encryption: Sendable, Hashable {
    case s3
    /// SSE-KMS with an optional key id or ARN.
    case kms(keyID: String?)
}

/// The S3 operations the lakehouse needs, over REST-XML with SigV4.
///
/// ```swift
/// let s3 = try S3Client(configuration: AWSConfiguration(), credentials: CredentialChain.standard())
/// let tag = try await s3.putObject(bucket: "lake", key: "metadata/00001.json", body: bytes, condition: .ifNoneMatch)
/// ```
public final class S3Client: Sendable {
    public let core: AWSServiceClient
    /// Objects at least this large are uploaded in parts by ``uploadFile(path:bucket:key:condition:)``.
    public let multipartThreshold: Int
    public let partSize: Int

    public init(configuration: AWSConfiguration, credentials: any CredentialProvider,
                transport: any HTTPTransport = AsyncHTTPClientTransport(), multipartThreshold: Int = 16 << 20,
                partSize: Int = 8 << 20) {
        self.core = AWSServiceClient(service: .s3, configuration: configuration, credentials: credentials, transport: transport)
        self.multipartThreshold = multipartThreshold
        self.partSize = max(partSize, 5 << 20)
    }

    // MARK: Addressing

    static func isVirtualHostable(_ bucket: String) -> Bool {
        guard (3...63).contains(bucket.count), !bucket.contains("."), !bucket.contains("_") else { return false }
        return bucket.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "-" } && bucket.first != "-" && bucket.last != "-"
    }

    /// The request for `key` in `bucket` (key may be empty for bucket-level calls).
    func request(_ method: String, bucket: String, key: String = "", query: [QueryItem] = [],
                 headers: [HeaderField] = []) throws(AWSError) -> SignableRequest {
        let (scheme, host, base) = try core.endpointParts()
        let isDefaultEndpoint = host.hasSuffix(".amazonaws.com")
        if !core.configuration.forcePathStyle && isDefaultEndpoint && Self.isVirtualHostable(bucket) {
            return SignableRequest(method: method, scheme: scheme, host: bucket + "." + host, path: base + "/" + key,
                                   query: query, headers: headers)
        }
        let path = base + "/" + bucket + (key.isEmpty ? "" : "/" + key)
        return SignableRequest(method: method, scheme: scheme, host: host, path: path, query: query, headers: headers)
    }

    /// S3 over TLS signs `UNSIGNED-PAYLOAD` for bodies; plain HTTP always hashes them.
    func payload(_ body: [UInt8], scheme: String) -> PayloadSigning {
        scheme == "https" && body.count > 1 << 20 ? .unsigned : .bytes(body)
    }

    // MARK: Buckets

    public func createBucket(_ bucket: String) async throws(AWSError) {
        var body: [UInt8] = []
        let region = core.configuration.region
        if region != "us-east-1" {
            body = Array("<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LocationConstraint>\(region)</LocationConstraint></CreateBucketConfiguration>".utf8)
        }
        let request = try request("PUT", bucket: bucket)
        _ = try await core.execute(operation: "CreateBucket", request: request, body: body)
    }

    // MARK: Objects

    /// GetObject, optionally a byte range (inclusive bounds).
    public func getObject(bucket: String, key: String, range: ClosedRange<Int64>? = nil) async throws(AWSError) -> (info: S3ObjectInfo, body: [UInt8]) {
        var headers: [HeaderField] = []
        if let range { headers.append(HeaderField("Range", "bytes=\(range.lowerBound)-\(range.upperBound)")) }
        let request = try request("GET", bucket: bucket, key: key, headers: headers)
        let response = try await core.execute(operation: "GetObject", request: request, maximumBodySize: Int.max)
        return (Self.info(key: key, response), response.body)
    }

    /// GetObject streamed into a local file (no buffering of the object in memory).
    public func downloadObject(bucket: String, key: String, to path: String) async throws(AWSError) -> S3ObjectInfo {
        let request = try request("GET", bucket: bucket, key: key)
        let response = try await core.execute(operation: "GetObject", request: request, download: path)
        return Self.info(key: key, response)
    }

    public func headObject(bucket: String, key: String) async throws(AWSError) -> S3ObjectInfo {
        let request = try request("HEAD", bucket: bucket, key: key)
        return Self.info(key: key, try await core.execute(operation: "HeadObject", request: request))
    }

    static func info(key: String, _ response: HTTPResponse) -> S3ObjectInfo {
        S3ObjectInfo(key: key, size: response.header("content-length").flatMap(Int64.init) ?? Int64(response.body.count),
                     eTag: response.header("etag"), lastModified: response.header("last-modified"),
                     contentType: response.header("content-type"),
                     serverSideEncryption: response.header("x-amz-server-side-encryption"),
                     kmsKeyID: response.header("x-amz-server-side-encryption-aws-kms-key-id"))
    }

    func writeHeaders(condition: S3WriteCondition?, encryption: S3Encryption?, contentType: String?) -> [HeaderField] {
        var headers: [HeaderField] = []
        switch condition {
        case .ifNoneMatch?: headers.append(HeaderField("If-None-Match", "*"))
        case let .ifMatch(tag)?: headers.append(HeaderField("If-Match", tag))
        case nil: break
        }
        switch encryption {
        case .s3?: headers.append(HeaderField("x-amz-server-side-encryption", "AES256"))
        case let .kms(keyID)?:
            headers.append(HeaderField("x-amz-server-side-encryption", "aws:kms"))
            if let keyID { headers.append(HeaderField("x-amz-server-side-encryption-aws-kms-key-id", keyID)) }
        case nil: break
        }
        if let contentType { headers.append(HeaderField("Content-Type", contentType)) }
        return headers
    }

    /// PutObject; returns the new ETag. A false condition throws ``AWSError/Kind/preconditionFailed``.
    @discardableResult
    public func putObject(bucket: String, key: String, body: [UInt8], condition: S3WriteCondition? = nil,
                          encryption: S3Encryption? = nil, contentType: String? = nil) async throws(AWSError) -> String? {
        let request = try request("PUT", bucket: bucket, key: key,
                                  headers: writeHeaders(condition: condition, encryption: encryption, contentType: contentType))
        let response = try await core.execute(operation: "PutObject", request: request, body: body,
                                              payload: payload(body, scheme: request.scheme))
        return response.header("etag")
    }

    /// PutObject as an `aws-chunked` upload with chained chunk signatures.
    @discardableResult
    public func putObjectChunked(bucket: String, key: String, body: [UInt8], chunkSize: Int = 64 << 10,
                                 condition: S3WriteCondition? = nil, encryption: S3Encryption? = nil) async throws(AWSError) -> String? {
        var headers = writeHeaders(condition: condition, encryption: encryption, contentType: nil)
        headers.append(HeaderField("Content-Encoding", "aws-chunked"))
        headers.append(HeaderField("x-amz-decoded-content-length", String(body.count)))
        headers.append(HeaderField("Content-Length", String(AWSChunkedEncoder.encodedLength(payloadLength: body.count, chunkSize: chunkSize))))
        var request = try request("PUT", bucket: bucket, key: key, headers: headers)
        let credentials = try await core.credentials.credentials()
        let signer = SigV4Signer(credentials: credentials, region: core.configuration.region, service: "s3")
        let date = Date().addingTimeInterval(await core.clock.offset)
        let seed = signer.sign(&request, payload: .streaming, date: date)
        var encoder = AWSChunkedEncoder(signer: signer, seedSignature: seed.signature, date: date, chunkSize: chunkSize)
        let framed = encoder.encode(body)
        let response = try await core.transport.send(HTTPRequest(method: "PUT", url: request.url, headers: request.headers, body: framed),
                                                      timeout: core.timeout, maximumBodySize: 1 << 20)
        guard (200..<300).contains(response.status) else { throw core.error(from: response, operation: "PutObject") }
        return response.header("etag")
    }

    public func deleteObject(bucket: String, key: String) async throws(AWSError) {
        let request = try request("DELETE", bucket: bucket, key: key)
        _ = try await core.execute(operation: "DeleteObject", request: request)
    }

    /// DeleteObjects in batches of 1000; returns the keys S3 reported as not deleted, with codes.
    public func deleteObjects(bucket: String, keys: [String]) async throws(AWSError) -> [(key: String, code: String)] {
        var failures: [(String, String)] = []
        var start = 0
        while start < keys.count {
            let batch = keys[start..<min(start + 1000, keys.count)]
            start += batch.count
            let xml = "<Delete><Quiet>true</Quiet>" + batch.map { "<Object><Key>\(xmlEscape($0))</Key></Object>" }.joined() + "</Delete>"
            let body = Array(xml.utf8)
            let md5 = Data(Insecure.MD5.hash(data: body)).base64EncodedString()
            let request = try request("POST", bucket: bucket, query: [QueryItem("delete")], headers: [HeaderField("Content-MD5", md5)])
            let response = try await core.execute(operation: "DeleteObjects", request: request, body: body)
            for error in XMLNode.parse(response.body)?.all("Error") ?? [] {
                failures.append((error.value("Key") ?? "", error.value("Code") ?? ""))
            }
        }
        return failures
    }

    /// CopyObject within S3. `encryption` applies to the copy (S3 does not carry the source's
    /// SSE-KMS key over unless the bucket default says so): pass the writer's setting.
    public func copyObject(from source: (bucket: String, key: String), to bucket: String, key: String,
                           encryption: S3Encryption? = nil) async throws(AWSError) {
        let copySource = "/" + source.bucket + "/" + URIEncoding.encode(source.key, keepSlash: true)
        var headers = writeHeaders(condition: nil, encryption: encryption, contentType: nil)
        headers.append(HeaderField("x-amz-copy-source", copySource))
        let request = try request("PUT", bucket: bucket, key: key, headers: headers)
        let response = try await core.execute(operation: "CopyObject", request: request)
        if let root = XMLNode.parse(response.body), root.name == "Error" {
            throw AWSError.fromResponse(service: "s3", operation: "CopyObject", status: 200, code: root.value("Code"),
                                        message: root.value("Message") ?? "copy failed", requestID: root.value("RequestId"))
        }
    }

    /// One page of ListObjectsV2.
    public func listObjects(bucket: String, prefix: String? = nil, delimiter: String? = nil, continuationToken: String? = nil,
                            maxKeys: Int? = nil) async throws(AWSError) -> S3ListPage {
        var query = [QueryItem("list-type", "2")]
        if let prefix { query.append(QueryItem("prefix", prefix)) }
        if let delimiter { query.append(QueryItem("delimiter", delimiter)) }
        if let continuationToken { query.append(QueryItem("continuation-token", continuationToken)) }
        if let maxKeys { query.append(QueryItem("max-keys", String(maxKeys))) }
        let request = try request("GET", bucket: bucket, query: query)
        let response = try await core.execute(operation: "ListObjectsV2", request: request)
        guard let root = XMLNode.parse(response.body), root.name == "ListBucketResult" else {
            throw AWSError(.malformedResponse, service: "s3", operation: "ListObjectsV2", status: response.status,
                           message: "expected a ListBucketResult")
        }
        let objects = root.all("Contents").map { node in
            S3ObjectInfo(key: node.value("Key") ?? "", size: node.value("Size").flatMap(Int64.init) ?? 0,
                         eTag: node.value("ETag"), lastModified: node.value("LastModified"), contentType: nil)
        }
        return S3ListPage(objects: objects, commonPrefixes: root.all("CommonPrefixes").compactMap { $0.value("Prefix") },
                          isTruncated: root.value("IsTruncated") == "true",
                          nextContinuationToken: root.value("NextContinuationToken"))
    }

    /// Every object under `prefix`, following continuation tokens.
    public func listAllObjects(bucket: String, prefix: String? = nil) async throws(AWSError) -> [S3ObjectInfo] {
        var all: [S3ObjectInfo] = []
        var token: String?
        repeat {
            let page = try await listObjects(bucket: bucket, prefix: prefix, continuationToken: token)
            all += page.objects
            token = page.isTruncated ? page.nextContinuationToken : nil
            if page.isTruncated && token == nil {
                throw AWSError(.malformedResponse, service: "s3", operation: "ListObjectsV2", message: "truncated page without a continuation token")
            }
        } while token != nil
        return all
    }

    // MARK: Multipart

    public func createMultipartUpload(bucket: String, key: String, encryption: S3Encryption? = nil) async throws(AWSError) -> String {
        let request = try request("POST", bucket: bucket, key: key, query: [QueryItem("uploads")],
                                  headers: writeHeaders(condition: nil, encryption: encryption, contentType: nil))
        let response = try await core.execute(operation: "CreateMultipartUpload", request: request)
        guard let uploadID = XMLNode.parse(response.body)?.value("UploadId") else {
            throw AWSError(.malformedResponse, service: "s3", operation: "CreateMultipartUpload", message: "no UploadId")
        }
        return uploadID
    }

    public func uploadPart(bucket: String, key: String, uploadID: String, partNumber: Int, body: [UInt8]) async throws(AWSError) -> String {
        let request = try request("PUT", bucket: bucket, key: key,
                                  query: [QueryItem("partNumber", String(partNumber)), QueryItem("uploadId", uploadID)])
        let response = try await core.execute(operation: "UploadPart", request: request, body: body,
                                              payload: payload(body, scheme: request.scheme))
        guard let tag = response.header("etag") else {
            throw AWSError(.malformedResponse, service: "s3", operation: "UploadPart", message: "no ETag for part \(partNumber)")
        }
        return tag
    }

    /// CompleteMultipartUpload; a 200 response carrying `<Error>` is an error too.
    @discardableResult
    public func completeMultipartUpload(bucket: String, key: String, uploadID: String, parts: [(number: Int, eTag: String)],
                                        condition: S3WriteCondition? = nil) async throws(AWSError) -> String? {
        let xml = "<CompleteMultipartUpload>" + parts.map {
            "<Part><PartNumber>\($0.number)</PartNumber><ETag>\(xmlEscape($0.eTag))</ETag></Part>"
        }.joined() + "</CompleteMultipartUpload>"
        let request = try request("POST", bucket: bucket, key: key, query: [QueryItem("uploadId", uploadID)],
                                  headers: writeHeaders(condition: condition, encryption: nil, contentType: nil))
        let response = try await core.execute(operation: "CompleteMultipartUpload", request: request, body: Array(xml.utf8))
        let root = XMLNode.parse(response.body)
        if let root, root.name == "Error" {
            throw AWSError.fromResponse(service: "s3", operation: "CompleteMultipartUpload", status: 200, code: root.value("Code"),
                                        message: root.value("Message") ?? "", requestID: root.value("RequestId"))
        }
        return root?.value("ETag") ?? response.header("etag")
    }

    /// The multipart uploads in progress in `bucket` (under `prefix`), following the listing's
    /// markers: what an interrupted writer may have left behind (see ``abortMultipartUpload(bucket:key:uploadID:)``).
    public func listMultipartUploads(bucket: String, prefix: String? = nil) async throws(AWSError) -> [S3MultipartUpload] {
        var uploads: [S3MultipartUpload] = []
        var keyMarker: String?
        var uploadIDMarker: String?
        while true {
            var query = [QueryItem("uploads")]
            if let prefix { query.append(QueryItem("prefix", prefix)) }
            if let keyMarker { query.append(QueryItem("key-marker", keyMarker)) }
            if let uploadIDMarker { query.append(QueryItem("upload-id-marker", uploadIDMarker)) }
            let request = try request("GET", bucket: bucket, query: query)
            let response = try await core.execute(operation: "ListMultipartUploads", request: request)
            guard let root = XMLNode.parse(response.body), root.name == "ListMultipartUploadsResult" else {
                throw AWSError(.malformedResponse, service: "s3", operation: "ListMultipartUploads", status: response.status,
                               message: "expected a ListMultipartUploadsResult")
            }
            uploads += root.all("Upload").map {
                S3MultipartUpload(key: $0.value("Key") ?? "", uploadID: $0.value("UploadId") ?? "", initiated: $0.value("Initiated"))
            }
            guard root.value("IsTruncated") == "true" else { return uploads }
            let nextKey = root.value("NextKeyMarker"), nextID = root.value("NextUploadIdMarker")
            guard nextKey != nil, nextKey != keyMarker || nextID != uploadIDMarker else {
                throw AWSError(.malformedResponse, service: "s3", operation: "ListMultipartUploads",
                               message: "truncated page without new markers")
            }
            keyMarker = nextKey
            uploadIDMarker = nextID
        }
    }

    public func abortMultipartUpload(bucket: String, key: String, uploadID: String) async throws(AWSError) {
        let request = try request("DELETE", bucket: bucket, key: key, query: [QueryItem("uploadId", uploadID)])
        _ = try await core.execute(operation: "AbortMultipartUpload", request: request)
    }

    /// Uploads a local file: one PutObject below ``multipartThreshold``, else a multipart upload
    /// read part by part (memory stays at one part), aborted if any step fails.
    @discardableResult
    public func uploadFile(path: String, bucket: String, key: String, condition: S3WriteCondition? = nil,
                           encryption: S3Encryption? = nil) async throws(AWSError) -> String? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let size = (attributes[.size] as? NSNumber)?.intValue, let handle = FileHandle(forReadingAtPath: path) else {
            throw AWSError(.configuration, service: "s3", operation: "PutObject", message: "cannot read \(path)")
        }
        defer { try? handle.close() }
        func read(_ count: Int) throws(AWSError) -> [UInt8] {
            do {
                return [UInt8](try handle.read(upToCount: count) ?? Data())
            } catch {
                throw AWSError(.configuration, service: "s3", operation: "PutObject", message: "cannot read \(path): \(error)")
            }
        }
        if size < multipartThreshold {
            return try await putObject(bucket: bucket, key: key, body: try read(size), condition: condition, encryption: encryption)
        }
        let uploadID = try await createMultipartUpload(bucket: bucket, key: key, encryption: encryption)
        do {
            var parts: [(Int, String)] = []
            var number = 1
            while true {
                let chunk = try read(partSize)
                if chunk.isEmpty { break }
                parts.append((number, try await uploadPart(bucket: bucket, key: key, uploadID: uploadID, partNumber: number, body: chunk)))
                number += 1
            }
            return try await completeMultipartUpload(bucket: bucket, key: key, uploadID: uploadID, parts: parts, condition: condition)
        } catch {
            try? await abortMultipartUpload(bucket: bucket, key: key, uploadID: uploadID)
            throw error
        }
    }

    // MARK: Presigning

    /// A presigned URL for `method` on the object (default: GET for one hour).
    public func presignedURL(method: String = "GET", bucket: String, key: String, expires: Int = 3600) async throws(AWSError) -> String {
        let request = try request(method, bucket: bucket, key: key)
        let credentials = try await core.credentials.credentials()
        let signer = SigV4Signer(credentials: credentials, region: core.configuration.region, service: "s3")
        do {
            return try signer.presignedURL(request, expires: expires, date: Date().addingTimeInterval(await core.clock.offset)).url
        } catch {
            throw AWSError(.configuration, service: "s3", operation: "Presign", message: error.message)
        }
    }
}
