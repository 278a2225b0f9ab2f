public import LakeColumnar

/// Commits data files and delete files written elsewhere as one snapshot (Java's `RowDelta`):
/// the merge-on-read form of updates and deletes, and the way files written by a
/// ``TableWriter`` or a ``DeleteFileWriter`` become part of the table.
///
/// The operation is `append` when only data files are added, `delete` when only delete files
/// are, and `overwrite` for both. Position deletes name the data files they apply to: with
/// ``validateDataFilesExist(_:)``, a commit fails with ``IcebergError/Kind/validationFailed(_:)``
/// when a concurrent commit removed one of them (the deletes would apply to nothing and the
/// rows would come back elsewhere), checked again on every retry as Java checks.
///
/// ```swift
/// let deletes = try await DeleteFileWriter(table: table).writePositionDeletes([(path, 3), (path, 17)])
/// let committed = try await table.newRowDelta().addDeletes(deletes).validateDataFilesExist([path]).commit()
/// ```
public final class RowDelta {
    public private(set) var table: Table
    private var dataFiles: [(file: DataFile, specID: Int32?)] = []
    private var deleteFiles: [(file: DataFile, specID: Int32?)] = []
    private var requiredDataFiles: Set<String> = []
    /// The rows the operation read (Java's `conflictDetectionFilter`): what the conflict checks compare.
    private var conflictFilter: ColumnPredicate = .alwaysTrue
    private var checkConflictingData = false
    private var checkConflictingDeletes = false
    private var baseSnapshotID: Int64??
    private var summaryProperties: [String: String] = [:]
    private var done = false
    /// The branch the snapshot is committed to (see ``toBranch(_:)``).
    public private(set) var branch = "main"

    init(table: Table) {
        self.table = table
    }

    /// Adds a data file, partitioned by spec `specID` (the table's default spec when nil).
    @discardableResult
    public func addRows(_ file: DataFile, specID: Int32? = nil) -> RowDelta {
        dataFiles.append((file, specID))
        return self
    }

    /// Adds a position or equality delete file, partitioned by spec `specID` (the default spec
    /// when nil): a position delete belongs to the spec and partition of the data files it names.
    @discardableResult
    public func addDeletes(_ file: DataFile, specID: Int32? = nil) -> RowDelta {
        deleteFiles.append((file, specID))
        return self
    }

    /// Requires these data files to still be in the table when the commit lands.
    @discardableResult
    public func validateDataFilesExist(_ paths: [String]) -> RowDelta {
        requiredDataFiles.formUnion(paths)
        return self
    }

    /// The rows the deletes were computed from (Java's `conflictDetectionFilter`; all rows by
    /// default): ``validateNoConflictingDataFiles()`` and ``validateNoConflictingDeleteFiles()``
    /// look only at files that may hold rows matching it.
    @discardableResult
    public func conflictDetectionFilter(_ filter: ColumnPredicate) -> RowDelta {
        conflictFilter = filter
        return self
    }

    /// Fails the commit when a concurrent commit added data files that may hold rows matching
    /// the conflict detection filter (serializable isolation: those rows would have been
    /// deleted or updated too).
    @discardableResult
    public func validateNoConflictingDataFiles() -> RowDelta {
        checkConflictingData = true
        return self
    }

    /// Fails the commit when a concurrent commit added delete files that may apply to rows
    /// matching the conflict detection filter (the same rows deleted twice, or a row updated by
    /// two writers). Data files removed meanwhile are caught by ``validateDataFilesExist(_:)``.
    @discardableResult
    public func validateNoConflictingDeleteFiles() -> RowDelta {
        checkConflictingDeletes = true
        return self
    }

    /// The snapshot the deletes were computed from: the checks run whenever the table moved on
    /// from it (by default, from the snapshot current when the row delta was created).
    @discardableResult
    public func validateFromSnapshot(_ id: Int64?) -> RowDelta {
        baseSnapshotID = .some(id)
        return self
    }

