public import LakeColumnar

/// Replaces files in one snapshot (Java's `OverwriteFiles`, operation `overwrite`, or `delete`
/// when it only removes files, as Java): data files
/// added, files removed by path, and whole files removed by a row filter
/// (``overwriteByRowFilter(_:)``; a data file only part of whose rows may match is an error,
/// since its remaining rows would have to be rewritten; ``Table/overwrite(_:where:branch:attempts:)``
/// does that rewrite).
///
/// Retries re-validate on the newest base, from the snapshot the operation started at
/// (``validateFromSnapshot(_:)``), with Java's checks: ``validateNoConflictingData()``
/// (serializable isolation: no concurrent commit added data that may match the conflict
/// detection filter) and ``validateNoConflictingDeletes()`` (no concurrent commit added deletes
/// for, or removed, the data this overwrite replaces). A failed check is
/// ``IcebergError/Kind/validationFailed(_:)`` and the table is left as the other writer left it.
///
/// ```swift
/// let committed = try await table.newOverwrite()
///     .overwriteByRowFilter(.equal("day", .int32(19_700)))
///     .addFile(newFile)
///     .validateAddedFilesMatchOverwriteFilter()
///     .validateNoConflictingData()
///     .validateNoConflictingDeletes()
///     .commit()
/// ```
public final class OverwriteFiles {
    /// The table as the operation started from (or as committed).
    public private(set) var table: Table
    private var change: FileChangeCommit
    private var rowFilter: ColumnPredicate?
    private var conflictFilter: ColumnPredicate?
    private var checkAddedMatchFilter = false
    private var checkData = false
    private var checkDeletes = false
    private var startSnapshotID: Int64??
    private var done = false

    init(table: Table) {
        self.table = table
        change = FileChangeCommit(table: table, operation: "overwrite")
    }

    /// Adds a data file, partitioned by spec `specID` (the table's default spec when nil).
    @discardableResult
    public func addFile(_ file: DataFile, specID: Int32? = nil) -> OverwriteFiles {
        change.dataFiles.append((file, specID))
        return self
    }

    /// Removes a data or delete file (it must be live in the table when the commit lands).
    @discardableResult
    public func deleteFile(_ file: DataFile) -> OverwriteFiles {
        change.removals.paths.insert(file.filePath)
        return self
    }

    /// Removes the file at `path` (it must be live in the table when the commit lands).
    @discardableResult
    public func deleteFile(path: String) -> OverwriteFiles {
        change.removals.paths.insert(path)
        return self
    }

    /// Removes every file all of whose rows match `filter`, judged on the base each attempt
    /// commits on; a data file some but not all of whose rows may match fails the commit.
    @discardableResult
    public func overwriteByRowFilter(_ filter: ColumnPredicate) -> OverwriteFiles {
        rowFilter = filter
        change.removals.rowFilter = filter
        return self
    }

    /// Requires every added file to hold only rows matching the overwrite filter (by its
    /// partition values and column metrics), as Java's `validateAddedFilesMatchOverwriteFilter`.
    @discardableResult
    public func validateAddedFilesMatchOverwriteFilter() -> OverwriteFiles {
        checkAddedMatchFilter = true
        return self
    }

    /// The snapshot the operation read: conflict checks look at the commits after it (by
    /// default the snapshot of the target branch when the operation was created).
    @discardableResult
    public func validateFromSnapshot(_ id: Int64?) -> OverwriteFiles {
        startSnapshotID = .some(id)
        return self
    }

    /// Narrows the conflict checks to files that may hold rows matching `filter` (by default
    /// the overwrite filter, or the whole table when files are removed by path).
    @discardableResult
    public func conflictDetectionFilter(_ filter: ColumnPredicate) -> OverwriteFiles {
        conflictFilter = filter
        return self
    }

    /// Fails the commit when a concurrent commit added data that may match the conflict
    /// detection filter (serializable isolation).
    @discardableResult
    public func validateNoConflictingData() -> OverwriteFiles {
        checkData = true
        return self
    }

    /// Fails the commit when a concurrent commit added delete files that may apply to the data
    /// replaced, or removed data files that may match the overwrite filter (snapshot isolation
    /// and above).
    @discardableResult
    public func validateNoConflictingDeletes() -> OverwriteFiles {
        checkDeletes = true
        return self
    }

    /// Commits to branch `name` (default `main`): its head is the parent, and the checks run on
    /// its history.
    @discardableResult
    public func toBranch(_ name: String) -> OverwriteFiles {
        change.branch = name
        return self
    }

    /// Adds `key` = `value` to the snapshot summary.
    @discardableResult
    public func setSummaryProperty(_ key: String, _ value: String) -> OverwriteFiles {
        change.summary[key] = value
        return self
    }

    /// Commits; returns the table as committed. On failure the manifests written are deleted
    /// (the data files stay the caller's) and the table is unchanged.
    @discardableResult
    public func commit(attempts: Int = 30) async throws(IcebergError) -> Table {
        guard !done else { throw IcebergError(.io("overwrite of \(table.identifier) is already committed")) }
        done = true
        let branch = change.branch
        let start = startSnapshotID ?? table.metadata.latestSnapshotID(onBranch: branch)
        let rowFilter = self.rowFilter, conflictFilter = self.conflictFilter
        let (checkAdded, checkData, checkDeletes) = (checkAddedMatchFilter, self.checkData, self.checkDeletes)
        let added = change.dataFiles
        let removedByPath = !change.removals.paths.isEmpty
        if checkAdded, let rowFilter {
            let schema = table.schema
            for (file, specID) in added {
                let spec = table.metadata.partitionSpecs.first { $0.specID == (specID ?? table.metadata.defaultSpecID) } ?? table.spec
                guard FileMetricsEvaluator.mustMatch(rowFilter, file, spec: spec, schema: schema) else {
                    throw IcebergError(.validationFailed("cannot add \(file.filePath): it may hold rows that do not match the overwrite filter \(rowFilter)"))
                }
            }
        }
        // Removing without adding is a `delete`, as Java's `BaseOverwriteFiles` names it.
        if added.isEmpty, !change.removals.isEmpty { change.operation = "delete" }
        let io = table.io
        let committed = try await change.run(attempts: attempts) { (base, producer) throws(IcebergError) in
            if checkData {
                // Java's data conflict filter: the explicit one, else the overwrite filter when no
                // file is removed by path, else everything.
                let scope: ConflictScope
                if let conflictFilter { scope = .filter(conflictFilter) }
                else if let rowFilter, !removedByPath { scope = .filter(rowFilter) }
                else { scope = .all }
                try await ConflictValidation.noConflictingData(base, io: io, branch: branch, since: start, scope: scope)
            }
            if checkDeletes {
                if let filter = conflictFilter ?? rowFilter {
                    try await ConflictValidation.noNewDeleteFiles(base, io: io, branch: branch, since: start, scope: .filter(filter))
                    try await ConflictValidation.noDeletedDataFiles(base, io: io, branch: branch, since: start, scope: .filter(filter))
                }
                try await ConflictValidation.noNewDeletesFor(FileChangeCommit.removedData(producer), base, io: io, branch: branch, since: start)
            }
        }
        table = committed
        return committed
    }
}
