public import LakeColumnar

/// A data file to read and the delete files that apply to it.
public struct FileScanTask: Sendable, Hashable {
    public var file: DataFile
    /// The partition spec the file was written under.
    public var specID: Int32
    /// The file's data sequence number (deletes with a higher one apply to it).
    public var dataSequenceNumber: Int64
    /// Position and equality delete files to apply when reading ``file``.
    public var deletes: [DataFile]
}

/// Plans and reads a table at a snapshot: the current one, a snapshot id, a point in time or a
/// named ref (time travel).
///
/// Planning reads the snapshot's manifests and keeps the live data files that may hold rows
/// matching ``filter`` (by partition values through the spec's transforms, and by column
/// metrics), with the delete files that apply to each (the spec's sequence-number rules).
/// ``batches()`` then streams record batches (a row group decoded a batch at a time), whatever the table's size:
/// only the needed column chunks are fetched through the table's ``FileIO``, row groups are
/// pruned by their statistics, position and equality deletes are applied, and files written
/// under older schemas are read by field id (renamed columns by id, added columns as nulls,
/// promoted types widened).
///
/// Rows of pruned-in files are not filtered further: apply ``filter`` with
/// ``ColumnPredicate/matches(_:row:)`` where exact results are needed.
///
/// ```swift
/// var scan = table.scan(filter: .equal("sc_status", .int32(404)), columns: ["date", "cs_uri_stem"])
/// try scan.asOf(timestampMs: yesterday)
/// for try await batch in scan.batches() { … }
/// ```
public struct TableScan: Sendable {
    public let table: Table
    /// The snapshot read (the current one unless set). Setting it is time travel: rows are then
    /// read with that snapshot's schema, as Java and pyiceberg read them.
    public var snapshotID: Int64? {
        get { selectedSnapshotID }
        set {
            selectedSnapshotID = newValue
            timeTravel = true
        }
    }
    private var selectedSnapshotID: Int64?
    private var timeTravel = false
    public var filter: ColumnPredicate?
    /// Top-level column names to read (all when nil), in this order.
    public var columns: [String]?
    /// The most rows in one batch. A row group is decoded a batch at a time, so this bounds what
    /// memory holds of every projected column: 8,192 rows of all 44 CloudFront columns keep a
    /// full scan near 100 MB, at the speed of larger batches (Documentation/Performance.md).
    public var batchSize = 8_192
    /// Whether planned files carry every column's metrics (sizes, value, null and NaN counts,
    /// bounds), as the manifests hold them. Off, planning decodes only the metrics of the
    /// columns ``filter`` references (none without a filter) and the files it returns carry
    /// only those: decoding every column's maps is most of planning's cost on a wide table
    /// (Documentation/Performance.md, "Table maintenance"). Delete files keep theirs always.
    /// Reading rows (``batches()``) plans without them.
    public var includeColumnStats = true
    /// Threads decoding a row group's column chunks at once while rows are read (``batches()``):
    /// nil for the CPUs the process may run on, 1 to decode on the scanning task's thread alone.
    /// The batches are the same either way (`ParquetReadOptions.decodeThreads`).
    public var decodeThreads: Int?
    /// Whether reading rows fetches the next row group's projected column chunks while the
    /// current one decodes (one row group ahead, within a data file): the I/O of an object store
    /// overlaps decoding, for one more row group's compressed chunks in memory.
    public var prefetchRowGroups = true

    public init(table: Table) {
        self.table = table
        selectedSnapshotID = table.metadata.currentSnapshotID
    }

    var metadata: TableMetadata { table.metadata }

    /// Reads the snapshot that was current at `timestampMs`.
    public mutating func asOf(timestampMs: Int64) throws(IcebergError) {
        guard let entry = metadata.snapshotLog.last(where: { $0.timestampMs <= timestampMs }) else {
            throw IcebergError(.notFound("no snapshot at or before \(timestampMs)"))
        }
        snapshotID = entry.snapshotID
    }

    /// Reads the snapshot a branch or tag points at (a branch with the table's current schema,
    /// a tag with its snapshot's, as Java reads refs).
    public mutating func useRef(_ name: String) throws(IcebergError) {
        guard let ref = metadata.refs[name] else { throw IcebergError(.notFound("ref '\(name)'")) }
        selectedSnapshotID = ref.snapshotID
        timeTravel = !ref.isBranch
    }

    /// The schema rows are read with: the snapshot's own schema when time travelling (as Java
    /// and pyiceberg read), else the current one.
    public func readSchema() throws(IcebergError) -> IcebergSchema {
        if timeTravel, let id = snapshotID, let snapshot = metadata.snapshot(id: id), let schemaID = snapshot.schemaID,
           let schema = metadata.schemas.first(where: { $0.schemaID == schemaID }) {
            return schema
        }
        guard let schema = metadata.currentSchema else { throw IcebergError(.invalidMetadata("no current schema")) }
        return schema
    }

