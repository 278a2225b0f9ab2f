public import LakeColumnar

/// Compaction: small data files of a partition are read through the scan (which applies their
/// position and equality deletes) and written again as files of the target size, committed with
/// ``RewriteFiles`` (Java's `RewriteDataFiles` action, bin-pack strategy).
///
/// Planning: the current snapshot's files (those a `filter` keeps, by partition and column
/// bounds) are grouped by partition spec and partition; in a group, files smaller than 75 % of
/// the target (`write.target-file-size-bytes`, default 128 MB, or ``targetFileSizeBytes(_:)``)
/// and files with deletes are bin-packed (largest first) into bins of at most the target; a bin
/// is rewritten when it holds two files or more, or a file with deletes. A delete file whose
/// every data file is rewritten in the same commit is removed with them (Java's rewrite drops
/// position deletes so, and `RemoveDanglingDeletes` equality deletes): position deletes name
/// their files; an equality delete applies to the data files of its partition (every partition
/// when its spec is unpartitioned) with a lower data sequence number, which the scan's delete
/// index tells; the rewritten files carry the new snapshot's sequence number, which no earlier
/// equality delete reaches, and the commit fails if a delete file was added meanwhile. With
/// partial progress the files rewritten by earlier commits count too, so a delete file goes with
/// the commit that rewrites the last of its files; and a delete file that applies to no live
/// data file at all (dangling: its files rewritten or removed before) goes with the first
/// commit, as Java's `remove-dangling-deletes`.
///
/// Commits: one by default; with ``partialProgress(maxCommits:)`` the partitions are committed
/// in up to that many commits as they finish, so an interrupted job keeps what it did. Each
/// commit is a ``RewriteFiles`` validated from the snapshot the compaction planned on: appends
/// committed meanwhile are kept; a file removed or a delete added meanwhile to a rewritten file
/// fails that commit (``IcebergError/Kind/validationFailed(_:)``), whose new files are deleted
/// and which is reported in ``RewriteDataFilesResult/failedCommits`` — never committed over
/// the delete, so no deleted row comes back.
///
/// Sort strategy (``sort(by:)``, Java's `SORT`): the files not written in the order (by their
/// `sort_order_id`) or with deletes are the candidates, and each bin is sorted by the table's
/// sort order or the fields given: in runs of about ``sortBufferRows(_:)`` rows (the memory
/// sorting takes; a run is written once the rows waiting pass it, so it holds at most one batch
/// more), each spilled as a temporary file through the table's ``FileIO``, then merged
/// (``SortedRunMerge``: one batch per run in memory) into files of the target size. Every file
/// written is sorted as a whole and records the order's id when the table has that order; the
/// temporary runs are deleted (never committed; a crash leaves them to orphan removal).
///
/// Memory: one bin is read as a stream of record batches and written by one ``TableWriter``
/// (a row group buffered per open partition file; with a sort, the rows of the run), whatever
/// the table's size.
public struct RewriteDataFiles: Sendable {
    public let table: Table
    private var targetBytes: Int64?
    private var predicate: ColumnPredicate?
    private var maxCommits = 1
    /// The sort strategy: nil for bin-pack; `.some(nil)` for the table's order.
    private var sortFields: [SortOrder.SortField]??
    private var sortRows = 262_144

    /// Starts a compaction of `table`'s current snapshot.
    public init(table: Table) {
        self.table = table
    }

    /// The size of the files written (default: `write.target-file-size-bytes`, else 128 MB).
    public func targetFileSizeBytes(_ bytes: Int64) -> RewriteDataFiles {
        var copy = self
        copy.targetBytes = max(1, bytes)
        return copy
    }

    /// Only files that may hold rows matching `predicate` are compacted.
    public func filter(_ predicate: ColumnPredicate?) -> RewriteDataFiles {
        var copy = self
        copy.predicate = predicate
        return copy
    }

    /// Commits the partitions in up to `maxCommits` commits, each as its partitions are done
    /// (Java's `partial-progress.enabled` with `partial-progress.max-commits`).
    public func partialProgress(maxCommits: Int) -> RewriteDataFiles {
        var copy = self
        copy.maxCommits = max(1, maxCommits)
        return copy
    }

    /// Rewrites with the sort strategy: rows sorted by `fields` (nil: the table's default sort
    /// order, which must not be unsorted).
    public func sort(by fields: [SortOrder.SortField]? = nil) -> RewriteDataFiles {
        var copy = self
        copy.sortFields = .some(fields)
        return copy
    }

    /// The rows after which a sorted run is spilled, to be merged with the others (default
    /// 262,144): the memory sorting takes.
    public func sortBufferRows(_ rows: Int) -> RewriteDataFiles {
        var copy = self
        copy.sortRows = max(1, rows)
        return copy
    }

