import LakeColumnar

/// Which files a conflict check looks at: those that may hold rows matching a filter, those of
/// some partitions, or all.
enum ConflictScope: Sendable {
    case all
    case filter(ColumnPredicate)
    case partitions(Set<SpecPartition>)
}

/// The checks Java's `MergingSnapshotProducer` runs against the snapshots committed since an
/// operation read the table: each fails with ``IcebergError/Kind/validationFailed(_:)`` (a
/// conflict retrying cannot resolve), naming the file and the snapshot that brought it.
enum ConflictValidation {
    /// Snapshots whose changes concurrent data commits make: appends and overwrites add data.
    static let dataAddingOperations: Set<String> = ["append", "overwrite"]
    /// Operations that add delete files.
    static let deleteAddingOperations: Set<String> = ["overwrite", "delete"]
    /// Operations that remove data files.
    static let dataRemovingOperations: Set<String> = ["overwrite", "replace", "delete"]

    /// The snapshots of `branch` committed after `start`, newest first. A `start` that is not
    /// an ancestor of the branch's head means its history cannot be checked.
    static func history(_ base: TableMetadata, branch: String, since start: Int64?) throws(IcebergError) -> [Snapshot] {
        var out: [Snapshot] = []
        var next = base.latestSnapshotID(onBranch: branch)
        while let id = next, id != start {
            guard let snapshot = base.snapshot(id: id) else {
                if start == nil { break }  // expired history before an empty start: nothing older to check
                throw IcebergError(.validationFailed("cannot determine the history of \(branch) since snapshot \(start.map(String.init) ?? "none"): snapshot \(id) is gone"))
            }
            out.append(snapshot)
            next = snapshot.parentSnapshotID
            if out.count > base.snapshots.count { break }
        }
        if let start, next != start {
            throw IcebergError(.validationFailed("snapshot \(start) is not an ancestor of \(branch)'s current snapshot"))
        }
        return out
    }

    struct CommittedFile {
        var file: DataFile
        var spec: PartitionSpec
        var snapshotID: Int64
    }

    /// The files the `snapshots` (of `operations`) added (`status` .added) or removed (.deleted),
    /// of the given content (data, or delete files).
    static func files(_ status: ManifestEntry.Status, in snapshots: [Snapshot], operations: Set<String>, deletes: Bool,
                      base: TableMetadata, io: any FileIO) async throws(IcebergError) -> [CommittedFile] {
        guard let schema = base.currentSchema else { throw IcebergError(.invalidMetadata("no current schema")) }
        var out: [CommittedFile] = []
        for snapshot in snapshots where operations.contains(snapshot.operation ?? "") {
            let manifests = try await SnapshotProducer.manifests(of: snapshot, in: base, io: io)
            for m in manifests where m.addedSnapshotID == snapshot.snapshotID && (m.content != 0) == deletes {
                guard let spec = base.partitionSpecs.first(where: { $0.specID == m.partitionSpecID }) else {
                    throw IcebergError(.invalidMetadata("manifest \(m.manifestPath) uses unknown spec \(m.partitionSpecID)"))
                }
                let types = try? ManifestCodec.partitionTypes(spec, schema)
                let bytes = try await io.newInputFile(m.manifestPath).read()
                let entries = try ManifestReader.entries(bytes, path: m.manifestPath, manifest: m,
                                                         partitionFieldIDs: spec.fields.map(\.fieldID), partitionTypes: types)
                for e in entries where e.status == status && e.snapshotID == snapshot.snapshotID {
                    var file = e.dataFile
                    if let types { file.partition = try PartitionValues.normalized(file.partition, types: types, path: file.filePath) }
                    out.append(CommittedFile(file: file, spec: spec, snapshotID: snapshot.snapshotID))
                }
            }
        }
        return out
    }

    static func inScope(_ f: CommittedFile, _ scope: ConflictScope, schema: IcebergSchema) throws(IcebergError) -> Bool {
        switch scope {
        case .all: return true
        case let .filter(p): return try FileMetricsEvaluator.mightMatch(p, f.file, spec: f.spec, schema: schema)
        case let .partitions(set):
            // Deletes of an unpartitioned spec apply to every partition.
            return f.spec.isUnpartitioned || set.contains(SpecPartition(specID: f.spec.specID, values: f.file.partition))
        }
    }

