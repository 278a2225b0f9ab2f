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
    private var dataFiles: [DataFile] = []
    private var deleteFiles: [DataFile] = []
    private var requiredDataFiles: Set<String> = []
    private var summaryProperties: [String: String] = [:]
    private var done = false

    init(table: Table) {
        self.table = table
    }

    /// Adds a data file.
    @discardableResult
    public func addRows(_ file: DataFile) -> RowDelta {
        dataFiles.append(file)
        return self
    }

    /// Adds a position or equality delete file.
    @discardableResult
    public func addDeletes(_ file: DataFile) -> RowDelta {
        deleteFiles.append(file)
        return self
    }

    /// Requires these data files to still be in the table when the commit lands.
    @discardableResult
    public func validateDataFilesExist(_ paths: [String]) -> RowDelta {
        requiredDataFiles.formUnion(paths)
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
        for f in deleteFiles {
            guard let kind = f.contentKind, kind != .data else { throw IcebergError(.invalidMetadata("\(f.filePath) is not a delete file")) }
            if kind == .equalityDeletes, (f.equalityIDs ?? []).isEmpty {
                throw IcebergError(.invalidMetadata("equality delete file \(f.filePath) names no equality field ids"))
            }
        }
        for f in dataFiles where f.content != 0 { throw IcebergError(.invalidMetadata("\(f.filePath) is not a data file")) }
        let operation = deleteFiles.isEmpty ? "append" : dataFiles.isEmpty ? "delete" : "overwrite"
        var producer = SnapshotProducer(io: table.io, tableLocation: table.metadata.location, operation: operation)
        producer.summaryProperties = summaryProperties
        do throws(IcebergError) {
            try await producer.addManifest(of: dataFiles, spec: table.spec, schema: table.schema)
            try await producer.addManifest(of: deleteFiles, spec: table.spec, schema: table.schema)
            let required = requiredDataFiles
            let startID = table.metadata.currentSnapshotID
            let committed = try await CommitRetry.run(table, attempts: attempts) { (current) throws(IcebergError) -> Table in
                if !required.isEmpty, current.metadata.currentSnapshotID != startID {
                    let live = try await Set(current.scan().planFiles().map(\.file.filePath))
                    if let missing = required.first(where: { !live.contains($0) }) {
                        throw IcebergError(.validationFailed("data file \(missing) was removed by a concurrent commit"))
                    }
                }
                let (requirements, updates, list) = try await producer.prepareCommit(base: current.metadata, nowMs: currentTimeMs())
                do throws(IcebergError) {
                    return try await current.commit(requirements: requirements, updates: updates)
                } catch {
                    if case .commitStateUnknown = error.kind { throw error }
                    await current.io.deleteQuietly([list])
                    throw error
                }
            }
            table = committed
            return committed
        } catch {
            if case .commitStateUnknown = error.kind { throw error }
            await table.io.deleteQuietly(producer.writtenFiles)
            throw error
        }
    }
}
