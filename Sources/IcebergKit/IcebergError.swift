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
        case io(String)
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
        case let .io(w): return prefix + "I/O error: \(w)"
        }
    }
}
