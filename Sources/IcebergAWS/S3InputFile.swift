import IcebergKit
import LakeAWS
import Synchronization

/// An S3 object to read: its length by HEAD (remembered once known), bytes by ranged GET.
struct S3InputFile: InputFile {
    let location: String
    private let client: S3Client
    private let object: Result<S3Location, IcebergError>
    /// The object's length once a HEAD has returned it (shared by copies of this value).
    private let knownLength = KnownLength()

    init(client: S3Client, location: String, length: Int64? = nil) {
        self.client = client
        self.location = location
        knownLength.value = length
        do throws(IcebergError) { object = .success(try S3Location(object: location)) } catch { object = .failure(error) }
    }

    func length() async throws(IcebergError) -> Int64 {
        if let known = knownLength.value { return known }
        let object = try object.get()
        do throws(AWSError) {
            let size = try await client.headObject(bucket: object.bucket, key: object.key).size
            knownLength.value = size
            return size
        } catch {
            throw IcebergError(s3: error, location: location)
        }
    }

    func exists() async throws(IcebergError) -> Bool {
        do throws(IcebergError) {
            _ = try await length()
            return true
        } catch {
            if case .notFound = error.kind { return false }
            throw error
        }
    }

    func read(from offset: Int64, count: Int) async throws(IcebergError) -> [UInt8] {
        let object = try object.get()
        guard offset >= 0, count >= 0, offset <= Int64.max - Int64(count) else {
            throw IcebergError(.io("invalid range \(offset)+\(count)"), path: location)
        }
        let end = offset + Int64(count)
        if let known = knownLength.value, end > known {
            throw pastTheEnd(offset, count, length: known)
        }
        // An empty range cannot be asked of S3: the file must still exist and reach `offset`.
        if count == 0 {
            let size = try await length()
            if offset > size { throw pastTheEnd(offset, count, length: size) }
            return []
        }
        let body: [UInt8]
        do throws(AWSError) {
            body = try await client.getObject(bucket: object.bucket, key: object.key, range: offset...(end - 1)).body
        } catch where error.status == 416 || error.code == "InvalidRange" {
            throw IcebergError(.io("range \(offset)+\(count) runs past the end of the file (\(error))"), path: location)
        } catch {
            throw IcebergError(s3: error, location: location)
        }
        // S3 answers a range that runs past the end with the bytes it has: never return them short.
        guard body.count == count else {
            throw IcebergError(.io("range \(offset)+\(count) runs past the end of the file: the server returned \(body.count) bytes"),
                               path: location)
        }
        return body
    }

    private func pastTheEnd(_ offset: Int64, _ count: Int, length: Int64) -> IcebergError {
        IcebergError(.io("range \(offset)+\(count) runs past the end of the file (\(length) bytes)"), path: location)
    }
}

/// A length learned once and shared by every copy of an ``S3InputFile``.
final class KnownLength: Sendable {
    private let storage = Mutex<Int64?>(nil)

    var value: Int64? {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}