    /// The order the sort strategy writes in (nil for bin-pack): the table's own when it has
    /// an equal one (its id then recorded in the files), else the fields under a new id.
    func sortOrder() throws(IcebergError) -> SortOrder? {
        guard let choice = sortFields else { return nil }
        let metadata = table.metadata
        guard let fields = choice else {
            guard let order = metadata.sortOrders.first(where: { $0.orderID == metadata.defaultSortOrderID }), !order.fields.isEmpty else {
                throw IcebergError(.validationFailed("\(table.identifier) has no sort order: give the columns to sort by"))
            }
            return order
        }
        guard !fields.isEmpty else { throw IcebergError(.validationFailed("sorting by no column")) }
        if let same = metadata.sortOrders.first(where: { $0.fields == fields }) { return same }
        return SortOrder(orderID: (metadata.sortOrders.map(\.orderID).max() ?? 0) + 1, fields: fields)
    }

    /// The files to rewrite, bin by bin, with the partition each bin belongs to.
    public func plan() async throws(IcebergError) -> [[FileScanTask]] {
        let target = targetBytes ?? Int64(table.metadata.properties["write.target-file-size-bytes"] ?? "").flatMap { $0 > 0 ? $0 : nil } ?? 128 << 20
        guard table.metadata.currentSnapshotID != nil else { return [] }
        let order = try sortOrder()
        // Bin-pack: small files and files with deletes; sort: files not in the order, or with deletes.
        func candidate(_ t: FileScanTask) -> Bool {
            if !t.deletes.isEmpty { return true }
            if let order { return t.file.sortOrderID != order.orderID }
            return t.file.fileSizeInBytes < target * 3 / 4
        }
        var tasks = try await table.scan(filter: predicate).planFiles()
        tasks.sort { $0.file.filePath < $1.file.filePath }
        var groups: [String: [FileScanTask]] = [:]
        for t in tasks where candidate(t) {
            groups["\(t.specID)|\(t.file.partition.map { $0.map { "\($0)" } ?? "null" }.joined(separator: "|"))", default: []].append(t)
        }
        var bins: [[FileScanTask]] = []
        for key in groups.keys.sorted() {
            guard let group = groups[key] else { continue }
            var open: [(bytes: Int64, tasks: [FileScanTask])] = []
            for t in group.sorted(by: { $0.file.fileSizeInBytes > $1.file.fileSizeInBytes }) {
                if let i = open.firstIndex(where: { $0.bytes + t.file.fileSizeInBytes <= target }) {
                    open[i].bytes += t.file.fileSizeInBytes
                    open[i].tasks.append(t)
                } else {
                    open.append((t.file.fileSizeInBytes, [t]))
                }
            }
            bins += open.map(\.tasks).filter { $0.count > 1 || $0.contains { !$0.deletes.isEmpty } || order != nil }
        }
        return bins
    }

    /// The live delete files of the current snapshot not in `applied` (those that apply to some
    /// live data file): they delete nothing any more.
    func danglingDeleteFiles(applied: Set<String>) async throws(IcebergError) -> [DataFile] {
        let metadata = table.metadata
        guard let snapshot = table.currentSnapshot else { return [] }
        var out: [DataFile] = []
        for m in try await SnapshotProducer.manifests(of: snapshot, in: metadata, io: table.io) where m.content != 0 {
            guard let spec = metadata.partitionSpecs.first(where: { $0.specID == m.partitionSpecID }) else {
                throw IcebergError(.invalidMetadata("manifest \(m.manifestPath) uses unknown spec \(m.partitionSpecID)"))
            }
            let bytes = try await table.io.newInputFile(m.manifestPath).read()
            let entries = try ManifestReader.entries(bytes, path: m.manifestPath, manifest: m, partitionFieldIDs: spec.fields.map(\.fieldID),
                                                     statsColumns: [])
            for e in entries where e.status != .deleted && !applied.contains(e.dataFile.filePath) { out.append(e.dataFile) }
        }
        return out
    }

    /// Merges the sorted runs `runs` (temporary files, deleted here whatever happens) into files
    /// of the target size sorted as a whole.
    func merge(_ runs: [DataFile], order: SortOrder, target: Int64) async throws(IcebergError) -> [DataFile] {
        let writer = try TableWriter(table: table, targetFileSize: target)
        do throws(IcebergError) {
            try writer.sort(by: order)
            writer.inputSorted = true
            guard let sorter = RowSorter(order: order, batchSchema: writer.batchSchema), let specID = table.metadata.defaultSpec?.specID else {
                throw IcebergError(.unsupported("merging runs sorted by \(order.fields.count) fields of which one is not a top-level column"))
            }
            // The runs' batches together hold about one run's rows.
            let batchRows = min(8_192, max(256, sortRows / runs.count))
            try await SortedRunMerge(table: table, sorter: sorter, batchRows: batchRows).merge(runs, specID: specID, into: writer)
            let merged = try await writer.close()
            await table.io.deleteQuietly(runs.map(\.filePath))
            return merged
        } catch {
            await writer.abort()
            await table.io.deleteQuietly(runs.map(\.filePath))
            throw error
        }
    }

