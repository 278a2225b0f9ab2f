import LakeColumnar

/// Builds a new snapshot: the manifests of the files it adds are written once; on every commit
/// attempt the manifest list is written again on the newest base (its manifests first, then the
/// parent's), with the summary's totals carried from the parent.
///
/// The snapshot id stays the same across attempts, as Java's `SnapshotProducer` keeps it, so the
/// manifests (whose added entries carry it and inherit their sequence number) are reused.
struct SnapshotProducer: Sendable {
    let io: any FileIO
    let tableLocation: String
    let operation: String
    let snapshotID = Identifiers.snapshotID()
    var summaryProperties: [String: String] = [:]
    private(set) var manifests: [ManifestFile] = []
    private(set) var addedDataFiles: [DataFile] = []
    private(set) var addedDeleteFiles: [DataFile] = []
    /// What this snapshot removes from its parent (nothing for an append).
    var removals = FileRemovals()
    /// The data sequence number of the files added, when it is not this snapshot's (a rewrite
    /// keeps its files' old one so that newer equality deletes still apply to them).
    var addedDataSequenceNumber: Int64?
    /// The files the last attempt removed from its base.
    private(set) var removedDataFiles: [DataFile] = []
    private(set) var removedDeleteFiles: [DataFile] = []
    /// The partition spec of each of ``removedDataFiles``.
    private(set) var removedDataFileSpecIDs: [Int32] = []
    /// The parent's manifests filtered so far, by path: a retry reuses them.
    private var filteredManifests: [String: FilteredManifest] = [:]
    /// The manifests the last attempt listed (to tell rewrites still in use from stale ones).
    private var listedManifests: Set<String> = []
    /// Manifests merged on commit (``ManifestMerge``), by the paths they merge: a retry whose
    /// bin is the same reuses the merge.
    private var mergedManifests: [String: MergedManifest] = [:]
    private var attempt = 0

    init(io: any FileIO, tableLocation: String, operation: String) {
        self.io = io
        self.tableLocation = tableLocation
        self.operation = operation
    }

    /// Every file this producer wrote (manifests; the caller owns data files).
    var writtenFiles: [String] {
        manifests.map(\.manifestPath) + filteredManifests.values.filter(\.rewritten).map(\.manifest.manifestPath)
            + mergedManifests.values.map(\.manifest.manifestPath)
    }

    /// Manifests this producer wrote that the last attempt does not list: rewrites and merges
    /// for attempts whose base the committed one replaced, and new manifests merged into
    /// another. Nothing lists them once that attempt is committed.
    var unusedRewrittenManifests: [String] {
        writtenFiles.filter { !listedManifests.contains($0) }
    }

    /// Writes a manifest of `files` (all data, or all deletes) under `spec`.
    mutating func addManifest(of files: [DataFile], spec: PartitionSpec, schema: IcebergSchema) async throws(IcebergError) {
        guard let first = files.first else { return }
        let deletes = first.content != 0
        guard files.allSatisfy({ ($0.content != 0) == deletes }) else {
            throw IcebergError(.invalidMetadata("a manifest holds data files or delete files, not both"))
        }
        let partitionTypes = try ManifestCodec.partitionTypes(spec, schema)
        var files = files
        for i in files.indices {
            guard files[i].partition.count == partitionTypes.count else {
                throw IcebergError(.validationFailed("\(files[i].filePath) has \(files[i].partition.count) partition values for spec \(spec.specID)'s \(partitionTypes.count)"))
            }
            // Written at the partition types (a value that fits none is an error, never a null).
            do throws(IcebergError) {
                files[i].partition = try PartitionValues.normalized(files[i].partition, types: partitionTypes, path: files[i].filePath)
            } catch {
                throw IcebergError(.validationFailed("\(error)"))
            }
        }
        var writer = AvroContainerWriter(schema: try ManifestCodec.entrySchema(spec, schema), codec: .deflate, metadata: [
            "schema": schema.jsonText, "schema-id": String(schema.schemaID), "partition-spec": spec.fieldsJSON.text,
            "partition-spec-id": String(spec.specID), "format-version": "2", "content": deletes ? "deletes" : "data",
        ])
        for f in files {
            do {
                try writer.append(ManifestCodec.encode(ManifestEntry(status: .added, snapshotID: snapshotID, sequenceNumber: addedDataSequenceNumber,
                                                                     fileSequenceNumber: nil, dataFile: f), partitionTypes: partitionTypes))
            } catch {
                throw IcebergError(.invalidMetadata("manifest entry for \(f.filePath): \(error)"))
            }
        }
        let bytes: [UInt8]
        do { bytes = try writer.finish() } catch { throw IcebergError(.io("\(error)")) }
        let path = tableLocation + "/metadata/\(Identifiers.uuid())-m\(manifests.count).avro"
        try await io.newOutputFile(path).write(bytes, mode: .createNew)
        let rows = files.reduce(0) { $0 + $1.recordCount }
        manifests.append(ManifestFile(manifestPath: path, manifestLength: Int64(bytes.count), partitionSpecID: spec.specID,
                                      content: deletes ? 1 : 0, sequenceNumber: 0, minSequenceNumber: 0, addedSnapshotID: snapshotID,
                                      addedFilesCount: Int32(files.count), existingFilesCount: 0, deletedFilesCount: 0,
                                      addedRowsCount: rows, existingRowsCount: 0, deletedRowsCount: 0,
                                      partitions: Self.partitionSummaries(files, types: partitionTypes)))
        if deletes { addedDeleteFiles += files } else { addedDataFiles += files }
    }

