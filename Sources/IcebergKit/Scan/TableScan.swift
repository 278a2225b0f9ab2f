public import LakeColumnar
import ParquetWriter

/// Plans and reads a table at a snapshot: the current one, a snapshot id, a point in time or a
/// named ref (time travel). Files are pruned by partition values (through the spec's transforms)
/// and by column metrics; surviving files are read with the Parquet reader, projected by field id.
public struct TableScan {
    public let metadata: TableMetadata
    public let io: any FileIO
    public var snapshotID: Int64?
    public var filter: ColumnPredicate?
    /// Top-level column names to read (all when nil).
    public var columns: [String]?

    public init(metadata: TableMetadata, io: any FileIO = LocalFileIO()) {
        self.metadata = metadata
        self.io = io
        snapshotID = metadata.currentSnapshotID
    }

    /// Reads the snapshot that was current at `timestampMs`.
    public mutating func asOf(timestampMs: Int64) throws(IcebergError) {
        guard let entry = metadata.snapshotLog.last(where: { $0.timestampMs <= timestampMs }) else {
            throw IcebergError(.notFound("no snapshot at or before \(timestampMs)"))
        }
        snapshotID = entry.snapshotID
    }

    /// Reads the snapshot a branch or tag points at.
    public mutating func useRef(_ name: String) throws(IcebergError) {
        guard let ref = metadata.refs[name] else { throw IcebergError(.notFound("ref '\(name)'")) }
        snapshotID = ref.snapshotID
    }

    /// The live data files of the snapshot that may hold rows matching `filter`.
    public func planFiles() throws(IcebergError) -> [DataFile] {
        guard let id = snapshotID else { return [] }
        guard let snapshot = metadata.snapshot(id: id) else { throw IcebergError(.notFound("snapshot \(id)")) }
        guard let schema = metadata.schemas.first(where: { $0.schemaID == (snapshot.schemaID ?? metadata.currentSchemaID) }) ?? metadata.currentSchema else {
            throw IcebergError(.invalidMetadata("no schema for snapshot \(id)"))
        }
        var manifests: [ManifestFile] = []
        if let list = snapshot.manifestList {
            manifests = try ManifestReader.manifestList(try io.read(list), path: list)
        } else {
            manifests = snapshot.manifests.map {
                ManifestFile(manifestPath: $0, manifestLength: 0, partitionSpecID: metadata.defaultSpecID, sequenceNumber: 0, minSequenceNumber: 0,
                             addedSnapshotID: id, addedFilesCount: 0, existingFilesCount: 0, deletedFilesCount: 0, addedRowsCount: 0,
                             existingRowsCount: 0, deletedRowsCount: 0, partitions: [])
            }
        }
        var files: [DataFile] = []
        for m in manifests where m.content == 0 {
            guard let spec = metadata.partitionSpecs.first(where: { $0.specID == m.partitionSpecID }) else {
                throw IcebergError(.invalidMetadata("manifest \(m.manifestPath) uses unknown spec \(m.partitionSpecID)"))
            }
            let entries = try ManifestReader.entries(try io.read(m.manifestPath), path: m.manifestPath, manifest: m,
                                                     partitionFieldIDs: spec.fields.map(\.fieldID),
                                                     partitionTypes: try? ManifestCodec.partitionTypes(spec, schema))
            for e in entries where e.status != .deleted && e.dataFile.content == 0 {
                if let filter, !(try Self.mightMatch(filter, e.dataFile, spec: spec, schema: schema)) { continue }
                files.append(e.dataFile)
            }
        }
        return files
    }

    /// Reads the planned files as batches (rows of pruned-in files are not filtered further;
    /// apply `filter` with ``ColumnPredicate/matches(_:row:)`` for exact results).
    public func read() throws(IcebergError) -> [RecordBatch] {
        guard let schema = metadata.currentSchema else { throw IcebergError(.invalidMetadata("no current schema")) }
        let wanted = columns ?? schema.fields.map(\.name)
        var ids: [Int32] = []
        for name in wanted {
            guard let f = schema.fields.first(where: { $0.name == name }) else { throw IcebergError(.notFound("column '\(name)'")) }
            ids.append(f.id)
        }
        var out: [RecordBatch] = []
        for file in try planFiles() {
            let path = LocalFileIO.localPath(file.filePath)
            do {
                let reader = try ParquetReader(path: path)
                var batches = try reader.batches(columns: .fieldIDs(ids), predicate: filter)
                while let b = try batches.next() { out.append(b) }
            } catch {
                throw IcebergError(.invalidMetadata("\(error)"), path: file.filePath)
            }
        }
        return out
    }

    /// Whether a data file may hold matching rows, by partition values and column metrics.
    static func mightMatch(_ p: ColumnPredicate, _ file: DataFile, spec: PartitionSpec, schema: IcebergSchema) throws(IcebergError) -> Bool {
        p.mightMatch { name -> ColumnBounds? in
            guard let field = schema.fields.first(where: { $0.name == name }) else { return nil }
            var bounds = ColumnBounds(lower: file.lowerBounds[field.id].flatMap { SingleValue.deserialize($0, type: field.type) },
                                      upper: file.upperBounds[field.id].flatMap { SingleValue.deserialize($0, type: field.type) },
                                      nullCount: file.nullValueCounts[field.id] ?? 0,
                                      valueCount: file.valueCounts[field.id] ?? file.recordCount, type: field.type.columnarType)
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
