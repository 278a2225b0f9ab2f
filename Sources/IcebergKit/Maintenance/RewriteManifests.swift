import LakeColumnar

/// Rewrites the small manifests of the current snapshot into few, partition-clustered ones
/// (Java's `RewriteManifests`), so that planning reads a handful of manifests instead of one per
/// append.
///
/// Manifests are grouped by content (data and delete manifests are never mixed) and partition
/// spec; in each group the manifests smaller than the target (`commit.manifest.target-size-bytes`,
/// default 8 MB, or ``targetSizeBytes(_:)``) are replaced when there are at least two of them (or
/// one that still lists DELETED entries). Their live entries are sorted by partition and written
/// as EXISTING entries keeping their snapshot id and data and file sequence numbers, into
/// `ceil(bytes / target)` manifests of consecutive partitions. The snapshot (operation `replace`)
/// changes no file and carries the parent's totals.
///
/// Concurrent commits: the commit requires `main` to be where it was. After a conflict, the
/// manifests added meanwhile are carried as they are when every replaced manifest is still in
/// the newest snapshot; if one disappeared (another rewrite, or a delete that rewrote it) the
/// written manifests are dropped and the rewrite is planned again on the newest metadata.
///
/// Memory holds the live entries of one group (file metadata, not data) while it is rewritten.
public struct RewriteManifests: Sendable {
    public let table: Table
    private var targetBytes: Int64?

    /// Starts a manifest rewrite of `table`'s current snapshot.
    public init(table: Table) {
        self.table = table
    }

    /// The size a rewritten manifest aims at (default: the table's
    /// `commit.manifest.target-size-bytes`, else 8 MB).
    public func targetSizeBytes(_ bytes: Int64) -> RewriteManifests {
        var copy = self
        copy.targetBytes = max(1, bytes)
        return copy
    }

    /// The manifests one attempt replaced and wrote.
    struct Plan {
        var replaced: Set<String>
        var written: [ManifestFile]
        var entries: Int
        /// Manifests the plan writes (or, planned without writing, would write).
        var creating = 0
    }

    /// What ``commit(attempts:)`` would do now, done to nothing: the manifests it would replace
    /// and how many it would write in their place (their entries are read to count them).
    /// Writes and commits nothing; `bytesAfter` is `bytesBefore`.
    public func dryRun() async throws(IcebergError) -> RewriteManifestsResult {
        let metadata = table.metadata
        let manifests: [ManifestFile]
        if let head = metadata.currentSnapshot {
            manifests = try await SnapshotProducer.manifests(of: head, in: metadata, io: table.io)
        } else {
            manifests = []
        }
        let plan = try await self.plan(manifests, metadata: metadata, io: table.io, snapshotID: 0, writing: false)
        let bytes = manifests.reduce(0) { $0 + $1.manifestLength }
        return RewriteManifestsResult(table: table, manifestsBefore: manifests.count,
                                      manifestsAfter: manifests.count - plan.replaced.count + plan.creating,
                                      bytesBefore: bytes, bytesAfter: bytes, replaced: plan.replaced.count, created: plan.creating)
    }