    /// The fields to read, in output order.
    public func projectedFields() throws(IcebergError) -> [NestedField] {
        let schema = try readSchema()
        guard let columns else { return schema.fields }
        var out: [NestedField] = []
        for name in columns {
            guard let f = schema.fields.first(where: { $0.name == name }) else { throw IcebergError(.notFound("column '\(name)'")) }
            out.append(f)
        }
        return out
    }

    /// The data files of the snapshot that may hold matching rows, with their delete files.
    public func planFiles() async throws(IcebergError) -> [FileScanTask] {
        guard metadata.formatVersion <= 2 else {
            // v3 adds column defaults, row lineage and deletion vectors: reading one as v2 could be wrong.
            throw IcebergError(.unsupported("reading format v\(metadata.formatVersion) tables"))
        }
        guard let id = snapshotID else { return [] }
        guard let snapshot = metadata.snapshot(id: id) else { throw IcebergError(.notFound("snapshot \(id)")) }
        let schema = try readSchema()
        var manifests = try await SnapshotProducer.manifests(of: snapshot, in: metadata, io: table.io)
        // The filter projected onto each spec once; manifests whose partition summaries rule it
        // out are not opened (data and delete manifests alike: a delete file only applies to
        // data files of its own spec and partition, which the same projection prunes).
        var partitionFilters: [Int32: PartitionFilter] = [:]
        if let filter {
            for spec in metadata.partitionSpecs {
                partitionFilters[spec.specID] = PartitionFilter(filter, spec: spec, schema: schema)
            }
            manifests.removeAll { m in partitionFilters[m.partitionSpecID].map { !$0.mightMatch(summaries: m.partitions) } ?? false }
        }
        var tasks: [FileScanTask] = []
        var deletes = DeleteIndex()
        let statsColumns = includeColumnStats ? nil : (filter?.columns ?? []).compactMap { name in schema.fields.first { $0.name == name }?.id }.sorted()
        try await Self.readInOrder(manifests.map(\.manifestPath), io: table.io) { (index: Int, bytes: [UInt8]) throws(IcebergError) in
            let m = manifests[index]
            guard let spec = metadata.partitionSpecs.first(where: { $0.specID == m.partitionSpecID }) else {
                throw IcebergError(.invalidMetadata("manifest \(m.manifestPath) uses unknown spec \(m.partitionSpecID)"))
            }
            let types = try? ManifestCodec.partitionTypes(spec, schema)
            let entries = try ManifestReader.entries(bytes, path: m.manifestPath, manifest: m,
                                                     partitionFieldIDs: spec.fields.map(\.fieldID), partitionTypes: types,
                                                     statsColumns: m.content == 0 ? statsColumns : nil)
            let partitionFilter = types == nil ? nil : partitionFilters[spec.specID]
            for e in entries where e.status != .deleted {
                var file = e.dataFile
                if let types { file.partition = try PartitionValues.normalized(file.partition, types: types, path: file.filePath) }
                if let partitionFilter, !partitionFilter.mightMatch(partition: file.partition) { continue }
                guard let sequenceNumber = e.sequenceNumber else {
                    throw IcebergError(.invalidMetadata("entry for \(file.filePath) has no data sequence number"), path: m.manifestPath)
                }
                switch file.contentKind {
                case .data?:
                    guard m.content == 0 else { throw IcebergError(.invalidMetadata("data file \(file.filePath) in a delete manifest"), path: m.manifestPath) }
                    guard file.fileFormat.uppercased() == "PARQUET" else {
                        throw IcebergError(.unsupported("data file format \(file.fileFormat)"), path: file.filePath)
                    }
                    if let filter, !(try Self.metricsMightMatch(filter, file, spec: spec, schema: schema)) { continue }
                    tasks.append(FileScanTask(file: file, specID: spec.specID, dataSequenceNumber: sequenceNumber, deletes: []))
                case .positionDeletes?, .equalityDeletes?:
                    try deletes.add(file, specID: spec.specID, unpartitioned: spec.isUnpartitioned, sequenceNumber: sequenceNumber)
                case nil:
                    throw IcebergError(.unsupported("manifest entry content \(file.content)"), path: m.manifestPath)
                }
            }
        }
        for i in tasks.indices {
            tasks[i].deletes = deletes.deletes(for: tasks[i])
        }
        return tasks
    }

