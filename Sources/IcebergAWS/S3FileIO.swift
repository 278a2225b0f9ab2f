public import IcebergKit
public import LakeAWS

/// Iceberg tables on Amazon S3 (or any S3-compatible store): IcebergKit's ``FileIO`` over
/// LakeAWS's ``S3Client``.
///
/// Locations are `s3://bucket/key` (`s3a://` and `s3n://` are accepted as the same objects).
/// Reads are ranged GETs after one HEAD for the length; writes stream through a multipart upload
/// that starts once a part fills (a file smaller than a part is a single PUT) and is published by
/// `close()`. ``WriteMode/createNew`` never overwrites: `If-None-Match: *` on the PUT or on
/// CompleteMultipartUpload, a `412` surfacing as ``IcebergError/Kind/alreadyExists(_:)``. Every
/// call goes through the client's standard retry policy.
///
/// ```swift
/// let s3 = S3Client(configuration: try AWSConfiguration(), credentials: CredentialChain.standard())
/// let io = S3FileIO(client: s3, encryption: .kms(keyID: "alias/lake"))
/// let catalog = try SQLiteCatalog(path: "catalog.db", warehouse: "s3://lake/warehouse", io: io)
/// ```
public struct S3FileIO: FileIO {
    /// The part size used when none is given: 8 MiB.
    public static let defaultPartSize = 8 << 20
    /// S3's smallest part (every part but the last): 5 MiB.
    public static let minimumPartSize = 5 << 20
    /// S3's largest part: 5 GiB.
    public static let maximumPartSize = 5 << 30
    /// S3's limit on the parts of one upload: a file may hold at most `partSize × 10,000` bytes.
    public static let maximumParts = 10_000

    /// The client every request goes through (its configuration, credentials and retry policy).
    public let client: S3Client
    /// Bytes per uploaded part, and the most a writer buffers: a file that reaches it becomes a
    /// multipart upload. Clamped to ``minimumPartSize``…``maximumPartSize``.
    public let partSize: Int
    /// Server-side encryption requested on every PutObject and CreateMultipartUpload: `nil`
    /// sends no header (the bucket's default encryption applies), `.kms(keyID:)` SSE-KMS with that
    /// key (`nil`: the account's AWS-managed `aws/s3` key), `.s3` SSE-S3.
    public let encryption: S3Encryption?
    /// Keys per ListObjectsV2 page (`nil`: the server's default, 1,000 on S3). Clamped to 1…1,000.
    public let listPageSize: Int?

    /// An S3 FileIO over `client`.
    ///
    /// - Parameters:
    ///   - partSize: bytes per multipart part (default 8 MiB; at least 5 MiB, at most 5 GiB).
    ///   - encryption: SSE applied to every write (see ``encryption``).
    ///   - listPageSize: keys per listing page (default: the server's).
    public init(client: S3Client, partSize: Int = S3FileIO.defaultPartSize, encryption: S3Encryption? = nil,
                listPageSize: Int? = nil) {
        self.client = client
        self.partSize = min(max(partSize, Self.minimumPartSize), Self.maximumPartSize)
        self.encryption = encryption
        self.listPageSize = listPageSize.map { min(max($0, 1), 1000) }
    }

    /// The object at `location`, read by ranged GETs after one HEAD for its length. An invalid
    /// location fails on the first call.
    public func newInputFile(_ location: String) -> any InputFile {
        S3InputFile(client: client, location: location)
    }

    /// The object at `location` whose length a manifest already gives: no HEAD before reading.
    public func newInputFile(_ location: String, length: Int64) -> any InputFile {
        S3InputFile(client: client, location: location, length: length)
    }

    /// The object at `location`, written by a streaming multipart upload (see ``S3FileIO``).
    public func newOutputFile(_ location: String) -> any OutputFile {
        S3OutputFile(location: location, client: client, partSize: partSize, encryption: encryption)
    }

