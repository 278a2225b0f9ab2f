/// A write that storage began but that was never published or abandoned: on an object store, a
/// multipart upload never completed nor aborted.
///
/// It is invisible to ``FileIO/list(prefix:)`` and to every reader, yet the store keeps (and
/// bills) its parts until it is aborted. A writer that crashes mid-file leaves one behind; a
/// writer that fails cleanly aborts its own.
public struct IncompleteWrite: Sendable, Hashable {
    /// The location the write would have published.
    public var location: String
    /// The store's identifier of the write (an S3 upload id).
    public var id: String
    /// When the write began (ms since the epoch), when the store says.
    public var startedMs: Int64?

    /// An incomplete write of `location`, known to the store as `id`.
    public init(location: String, id: String, startedMs: Int64?) {
        self.location = location
        self.id = id
        self.startedMs = startedMs
    }
}

/// A ``FileIO`` whose storage can hold ``IncompleteWrite``s, and can list and abort them.
///
/// ``RemoveOrphanFiles`` uses it when the table's FileIO conforms: incomplete writes under the
/// table location that began before the orphan age threshold are aborted with the orphans,
/// since no commit in flight is that old. Storage that publishes by rename (``LocalFileIO``)
/// leaves visible temporary files instead, which orphan removal already finds by listing.
public protocol IncompleteWriteSweeping: FileIO {
    /// The incomplete writes whose location starts with `prefix`.
    func incompleteWrites(prefix: String) async throws(IcebergError) -> [IncompleteWrite]
    /// Aborts `write`, releasing what the store holds for it; one already gone is not an error.
    func abort(_ write: IncompleteWrite) async throws(IcebergError)
}
