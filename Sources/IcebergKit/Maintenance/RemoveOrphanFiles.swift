/// Deletes files under a table's location that its metadata does not reference (Java's
/// `DeleteOrphanFiles` action): leftovers of failed or abandoned writes.
///
/// The table location is listed through ``FileIO/list(prefix:)``; a file is an orphan when no
/// metadata references it — the manifest lists, manifests, data and delete files of every
/// snapshot, the current metadata file and those of the metadata log, `version-hint.text`,
/// statistics files and ``SourceLedger`` files — and it was last modified before the age
/// threshold (default: 3 days ago, as Java).
///
/// The threshold is what protects commits in flight: a writer's data files and manifests
/// exist before the commit that references them, so a file younger than the longest write
/// could be the next commit's. Keep it well above the longest write or compaction.
///
/// Locations are compared after normalising their schemes (`file:/x`, `file:///x` and `/x` are
/// one file; `s3a://` and `s3n://` are `s3://`). A listed file whose path the metadata
/// references under another scheme or authority is an error, never a deletion (Java's
/// `prefixMismatchMode` ERROR): the table's locations would then have to be reconciled first.
///
/// When the table's FileIO is ``IncompleteWriteSweeping`` (S3), incomplete writes under the
/// location that began before the same threshold are aborted too (reported in
/// ``RemoveOrphanFilesResult/incompleteWrites``); one whose start the store does not give is
/// kept, as its age cannot be judged.
///
/// ```swift
/// let orphans = try await table.removeOrphanFiles().olderThan(currentTimeMs() - 3 * 86_400_000).dryRun().execute()
/// ```
public struct RemoveOrphanFiles: Sendable {
    public let table: Table
    private var olderThanMs: Int64?
    private var isDryRun = false
    private var prefix: String?

    /// Starts an orphan removal of `table` (the table as its catalog has it is reloaded first).
    public init(table: Table) {
        self.table = table
    }

    /// Only files last modified before `timestampMs` (ms since the epoch) are orphans.
    public func olderThan(_ timestampMs: Int64) -> RemoveOrphanFiles {
        var copy = self
        copy.olderThanMs = timestampMs
        return copy
    }

    /// Lists the orphans without deleting them.
    public func dryRun(_ enabled: Bool = true) -> RemoveOrphanFiles {
        var copy = self
        copy.isDryRun = enabled
        return copy
    }

    /// Lists `location` instead of the whole table location (a directory under it).
    public func location(_ location: String) -> RemoveOrphanFiles {
        var copy = self
        copy.prefix = location
        return copy
    }

    /// Finds the orphans and (unless a dry run) deletes them.
    public func execute(nowMs: Int64 = currentTimeMs()) async throws(IcebergError) -> RemoveOrphanFilesResult {
        let cutoff = olderThanMs ?? (nowMs - 3 * 86_400_000)
        let current = try await table.refresh()
        let referenced = try await Self.referencedFiles(current)
        let root = prefix ?? current.metadata.location
        let listPrefix = root.hasSuffix("/") ? root : root + "/"
        var result = RemoveOrphanFilesResult(table: current, dryRun: isDryRun)
        // The whole listing is judged before anything is deleted: a location mismatch found on
        // a later page must not follow deletions made on an earlier one.
        var orphans: [FileInfo] = []
        var iterator = current.io.list(prefix: listPrefix).makeAsyncIterator()
        while let page = try await iterator.next() {
            for file in page {
                let key = NormalizedLocation(file.location)
                if let known = referenced[key.path] {
                    guard known.contains(key.root) else {
                        throw IcebergError(.validationFailed("\(file.location) is referenced as \(known.sorted().map { $0 + key.path }.joined(separator: ", ")): "
                                                             + "the locations differ in scheme or authority; nothing was deleted"))
                    }
                    continue
                }
                guard file.lastModifiedMs < cutoff else { continue }
                orphans.append(file)
            }
        }
        orphans.sort { $0.location < $1.location }
        var abandoned: [IncompleteWrite] = []
        if let sweeping = current.io as? any IncompleteWriteSweeping {
            abandoned = try await sweeping.incompleteWrites(prefix: listPrefix)
                .filter { ($0.startedMs ?? .max) < cutoff }
                .sorted { ($0.location, $0.id) < ($1.location, $1.id) }
        }
        if isDryRun {
            result.orphans = orphans
            result.incompleteWrites = abandoned
            return result
        }
        if let sweeping = current.io as? any IncompleteWriteSweeping {
            for write in abandoned {
                do throws(IcebergError) {
                    try await sweeping.abort(write)
                    result.incompleteWrites.append(write)
                } catch {
                    result.failedAborts.append(write)
                }
            }
        }
        var start = 0
        while start < orphans.count {
            let chunk = Array(orphans[start..<min(start + 1000, orphans.count)])
            start += chunk.count
            let failed = Set(await current.io.delete(chunk.map(\.location)).map(\.location))
            result.orphans += chunk.filter { !failed.contains($0.location) }
            result.failedDeletes += chunk.map(\.location).filter(failed.contains)
        }
        return result
    }

