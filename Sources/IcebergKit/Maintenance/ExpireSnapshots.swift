/// Removes old snapshots from a table's metadata and deletes the files only they referenced
/// (Java's `RemoveSnapshots`, `ExpireSnapshots` in the API).
///
/// Which snapshots stay follows Java's rules:
/// - refs: a branch or tag whose snapshot is older than its `max-ref-age-ms` (else the table's
///   `history.expire.max-ref-age-ms`, default forever) is removed; `main` never is;
/// - each branch kept keeps the snapshots of its history newer than its `max-snapshot-age-ms`
///   (else ``expireOlderThan(_:)``, else now − `history.expire.max-snapshot-age-ms`, default
///   5 days), and at least its `min-snapshots-to-keep` (else ``retainLast(_:)``, else
///   `history.expire.min-snapshots-to-keep`, default 1);
/// - a tag keeps its snapshot; a snapshot in no ref's history stays while it is newer than the
///   default age limit;
/// - ``expireSnapshotID(_:)`` removes a snapshot even where the rules would keep it, unless a ref
///   points at it (an error).
///
/// The metadata change is committed as `remove-snapshots` and `remove-snapshot-ref` updates under
/// requirements that every ref still points where it did (a concurrent commit makes it plan
/// again on the newest metadata). The sources the removed snapshots recorded for exactly-once
/// ingestion are folded into the ``SourceLedger`` in the same commit.
///
/// Then the files nothing kept references are deleted: manifest lists of removed snapshots,
/// manifests no kept snapshot lists, data and delete files that only such manifests name (the
/// kept manifests are read, one at a time, to make sure), and statistics files of removed
/// snapshots. When the commit's outcome is unknown nothing is deleted.
///
/// ```swift
/// let result = try await table.expireSnapshots().expireOlderThan(currentTimeMs() - 86_400_000).retainLast(10).commit()
/// print(result.expiredSnapshotIDs.count, result.deletedDataFiles)
/// ```
public struct ExpireSnapshots: Sendable {
    public let table: Table
    private var olderThanMs: Int64?
    private var minimumToKeep: Int?
    private var explicitIDs: Set<Int64> = []
    private var cleanFiles = true

    /// Starts an expiry of `table`'s snapshots (nothing happens until ``commit(nowMs:attempts:)``).
    public init(table: Table) {
        self.table = table
    }

    /// Expires snapshots older than `timestampMs` (ms since the epoch) that no rule keeps.
    public func expireOlderThan(_ timestampMs: Int64) -> ExpireSnapshots {
        var copy = self
        copy.olderThanMs = timestampMs
        return copy
    }

    /// Keeps at least the `count` newest snapshots of each branch's history, whatever their age.
    public func retainLast(_ count: Int) -> ExpireSnapshots {
        var copy = self
        copy.minimumToKeep = max(1, count)
        return copy
    }

    /// Expires snapshot `id` (an error at commit if a ref points at it).
    public func expireSnapshotID(_ id: Int64) -> ExpireSnapshots {
        var copy = self
        copy.explicitIDs.insert(id)
        return copy
    }

    /// Whether the files only expired snapshots referenced are deleted (default: yes).
    public func cleanExpiredFiles(_ clean: Bool) -> ExpireSnapshots {
        var copy = self
        copy.cleanFiles = clean
        return copy
    }