    /// Rewrites and commits; returns what was done (no snapshot when nothing needed rewriting).
    @discardableResult
    public func commit(attempts: Int = 30) async throws(IcebergError) -> RewriteManifestsResult {
        let snapshotID = Identifiers.snapshotID()
        var plan: Plan?
        var before: [ManifestFile] = []
        var after: [ManifestFile] = []
        var attempt = 0
        let committed: Table
        do throws(IcebergError) {
            committed = try await CommitRetry.run(table, attempts: attempts) { (current) throws(IcebergError) -> Table in
                let metadata = current.metadata
                guard let head = metadata.currentSnapshot else { return current }
                let manifests = try await SnapshotProducer.manifests(of: head, in: metadata, io: current.io)
                let paths = Set(manifests.map(\.manifestPath))
                if let stale = plan, !stale.replaced.isSubset(of: paths) {
                    await current.io.deleteQuietly(stale.written.map(\.manifestPath))
                    plan = nil
                }
                if plan == nil { plan = try await self.plan(manifests, metadata: metadata, io: current.io, snapshotID: snapshotID) }
                before = manifests
                guard let plan, !plan.replaced.isEmpty else { return current }
                attempt += 1
                let sequence = metadata.lastSequenceNumber + 1
                let carried = manifests.filter { !plan.replaced.contains($0.manifestPath) }
                var listed: [ManifestFile] = []
                for var m in plan.written {
                    m.sequenceNumber = sequence
                    listed.append(m)
                }
                listed += carried
                after = listed
                var list = AvroContainerWriter(schema: ManifestCodec.manifestListSchema, codec: .deflate, metadata: [
                    "snapshot-id": String(snapshotID), "parent-snapshot-id": String(head.snapshotID),
                    "sequence-number": String(sequence), "format-version": "2",
                ])
                do {
                    for m in listed { try list.append(ManifestCodec.encode(m)) }
                } catch {
                    throw IcebergError(.invalidMetadata("manifest list: \(error)"))
                }
                let bytes: [UInt8]
                do { bytes = try list.finish() } catch { throw IcebergError(.io("\(error)")) }
                let listPath = metadata.location + "/metadata/snap-\(snapshotID)-\(attempt)-\(Identifiers.uuid()).avro"
                try await current.io.newOutputFile(listPath).write(bytes, mode: .createNew)
                var summary: [String: String] = ["operation": "replace",
                                                 "manifests-created": String(plan.written.count),
                                                 "manifests-replaced": String(plan.replaced.count),
                                                 "manifests-kept": String(carried.count),
                                                 "entries-processed": String(plan.entries)]
                for (key, value) in head.summary where key.hasPrefix("total-") { summary[key] = value }
                let snapshot = Snapshot(snapshotID: snapshotID, parentSnapshotID: head.snapshotID, sequenceNumber: sequence,
                                        timestampMs: max(currentTimeMs(), metadata.lastUpdatedMs), manifestList: listPath,
                                        summary: summary, schemaID: metadata.currentSchemaID)
                var ref = metadata.refs["main"] ?? SnapshotRef(snapshotID: snapshotID)
                ref.snapshotID = snapshotID
                do throws(IcebergError) {
                    return try await current.commit(requirements: [.assertTableUUID(metadata.tableUUID),
                                                                   .assertRefSnapshotID(ref: "main", snapshotID: head.snapshotID)],
                                                    updates: [.addSnapshot(snapshot), .setSnapshotRef(name: "main", ref: ref)])
                } catch {
                    if case .commitStateUnknown = error.kind { throw error }
                    await current.io.deleteQuietly([listPath])
                    throw error
                }
            }
        } catch {
            if case .commitStateUnknown = error.kind { throw error }
            if let plan { await table.io.deleteQuietly(plan.written.map(\.manifestPath)) }
            throw error
        }
        guard committed.metadata.currentSnapshotID == snapshotID, let plan else {
            let bytes = before.reduce(0) { $0 + $1.manifestLength }
            return RewriteManifestsResult(table: committed, manifestsBefore: before.count, manifestsAfter: before.count, bytesBefore: bytes,
                                          bytesAfter: bytes, replaced: 0, created: 0)
        }
        return RewriteManifestsResult(table: committed, manifestsBefore: before.count, manifestsAfter: after.count,
                                      bytesBefore: before.reduce(0) { $0 + $1.manifestLength },
                                      bytesAfter: after.reduce(0) { $0 + $1.manifestLength },
                                      replaced: plan.replaced.count, created: plan.written.count)
    }

    /// Chooses the manifests to replace and writes their replacements.
    func plan(_ manifests: [ManifestFile], metadata: TableMetadata, io: any FileIO, snapshotID: Int64,
              writing: Bool = true) async throws(IcebergError) -> Plan {
        let target = targetBytes ?? Int64(metadata.properties["commit.manifest.target-size-bytes"] ?? "").flatMap { $0 > 0 ? $0 : nil } ?? 8 << 20
        guard let schema = metadata.currentSchema else { throw IcebergError(.invalidMetadata("no current schema")) }
        var groups: [String: [ManifestFile]] = [:]
        for m in manifests where m.manifestLength < target {
            groups["\(m.content)/\(m.partitionSpecID)", default: []].append(m)
        }
        var result = Plan(replaced: [], written: [], entries: 0)
        for key in groups.keys.sorted() {
            guard let group = groups[key], let first = group.first else { continue }
            guard group.count > 1 || first.deletedFilesCount > 0 else { continue }
            guard let spec = metadata.partitionSpecs.first(where: { $0.specID == first.partitionSpecID }) else {
                throw IcebergError(.invalidMetadata("manifest uses unknown spec \(first.partitionSpecID)"), path: first.manifestPath)
            }
            let types = try ManifestCodec.partitionTypes(spec, schema)
            var live: [ManifestEntry] = []
            try await TableScan.readInOrder(group.map(\.manifestPath), io: io) { (index: Int, bytes: [UInt8]) throws(IcebergError) in
                let m = group[index]
                for var e in try ManifestReader.entries(bytes, path: m.manifestPath, manifest: m, partitionFieldIDs: spec.fields.map(\.fieldID),
                                                         partitionTypes: types) where e.status != .deleted {
                    e.dataFile.partition = try PartitionValues.normalized(e.dataFile.partition, types: types, path: e.dataFile.filePath)
                    live.append(e)
                }
            }
            live.sort { Self.partitionOrder($0.dataFile.partition, $1.dataFile.partition) < 0 }
            let bytes = group.reduce(0) { $0 + $1.manifestLength }
            let count = live.isEmpty ? 0 : Int(min(Int64(live.count), max(1, (bytes + target - 1) / target)))
            result.creating += count
            for chunk in 0..<count where writing {
                let slice = Array(live[(live.count * chunk / count)..<(live.count * (chunk + 1) / count)])
                result.written.append(try await Self.write(slice, spec: spec, schema: schema, types: types, content: first.content,
                                                           snapshotID: snapshotID, location: metadata.location, io: io))
            }
            result.entries += live.count
            result.replaced.formUnion(group.map(\.manifestPath))
        }
        return result
    }

