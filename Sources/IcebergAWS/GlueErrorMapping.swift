public import IcebergKit
public import LakeAWS

extension IcebergError {
    /// The IcebergKit error for a failed Glue call about `subject` (e.g. `table logs.events`).
    ///
    /// `EntityNotFoundException` becomes ``IcebergError/Kind/notFound(_:)``,
    /// `AlreadyExistsException` ``IcebergError/Kind/alreadyExists(_:)``,
    /// `ConcurrentModificationException` (a stale `VersionId`)
    /// ``IcebergError/Kind/commitConflict(_:)``, a transport failure of a cancelled task
    /// ``IcebergError/Kind/cancelled``, everything else ``IcebergError/Kind/io(_:)``. The message
    /// keeps the AWS error's text: operation, HTTP status, AWS code, message and request id.
    public init(glue error: AWSError, subject: String) {
        let text = "\(subject): \(error.description)"
        switch error.kind {
        case .notFound:
            self.init(.notFound(text))
        case .conflict:
            self.init(.commitConflict(text))
        case .transport where Task.isCancelled:
            self.init(.cancelled)
        case _ where error.code == "AlreadyExistsException":
            self.init(.alreadyExists(text))
        default:
            self.init(.io(text))
        }
    }
}

extension AWSError {
    /// Whether the service certainly did not apply the request: it was never sent (configuration,
    /// credentials) or the service answered with a client error. A transport failure, a 5xx or
    /// exhausted retries leave the outcome open (the request may have been applied).
    var certainlyNotApplied: Bool {
        switch kind {
        case .configuration, .credentials:
            return true
        case .transport, .malformedResponse, .retriesExhausted:
            // Exhausted retries: some attempt may have timed out after it was applied.
            return false
        case .service, .preconditionFailed, .conflict, .notFound, .accessDenied:
            guard let status else { return false }
            return (400..<500).contains(status)
        }
    }
}