    /// What an expiry of `metadata` at `nowMs` removes: snapshots and refs.
    public func plan(_ metadata: TableMetadata, nowMs: Int64) throws(IcebergError) -> (snapshotIDs: [Int64], refs: [String]) {
        let properties = metadata.properties
        let maxSnapshotAge = Int64(properties["history.expire.max-snapshot-age-ms"] ?? "") ?? 5 * 86_400_000
        let defaultOlderThan = olderThanMs ?? (nowMs - maxSnapshotAge)
        let defaultMinimum = minimumToKeep ?? max(1, Int(properties["history.expire.min-snapshots-to-keep"] ?? "") ?? 1)
        let defaultMaxRefAge = Int64(properties["history.expire.max-ref-age-ms"] ?? "") ?? .max
        let byID = Dictionary(metadata.snapshots.map { ($0.snapshotID, $0) }, uniquingKeysWith: { first, _ in first })

        var keptRefs: [String: SnapshotRef] = [:]
        var removedRefs: [String] = []
        for (name, ref) in metadata.refs.sorted(by: { $0.key < $1.key }) {
            if name == "main" { keptRefs[name] = ref; continue }
            guard let snapshot = byID[ref.snapshotID] else { removedRefs.append(name); continue }
            let maxAge = ref.maxRefAgeMs ?? defaultMaxRefAge
            if maxAge != .max && nowMs - snapshot.timestampMs > maxAge {
                removedRefs.append(name)
            } else {
                keptRefs[name] = ref
            }
        }
        for id in explicitIDs {
            if let names = Optional(keptRefs.filter { $0.value.snapshotID == id }.map(\.key)), !names.isEmpty {
                throw IcebergError(.validationFailed("cannot expire snapshot \(id): still referenced by \(names.sorted().joined(separator: ", "))"))
            }
        }

        var keep = Set(keptRefs.values.map(\.snapshotID))
        var inSomeHistory = Set<Int64>()
        for ref in keptRefs.values {
            var next: Int64? = ref.snapshotID
            var history: [Snapshot] = []
            while let id = next, let s = byID[id], history.count < byID.count {
                history.append(s)
                inSomeHistory.insert(id)
                next = s.parentSnapshotID
            }
            guard ref.isBranch else { continue }
            let olderThan = ref.maxSnapshotAgeMs.map { nowMs - $0 } ?? defaultOlderThan
            let minimum = ref.minSnapshotsToKeep.map(Int.init) ?? defaultMinimum
            for (i, s) in history.enumerated() {
                guard i < minimum || s.timestampMs >= olderThan else { break }
                keep.insert(s.snapshotID)
            }
        }
        // Snapshots in no ref's history (rolled back, or of removed refs) stay while young.
        for s in metadata.snapshots where !inSomeHistory.contains(s.snapshotID) && s.timestampMs >= defaultOlderThan {
            keep.insert(s.snapshotID)
        }
        let removed = metadata.snapshots.map(\.snapshotID).filter { !keep.contains($0) || explicitIDs.contains($0) }
        return (removed, removedRefs)
    }

    /// Commits the expiry (retrying on the newest metadata after a conflict), then deletes the
    /// files only the expired snapshots referenced.
    @discardableResult
    public func commit(nowMs: Int64 = currentTimeMs(), attempts: Int = 30) async throws(IcebergError) -> ExpireSnapshotsResult {
        var base = table
        var planned: (snapshotIDs: [Int64], refs: [String]) = ([], [])
        var ledger: String?
        let committed: Table
        do throws(IcebergError) {
            committed = try await CommitRetry.run(table, attempts: attempts) { (current) throws(IcebergError) -> Table in
                base = current
                let plan = try self.plan(current.metadata, nowMs: nowMs)
                planned = plan
                guard !plan.snapshotIDs.isEmpty || !plan.refs.isEmpty else { return current }
                var requirements: [TableRequirement] = [.assertTableUUID(current.metadata.tableUUID)]
                for (name, ref) in current.metadata.refs.sorted(by: { $0.key < $1.key }) {
                    requirements.append(.assertRefSnapshotID(ref: name, snapshotID: ref.snapshotID))
                }
                var updates: [TableUpdate] = plan.refs.map { .removeSnapshotRef($0) }
                if !plan.snapshotIDs.isEmpty { updates.append(.removeSnapshots(plan.snapshotIDs)) }
                // Sources leaving main's history go to a new ledger, with those already there.
                let leaving = SourceLedger.sourcesLeavingHistory(base: current.metadata, removed: Set(plan.snapshotIDs))
                if let previous = ledger { await current.io.deleteQuietly([previous]); ledger = nil }
                if !leaving.isEmpty {
                    var all = try await SourceLedger.load(current.metadata, io: current.io)
                    for (key, sources) in leaving { all[key, default: []].formUnion(sources) }
                    let location = try await SourceLedger.write(all, tableLocation: current.metadata.location, io: current.io)
                    ledger = location
                    let folded = SourceLedger.files(of: current.metadata).map(\.key)
                    if !folded.isEmpty { updates.append(.removeProperties(folded)) }
                    updates.append(.setProperties([SourceLedger.propertyPrefix + Identifiers.uuid(): location]))
                }
                return try await current.commit(requirements: requirements, updates: updates)
            }
        } catch {
            if case .commitStateUnknown = error.kind { throw error }
            if let ledger { await table.io.deleteQuietly([ledger]) }
            throw error
        }
        var result = ExpireSnapshotsResult(table: committed, expiredSnapshotIDs: planned.snapshotIDs, removedRefs: planned.refs)
        let kept = Set(committed.metadata.snapshots.map(\.snapshotID))
        let expired = base.metadata.snapshots.filter { !kept.contains($0.snapshotID) }
        guard cleanFiles, !expired.isEmpty else { return result }
        try await Self.deleteUnreferencedFiles(expired: expired, base: base.metadata, committed: committed, into: &result)
        return result
    }

