import IcebergKit
import LakeAWS
import Synchronization

/// A streaming write of one S3 object.
///
/// Bytes collect in a buffer of one part. When the buffer fills, a multipart upload is created
/// (the first time) and the part is uploaded before `write` returns, so memory stays at one part.
/// `close()` uploads what remains as the last part and completes the upload — or, when the file
/// never filled a part, sends it as one PutObject. Under ``WriteMode/createNew`` the PUT or the
/// CompleteMultipartUpload carries `If-None-Match: *`: nothing is ever overwritten, and a file
/// that is already there is ``IcebergError/Kind/alreadyExists(_:)``.
///
/// A failed write or close, and `abort()`, abort the multipart upload; a writer released
/// without being closed or aborted aborts its upload in the background.
actor S3FileWriter: FileWriter {
    private enum State {
        case open
        /// A `write` or `close` is awaiting S3 (a second call at the same time is refused).
        case busy
        case closed
        case aborted
        case failed
    }

    nonisolated let location: String
    private let client: S3Client
    private let object: S3Location
    private let mode: WriteMode
    private let partSize: Int
    private let encryption: S3Encryption?
    private var state = State.open
    private var buffer: [UInt8] = []
    /// The multipart upload, once the first part filled.
    private var uploadID: String?
    private var parts: [(number: Int, eTag: String)] = []
    private let written = Atomic<Int64>(0)

    init(client: S3Client, object: S3Location, location: String, mode: WriteMode, partSize: Int, encryption: S3Encryption?) {
        self.client = client
        self.object = object
        self.location = location
        self.mode = mode
        self.partSize = partSize
        self.encryption = encryption
    }

    deinit {
        // Released mid-upload (neither closed nor aborted): don't leave the parts to accrue.
        if let uploadID, state != .closed {
            let (client, bucket, key) = (client, object.bucket, object.key)
            Task { try? await client.abortMultipartUpload(bucket: bucket, key: key, uploadID: uploadID) }
        }
    }

    nonisolated var position: Int64 { written.load(ordering: .relaxed) }

    func write(_ bytes: [UInt8]) async throws(IcebergError) {
        try begin()
        var offset = 0
        while offset < bytes.count {
            let take = min(partSize - buffer.count, bytes.count - offset)
            // Grow geometrically but never past one part (a small file stays small).
            if buffer.count + take > buffer.capacity {
                buffer.reserveCapacity(min(partSize, max(buffer.count + take, 2 * buffer.capacity)))
            }
            buffer.append(contentsOf: bytes[offset..<(offset + take)])
            offset += take
            written.add(Int64(take), ordering: .relaxed)
            if buffer.count == partSize { try await uploadBufferedPart() }
        }
        state = .open
    }

    func close() async throws(IcebergError) {
        try begin()
        let condition: S3WriteCondition? = mode == .createNew ? .ifNoneMatch : nil
        if uploadID == nil {
            do throws(AWSError) {
                try await client.putObject(bucket: object.bucket, key: object.key, body: buffer, condition: condition,
                                           encryption: encryption)
            } catch {
                throw await fail(error)
            }
        } else {
            if !buffer.isEmpty { try await uploadBufferedPart() }
            guard let uploadID else { throw await fail(IcebergError(.io("the multipart upload was aborted"), path: location)) }
            do throws(AWSError) {
                try await client.completeMultipartUpload(bucket: object.bucket, key: object.key, uploadID: uploadID,
                                                         parts: parts, condition: condition)
            } catch {
                throw await fail(error)
            }
        }
        state = .closed
        buffer = []
        uploadID = nil
    }

    func abort() async {
        guard state == .open || state == .busy else { return }
        // A `write` awaiting S3 sees `.aborted` when it resumes and aborts what it created.
        state = .aborted
        buffer = []
        await abortUpload()
    }

    // MARK: Steps

    /// Marks the writer busy, or refuses a writer that is closed, failed or in use.
    private func begin() throws(IcebergError) {
        switch state {
        case .open: state = .busy
        case .busy: throw IcebergError(.io("the writer is in use by another call (one task at a time)"), path: location)
        case .closed: throw IcebergError(.io("the writer is closed"), path: location)
        case .aborted: throw IcebergError(.io("the writer was aborted"), path: location)
        case .failed: throw IcebergError(.io("the writer failed earlier"), path: location)
        }
    }

    /// Uploads the buffer as the next part, creating the multipart upload first if needed.
    private func uploadBufferedPart() async throws(IcebergError) {
        guard parts.count < S3FileIO.maximumParts else {
            throw await fail(IcebergError(.io("the file needs more than \(S3FileIO.maximumParts) parts of \(partSize) bytes: "
                                              + "raise the part size"), path: location))
        }
        let id: String
        if let uploadID {
            id = uploadID
        } else {
            do throws(AWSError) {
                id = try await client.createMultipartUpload(bucket: object.bucket, key: object.key, encryption: encryption)
            } catch {
                throw await fail(error)
            }
            uploadID = id
            try await checkNotAborted(id)
        }
        let number = parts.count + 1
        let eTag: String
        do throws(AWSError) {
            eTag = try await client.uploadPart(bucket: object.bucket, key: object.key, uploadID: id, partNumber: number, body: buffer)
        } catch {
            throw await fail(error)
        }
        try await checkNotAborted(id)
        parts.append((number, eTag))
        buffer.removeAll(keepingCapacity: true)
    }

    /// After an await: if `abort()` ran meanwhile, aborts upload `id` (again: a part that was in
    /// flight may have landed after the first abort) and stops the call.
    private func checkNotAborted(_ id: String) async throws(IcebergError) {
        guard state == .aborted else { return }
        uploadID = nil
        try? await client.abortMultipartUpload(bucket: object.bucket, key: object.key, uploadID: id)
        throw IcebergError(.io("the writer was aborted"), path: location)
    }

    private func fail(_ error: AWSError) async -> IcebergError {
        await fail(IcebergError(s3: error, location: location))
    }

    /// Abandons the upload after a failure; returns `error` to throw.
    private func fail(_ error: IcebergError) async -> IcebergError {
        if state != .aborted { state = .failed }
        buffer = []
        await abortUpload()
        return error
    }

    /// Aborts the multipart upload, if there is one. A failed abort leaves an incomplete upload
    /// (invisible, but stored until a bucket lifecycle rule removes it).
    private func abortUpload() async {
        guard let uploadID else { return }
        self.uploadID = nil
        parts = []
        try? await client.abortMultipartUpload(bucket: object.bucket, key: object.key, uploadID: uploadID)
    }
}
