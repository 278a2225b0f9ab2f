import LakeColumnar

/// What a snapshot removes from its parent (Java's `ManifestFilterManager` inputs): files by
/// path, whole files whose rows all match a filter, and every file of some partitions.
struct FileRemovals: Sendable {
    /// Data and delete files to remove, by path: each must be live in the base.
    var paths: Set<String> = []
    /// Files every row of which matches: removed; a data file only some of whose rows may
    /// match is an error (its rows would have to be rewritten).
    var rowFilter: ColumnPredicate?
    /// Every data and delete file of these partitions is removed.
    var partitions: Set<SpecPartition> = []

    var isEmpty: Bool { paths.isEmpty && rowFilter == nil && partitions.isEmpty }
}

/// A parent manifest as this snapshot carries it: unchanged, or rewritten with the removed
/// entries marked DELETED (keyed in the cache by the parent manifest's path, whose content
/// never changes, so a retry on a newer base reuses the rewrite).
struct FilteredManifest: Sendable {
    /// The manifest to list (the parent's own, or the rewrite).
    var manifest: ManifestFile
    /// Whether ``manifest`` was written by this snapshot.
    var rewritten: Bool
    var removedFiles: [DataFile] = []
    /// The paths asked for by name that this manifest held.
    var foundPaths: Set<String> = []
}

/// Rewrites a parent's manifests without the files a snapshot removes (Java's
/// `ManifestFilterManager`): a manifest that holds a removed file is written again with that
/// entry DELETED (this snapshot's id, its sequence numbers kept) and its other live entries
/// EXISTING; the DELETED entries of earlier snapshots are left out; untouched manifests are
/// carried as they are.
enum ManifestFilter {
    struct Outcome {
        /// The parent's manifests as this snapshot lists them, in order.
        var manifests: [ManifestFile]
        var removedDataFiles: [DataFile]
        var removedDataFileSpecIDs: [Int32]
        var removedDeleteFiles: [DataFile]
    }

    static func filter(_ parentManifests: [ManifestFile], removals: FileRemovals, base: TableMetadata, io: any FileIO,
                       snapshotID: Int64, tableLocation: String,
                       cache: inout [String: FilteredManifest]) async throws(IcebergError) -> Outcome {
        guard let schema = base.currentSchema else { throw IcebergError(.invalidMetadata("no current schema")) }
        var out = Outcome(manifests: [], removedDataFiles: [], removedDataFileSpecIDs: [], removedDeleteFiles: [])
        var found: Set<String> = []
        for m in parentManifests {
            let filtered: FilteredManifest
            if let cached = cache[m.manifestPath] {
                filtered = cached
            } else {
                filtered = try await filterManifest(m, removals: removals, base: base, schema: schema, io: io,
                                                    snapshotID: snapshotID, tableLocation: tableLocation)
                cache[m.manifestPath] = filtered
            }
            found.formUnion(filtered.foundPaths)
            for f in filtered.removedFiles {
                if f.content == 0 {
                    out.removedDataFiles.append(f)
                    out.removedDataFileSpecIDs.append(filtered.manifest.partitionSpecID)
                } else { out.removedDeleteFiles.append(f) }
            }
            // A manifest of an earlier snapshot left with no live file is dropped (its DELETED
            // entries were that snapshot's news); counts a writer left out keep it.
            let manifest = filtered.manifest
            if !filtered.rewritten, manifest.addedFilesCount == 0, manifest.existingFilesCount == 0, manifest.deletedFilesCount > 0 {
                continue
            }
            out.manifests.append(manifest)
        }
        if let missing = removals.paths.subtracting(found).sorted().first {
            throw IcebergError(.validationFailed("cannot remove \(missing): it is not a live file of the table's current snapshot"))
        }
        return out
    }