    /// What ``commit(nowMs:attempts:)`` would do now, done to nothing: the snapshots and refs it
    /// would remove, and in the result's `deleted…` fields the files only those snapshots
    /// reference (what the commit would delete, were the table unchanged meanwhile). Commits
    /// nothing and deletes nothing; the result's ``ExpireSnapshotsResult/table`` is the table as
    /// it is.
    public func dryRun(nowMs: Int64 = currentTimeMs()) async throws(IcebergError) -> ExpireSnapshotsResult {
        let metadata = table.metadata
        let plan = try self.plan(metadata, nowMs: nowMs)
        var result = ExpireSnapshotsResult(table: table, expiredSnapshotIDs: plan.snapshotIDs, removedRefs: plan.refs)
        let expiredIDs = Set(plan.snapshotIDs)
        guard cleanFiles, !expiredIDs.isEmpty else { return result }
        let expired = metadata.snapshots.filter { expiredIDs.contains($0.snapshotID) }
        let kept = metadata.snapshots.filter { !expiredIDs.contains($0.snapshotID) }
        let keptStatistics = Set(ReachableFiles.statisticsFiles(metadata).filter { s in
            s.snapshotID.map { !expiredIDs.contains($0) } ?? true
        }.map(\.path))
        let files = try await Self.unreferencedFiles(expired: expired, base: metadata, kept: kept, keptMetadata: metadata,
                                                     keptStatistics: keptStatistics, io: table.io)
        files.count(into: &result, failed: [])
        return result
    }

    /// The files only `expired` reference, judged against the snapshots `kept` (of `keptMetadata`).
    struct UnreferencedFiles {
        /// Data and delete files: content (0 data) and size.
        var files: [String: (content: Int32, size: Int64)] = [:]
        var manifests: [ManifestFile] = []
        var lists: [String] = []
        var statistics: [String] = []

        /// Adds to `result`'s counts every file not in `failed`.
        func count(into result: inout ExpireSnapshotsResult, failed: Set<String>) {
            for (path, f) in files where !failed.contains(path) {
                if f.content == 0 { result.deletedDataFiles += 1 } else { result.deletedDeleteFiles += 1 }
                result.deletedBytes += f.size
            }
            for m in manifests where !failed.contains(m.manifestPath) {
                result.deletedManifests += 1
                result.deletedBytes += m.manifestLength
            }
            result.deletedManifestLists += lists.filter { !failed.contains($0) }.count
            result.deletedStatisticsFiles += statistics.filter { !failed.contains($0) }.count
        }
    }

