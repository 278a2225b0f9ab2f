/// Replaces whole partitions with new data (Java's `ReplacePartitions`; dynamic partition
/// overwrite): every data and delete file of each partition the added files fall in is removed,
/// and the new files added, in one `overwrite` snapshot whose summary has
/// `replace-partitions=true`.
///
/// On an unpartitioned table the whole table is the one partition: everything is replaced, as
/// Java does (pyiceberg refuses instead).
///
/// ``validateNoConflictingData()`` (serializable isolation) fails the commit when a concurrent
/// commit added data to a replaced partition; ``validateNoConflictingDeletes()`` when one added
/// delete files to, or removed data files from, a replaced partition. A failed check is
/// ``IcebergError/Kind/validationFailed(_:)``.
public final class ReplacePartitions {
    /// The table as the operation started from (or as committed).
    public private(set) var table: Table
    private var change: FileChangeCommit
    private var startSnapshotID: Int64??
    private var checkData = false
    private var checkDeletes = false
    private var done = false

    init(table: Table) {
        self.table = table
        change = FileChangeCommit(table: table, operation: "overwrite")
        change.summary["replace-partitions"] = "true"
    }

    /// Adds a data file (in the table's default spec); its partition is replaced.
    @discardableResult
    public func addFile(_ file: DataFile) -> ReplacePartitions {
        change.dataFiles.append((file, nil))
        return self
    }

    /// The snapshot the new data was computed from (by default the branch's snapshot when the
    /// operation was created).
    @discardableResult
    public func validateFromSnapshot(_ id: Int64?) -> ReplacePartitions {
        startSnapshotID = .some(id)
        return self
    }

    /// Fails when a concurrent commit added data to a replaced partition.
    @discardableResult
    public func validateNoConflictingData() -> ReplacePartitions {
        checkData = true
        return self
    }

    /// Fails when a concurrent commit added deletes to, or removed files from, a replaced partition.
    @discardableResult
    public func validateNoConflictingDeletes() -> ReplacePartitions {
        checkDeletes = true
        return self
    }

    /// Commits to branch `name` (default `main`).
    @discardableResult
    public func toBranch(_ name: String) -> ReplacePartitions {
        change.branch = name
        return self
    }

    /// Adds `key` = `value` to the snapshot summary.
    @discardableResult
    public func setSummaryProperty(_ key: String, _ value: String) -> ReplacePartitions {
        change.summary[key] = value
        return self
    }

    /// Commits; returns the table as committed. On failure the manifests written are deleted
    /// (the data files stay the caller's) and the table is unchanged.
    @discardableResult
    public func commit(attempts: Int = 30) async throws(IcebergError) -> Table {
        guard !done else { throw IcebergError(.io("partition replace of \(table.identifier) is already committed")) }
        done = true
        let spec = table.spec
        let scope: ConflictScope
        if spec.isUnpartitioned {
            change.removals.rowFilter = .alwaysTrue
            scope = .all
        } else {
            let types = try ManifestCodec.partitionTypes(spec, table.schema)
            var partitions: Set<SpecPartition> = []
            for (f, _) in change.dataFiles {
                let values = try PartitionValues.normalized(f.partition, types: types, path: f.filePath)
                partitions.insert(SpecPartition(specID: spec.specID, values: values))
            }
            change.removals.partitions = partitions
            scope = .partitions(partitions)
        }
        let branch = change.branch
        let start = startSnapshotID ?? table.metadata.latestSnapshotID(onBranch: branch)
        let (checkData, checkDeletes) = (self.checkData, self.checkDeletes)
        let io = table.io
        let committed = try await change.run(attempts: attempts) { (base, _) throws(IcebergError) in
            if checkData { try await ConflictValidation.noConflictingData(base, io: io, branch: branch, since: start, scope: scope) }
            if checkDeletes {
                try await ConflictValidation.noDeletedDataFiles(base, io: io, branch: branch, since: start, scope: scope)
                try await ConflictValidation.noNewDeleteFiles(base, io: io, branch: branch, since: start, scope: scope)
            }
        }
        table = committed
        return committed
    }
}
