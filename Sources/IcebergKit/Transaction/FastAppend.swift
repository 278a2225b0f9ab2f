public import LakeColumnar
public import ParquetWriter

/// Random identifiers as Iceberg writes them.
enum Identifiers {
    static func uuid() -> String {
        var g = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &g) }
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        let hex = bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }
        return hex[0..<4].joined() + "-" + hex[4..<6].joined() + "-" + hex[6..<8].joined() + "-" + hex[8..<10].joined() + "-" + hex[10...].joined()
    }

    /// A positive random snapshot id.
    static func snapshotID() -> Int64 { Int64.random(in: 1...Int64.max) }
}

/// Writes record batches as Parquet data files of a table, routing rows to partitions through
/// the spec's transforms, and collects each file's Iceberg metrics from the Parquet footer.
public struct TableDataWriter {
    public let metadata: TableMetadata
    public let io: any FileIO
    public var properties: WriterProperties
    /// String bounds are truncated to this many characters (Iceberg's default `truncate(16)`).
    public var truncateLength = 16

    public init(metadata: TableMetadata, io: any FileIO = LocalFileIO()) {
        self.metadata = metadata
        self.io = io
        properties = WriterProperties()
    }

    /// Writes `batch` (the table's current schema) into one data file per partition.
    public func write(_ batch: RecordBatch) throws(IcebergError) -> [DataFile] {
        guard let schema = metadata.currentSchema, let spec = metadata.defaultSpec else {
            throw IcebergError(.invalidMetadata("table has no current schema or default spec"))
        }
        // Route rows: partition key per row.
        var groups: [[Scalar?]: [Int]] = [:]
        var order: [[Scalar?]] = []
        let sources: [(column: Int, type: DataType, transform: Transform)] = try spec.fields.map { (f) throws(IcebergError) in
            guard let i = batch.schema.index(ofFieldID: f.sourceID) else {
                throw IcebergError(.invalidMetadata("partition source field \(f.sourceID) is not a top-level column of the batch"))
            }
            return (i, batch.schema.fields[i].type, f.transform)
        }
        for row in 0..<batch.rowCount {
            var key: [Scalar?] = []
            for s in sources { key.append(try s.transform.apply(batch.columns[s.column].scalar(at: row), type: s.type)) }
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(row)
        }
        var files: [DataFile] = []
        let partitionTypes = try ManifestCodec.partitionTypes(spec, schema)
        for key in order {
            let rows = groups[key]!
            let part = rows.count == batch.rowCount ? batch : try Self.take(batch, rows)
            let directory = spec.fields.isEmpty ? "" : zip(spec.fields, zip(key, partitionTypes)).map { f, kv in
                f.name + "=" + Self.partitionText(kv.0, kv.1)
            }.joined(separator: "/") + "/"
            let path = metadata.location + "/data/" + directory + Identifiers.uuid() + ".parquet"
            files.append(try writeFile(part, path: path, partition: key, schema: schema))
        }
        return files
    }

    static func take(_ batch: RecordBatch, _ rows: [Int]) throws(IcebergError) -> RecordBatch {
        do {
            let columns = try batch.columns.enumerated().map { (i, c) throws(ColumnarError) in
                try Column(scalars: rows.map { c.scalar(at: $0) }, type: batch.schema.fields[i].type)
            }
            return try RecordBatch(schema: batch.schema, columns: columns)
        } catch {
            throw IcebergError(.invalidMetadata("\(error)"))
        }
    }

