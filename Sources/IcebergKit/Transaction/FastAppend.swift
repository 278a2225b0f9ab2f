import LakeColumnar
import ParquetWriter

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
    ///
    /// `summaryProperties` are added to the snapshot summary (as Java's `SnapshotUpdate.set`);
    /// they cannot replace the counts the append computes.
    public func commit(_ files: [DataFile], base: TableMetadata, baseLocation: String,
                       nowMs: Int64, summaryProperties: [String: String] = [:]) throws(IcebergError) -> (TableMetadata, String) {
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
        var summary = summaryProperties
        summary.merge([
            "operation": "append", "added-data-files": String(files.count), "added-records": String(addedRecords),
            "added-files-size": String(addedSize), "changed-partition-count": String(Set(files.map(\.partition)).count),
            "total-records": total("total-records", addedRecords), "total-data-files": total("total-data-files", Int64(files.count)),
            "total-files-size": total("total-files-size", addedSize), "total-delete-files": "0",
            "total-position-deletes": "0", "total-equality-deletes": "0",
        ]) { _, computed in computed }
        var next = base
        next.snapshots.append(Snapshot(snapshotID: snapshotID, parentSnapshotID: base.currentSnapshotID, sequenceNumber: sequence,
                                       timestampMs: nowMs, manifestList: listPath, summary: summary, schemaID: schema.schemaID))
        next.lastSequenceNumber = sequence
        next.currentSnapshotID = snapshotID
        next.refs["main"] = SnapshotRef(snapshotID: snapshotID)
        next.lastUpdatedMs = nowMs
        next.snapshotLog.append((snapshotID: snapshotID, timestampMs: nowMs))
        next.metadataLog.append((file: baseLocation, timestampMs: base.lastUpdatedMs))
        // Java keeps `write.metadata.previous-versions-max` (default 100) previous files in the log.
        let keep = Int(base.properties["write.metadata.previous-versions-max"] ?? "") ?? 100
        if next.metadataLog.count > max(keep, 1) { next.metadataLog.removeFirst(next.metadataLog.count - max(keep, 1)) }
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