    /// Reads the files at `paths` with up to `window` reads in flight (object stores answer
    /// each GET in tens of milliseconds), handing each to `body` in the order of `paths`.
    static func readInOrder(_ paths: [String], io: any FileIO, window: Int = 8,
                            _ body: (Int, [UInt8]) throws(IcebergError) -> Void) async throws(IcebergError) {
        do {
            try await withThrowingTaskGroup(of: (Int, [UInt8]).self) { group in
                var next = 0, expected = 0
                var ready: [Int: [UInt8]] = [:]
                while next < Swift.min(Swift.max(1, window), paths.count) {
                    let index = next, path = paths[index]
                    group.addTask { (index, try await io.newInputFile(path).read()) }
                    next += 1
                }
                while let (index, bytes) = try await group.next() {
                    ready[index] = bytes
                    while let bytes = ready.removeValue(forKey: expected) {
                        try body(expected, bytes)
                        expected += 1
                    }
                    if next < paths.count {
                        let index = next, path = paths[index]
                        group.addTask { (index, try await io.newInputFile(path).read()) }
                        next += 1
                    }
                }
            }
        } catch let error as IcebergError {
            throw error
        } catch is CancellationError {
            throw IcebergError(.cancelled)
        } catch {
            throw IcebergError(.io("\(error)"))
        }
    }

    /// The rows of the planned files as a stream of record batches (see ``ScanBatches``).
    public func batches() -> ScanBatches { ScanBatches(scan: self) }

    /// Every batch, gathered: for small tables and tests. A large table is read with
    /// ``batches()`` instead, which holds one batch of decoded rows at a time.
    public func readAll() async throws(IcebergError) -> [RecordBatch] {
        var out: [RecordBatch] = []
        var iterator = batches().makeAsyncIterator()
        while let b = try await iterator.next() { out.append(b) }
        return out
    }

    /// Whether a data file may hold matching rows, by partition values (the filter projected
    /// through the spec's transforms, ``InclusiveProjection``) and column metrics.
    static func mightMatch(_ p: ColumnPredicate, _ file: DataFile, spec: PartitionSpec, schema: IcebergSchema) throws(IcebergError) -> Bool {
        if let partitionFilter = PartitionFilter(p, spec: spec, schema: schema), !partitionFilter.mightMatch(partition: file.partition) {
            return false
        }
        return try metricsMightMatch(p, file, spec: spec, schema: schema)
    }

    /// Whether a data file may hold matching rows by its column metrics (tightened by identity
    /// and day partition values).
    static func metricsMightMatch(_ p: ColumnPredicate, _ file: DataFile, spec: PartitionSpec, schema: IcebergSchema) throws(IcebergError) -> Bool {
        // Bounds cannot evaluate a NOT, but its pushed-down form (`NOT (a < 1)` is `a >= 1`) they can.
        InclusiveProjection.pushNot(p, negate: false).mightMatch { name -> ColumnBounds? in
            guard let field = schema.fields.first(where: { $0.name == name }) else { return nil }
            var bounds = ColumnBounds(lower: file.lowerBounds[field.id].flatMap { SingleValue.deserialize($0, type: field.type) },
                                      upper: file.upperBounds[field.id].flatMap { SingleValue.deserialize($0, type: field.type) },
                                      nullCount: file.nullValueCounts[field.id] ?? 0,
                                      valueCount: file.valueCounts[field.id] ?? file.recordCount, type: field.type.columnarType,
                                      nullCountKnown: file.nullValueCounts[field.id] != nil)
            // An identity partition pins the value for the whole file.
            if let i = spec.fields.firstIndex(where: { $0.sourceID == field.id && $0.transform == .identity }), i < file.partition.count {
                bounds.lower = file.partition[i]
                bounds.upper = file.partition[i]
                if file.partition[i] == nil { bounds.nullCount = file.recordCount; bounds.valueCount = file.recordCount }
            } else if let i = spec.fields.firstIndex(where: { $0.sourceID == field.id && $0.transform == .day }), i < file.partition.count,
                      case let .int32(day)? = file.partition[i] {
                // A day partition bounds a date or timestamp column to that day.
                let lo: Scalar, hi: Scalar
                if case .date = field.type {
                    lo = .int32(day); hi = .int32(day)
                } else {
                    lo = .int64(Int64(day) * 86_400_000_000); hi = .int64(Int64(day) * 86_400_000_000 + 86_399_999_999)
                }
                bounds.lower = Self.tighter(bounds.lower, lo, higher: true)
                bounds.upper = Self.tighter(bounds.upper, hi, higher: false)
            }
            return bounds
        }
    }

    static func tighter(_ a: Scalar?, _ b: Scalar, higher: Bool) -> Scalar {
        guard let a, let order = ScalarOrder.compare(a, b) else { return b }
        return (order > 0) == higher ? a : b
    }
}
