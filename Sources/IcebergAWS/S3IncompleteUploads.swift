public import IcebergKit
import LakeAWS

/// Abandoned multipart uploads as IcebergKit's incomplete writes, so that orphan removal on an S3
/// table also releases the parts a crashed writer left (what a bucket lifecycle rule
/// `AbortIncompleteMultipartUpload` would do, without needing one).
extension S3FileIO: IncompleteWriteSweeping {
    /// The multipart uploads in progress under `prefix` (ListMultipartUploads), with S3's
    /// `Initiated` time.
    public func incompleteWrites(prefix: String) async throws(IcebergError) -> [IncompleteWrite] {
        let base = try S3Location(prefix: prefix)
        let uploads: [S3MultipartUpload]
        do throws(AWSError) {
            uploads = try await client.listMultipartUploads(bucket: base.bucket, prefix: base.key.isEmpty ? nil : base.key)
        } catch {
            throw IcebergError(s3: error, location: prefix)
        }
        return uploads.map { upload in
            IncompleteWrite(location: base.location(ofKey: upload.key), id: upload.uploadID,
                            startedMs: upload.initiated.flatMap { S3Timestamp.milliseconds(iso8601: $0) })
        }
    }

    /// Aborts the multipart upload (AbortMultipartUpload); one already gone is not an error.
    public func abort(_ write: IncompleteWrite) async throws(IcebergError) {
        let object = try S3Location(object: write.location)
        do throws(AWSError) {
            try await client.abortMultipartUpload(bucket: object.bucket, key: object.key, uploadID: write.id)
        } catch where error.kind == .notFound {
            return
        } catch {
            throw IcebergError(s3: error, location: write.location)
        }
    }
}