    static func filterManifest(_ m: ManifestFile, removals: FileRemovals, base: TableMetadata, schema: IcebergSchema, io: any FileIO,
                               snapshotID: Int64, tableLocation: String) async throws(IcebergError) -> FilteredManifest {
        guard let spec = base.partitionSpecs.first(where: { $0.specID == m.partitionSpecID }) else {
            throw IcebergError(.invalidMetadata("manifest \(m.manifestPath) uses unknown spec \(m.partitionSpecID)"))
        }
        // Nothing in another spec's partitions can be removed by partition alone.
        if removals.paths.isEmpty, removals.rowFilter == nil, !removals.partitions.contains(where: { $0.specID == spec.specID }) {
            return FilteredManifest(manifest: m, rewritten: false)
        }
        // Removal by filter alone: a manifest whose partition summaries rule the filter out holds
        // no file it could remove, so it is carried without being read.
        if removals.paths.isEmpty, let filter = removals.rowFilter, !removals.partitions.contains(where: { $0.specID == spec.specID }),
           let partitionFilter = PartitionFilter(filter, spec: spec, schema: schema), !partitionFilter.mightMatch(summaries: m.partitions) {
            return FilteredManifest(manifest: m, rewritten: false)
        }
        let types = try ManifestCodec.partitionTypes(spec, schema)
        let bytes = try await io.newInputFile(m.manifestPath).read()
        let entries = try ManifestReader.entries(bytes, path: m.manifestPath, manifest: m,
                                                 partitionFieldIDs: spec.fields.map(\.fieldID), partitionTypes: types)
        var kept: [ManifestEntry] = []
        var removed: [ManifestEntry] = []
        var foundPaths: Set<String> = []
        for var e in entries where e.status != .deleted {
            e.dataFile.partition = try PartitionValues.normalized(e.dataFile.partition, types: types, path: e.dataFile.filePath)
            if try shouldRemove(e.dataFile, removals: removals, spec: spec, schema: schema, found: &foundPaths) {
                removed.append(e)
            } else {
                kept.append(e)
            }
        }
        guard !removed.isEmpty else { return FilteredManifest(manifest: m, rewritten: false) }

        var writer = AvroContainerWriter(schema: try ManifestCodec.entrySchema(spec, schema), codec: .deflate, metadata: [
            "schema": schema.jsonText, "schema-id": String(schema.schemaID), "partition-spec": spec.fieldsJSON.text,
            "partition-spec-id": String(spec.specID), "format-version": "2", "content": m.content == 0 ? "data" : "deletes",
        ])
        var minSequence: Int64?
        do {
            for e in kept {
                let entry = ManifestEntry(status: .existing, snapshotID: e.snapshotID, sequenceNumber: e.sequenceNumber,
                                          fileSequenceNumber: e.fileSequenceNumber, dataFile: e.dataFile)
                try writer.append(ManifestCodec.encode(entry, partitionTypes: types))
                if let s = e.sequenceNumber { minSequence = min(minSequence ?? s, s) }
            }
            for e in removed {
                let entry = ManifestEntry(status: .deleted, snapshotID: snapshotID, sequenceNumber: e.sequenceNumber,
                                          fileSequenceNumber: e.fileSequenceNumber, dataFile: e.dataFile)
                try writer.append(ManifestCodec.encode(entry, partitionTypes: types))
                if let s = e.sequenceNumber { minSequence = min(minSequence ?? s, s) }
            }
        } catch {
            throw IcebergError(.invalidMetadata("manifest entry: \(error)"), path: m.manifestPath)
        }
        let written: [UInt8]
        do { written = try writer.finish() } catch { throw IcebergError(.io("\(error)")) }
        let path = tableLocation + "/metadata/\(Identifiers.uuid())-m-filtered.avro"
        try await io.newOutputFile(path).write(written, mode: .createNew)
        let all = kept.map(\.dataFile) + removed.map(\.dataFile)
        // The list's sequence number is set when the list is written (it is this snapshot's).
        let manifest = ManifestFile(manifestPath: path, manifestLength: Int64(written.count), partitionSpecID: spec.specID, content: m.content,
                                    sequenceNumber: 0, minSequenceNumber: minSequence ?? 0, addedSnapshotID: snapshotID,
                                    addedFilesCount: 0, existingFilesCount: Int32(kept.count), deletedFilesCount: Int32(removed.count),
                                    addedRowsCount: 0, existingRowsCount: kept.reduce(0) { $0 + $1.dataFile.recordCount },
                                    deletedRowsCount: removed.reduce(0) { $0 + $1.dataFile.recordCount },
                                    partitions: SnapshotProducer.partitionSummaries(all, types: types))
        return FilteredManifest(manifest: manifest, rewritten: true, removedFiles: removed.map(\.dataFile), foundPaths: foundPaths)
    }

    static func shouldRemove(_ file: DataFile, removals: FileRemovals, spec: PartitionSpec, schema: IcebergSchema,
                             found: inout Set<String>) throws(IcebergError) -> Bool {
        if removals.paths.contains(file.filePath) {
            found.insert(file.filePath)
            return true
        }
        if removals.partitions.contains(SpecPartition(specID: spec.specID, values: file.partition)) { return true }
        guard let filter = removals.rowFilter else { return false }
        guard try FileMetricsEvaluator.mightMatch(filter, file, spec: spec, schema: schema) else { return false }
        if FileMetricsEvaluator.mustMatch(filter, file, spec: spec, schema: schema) { return true }
        // A delete file whose rows may partly match stays: it still applies to the data kept.
        guard file.content == 0 else { return false }
        throw IcebergError(.validationFailed("cannot delete \(file.filePath) by filter \(filter): some of its rows may not match, "
                                             + "so it would have to be rewritten (use a copy-on-write delete or overwrite)"))
    }
}
