/// Replaces data files and delete files with new ones holding the same rows (Java's
/// `RewriteFiles`, operation `replace`): compaction, or a rewrite of delete files.
///
/// Every file removed must still be live when the commit lands, and no delete file committed
/// since the rewrite started may apply to a data file it removes (those rows' deletes would be
/// lost); either is ``IcebergError/Kind/validationFailed(_:)``. Appends committed meanwhile are
/// kept: a retry re-applies the rewrite on the newest base.
///
/// ```swift
/// let tasks = try await table.scan().planFiles()
/// // … write the rows of `tasks` into `compacted` …
/// try await table.newRewrite().rewriteFiles(removing: tasks.map(\.file), adding: compacted).commit()
/// ```
public final class RewriteFiles {
    /// The table as the operation started from (or as committed).
    public private(set) var table: Table
    private var change: FileChangeCommit
    private var startSnapshotID: Int64??
    private var done = false

    init(table: Table) {
        self.table = table
        change = FileChangeCommit(table: table, operation: "replace")
    }

    /// Removes the data and delete files `removing` and adds `adding` (data or delete files,
    /// in the table's default spec unless `specID` is given).
    @discardableResult
    public func rewriteFiles(removing: [DataFile], adding: [DataFile], specID: Int32? = nil) -> RewriteFiles {
        for f in removing { change.removals.paths.insert(f.filePath) }
        for f in adding {
            if f.content == 0 { change.dataFiles.append((f, specID)) } else { change.deleteFiles.append((f, specID)) }
        }
        return self
    }

    /// Removes the file at `path`.
    @discardableResult
    public func deleteFile(path: String) -> RewriteFiles {
        change.removals.paths.insert(path)
        return self
    }

    /// Adds a data or delete file under spec `specID` (the default spec when nil).
    @discardableResult
    public func addFile(_ file: DataFile, specID: Int32? = nil) -> RewriteFiles {
        if file.content == 0 { change.dataFiles.append((file, specID)) } else { change.deleteFiles.append((file, specID)) }
        return self
    }

    /// Gives the added data files this data sequence number instead of the new snapshot's (as
    /// Java's `dataSequenceNumber`): compacted rows then stay under the equality deletes that
    /// applied to the files they came from. Use the lowest sequence number of the files removed.
    @discardableResult
    public func dataSequenceNumber(_ sequenceNumber: Int64) -> RewriteFiles {
        change.dataSequenceNumber = sequenceNumber
        return self
    }

    /// The snapshot the rewrite read: commits after it are checked (by default the branch's
    /// snapshot when the operation was created).
    @discardableResult
    public func validateFromSnapshot(_ id: Int64?) -> RewriteFiles {
        startSnapshotID = .some(id)
        return self
    }

    /// Commits to branch `name` (default `main`).
    @discardableResult
    public func toBranch(_ name: String) -> RewriteFiles {
        change.branch = name
        return self
    }

    /// Adds `key` = `value` to the snapshot summary.
    @discardableResult
    public func setSummaryProperty(_ key: String, _ value: String) -> RewriteFiles {
        change.summary[key] = value
        return self
    }

    /// Commits; returns the table as committed. On failure the manifests written are deleted
    /// (the new files stay the caller's) and the table is unchanged.
    @discardableResult
    public func commit(attempts: Int = 30) async throws(IcebergError) -> Table {
        guard !done else { throw IcebergError(.io("rewrite of \(table.identifier) is already committed")) }
        done = true
        guard !change.removals.paths.isEmpty else {
            throw IcebergError(.validationFailed("a rewrite must remove at least one file"))
        }
        let branch = change.branch
        let start = startSnapshotID ?? table.metadata.latestSnapshotID(onBranch: branch)
        let io = table.io
        let committed = try await change.run(attempts: attempts) { (base, producer) throws(IcebergError) in
            try await ConflictValidation.noNewDeletesFor(FileChangeCommit.removedData(producer), base, io: io, branch: branch, since: start)
        }
        table = committed
        return committed
    }
}