    /// Every file the table's metadata references, by normalised path, with the roots
    /// (scheme and authority) it is referenced under.
    static func referencedFiles(_ table: Table) async throws(IcebergError) -> [String: Set<String>] {
        var out: [String: Set<String>] = [:]
        func add(_ location: String) {
            let n = NormalizedLocation(location)
            out[n.path, default: []].insert(n.root)
        }
        for f in ReachableFiles.metadataFiles(of: table) { add(f) }
        let metadata = table.metadata
        for s in metadata.snapshots {
            if let list = s.manifestList { add(list) }
        }
        let manifests = try await ReachableFiles.manifests(of: metadata.snapshots, in: metadata, io: table.io)
        for path in manifests.keys { add(path) }
        // Every entry, DELETED ones too: a file a kept snapshot deleted is expiry's to remove.
        try await ReachableFiles.forEachEntries(of: Array(manifests.values), in: metadata, io: table.io) { (_, entries) throws(IcebergError) in
            for e in entries { add(e.dataFile.filePath) }
        }
        return out
    }
}

/// A location split into its root (normalised scheme and authority) and path, so that the same
/// file written as `file:/x`, `file:///x` or `/x` (or `s3a://b/k` and `s3://b/k`) compares equal.
struct NormalizedLocation: Hashable {
    var root: String
    var path: String

    init(_ location: String) {
        guard let colon = location.firstIndex(of: ":"), !location[..<colon].contains("/") else {
            root = "file://"
            path = location
            return
        }
        var scheme = location[..<colon].lowercased()
        if scheme == "s3a" || scheme == "s3n" { scheme = "s3" }
        var rest = location[location.index(after: colon)...]
        var authority = ""
        if rest.hasPrefix("//") {
            rest = rest.dropFirst(2)
            let slash = rest.firstIndex(of: "/") ?? rest.endIndex
            authority = String(rest[..<slash])
            rest = rest[slash...]
        }
        root = scheme + "://" + authority
        path = String(rest)
    }
}

/// What ``RemoveOrphanFiles`` found, and deleted unless it was a dry run.
public struct RemoveOrphanFilesResult: Sendable {
    /// The table as it was read.
    public var table: Table
    public var dryRun: Bool
    /// The orphans deleted (in a dry run: that would be deleted).
    public var orphans: [FileInfo] = []
    /// Orphans that could not be deleted.
    public var failedDeletes: [String] = []
    /// Incomplete writes (abandoned multipart uploads) aborted; in a dry run: that would be.
    public var incompleteWrites: [IncompleteWrite] = []
    /// Incomplete writes that could not be aborted.
    public var failedAborts: [IncompleteWrite] = []

    /// Bytes of ``orphans``.
    public var bytes: Int64 { orphans.reduce(0) { $0 + $1.size } }

    public init(table: Table, dryRun: Bool) {
        self.table = table
        self.dryRun = dryRun
    }
}

extension Table {
    /// Starts an orphan file removal (see ``RemoveOrphanFiles``).
    public func removeOrphanFiles() -> RemoveOrphanFiles { RemoveOrphanFiles(table: self) }
}
