/// An error of the Iceberg layer: what, and which file.
public struct IcebergError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        case invalidMetadata(String)
        case unsupported(String)
        case notFound(String)
        case commitConflict(String)
        /// A commit's precondition no longer holds on the table's newest metadata (Java's
        /// `ValidationException`): retrying would not help.
        case validationFailed(String)
        /// The catalog may or may not have applied a commit (a timeout after the request was
        /// sent): the files the commit references must not be cleaned up.
        case commitStateUnknown(String)
        case io(String)
        /// The task was cancelled before the operation finished (nothing was committed).
        case cancelled
        /// A file that must be new already exists (metadata files are never overwritten).
        case alreadyExists(String)
        /// The catalog refused the caller's credentials or permissions (HTTP 401/403 from a REST
        /// catalog): retrying with the same credentials will not help.
        case unauthorized(String)
    }

    public var kind: Kind
    public var path: String?

    public init(_ kind: Kind, path: String? = nil) {
        self.kind = kind
        self.path = path
    }

    public var description: String {
        let prefix = path.map { "\($0): " } ?? ""
        switch kind {
        case let .invalidMetadata(w): return prefix + "invalid metadata: \(w)"
        case let .unsupported(w): return prefix + "unsupported: \(w)"
        case let .notFound(w): return prefix + "not found: \(w)"
        case let .commitConflict(w): return prefix + "commit conflict: \(w)"
        case let .validationFailed(w): return prefix + "commit validation failed: \(w)"
        case let .commitStateUnknown(w): return prefix + "commit state unknown: \(w)"
        case let .io(w): return prefix + "I/O error: \(w)"
        case let .alreadyExists(w): return prefix + "already exists: \(w)"
        case let .unauthorized(w): return prefix + "not authorized: \(w)"
        case .cancelled: return prefix + "cancelled"
        }
    }
}