    static func partitionText(_ v: Scalar?, _ t: IcebergType) -> String {
        guard let v else { return "null" }
        switch (t, v) {
        case let (.date, .int32(d)): return CivilCalendar.isoDate(days: Int(d))
        case let (_, .int32(x)): return String(x)
        case let (_, .int64(x)): return String(x)
        case let (_, .binary(b)): return String(decoding: b, as: UTF8.self).map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? String($0) : "%" }.joined()
        default: return "\(v)"
        }
    }

    func writeFile(_ batch: RecordBatch, path: String, partition: [Scalar?], schema: IcebergSchema) throws(IcebergError) -> DataFile {
        let local = LocalFileIO.localPath(path)
        do {
            try LocalFileIO().makeParents(local)
            let writer = try ParquetFileWriter(path: local, schema: batch.schema, properties: properties)
            try writer.write(batch)
            let result = try writer.close()
            var file = DataFile(filePath: path, partition: partition, recordCount: result.rowCount, fileSizeInBytes: result.fileSize)
            for c in result.columns {
                guard let id = c.descriptor.fieldID else { continue }
                file.columnSizes[id, default: 0] += c.compressedSize
                file.valueCounts[id, default: 0] += c.valueCount
                file.nullValueCounts[id, default: 0] += c.nullCount
                if let nans = c.nanCount { file.nanValueCounts[id, default: 0] += nans }
                guard c.descriptor.maxRepetitionLevel == 0, let field = schema.field(id: id) else { continue }
                if let lo = c.lowerBound, let b = SingleValue.fromParquet(lo, type: field.type, physical: c.descriptor.physicalType,
                                                                            isUpper: false, truncate: truncateLength) {
                    file.lowerBounds[id] = b
                }
                if let hi = c.upperBound, let b = SingleValue.fromParquet(hi, type: field.type, physical: c.descriptor.physicalType,
                                                                            isUpper: true, truncate: truncateLength) {
                    file.upperBounds[id] = b
                }
            }
            file.splitOffsets = result.metadata.rowGroups.map(\.fileOffset)
            return file
        } catch let error as ParquetError {
            throw IcebergError(.io("\(error)"), path: path)
        } catch let error as IcebergError {
            throw error
        } catch {
            throw IcebergError(.io("\(error)"), path: path)
        }
    }
}

/// Commits data files as a new snapshot (operation `append`): writes a manifest, a manifest list
/// that keeps the previous snapshot's manifests, and a new metadata file.
public struct FastAppend {
    public let io: any FileIO

    public init(io: any FileIO = LocalFileIO()) { self.io = io }

    /// Writes the metadata of a new table; returns its location.
    public func create(_ metadata: TableMetadata) throws(IcebergError) -> String {
        let path = metadata.location + "/metadata/00000-\(Identifiers.uuid()).metadata.json"
        try io.create(path, Array(metadata.jsonText.utf8))
        return path
    }