    /// Plans, rewrites and commits; `progress` hears about each bin and commit (for a CLI's stderr).
    public func execute(progress: (@Sendable (String) -> Void)? = nil) async throws(IcebergError) -> RewriteDataFilesResult {
        let target = targetBytes ?? Int64(table.metadata.properties["write.target-file-size-bytes"] ?? "").flatMap { $0 > 0 ? $0 : nil } ?? 128 << 20
        var result = RewriteDataFilesResult(table: table)
        guard let start = table.metadata.currentSnapshotID else { return result }
        let bins = try await plan()
        guard !bins.isEmpty else { return result }
        let order = try sortOrder()
        // Which data files each delete file (position or equality) applies to, over the whole
        // snapshot: one is dropped only when all of them are rewritten in the same commit.
        var deleteTargets: [String: Set<String>] = [:]
        var deleteFiles: [String: DataFile] = [:]
        for t in try await table.scan().planFiles() {
            for d in t.deletes where d.content != 0 {
                deleteTargets[d.filePath, default: []].insert(t.file.filePath)
                deleteFiles[d.filePath] = d
            }
        }
        // Delete files that apply to no live data file, and the paths gone in earlier commits.
        var dangling = try await danglingDeleteFiles(applied: Set(deleteTargets.keys))
        var rewritten: Set<String> = []
        var dropped: Set<String> = []
        let perCommit = (bins.count + maxCommits - 1) / maxCommits
        var current = table
        var index = 0
        while index < bins.count {
            let chunk = Array(bins[index..<min(index + perCommit, bins.count)])
            index += chunk.count
            var added: [DataFile] = []
            do throws(IcebergError) {
                for bin in chunk {
                    let writer = try TableWriter(table: table, targetFileSize: target)
                    if let order {
                        try writer.sort(by: order)
                        writer.sortBufferRows = sortRows
                        writer.filePerSortedRun = true
                    }
                    do throws(IcebergError) {
                        var rows = ScanBatches.AsyncIterator(scan: table.scan(), tasks: bin)
                        while let batch = try await rows.next() { try await writer.write(batch) }
                        let written = try await writer.close()
                        if let order, written.count > 1 {
                            added += try await merge(written, order: order, target: target)
                        } else {
                            added += written
                        }
                    } catch {
                        await writer.abort()
                        throw error
                    }
                    progress?("rewrote \(bin.count) files (\(bin.reduce(0) { $0 + $1.file.fileSizeInBytes }) bytes)")
                }
            } catch {
                await table.io.deleteQuietly(added.map(\.filePath))
                throw error
            }
            let removedData = chunk.flatMap { $0.map(\.file) }
            let removedPaths = Set(removedData.map(\.filePath))
            let gone = rewritten.union(removedPaths)
            let removedDeletes = deleteTargets.filter { !dropped.contains($0.key) && $0.value.isSubset(of: gone) }.keys.sorted()
                .compactMap { deleteFiles[$0] } + dangling
            do throws(IcebergError) {
                current = try await current.newRewrite().rewriteFiles(removing: removedData + removedDeletes, adding: added)
                    .validateFromSnapshot(start).commit()
                result.table = current
                result.commits += 1
                rewritten = gone
                dropped.formUnion(removedDeletes.map(\.filePath))
                dangling = []
                result.rewrittenDataFiles += removedData.count
                result.rewrittenBytes += removedData.reduce(0) { $0 + $1.fileSizeInBytes }
                result.removedDeleteFiles += removedDeletes.count
                result.addedDataFiles += added.count
                result.addedBytes += added.reduce(0) { $0 + $1.fileSizeInBytes }
                progress?("committed \(removedData.count) → \(added.count) files")
            } catch {
                if case .commitStateUnknown = error.kind { throw error }
                await table.io.deleteQuietly(added.map(\.filePath))
                guard case .validationFailed = error.kind else { throw error }
                result.failedCommits.append("\(removedData.count) files: \(error)")
                progress?("skipped \(removedData.count) files: \(error)")
            }
        }
        return result
    }
}

/// What ``RewriteDataFiles`` did.
public struct RewriteDataFilesResult: Sendable {
    /// The table as last committed.
    public var table: Table
    /// Commits made.
    public var commits = 0
    /// Data files replaced, and their bytes.
    public var rewrittenDataFiles = 0
    public var rewrittenBytes: Int64 = 0
    /// Delete files (position and equality) dropped with the files they applied to.
    public var removedDeleteFiles = 0
    /// Data files written, and their bytes.
    public var addedDataFiles = 0
    public var addedBytes: Int64 = 0
    /// Commits refused by validation (a concurrent delete or removal): their groups are left as
    /// they were and can be compacted again.
    public var failedCommits: [String] = []

    public init(table: Table) {
        self.table = table
    }
}

extension Table {
    /// Starts a compaction (see ``RewriteDataFiles``).
    public func rewriteDataFiles() -> RewriteDataFiles { RewriteDataFiles(table: self) }
}