    /// Per partition field: whether a file has null, and the lowest and highest value.
    static func partitionSummaries(_ files: [DataFile], types: [IcebergType]) -> [ManifestFile.FieldSummary] {
        types.enumerated().map { i, t in
            var lo: Scalar?, hi: Scalar?
            var containsNull = false, containsNaN = false
            for f in files {
                guard let v = f.partition[i] else { containsNull = true; continue }
                if case let .float32(x) = v, x.isNaN { containsNaN = true; continue }
                if case let .float64(x) = v, x.isNaN { containsNaN = true; continue }
                if let l = lo, (ScalarOrder.compare(v, l) ?? 0) >= 0 {} else { lo = v }
                if let h = hi, (ScalarOrder.compare(v, h) ?? 0) <= 0 {} else { hi = v }
            }
            let floating: Bool
            switch t { case .float, .double: floating = true; default: floating = false }
            return ManifestFile.FieldSummary(containsNull: containsNull, containsNaN: floating ? containsNaN : false,
                                             lowerBound: lo.flatMap { SingleValue.serialize($0, type: t) },
                                             upperBound: hi.flatMap { SingleValue.serialize($0, type: t) })
        }
    }

    /// Writes the manifest list of this snapshot on `base` and returns the snapshot, the commit
    /// (requirements and updates) and the list's location (to delete if the commit fails).
    mutating func prepareCommit(base: TableMetadata, branch: String = "main",
                                nowMs: Int64) async throws(IcebergError) -> (requirements: [TableRequirement], updates: [TableUpdate], list: String) {
        guard base.formatVersion == 2 else {
            throw IcebergError(.unsupported("writing snapshots to a format v\(base.formatVersion) table (this version writes v2; "
                                            + "a v1 table can be upgraded with TableUpdate.upgradeFormatVersion(2))"))
        }
        if let ref = base.refs[branch], !ref.isBranch {
            throw IcebergError(.validationFailed("'\(branch)' is a tag, not a branch: snapshots are committed to branches"))
        }
        attempt += 1
        // A branch that does not exist yet starts at the current snapshot (Java's
        // `SnapshotUtil.latestSnapshot`), and the commit requires that it still does not exist.
        let branchHead = base.refs[branch]?.snapshotID
        let parentID = branchHead ?? base.currentSnapshotID
        let parent = parentID.flatMap { base.snapshot(id: $0) }
        let sequence = base.lastSequenceNumber + 1
        var previous: [AvroValue] = []
        // The same, decoded, when manifests may be merged.
        var previousFiles: [ManifestFile] = []
        let policy = ManifestMergePolicy(properties: base.properties)
        var rewrittenInList: Set<String> = []
        removedDataFiles = []
        removedDeleteFiles = []
        removedDataFileSpecIDs = []
        if let parent, !removals.isEmpty {
            let parentManifests = try await Self.manifests(of: parent, in: base, io: io)
            let outcome = try await ManifestFilter.filter(parentManifests, removals: removals, base: base, io: io, snapshotID: snapshotID,
                                                          tableLocation: tableLocation, cache: &filteredManifests)
            removedDataFiles = outcome.removedDataFiles
            removedDataFileSpecIDs = outcome.removedDataFileSpecIDs
            removedDeleteFiles = outcome.removedDeleteFiles
            for var m in outcome.manifests {
                if m.addedSnapshotID == snapshotID {
                    // Rewritten by this snapshot: listed at its sequence number.
                    m.sequenceNumber = sequence
                    rewrittenInList.insert(m.manifestPath)
                }
                previous.append(ManifestCodec.encode(m))
                previousFiles.append(m)
            }
        } else if let parent {
            if policy.enabled {
                (previous, previousFiles) = try await Self.carriedManifestFiles(of: parent, in: base, io: io)
            } else {
                previous = try await Self.carriedManifests(of: parent, in: base, io: io)
            }
        } else if let missing = removals.paths.sorted().first {
            throw IcebergError(.validationFailed("cannot remove \(missing): the table has no snapshot"))
        }
        let added = manifests.map { m -> ManifestFile in
            var m = m
            m.sequenceNumber = sequence
            m.minSequenceNumber = addedDataSequenceNumber ?? sequence
            return m
        }
        listedManifests = rewrittenInList.union(added.map(\.manifestPath))
        var listed = added.map(ManifestCodec.encode) + previous
        if policy.enabled {
            let all = added + previousFiles
            let steps = ManifestMerge.plan(all, policy: policy)
            if steps.contains(where: { if case .merge = $0 { true } else { false } }) {
                listed = []
                listedManifests = []
                for step in steps {
                    switch step {
                    case let .keep(i):
                        listed.append(i < added.count ? ManifestCodec.encode(added[i]) : previous[i - added.count])
                        listedManifests.insert(all[i].manifestPath)
                    case let .merge(bin):
                        let key = bin.map { all[$0].manifestPath }.joined(separator: "\n")
                        let merged: MergedManifest
                        if let cached = mergedManifests[key] {
                            merged = cached
                        } else {
                            merged = try await ManifestMerge.write(bin.map { all[$0] }, base: base, io: io, snapshotID: snapshotID,
                                                                   addedSequenceNumber: addedDataSequenceNumber, tableLocation: tableLocation)
                            mergedManifests[key] = merged
                        }
                        var m = merged.manifest
                        m.sequenceNumber = sequence
                        let lowest = [merged.minExplicitSequenceNumber, merged.inherits ? sequence : nil].compactMap { $0 }.min()
                        m.minSequenceNumber = lowest ?? sequence
                        listed.append(ManifestCodec.encode(m))
                        listedManifests.insert(m.manifestPath)
                    }
                }
            }
        }
        var list = AvroContainerWriter(schema: ManifestCodec.manifestListSchema, codec: .deflate, metadata: [
            "snapshot-id": String(snapshotID), "parent-snapshot-id": parentID.map(String.init) ?? "null",
            "sequence-number": String(sequence), "format-version": "2",
        ])
        do {
            for m in listed { try list.append(m) }
        } catch {
            throw IcebergError(.invalidMetadata("manifest list: \(error)"))
        }
        let bytes: [UInt8]
        do { bytes = try list.finish() } catch { throw IcebergError(.io("\(error)")) }
        let listPath = tableLocation + "/metadata/snap-\(snapshotID)-\(attempt)-\(Identifiers.uuid()).avro"
        try await io.newOutputFile(listPath).write(bytes, mode: .createNew)
        RecentManifestLists.remember(listPath, bytes, table: base.tableUUID)

        let snapshot = Snapshot(snapshotID: snapshotID, parentSnapshotID: parentID, sequenceNumber: sequence, timestampMs: max(nowMs, base.lastUpdatedMs),
                                manifestList: listPath, summary: summary(parent: parent?.summary), schemaID: base.currentSchemaID)
        let requirements: [TableRequirement] = [.assertTableUUID(base.tableUUID), .assertRefSnapshotID(ref: branch, snapshotID: branchHead)]
        // The branch keeps its retention settings as it moves (Java's `SnapshotRef.builderFrom`).
        var ref = base.refs[branch] ?? SnapshotRef(snapshotID: snapshotID)
        ref.snapshotID = snapshotID
        return (requirements, [.addSnapshot(snapshot), .setSnapshotRef(name: branch, ref: ref)], listPath)
    }

