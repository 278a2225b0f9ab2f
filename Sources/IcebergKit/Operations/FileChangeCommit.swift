import LakeColumnar

/// How strictly a row-level operation guards against concurrent commits (Java's
/// `IsolationLevel`), read from `write.delete.isolation-level`, `write.update.isolation-level`
/// or `write.merge.isolation-level` (default `serializable`, as Java).
///
/// - `serializable`: fails when a concurrent commit added data that may match what the
///   operation read (it would have deleted or replaced those rows too), or removed or added
///   deletes for it.
/// - `snapshot`: only fails on concurrent deletes of the same data; concurrently appended rows
///   are kept as they are.
public enum IsolationLevel: String, Sendable, Hashable {
    case serializable
    case snapshot

    /// The kind of row-level command whose table property names the level.
    public enum Command: String, Sendable {
        case delete, update, merge
    }

    /// The level the table's properties set for `command` (`write.<command>.isolation-level`).
    public static func forCommand(_ command: Command, properties: [String: String]) throws(IcebergError) -> IsolationLevel {
        let key = "write.\(command.rawValue).isolation-level"
        guard let text = properties[key] else { return .serializable }
        guard let level = IsolationLevel(rawValue: text.lowercased()) else {
            throw IcebergError(.invalidMetadata("\(key) is '\(text)': expected serializable or snapshot"))
        }
        return level
    }
}

/// One snapshot that adds and removes files, committed with retries: on every attempt the
/// manifest list is written on the newest base, the operation's checks run against the
/// snapshots committed since it started, then the catalog commit. On failure every manifest
/// it wrote is deleted (unless the outcome is unknown); the data files are the caller's.
struct FileChangeCommit {
    var table: Table
    var operation: String
    var branch = "main"
    var dataFiles: [(file: DataFile, specID: Int32?)] = []
    var deleteFiles: [(file: DataFile, specID: Int32?)] = []
    var removals = FileRemovals()
    var summary: [String: String] = [:]
    var dataSequenceNumber: Int64?

    typealias Check = (_ base: TableMetadata, _ producer: SnapshotProducer) async throws(IcebergError) -> Void

    func run(attempts: Int, check: Check) async throws(IcebergError) -> Table {
        for (f, _) in deleteFiles {
            guard let kind = f.contentKind, kind != .data else { throw IcebergError(.invalidMetadata("\(f.filePath) is not a delete file")) }
            if kind == .equalityDeletes, (f.equalityIDs ?? []).isEmpty {
                throw IcebergError(.invalidMetadata("equality delete file \(f.filePath) names no equality field ids"))
            }
        }
        for (f, _) in dataFiles where f.content != 0 { throw IcebergError(.invalidMetadata("\(f.filePath) is not a data file")) }
        var producer = SnapshotProducer(io: table.io, tableLocation: table.metadata.location, operation: operation)
        producer.summaryProperties = summary
        producer.removals = removals
        producer.addedDataSequenceNumber = dataSequenceNumber
        let branch = self.branch
        do throws(IcebergError) {
            for group in [dataFiles, deleteFiles] {
                let bySpec = Dictionary(grouping: group) { $0.specID ?? table.metadata.defaultSpecID }
                for specID in bySpec.keys.sorted() {
                    guard let spec = table.metadata.partitionSpecs.first(where: { $0.specID == specID }) else {
                        throw IcebergError(.validationFailed("unknown partition spec \(specID)"))
                    }
                    try await producer.addManifest(of: (bySpec[specID] ?? []).map(\.file), spec: spec, schema: table.schema)
                }
            }
            let committed = try await CommitRetry.run(table, attempts: attempts) { (current) throws(IcebergError) -> Table in
                let (requirements, updates, list) = try await producer.prepareCommit(base: current.metadata, branch: branch, nowMs: currentTimeMs())
                do throws(IcebergError) {
                    try await check(current.metadata, producer)
                    return try await current.commit(requirements: requirements, updates: updates)
                } catch {
                    if case .commitStateUnknown = error.kind { throw error }
                    await current.io.deleteQuietly([list])
                    throw error
                }
            }
            await table.io.deleteQuietly(producer.unusedRewrittenManifests)
            return committed
        } catch {
            if case .commitStateUnknown = error.kind { throw error }
            await table.io.deleteQuietly(producer.writtenFiles)
            throw error
        }
    }

    /// The files a removal by path names, as the producer found them.
    static func removedData(_ producer: SnapshotProducer) -> [(file: DataFile, specID: Int32)] {
        Array(zip(producer.removedDataFiles, producer.removedDataFileSpecIDs)).map { (file: $0.0, specID: $0.1) }
    }
}
