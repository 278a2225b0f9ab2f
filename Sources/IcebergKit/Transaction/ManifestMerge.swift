import LakeColumnar

/// The table properties that govern merging manifests on commit, with Java's defaults
/// (`TableProperties`): `commit.manifest-merge.enabled` (true; pyiceberg's default is false),
/// `commit.manifest.min-count-to-merge` (100) and `commit.manifest.target-size-bytes` (8 MB).
struct ManifestMergePolicy: Sendable, Equatable {
    var enabled: Bool
    var minCountToMerge: Int
    var targetSizeBytes: Int64

    init(properties: [String: String]) {
        enabled = properties["commit.manifest-merge.enabled"].flatMap { Bool($0.lowercased()) } ?? true
        minCountToMerge = properties["commit.manifest.min-count-to-merge"].flatMap { Int($0) } ?? 100
        targetSizeBytes = properties["commit.manifest.target-size-bytes"].flatMap { Int64($0) }.flatMap { $0 > 0 ? $0 : nil } ?? 8 << 20
    }
}

/// A manifest written by merging others, with what its list entry needs on every attempt.
struct MergedManifest: Sendable {
    /// The list entry, its sequence numbers to be set when listed.
    var manifest: ManifestFile
    /// The lowest data sequence number written in an entry (nil when every entry inherits).
    var minExplicitSequenceNumber: Int64?
    /// Whether an entry inherits the snapshot's sequence number (an ADDED entry of this snapshot).
    var inherits: Bool
}

/// Merging a snapshot's manifests as it is committed (Java's `ManifestMergeManager`, used by
/// every `MergingSnapshotProducer`): data and delete manifests apart, by partition spec, the
/// manifests are packed into bins of `commit.manifest.target-size-bytes` from the end of the
/// list (the oldest first, so that the bin left under-filled is the newest and merges next
/// time), and each bin of two or more is written as one manifest. The bin that holds the first
/// manifest (this snapshot's new one) is merged only once it counts
/// `commit.manifest.min-count-to-merge` manifests, so a table appended to hourly lists at most
/// that many manifests and rewrites its small ones once every so many commits.
enum ManifestMerge {
    /// What the new manifest list holds, in order: a manifest of the input as it is, or the
    /// merge of several.
    enum Step: Equatable {
        case keep(Int)
        case merge([Int])
    }

    /// The steps for `manifests` (the snapshot's new manifests first, then the carried ones):
    /// data manifests before delete manifests, specs from the highest id, bins in list order.
    static func plan(_ manifests: [ManifestFile], policy: ManifestMergePolicy) -> [Step] {
        var steps: [Step] = []
        for deletes in [false, true] {
            let indices = manifests.indices.filter { (manifests[$0].content != 0) == deletes }
            guard let first = indices.first else { continue }
            var bySpec: [Int32: [Int]] = [:]
            for i in indices { bySpec[manifests[i].partitionSpecID, default: []].append(i) }
            for specID in bySpec.keys.sorted(by: >) {
                let group = bySpec[specID] ?? []
                for bin in packEnd(group.map { manifests[$0].manifestLength }, target: policy.targetSizeBytes) {
                    let members = bin.map { group[$0] }
                    if members.count == 1 || (members.contains(first) && members.count < policy.minCountToMerge) {
                        steps += members.map(Step.keep)
                    } else {
                        steps.append(.merge(members))
                    }
                }
            }
        }
        return steps
    }

    /// Consecutive items (by index) packed into bins of at most `target` from the end with a
    /// lookback of one (Java's `ListPacker.packEnd`): an item heavier than the target has a bin
    /// of its own; bins and their items come back in list order.
    static func packEnd(_ weights: [Int64], target: Int64) -> [[Int]] {
        var bins: [[Int]] = []
        var current: [Int] = []
        var weight: Int64 = 0
        for i in weights.indices.reversed() {
            if !current.isEmpty, weight + weights[i] > target {
                bins.append(current.reversed())
                current = []
                weight = 0
            }
            current.append(i)
            weight += weights[i]
        }
        if !current.isEmpty { bins.append(current.reversed()) }
        return bins.reversed()
    }