    /// One commit attempt on `table` as it is now: the manifest list written on its metadata,
    /// then the catalog commit; a list that never became current is deleted (unless the
    /// outcome is unknown, when it may have).
    mutating func commit(on table: Table, branch: String = "main") async throws(IcebergError) -> Table {
        let (requirements, updates, list) = try await prepareCommit(base: table.metadata, branch: branch, nowMs: currentTimeMs())
        do throws(IcebergError) {
            return try await table.commit(requirements: requirements, updates: updates)
        } catch {
            if case .commitStateUnknown = error.kind { throw error }
            await table.io.deleteQuietly([list])
            throw error
        }
    }

    /// The snapshot summary: this snapshot's additions and the table's totals (carried from the
    /// parent's summary; a total the parent lacks is left out, as Java leaves it out).
    func summary(parent: [String: String]?) -> [String: String] {
        let positionDeletes = addedDeleteFiles.filter { $0.content == 1 }
        let equalityDeletes = addedDeleteFiles.filter { $0.content == 2 }
        let added: [String: Int64] = [
            "records": addedDataFiles.reduce(0) { $0 + $1.recordCount },
            "data-files": Int64(addedDataFiles.count),
            "delete-files": Int64(addedDeleteFiles.count),
            "position-deletes": positionDeletes.reduce(0) { $0 + $1.recordCount },
            "equality-deletes": equalityDeletes.reduce(0) { $0 + $1.recordCount },
            "files-size": (addedDataFiles + addedDeleteFiles).reduce(0) { $0 + $1.fileSizeInBytes },
        ]
        var s = summaryProperties
        s["operation"] = operation
        if !addedDataFiles.isEmpty {
            s["added-data-files"] = String(addedDataFiles.count)
            s["added-records"] = String(added["records"] ?? 0)
        }
        if !addedDeleteFiles.isEmpty {
            s["added-delete-files"] = String(addedDeleteFiles.count)
            if !positionDeletes.isEmpty {
                s["added-position-delete-files"] = String(positionDeletes.count)
                s["added-position-deletes"] = String(added["position-deletes"] ?? 0)
            }
            if !equalityDeletes.isEmpty {
                s["added-equality-delete-files"] = String(equalityDeletes.count)
                s["added-equality-deletes"] = String(added["equality-deletes"] ?? 0)
            }
        }
        s["added-files-size"] = String(added["files-size"] ?? 0)
        let removedPositions = removedDeleteFiles.filter { $0.content == 1 }
        let removedEqualities = removedDeleteFiles.filter { $0.content == 2 }
        let removed: [String: Int64] = [
            "records": removedDataFiles.reduce(0) { $0 + $1.recordCount },
            "data-files": Int64(removedDataFiles.count),
            "delete-files": Int64(removedDeleteFiles.count),
            "position-deletes": removedPositions.reduce(0) { $0 + $1.recordCount },
            "equality-deletes": removedEqualities.reduce(0) { $0 + $1.recordCount },
            "files-size": (removedDataFiles + removedDeleteFiles).reduce(0) { $0 + $1.fileSizeInBytes },
        ]
        if !removedDataFiles.isEmpty {
            s["deleted-data-files"] = String(removedDataFiles.count)
            s["deleted-records"] = String(removed["records"] ?? 0)
        }
        if !removedDeleteFiles.isEmpty {
            s["removed-delete-files"] = String(removedDeleteFiles.count)
            if !removedPositions.isEmpty {
                s["removed-position-delete-files"] = String(removedPositions.count)
                s["removed-position-deletes"] = String(removed["position-deletes"] ?? 0)
            }
            if !removedEqualities.isEmpty {
                s["removed-equality-delete-files"] = String(removedEqualities.count)
                s["removed-equality-deletes"] = String(removed["equality-deletes"] ?? 0)
            }
        }
        if (removed["files-size"] ?? 0) > 0 { s["removed-files-size"] = String(removed["files-size"] ?? 0) }
        s["changed-partition-count"] = String(Set((addedDataFiles + addedDeleteFiles + removedDataFiles + removedDeleteFiles).map(\.partition)).count)
        for key in ["records", "files-size", "data-files", "delete-files", "position-deletes", "equality-deletes"] {
            let name = "total-" + key
            if let parent {
                guard let text = parent[name], let previous = Int64(text) else { continue }
                s[name] = String(max(0, previous + (added[key] ?? 0) - (removed[key] ?? 0)))
            } else {
                s[name] = String(added[key] ?? 0)
            }
        }
        return s
    }