    /// Deletes the object at `location`; an object that is not there is not an error.
    public func delete(_ location: String) async throws(IcebergError) {
        let object = try S3Location(object: location)
        do throws(AWSError) {
            try await client.deleteObject(bucket: object.bucket, key: object.key)
        } catch where error.kind == .notFound {
            return
        } catch {
            throw IcebergError(s3: error, location: location)
        }
    }

    /// Deletes many objects with DeleteObjects, 1,000 keys per request, bucket by bucket.
    ///
    /// Returns the locations that were not deleted: invalid locations, keys S3 reported as
    /// failed (with its error code), and every key of a request that failed as a whole. Keys that
    /// are not there count as deleted.
    public func delete(_ locations: [String]) async -> [(location: String, error: IcebergError)] {
        var failures: [(location: String, error: IcebergError)] = []
        // Bucket → key → the locations naming it (a key may be named twice, or by two schemes).
        var buckets: [String: [String: [String]]] = [:]
        var bucketOrder: [String] = []
        for location in locations {
            do throws(IcebergError) {
                let object = try S3Location(object: location)
                if buckets[object.bucket] == nil { bucketOrder.append(object.bucket) }
                buckets[object.bucket, default: [:]][object.key, default: []].append(location)
            } catch {
                failures.append((location, error))
            }
        }
        for bucket in bucketOrder {
            let keys = buckets[bucket] ?? [:]
            let ordered = keys.keys.sorted()
            var start = 0
            while start < ordered.count {
                let batch = Array(ordered[start..<min(start + 1000, ordered.count)])
                start += batch.count
                do throws(AWSError) {
                    for (key, code) in try await client.deleteObjects(bucket: bucket, keys: batch) where code != "NoSuchKey" {
                        for location in keys[key] ?? [] {
                            failures.append((location, IcebergError(.io("s3.DeleteObjects: \(code)"), path: location)))
                        }
                    }
                } catch {
                    for key in batch {
                        for location in keys[key] ?? [] { failures.append((location, IcebergError(s3: error, location: location))) }
                    }
                }
            }
        }
        return failures
    }

    /// The objects whose location starts with `prefix`, one ListObjectsV2 page at a time; each
    /// page's continuation token is the listing's token. Locations come back in the prefix's
    /// scheme; `lastModifiedMs` is S3's `LastModified`.
    public func list(prefix: String) -> FileListing {
        let client = client
        let pageSize = listPageSize
        let parsed: Result<S3Location, IcebergError>
        do throws(IcebergError) { parsed = .success(try S3Location(prefix: prefix)) } catch { parsed = .failure(error) }
        return FileListing { (token: String?) async throws(IcebergError) -> (page: [FileInfo], next: String?) in
            let base = try parsed.get()
            let page: S3ListPage
            do throws(AWSError) {
                page = try await client.listObjects(bucket: base.bucket, prefix: base.key.isEmpty ? nil : base.key,
                                                    continuationToken: token, maxKeys: pageSize)
            } catch {
                throw IcebergError(s3: error, location: prefix)
            }
            var files: [FileInfo] = []
            files.reserveCapacity(page.objects.count)
            for object in page.objects {
                let location = base.location(ofKey: object.key)
                guard let text = object.lastModified, let ms = S3Timestamp.milliseconds(iso8601: text) else {
                    // A guessed time could make a new file look old to orphan removal: refuse.
                    throw IcebergError(.io("s3.ListObjectsV2: unreadable LastModified \(object.lastModified ?? "(none)")"),
                                       path: location)
                }
                files.append(FileInfo(location: location, size: object.size, lastModifiedMs: ms))
            }
            guard page.isTruncated else { return (files, nil) }
            guard let next = page.nextContinuationToken, !next.isEmpty else {
                throw IcebergError(.io("s3.ListObjectsV2: a truncated page without a continuation token"), path: prefix)
            }
            return (files, next)
        }
    }
}