    /// -1, 0 or 1 ordering two partition tuples field by field, nulls first.
    static func partitionOrder(_ a: [Scalar?], _ b: [Scalar?]) -> Int {
        for (x, y) in zip(a, b) {
            switch (x, y) {
            case (nil, nil): continue
            case (nil, _): return -1
            case (_, nil): return 1
            case let (x?, y?):
                let c = ScalarOrder.compare(x, y) ?? 0
                if c != 0 { return c }
            }
        }
        return 0
    }

    /// Writes `entries` as EXISTING entries of a new manifest (their snapshot ids and sequence
    /// numbers as they were).
    static func write(_ entries: [ManifestEntry], spec: PartitionSpec, schema: IcebergSchema, types: [IcebergType], content: Int32,
                      snapshotID: Int64, location: String, io: any FileIO) async throws(IcebergError) -> ManifestFile {
        var writer = AvroContainerWriter(schema: try ManifestCodec.entrySchema(spec, schema), codec: .deflate, metadata: [
            "schema": schema.jsonText, "schema-id": String(schema.schemaID), "partition-spec": spec.fieldsJSON.text,
            "partition-spec-id": String(spec.specID), "format-version": "2", "content": content == 0 ? "data" : "deletes",
        ])
        var minSequence = Int64.max
        for e in entries {
            let existing = ManifestEntry(status: .existing, snapshotID: e.snapshotID, sequenceNumber: e.sequenceNumber,
                                         fileSequenceNumber: e.fileSequenceNumber, dataFile: e.dataFile)
            minSequence = min(minSequence, e.sequenceNumber ?? 0)
            do {
                try writer.append(ManifestCodec.encode(existing, partitionTypes: types))
            } catch {
                throw IcebergError(.invalidMetadata("manifest entry for \(e.dataFile.filePath): \(error)"))
            }
        }
        let bytes: [UInt8]
        do { bytes = try writer.finish() } catch { throw IcebergError(.io("\(error)")) }
        let path = location + "/metadata/\(Identifiers.uuid())-r.avro"
        try await io.newOutputFile(path).write(bytes, mode: .createNew)
        let files = entries.map(\.dataFile)
        return ManifestFile(manifestPath: path, manifestLength: Int64(bytes.count), partitionSpecID: spec.specID, content: content,
                            sequenceNumber: 0, minSequenceNumber: minSequence == .max ? 0 : minSequence, addedSnapshotID: snapshotID,
                            addedFilesCount: 0, existingFilesCount: Int32(entries.count), deletedFilesCount: 0,
                            addedRowsCount: 0, existingRowsCount: files.reduce(0) { $0 + $1.recordCount }, deletedRowsCount: 0,
                            partitions: SnapshotProducer.partitionSummaries(files, types: types))
    }
}

/// What ``RewriteManifests`` did.
public struct RewriteManifestsResult: Sendable {
    /// The table as committed (unchanged when nothing needed rewriting).
    public var table: Table
    /// Manifests of the current snapshot before the rewrite.
    public var manifestsBefore: Int
    /// Manifests of the current snapshot after it.
    public var manifestsAfter: Int
    /// Bytes of those manifests before.
    public var bytesBefore: Int64
    /// Bytes of those manifests after.
    public var bytesAfter: Int64
    /// Manifests replaced.
    public var replaced: Int
    /// Manifests written.
    public var created: Int
}

extension Table {
    /// Starts a manifest rewrite (see ``RewriteManifests``).
    public func rewriteManifests() -> RewriteManifests { RewriteManifests(table: self) }
}