    /// Writes the entries of `bin` (manifests of one content and spec) as one manifest: entries
    /// this snapshot added stay ADDED (their sequence number inherited, or `addedSequenceNumber`
    /// when the producer sets one), entries it deleted stay DELETED, other live entries become
    /// EXISTING with their snapshot id and sequence numbers; the DELETED entries of earlier
    /// snapshots are dropped, as Java drops them.
    static func write(_ bin: [ManifestFile], base: TableMetadata, io: any FileIO, snapshotID: Int64, addedSequenceNumber: Int64?,
                      tableLocation: String) async throws(IcebergError) -> MergedManifest {
        guard let first = bin.first else { throw IcebergError(.invalidMetadata("merging no manifest")) }
        guard let schema = base.currentSchema else { throw IcebergError(.invalidMetadata("no current schema")) }
        guard let spec = base.partitionSpecs.first(where: { $0.specID == first.partitionSpecID }) else {
            throw IcebergError(.invalidMetadata("manifest uses unknown spec \(first.partitionSpecID)"), path: first.manifestPath)
        }
        let types = try ManifestCodec.partitionTypes(spec, schema)
        var entries: [ManifestEntry] = []
        try await TableScan.readInOrder(bin.map(\.manifestPath), io: io) { (index: Int, bytes: [UInt8]) throws(IcebergError) in
            let m = bin[index]
            for var e in try ManifestReader.entries(bytes, path: m.manifestPath, manifest: m, partitionFieldIDs: spec.fields.map(\.fieldID),
                                                     partitionTypes: types) {
                let ours = e.snapshotID == snapshotID
                switch e.status {
                case .deleted:
                    guard ours else { continue }
                case .added where ours:
                    e.sequenceNumber = addedSequenceNumber
                    e.fileSequenceNumber = nil
                default:
                    e.status = .existing
                }
                e.dataFile.partition = try PartitionValues.normalized(e.dataFile.partition, types: types, path: e.dataFile.filePath)
                entries.append(e)
            }
        }
        var writer = AvroContainerWriter(schema: try ManifestCodec.entrySchema(spec, schema), codec: .deflate, metadata: [
            "schema": schema.jsonText, "schema-id": String(schema.schemaID), "partition-spec": spec.fieldsJSON.text,
            "partition-spec-id": String(spec.specID), "format-version": "2", "content": first.content == 0 ? "data" : "deletes",
        ])
        var minSequence: Int64?
        var inherits = false
        var counts: [ManifestEntry.Status: (files: Int32, rows: Int64)] = [:]
        for e in entries {
            if let s = e.sequenceNumber { minSequence = min(minSequence ?? s, s) } else { inherits = true }
            counts[e.status, default: (0, 0)].files += 1
            counts[e.status, default: (0, 0)].rows += e.dataFile.recordCount
            do {
                try writer.append(ManifestCodec.encode(e, partitionTypes: types))
            } catch {
                throw IcebergError(.invalidMetadata("manifest entry for \(e.dataFile.filePath): \(error)"))
            }
        }
        let bytes: [UInt8]
        do { bytes = try writer.finish() } catch { throw IcebergError(.io("\(error)")) }
        let path = tableLocation + "/metadata/\(Identifiers.uuid())-m-merged.avro"
        try await io.newOutputFile(path).write(bytes, mode: .createNew)
        let manifest = ManifestFile(manifestPath: path, manifestLength: Int64(bytes.count), partitionSpecID: spec.specID, content: first.content,
                                    sequenceNumber: 0, minSequenceNumber: minSequence ?? 0, addedSnapshotID: snapshotID,
                                    addedFilesCount: counts[.added]?.files ?? 0, existingFilesCount: counts[.existing]?.files ?? 0,
                                    deletedFilesCount: counts[.deleted]?.files ?? 0, addedRowsCount: counts[.added]?.rows ?? 0,
                                    existingRowsCount: counts[.existing]?.rows ?? 0, deletedRowsCount: counts[.deleted]?.rows ?? 0,
                                    partitions: SnapshotProducer.partitionSummaries(entries.map(\.dataFile), types: types))
        return MergedManifest(manifest: manifest, minExplicitSequenceNumber: minSequence, inherits: inherits)
    }
}
