public import IcebergKit
public import LakeAWS

extension IcebergError {
    /// The IcebergKit error for a failed S3 call on `location`.
    ///
    /// `404` becomes ``IcebergError/Kind/notFound(_:)`` and `412` (a false `If-None-Match`)
    /// ``IcebergError/Kind/alreadyExists(_:)``; `409 ConditionalRequestConflict` (another
    /// conditional write to the same key was in flight) becomes
    /// ``IcebergError/Kind/commitConflict(_:)``, which commits retry on a fresh base; a transport
    /// failure of a cancelled task becomes ``IcebergError/Kind/cancelled``; everything else is
    /// ``IcebergError/Kind/io(_:)``. The message keeps the AWS error's text: operation, HTTP
    /// status, AWS code, message and request id.
    public init(s3 error: AWSError, location: String) {
        let text = error.description
        switch error.kind {
        case .notFound:
            self.init(.notFound(text), path: location)
        case .preconditionFailed:
            self.init(.alreadyExists(text), path: location)
        case .conflict where error.code == "ConditionalRequestConflict":
            self.init(.commitConflict(text), path: location)
        case .transport where Task.isCancelled:
            self.init(.cancelled, path: location)
        default:
            self.init(.io(text), path: location)
        }
    }
}