    /// The parent's manifest list entries as records of our manifest-list schema: copied as they
    /// are when the parent's list was written with that schema (the common case, and the cost of
    /// every commit), else decoded by field id and re-encoded (other writers' lists).
    static func carriedManifests(of snapshot: Snapshot, in metadata: TableMetadata, io: any FileIO) async throws(IcebergError) -> [AvroValue] {
        if let list = snapshot.manifestList {
            let bytes = try await RecentManifestLists.read(list, table: metadata.tableUUID, io: io)
            do {
                let reader = try AvroContainerReader(bytes: bytes, path: list)
                if reader.schema == ManifestCodec.manifestListSchema { return try reader.records().filter(hasLiveFiles) }
            } catch {
                throw IcebergError(.invalidMetadata("\(error)"), path: list)
            }
            return try ManifestReader.manifestList(bytes, path: list).map(ManifestCodec.encode)
        }
        return try await manifests(of: snapshot, in: metadata, io: io).map(ManifestCodec.encode)
    }

    /// ``carriedManifests(of:in:io:)`` with each record decoded too (to plan merges), the list
    /// read once.
    static func carriedManifestFiles(of snapshot: Snapshot, in metadata: TableMetadata,
                                     io: any FileIO) async throws(IcebergError) -> (records: [AvroValue], files: [ManifestFile]) {
        guard let list = snapshot.manifestList else {
            let files = try await manifests(of: snapshot, in: metadata, io: io)
            return (files.map(ManifestCodec.encode), files)
        }
        let bytes = try await RecentManifestLists.read(list, table: metadata.tableUUID, io: io)
        let (schema, records) = try ManifestReader.open(bytes, path: list)
        if schema == ManifestCodec.manifestListSchema {
            let live = records.filter(hasLiveFiles)
            return (live, try ManifestReader.manifestList(schema: schema, records: live, path: list))
        }
        let files = try ManifestReader.manifestList(schema: schema, records: records, path: list)
        return (files.map(ManifestCodec.encode), files)
    }