    /// Commits the snapshot to branch `name` instead of `main`: its parent is the branch's head,
    /// ``validateDataFilesExist(_:)`` checks the branch's files, and only the branch moves. A
    /// branch that does not exist yet is created at the table's current snapshot (as Java's).
    @discardableResult
    public func toBranch(_ name: String) -> RowDelta {
        branch = name
        return self
    }

    /// Adds `key` = `value` to the snapshot summary.
    @discardableResult
    public func setSummaryProperty(_ key: String, _ value: String) -> RowDelta {
        summaryProperties[key] = value
        return self
    }

    /// Commits; returns the table as committed. On failure the manifests written are deleted
    /// (the data and delete files stay the caller's).
    @discardableResult
    public func commit(attempts: Int = 30) async throws(IcebergError) -> Table {
        guard !done else { throw IcebergError(.io("row delta on \(table.identifier) is already committed")) }
        done = true
        for (f, _) in deleteFiles {
            guard let kind = f.contentKind, kind != .data else { throw IcebergError(.invalidMetadata("\(f.filePath) is not a delete file")) }
            if kind == .equalityDeletes, (f.equalityIDs ?? []).isEmpty {
                throw IcebergError(.invalidMetadata("equality delete file \(f.filePath) names no equality field ids"))
            }
        }
        for (f, _) in dataFiles where f.content != 0 { throw IcebergError(.invalidMetadata("\(f.filePath) is not a data file")) }
        let operation = deleteFiles.isEmpty ? "append" : dataFiles.isEmpty ? "delete" : "overwrite"
        var producer = SnapshotProducer(io: table.io, tableLocation: table.metadata.location, operation: operation)
        producer.summaryProperties = summaryProperties
        do throws(IcebergError) {
            // One manifest per spec and content, as Java's merging producer writes them.
            for group in [dataFiles, deleteFiles] {
                let bySpec = Dictionary(grouping: group) { $0.specID ?? table.metadata.defaultSpecID }
                for specID in bySpec.keys.sorted() {
                    guard let spec = table.metadata.partitionSpecs.first(where: { $0.specID == specID }) else {
                        throw IcebergError(.validationFailed("unknown partition spec \(specID)"))
                    }
                    try await producer.addManifest(of: (bySpec[specID] ?? []).map(\.file), spec: spec, schema: table.schema)
                }
            }
            let required = requiredDataFiles
            let branch = self.branch
            guard !branch.isEmpty else { throw IcebergError(.validationFailed("a branch needs a name")) }
            // A branch that does not exist yet would start at the current snapshot.
            func head(_ metadata: TableMetadata) -> Int64? { metadata.latestSnapshotID(onBranch: branch) }
            let startID = baseSnapshotID ?? head(table.metadata)
            let scope = ConflictScope.filter(conflictFilter)
            let (checkData, checkDeletes) = (checkConflictingData, checkConflictingDeletes)
            let committed = try await CommitRetry.run(table, attempts: attempts) { (current) throws(IcebergError) -> Table in
                if head(current.metadata) != startID {
                    if checkData {
                        try await ConflictValidation.noConflictingData(current.metadata, io: current.io, branch: branch, since: startID, scope: scope)
                    }
                    if checkDeletes {
                        try await ConflictValidation.noNewDeleteFiles(current.metadata, io: current.io, branch: branch, since: startID, scope: scope)
                    }
                }
                if !required.isEmpty, head(current.metadata) != startID {
                    var scan = current.scan()
                    scan.snapshotID = head(current.metadata)
                    let live = try await Set(scan.planFiles().map(\.file.filePath))
                    if let missing = required.first(where: { !live.contains($0) }) {
                        throw IcebergError(.validationFailed("data file \(missing) was removed by a concurrent commit"))
                    }
                }
                return try await producer.commit(on: current, branch: branch)
            }
            // Manifests merged away, or written for an attempt that lost, are listed nowhere.
            await table.io.deleteQuietly(producer.unusedRewrittenManifests)
            table = committed
            return committed
        } catch {
            if case .commitStateUnknown = error.kind { throw error }
            await table.io.deleteQuietly(producer.writtenFiles)
            throw error
        }
    }
}