    static func describe(_ scope: ConflictScope) -> String {
        switch scope {
        case .all: return "the table"
        case let .filter(p): return "\(p)"
        case let .partitions(set): return "\(set.count) replaced partition(s)"
        }
    }

    /// Java's `validateAddedDataFiles`: no data that may match `scope` was appended or written
    /// by an overwrite since `start`.
    static func noConflictingData(_ base: TableMetadata, io: any FileIO, branch: String, since start: Int64?,
                                  scope: ConflictScope) async throws(IcebergError) {
        let snapshots = try history(base, branch: branch, since: start)
        guard let schema = base.currentSchema else { return }
        for f in try await files(.added, in: snapshots, operations: dataAddingOperations, deletes: false, base: base, io: io)
        where try inScope(f, scope, schema: schema) {
            throw IcebergError(.validationFailed("found conflicting files that may hold rows matching \(describe(scope)): "
                                                 + "\(f.file.filePath) added by snapshot \(f.snapshotID)"))
        }
    }

    /// Java's `validateNoNewDeleteFiles`: no delete file that may apply to `scope` was added
    /// since `start`.
    static func noNewDeleteFiles(_ base: TableMetadata, io: any FileIO, branch: String, since start: Int64?,
                                 scope: ConflictScope) async throws(IcebergError) {
        let snapshots = try history(base, branch: branch, since: start)
        guard let schema = base.currentSchema else { return }
        for f in try await files(.added, in: snapshots, operations: deleteAddingOperations, deletes: true, base: base, io: io)
        where try inScope(f, scope, schema: schema) {
            throw IcebergError(.validationFailed("found new delete file \(f.file.filePath) (snapshot \(f.snapshotID)) "
                                                 + "that may apply to \(describe(scope))"))
        }
    }

    /// Java's `validateDeletedDataFiles`: no data file that may match `scope` was removed since
    /// `start`.
    static func noDeletedDataFiles(_ base: TableMetadata, io: any FileIO, branch: String, since start: Int64?,
                                   scope: ConflictScope) async throws(IcebergError) {
        let snapshots = try history(base, branch: branch, since: start)
        guard let schema = base.currentSchema else { return }
        for f in try await files(.deleted, in: snapshots, operations: dataRemovingOperations, deletes: false, base: base, io: io)
        where try inScope(f, scope, schema: schema) {
            throw IcebergError(.validationFailed("found conflicting deleted file \(f.file.filePath) (snapshot \(f.snapshotID)) "
                                                 + "that may hold rows matching \(describe(scope))"))
        }
    }

    /// Java's `validateNoNewDeletesForDataFiles`: no delete file added since `start` applies to
    /// a data file this commit removes (its deletes would be lost with it, and the rows the
    /// rewrite carries over would come back).
    static func noNewDeletesFor(_ removed: [(file: DataFile, specID: Int32)], _ base: TableMetadata, io: any FileIO, branch: String,
                                since start: Int64?) async throws(IcebergError) {
        guard !removed.isEmpty else { return }
        let snapshots = try history(base, branch: branch, since: start)
        let added = try await files(.added, in: snapshots, operations: deleteAddingOperations, deletes: true, base: base, io: io)
        guard !added.isEmpty else { return }
        var index = DeleteIndex()
        for f in added {
            // Any delete committed after `start` is newer than every file live then.
            try index.add(f.file, specID: f.spec.specID, unpartitioned: f.spec.isUnpartitioned, sequenceNumber: Int64.max)
        }
        for (file, specID) in removed {
            let task = FileScanTask(file: file, specID: specID, dataSequenceNumber: 0, deletes: [])
            if let delete = index.deletes(for: task).first {
                throw IcebergError(.validationFailed("cannot commit: found new delete file \(delete.filePath) for removed data file \(file.filePath)"))
            }
        }
    }
}
