public import LakeColumnar

/// The rows appended between two snapshots (Java's `IncrementalAppendScan`): the data files
/// added by the `append` snapshots after ``fromSnapshotExclusive`` up to and including
/// ``toSnapshotInclusive``, along the history of the latter.
///
/// Only `append` snapshots contribute, as in Java: an overwrite, delete or replace snapshot in
/// the range adds nothing (its files are rewrites, not new data), and rows appended in the range
/// are returned as they were appended, whether or not a later snapshot deleted them. Rows are
/// read with the table's current schema and streamed in batches like a ``TableScan`` (same
/// filter pruning, projection and bounded memory).
///
/// ```swift
/// // What silver gained since gold last ran.
/// let scan = silver.incrementalAppendScan(fromSnapshotExclusive: lastProcessed, toSnapshotInclusive: nil)
/// for try await batch in scan.batches() { … }
/// ```
public struct IncrementalAppendScan: Sendable {
    public let table: Table
    /// The snapshot the range starts after (nil: from the oldest snapshot in the history).
    public var fromSnapshotExclusive: Int64?
    /// The last snapshot of the range (nil: the table's current snapshot).
    public var toSnapshotInclusive: Int64?
    /// Prunes files and row groups that cannot hold matching rows (rows are not filtered further).
    public var filter: ColumnPredicate?
    /// Top-level column names to read (all when nil), in this order.
    public var columns: [String]?
    /// The most rows in one batch.
    public var batchSize = 8_192

    public init(table: Table, fromSnapshotExclusive: Int64? = nil, toSnapshotInclusive: Int64? = nil) {
        self.table = table
        self.fromSnapshotExclusive = fromSnapshotExclusive
        self.toSnapshotInclusive = toSnapshotInclusive
    }

    /// The `append` snapshots of the range, oldest first. Throws
    /// ``IcebergError/Kind/validationFailed(_:)`` when ``fromSnapshotExclusive`` is not an
    /// ancestor of ``toSnapshotInclusive``, ``IcebergError/Kind/notFound(_:)`` for an unknown one.
    public func appendSnapshots() throws(IcebergError) -> [Snapshot] {
        guard let to = toSnapshotInclusive ?? table.metadata.currentSnapshotID else {
            if let from = fromSnapshotExclusive { throw IcebergError(.notFound("snapshot \(from) (the table has no snapshot)")) }
            return []
        }
        return try table.metadata.snapshots(after: fromSnapshotExclusive, upTo: to).filter { $0.operation == "append" }
    }

    /// The scan that reads the planned files: the current schema, this scan's filter, columns
    /// and batch size.
    var fileScan: TableScan {
        var scan = TableScan(table: table)
        scan.filter = filter
        scan.columns = columns
        scan.batchSize = batchSize
        return scan
    }

    /// The data files the range's `append` snapshots added (that may hold matching rows); no
    /// delete files apply to them here.
    public func planFiles() async throws(IcebergError) -> [FileScanTask] {
        let metadata = table.metadata
        guard metadata.formatVersion <= 2 else { throw IcebergError(.unsupported("reading format v\(metadata.formatVersion) tables")) }
        let snapshots = try appendSnapshots()
        let ids = Set(snapshots.map(\.snapshotID))
        let schema = try fileScan.readSchema()
        // Each snapshot's own list holds the manifests it wrote (as Java reads them); a manifest
        // carried into later lists is read once.
        var manifests: [ManifestFile] = []
        var seen = Set<String>()
        for snapshot in snapshots {
            for m in try await SnapshotProducer.manifests(of: snapshot, in: metadata, io: table.io)
            where m.content == 0 && ids.contains(m.addedSnapshotID) && seen.insert(m.manifestPath).inserted {
                manifests.append(m)
            }
        }
        var tasks: [FileScanTask] = []
        let filter = self.filter
        try await TableScan.readInOrder(manifests.map(\.manifestPath), io: table.io) { (index: Int, bytes: [UInt8]) throws(IcebergError) in
            let m = manifests[index]
            guard let spec = metadata.partitionSpecs.first(where: { $0.specID == m.partitionSpecID }) else {
                throw IcebergError(.invalidMetadata("manifest \(m.manifestPath) uses unknown spec \(m.partitionSpecID)"))
            }
            let types = try? ManifestCodec.partitionTypes(spec, schema)
            let entries = try ManifestReader.entries(bytes, path: m.manifestPath, manifest: m,
                                                     partitionFieldIDs: spec.fields.map(\.fieldID), partitionTypes: types)
            for e in entries where e.status == .added {
                guard let snapshotID = e.snapshotID, ids.contains(snapshotID) else { continue }
                var file = e.dataFile
                guard file.contentKind == .data else {
                    throw IcebergError(.invalidMetadata("delete file \(file.filePath) in a data manifest"), path: m.manifestPath)
                }
                guard file.fileFormat.uppercased() == "PARQUET" else {
                    throw IcebergError(.unsupported("data file format \(file.fileFormat)"), path: file.filePath)
                }
                if let types { file.partition = try PartitionValues.normalized(file.partition, types: types, path: file.filePath) }
                if let filter, !(try TableScan.mightMatch(filter, file, spec: spec, schema: schema)) { continue }
                tasks.append(FileScanTask(file: file, specID: spec.specID, dataSequenceNumber: e.sequenceNumber ?? 0, deletes: []))
            }
        }
        return tasks
    }

    /// The appended rows as a stream of record batches.
    public func batches() -> IncrementalAppendBatches { IncrementalAppendBatches(scan: self) }

    /// Every batch, gathered: for small ranges and tests (``batches()`` streams).
    public func readAll() async throws(IcebergError) -> [RecordBatch] {
        var out: [RecordBatch] = []
        var iterator = batches().makeAsyncIterator()
        while let b = try await iterator.next() { out.append(b) }
        return out
    }
}

/// The rows of an ``IncrementalAppendScan`` as record batches of at most
/// ``IncrementalAppendScan/batchSize`` rows; planning happens on the first `next()`.
public struct IncrementalAppendBatches: AsyncSequence, Sendable {
    public typealias Element = RecordBatch
    public typealias Failure = IcebergError
    let scan: IncrementalAppendScan

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(scan: scan) }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let scan: IncrementalAppendScan
        private var files: ScanBatches.AsyncIterator?

        init(scan: IncrementalAppendScan) { self.scan = scan }

        public mutating func next() async throws(IcebergError) -> RecordBatch? {
            if files == nil { files = ScanBatches.AsyncIterator(scan: scan.fileScan, tasks: try await scan.planFiles()) }
            return try await files?.next()
        }
    }
}

extension Table {
    /// The rows appended after `fromSnapshotExclusive` (nil: from the start) up to and including
    /// `toSnapshotInclusive` (nil: the current snapshot); see ``IncrementalAppendScan``.
    public func incrementalAppendScan(fromSnapshotExclusive: Int64?, toSnapshotInclusive: Int64? = nil,
                                      filter: ColumnPredicate? = nil, columns: [String]? = nil) -> IncrementalAppendScan {
        var scan = IncrementalAppendScan(table: self, fromSnapshotExclusive: fromSnapshotExclusive, toSnapshotInclusive: toSnapshotInclusive)
        scan.filter = filter
        scan.columns = columns
        return scan
    }
}