    /// Commits `files` on top of `base` (read from `baseLocation`); returns the new metadata and its location.
    public func commit(_ files: [DataFile], base: TableMetadata, baseLocation: String,
                       nowMs: Int64) throws(IcebergError) -> (TableMetadata, String) {
        guard let schema = base.currentSchema, let spec = base.defaultSpec else { throw IcebergError(.invalidMetadata("no schema or spec")) }
        let snapshotID = Identifiers.snapshotID()
        let sequence = base.lastSequenceNumber + 1
        let partitionTypes = try ManifestCodec.partitionTypes(spec, schema)

        // Manifest of the added files.
        var manifest = AvroContainerWriter(schema: try ManifestCodec.entrySchema(spec, schema), codec: .deflate, metadata: [
            "schema": schema.jsonText, "schema-id": String(schema.schemaID), "partition-spec": spec.fieldsJSON.text,
            "partition-spec-id": String(spec.specID), "format-version": "2", "content": "data",
        ])
        for f in files {
            do {
                try manifest.append(ManifestCodec.encode(ManifestEntry(status: .added, snapshotID: snapshotID, sequenceNumber: nil,
                                                                       fileSequenceNumber: nil, dataFile: f), partitionTypes: partitionTypes))
            } catch {
                throw IcebergError(.invalidMetadata("manifest entry: \(error)"))
            }
        }
        let manifestBytes: [UInt8]
        do { manifestBytes = try manifest.finish() } catch { throw IcebergError(.io("\(error)")) }
        let manifestPath = base.location + "/metadata/\(Identifiers.uuid())-m0.avro"
        try io.create(manifestPath, manifestBytes)

        // Partition summaries.
        var summaries: [ManifestFile.FieldSummary] = []
        for (i, t) in partitionTypes.enumerated() {
            let values = files.map { $0.partition[i] }
            let present = values.compactMap { $0 }
            var lo: Scalar?, hi: Scalar?
            for v in present {
                if lo == nil || (ScalarOrder.compare(v, lo!) ?? 0) < 0 { lo = v }
                if hi == nil || (ScalarOrder.compare(v, hi!) ?? 0) > 0 { hi = v }
            }
            summaries.append(ManifestFile.FieldSummary(containsNull: present.count < values.count, containsNaN: false,
                                                       lowerBound: lo.flatMap { SingleValue.serialize($0, type: t) },
                                                       upperBound: hi.flatMap { SingleValue.serialize($0, type: t) }))
        }
        let added = ManifestFile(manifestPath: manifestPath, manifestLength: Int64(manifestBytes.count), partitionSpecID: spec.specID,
                                 sequenceNumber: sequence, minSequenceNumber: sequence, addedSnapshotID: snapshotID,
                                 addedFilesCount: Int32(files.count), existingFilesCount: 0, deletedFilesCount: 0,
                                 addedRowsCount: files.reduce(0) { $0 + $1.recordCount }, existingRowsCount: 0, deletedRowsCount: 0,
                                 partitions: summaries)

        // Manifest list: the new manifest first, then the parent's manifests unchanged.
        var previous: [AvroValue] = []
        if let parent = base.currentSnapshot, let list = parent.manifestList {
            let reader: AvroContainerReader
            do { reader = try AvroContainerReader(bytes: try io.read(list), path: list) } catch let e as IcebergError { throw e } catch {
                throw IcebergError(.invalidMetadata("\(error)"), path: list)
            }
            guard reader.schema == ManifestCodec.manifestListSchema else {
                throw IcebergError(.unsupported("appending to a manifest list not written by IcebergKit"), path: list)
            }
            do { previous = try reader.records() } catch { throw IcebergError(.invalidMetadata("\(error)"), path: list) }
        }
        var list = AvroContainerWriter(schema: ManifestCodec.manifestListSchema, codec: .deflate, metadata: [
            "snapshot-id": String(snapshotID), "parent-snapshot-id": base.currentSnapshotID.map(String.init) ?? "null",
            "sequence-number": String(sequence), "format-version": "2",
        ])
        do {
            try list.append(ManifestCodec.encode(added))
            for p in previous { try list.append(p) }
        } catch {
            throw IcebergError(.invalidMetadata("manifest list: \(error)"))
        }
        let listPath = base.location + "/metadata/snap-\(snapshotID)-1-\(Identifiers.uuid()).avro"
        do { try io.create(listPath, try list.finish()) } catch let e as IcebergError { throw e } catch { throw IcebergError(.io("\(error)")) }

        // Snapshot and metadata.
        let parentSummary = base.currentSnapshot?.summary ?? [:]
        func total(_ key: String, _ add: Int64) -> String { String((Int64(parentSummary[key] ?? "0") ?? 0) + add) }
        let addedRecords = files.reduce(0) { $0 + $1.recordCount }
        let addedSize = files.reduce(0) { $0 + $1.fileSizeInBytes }
        let summary: [String: String] = [
            "operation": "append", "added-data-files": String(files.count), "added-records": String(addedRecords),
            "added-files-size": String(addedSize), "changed-partition-count": String(Set(files.map(\.partition)).count),
            "total-records": total("total-records", addedRecords), "total-data-files": total("total-data-files", Int64(files.count)),
            "total-files-size": total("total-files-size", addedSize), "total-delete-files": "0",
            "total-position-deletes": "0", "total-equality-deletes": "0",
        ]
        var next = base
        next.snapshots.append(Snapshot(snapshotID: snapshotID, parentSnapshotID: base.currentSnapshotID, sequenceNumber: sequence,
                                       timestampMs: nowMs, manifestList: listPath, summary: summary, schemaID: schema.schemaID))
        next.lastSequenceNumber = sequence
        next.currentSnapshotID = snapshotID
        next.refs["main"] = SnapshotRef(snapshotID: snapshotID)
        next.lastUpdatedMs = nowMs
        next.snapshotLog.append((snapshotID: snapshotID, timestampMs: nowMs))
        next.metadataLog.append((file: baseLocation, timestampMs: base.lastUpdatedMs))
        let version = Self.version(of: baseLocation) + 1
        let path = base.location + "/metadata/" + String(repeating: "0", count: max(0, 5 - String(version).count)) + String(version)
            + "-\(Identifiers.uuid()).metadata.json"
        try io.create(path, Array(next.jsonText.utf8))
        return (next, path)
    }

    static func version(of location: String) -> Int {
        let name = location.split(separator: "/").last.map(String.init) ?? ""
        return Int(name.prefix { $0.isNumber }) ?? 0
    }
}
