extension Snapshot {
    /// The snapshot as table metadata and the REST catalog's `add-snapshot` write it.
    public var json: AvroJSON {
        var p: [(String, AvroJSON)] = [("snapshot-id", .integer(snapshotID))]
        if let parent = parentSnapshotID { p.append(("parent-snapshot-id", .integer(parent))) }
        p.append(("sequence-number", .integer(sequenceNumber)))
        p.append(("timestamp-ms", .integer(timestampMs)))
        if let list = manifestList { p.append(("manifest-list", .string(list))) }
        if !manifests.isEmpty { p.append(("manifests", .array(manifests.map { .string($0) }))) }
        var summaryJSON: [(String, AvroJSON)] = operation.map { [("operation", .string($0))] } ?? []
        summaryJSON += summary.filter { $0.key != "operation" }.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }
        p.append(("summary", .object(summaryJSON)))
        if let id = schemaID { p.append(("schema-id", .integer(Int64(id)))) }
        return .object(p)
    }
}

extension SnapshotRef {
    /// The ref as table metadata writes it under `refs` (`snapshot-id`, `type`, retention).
    public var json: AvroJSON { .object(jsonFields) }

    /// The ref's fields, which the REST catalog's `set-snapshot-ref` update carries inline.
    public var jsonFields: [(String, AvroJSON)] {
        var r: [(String, AvroJSON)] = [("snapshot-id", .integer(snapshotID)), ("type", .string(isBranch ? "branch" : "tag"))]
        if let v = maxRefAgeMs { r.append(("max-ref-age-ms", .integer(v))) }
        if let v = maxSnapshotAgeMs { r.append(("max-snapshot-age-ms", .integer(v))) }
        if let v = minSnapshotsToKeep { r.append(("min-snapshots-to-keep", .integer(Int64(v)))) }
        return r
    }
}