    static func unreferencedFiles(expired: [Snapshot], base: TableMetadata, kept: [Snapshot], keptMetadata metadata: TableMetadata,
                                  keptStatistics: Set<String>, io: any FileIO) async throws(IcebergError) -> UnreferencedFiles {
        var out = UnreferencedFiles()
        let keptManifests = try await ReachableFiles.manifests(of: kept, in: metadata, io: io)
        let expiredManifests = try await ReachableFiles.manifests(of: expired, in: base, io: io)
        out.manifests = expiredManifests.values.filter { keptManifests[$0.manifestPath] == nil }.sorted { $0.manifestPath < $1.manifestPath }

        // Files live in manifests that go; struck off when live in a kept manifest too (a DELETED
        // entry keeps nothing: no kept snapshot reads that file, as Java's cleanup judges).
        var files: [String: (content: Int32, size: Int64)] = [:]
        try await ReachableFiles.forEachEntries(of: out.manifests, in: base, io: io) { (_, entries) throws(IcebergError) in
            for e in entries where e.status != .deleted { files[e.dataFile.filePath] = (e.dataFile.content, e.dataFile.fileSizeInBytes) }
        }
        if !files.isEmpty {
            try await ReachableFiles.forEachEntries(of: Array(keptManifests.values), in: metadata, io: io) { (_, entries) throws(IcebergError) in
                for e in entries where e.status != .deleted { files[e.dataFile.filePath] = nil }
            }
        }
        out.files = files
        let keptLists = Set(kept.compactMap(\.manifestList))
        out.lists = expired.compactMap(\.manifestList).filter { !keptLists.contains($0) }
        let expiredIDs = Set(expired.map(\.snapshotID))
        out.statistics = ReachableFiles.statisticsFiles(base).filter { s in
            s.snapshotID.map(expiredIDs.contains) ?? false && !keptStatistics.contains(s.path)
        }.map(\.path)
        return out
    }

    /// Deletes what only `expired` referenced, judged against every snapshot `committed` keeps.
    static func deleteUnreferencedFiles(expired: [Snapshot], base: TableMetadata, committed: Table,
                                        into result: inout ExpireSnapshotsResult) async throws(IcebergError) {
        let io = committed.io
        let metadata = committed.metadata
        let keptStatistics = Set(ReachableFiles.statisticsFiles(metadata).map(\.path))
        let unreferenced = try await unreferencedFiles(expired: expired, base: base, kept: metadata.snapshots, keptMetadata: metadata,
                                                       keptStatistics: keptStatistics, io: io)
        var failed: [String] = []
        failed += await io.delete(unreferenced.files.keys.sorted()).map(\.location)
        failed += await io.delete(unreferenced.manifests.map(\.manifestPath)).map(\.location)
        failed += await io.delete(unreferenced.lists).map(\.location)
        failed += await io.delete(unreferenced.statistics).map(\.location)
        unreferenced.count(into: &result, failed: Set(failed))
        result.failedDeletes = failed
    }
}

/// What ``ExpireSnapshots`` did.
public struct ExpireSnapshotsResult: Sendable {
    /// The table as committed.
    public var table: Table
    public var expiredSnapshotIDs: [Int64]
    public var removedRefs: [String]
    public var deletedDataFiles = 0
    public var deletedDeleteFiles = 0
    public var deletedManifests = 0
    public var deletedManifestLists = 0
    public var deletedStatisticsFiles = 0
    /// Bytes of the data, delete and manifest files deleted (manifest lists are not counted).
    public var deletedBytes: Int64 = 0
    /// Files that could not be deleted (left for ``RemoveOrphanFiles``).
    public var failedDeletes: [String] = []

    public init(table: Table, expiredSnapshotIDs: [Int64], removedRefs: [String]) {
        self.table = table
        self.expiredSnapshotIDs = expiredSnapshotIDs
        self.removedRefs = removedRefs
    }
}

extension Table {
    /// Starts an expiry of this table's snapshots (see ``ExpireSnapshots``).
    public func expireSnapshots() -> ExpireSnapshots { ExpireSnapshots(table: self) }
}