    /// Whether a manifest-list record (of our schema) may list a live file: one with only the
    /// DELETED entries of an earlier snapshot is not carried on, as Java drops it.
    static func hasLiveFiles(_ record: AvroValue) -> Bool {
        guard case let .record(fields) = record, fields.count > 9, case let .int(added) = fields[7], case let .int(existing) = fields[8],
              case let .int(deleted) = fields[9] else { return true }
        return added > 0 || existing > 0 || deleted == 0
    }

    /// The manifests of `snapshot`: from its manifest list, or listed inline (v1).
    static func manifests(of snapshot: Snapshot, in metadata: TableMetadata, io: any FileIO) async throws(IcebergError) -> [ManifestFile] {
        if let list = snapshot.manifestList {
            return try ManifestReader.manifestList(try await io.newInputFile(list).read(), path: list)
        }
        // v1 snapshots listing manifests inline: their entries carry sequence number 0.
        var out: [ManifestFile] = []
        for path in snapshot.manifests {
            let length = try await io.newInputFile(path).length()
            out.append(ManifestFile(manifestPath: path, manifestLength: length, partitionSpecID: metadata.defaultSpecID,
                                    sequenceNumber: 0, minSequenceNumber: 0, addedSnapshotID: snapshot.snapshotID,
                                    addedFilesCount: 0, existingFilesCount: 0, deletedFilesCount: 0, addedRowsCount: 0,
                                    existingRowsCount: 0, deletedRowsCount: 0, partitions: []))
        }
        return out
    }
}

/// Runs a commit until it lands: on ``IcebergError/Kind/commitConflict(_:)`` the table is
/// reloaded and `attempt` runs again on the newest metadata (so every condition is re-validated
/// there), with jittered exponential backoff so that contending writers spread out.
enum CommitRetry {
    static func run(_ table: Table, attempts: Int,
                    _ attempt: (Table) async throws(IcebergError) -> Table) async throws(IcebergError) -> Table {
        var current = table
        var lastError: IcebergError?
        for n in 0..<max(1, attempts) {
            if n > 0 {
                // 10 ms · 2^(n−1), capped at 2 s, full jitter.
                let ceiling = min(10_000_000 * (1 << min(n - 1, 8)), 2_000_000_000)
                do {
                    try await Task.sleep(nanoseconds: UInt64(Int.random(in: 0...ceiling)))
                } catch {
                    throw IcebergError(.cancelled)
                }
                current = try await current.refresh()
            }
            do throws(IcebergError) {
                return try await attempt(current)
            } catch {
                guard case .commitConflict = error.kind else { throw error }
                lastError = error
            }
        }
        throw lastError ?? IcebergError(.commitConflict("commit to \(table.identifier) failed"))
    }
}
