import Synchronization

/// Parsed table metadata by file location, for catalogs that point at metadata files.
///
/// A metadata file is never rewritten, so what was parsed from a location stays true: a catalog
/// keeps the few it loaded or committed last and does not read and parse them again on the next
/// load or commit. Bounded: past `capacity` entries it starts over.
public final class MetadataCache: Sendable {
    private let entries = Mutex<[String: TableMetadata]>([:])
    public let capacity: Int

    public init(capacity: Int = 16) {
        self.capacity = max(1, capacity)
    }

    /// The metadata at `location`: cached, or read through `io` and parsed.
    public func metadata(at location: String, io: any FileIO) async throws(IcebergError) -> TableMetadata {
        if let cached = entries.withLock({ $0[location] }) { return cached }
        let metadata = try await MetadataFileCommit.read(location, io: io)
        remember(CommittedMetadata(metadata: metadata, location: location))
        return metadata
    }

    /// Keeps metadata this process wrote (a commit need not read back what it just wrote).
    public func remember(_ committed: CommittedMetadata) {
        entries.withLock { cache in
            if cache.count >= capacity { cache.removeAll(keepingCapacity: true) }
            cache[committed.location] = committed.metadata
        }
    }
}
