/// Reads what snapshots reference (manifest lists, manifests, data and delete files) for the
/// maintenance actions, a few manifests at a time so that memory holds one manifest's entries
/// plus the sets the caller keeps.
enum ReachableFiles {
    /// The distinct manifests of `snapshots`, by path (a manifest carried by many snapshots once).
    static func manifests(of snapshots: [Snapshot], in metadata: TableMetadata, io: any FileIO) async throws(IcebergError) -> [String: ManifestFile] {
        var out: [String: ManifestFile] = [:]
        for snapshot in snapshots {
            for m in try await SnapshotProducer.manifests(of: snapshot, in: metadata, io: io) where out[m.manifestPath] == nil {
                out[m.manifestPath] = m
            }
        }
        return out
    }

    /// Hands each manifest's entries (every status) to `body`, manifests read eight at a time.
    static func forEachEntries(of manifests: [ManifestFile], in metadata: TableMetadata, io: any FileIO,
                               _ body: (ManifestFile, [ManifestEntry]) throws(IcebergError) -> Void) async throws(IcebergError) {
        try await TableScan.readInOrder(manifests.map(\.manifestPath), io: io) { (index: Int, bytes: [UInt8]) throws(IcebergError) in
            let m = manifests[index]
            guard let spec = metadata.partitionSpecs.first(where: { $0.specID == m.partitionSpecID }) else {
                throw IcebergError(.invalidMetadata("manifest uses unknown spec \(m.partitionSpecID)"), path: m.manifestPath)
            }
            let entries = try ManifestReader.entries(bytes, path: m.manifestPath, manifest: m, partitionFieldIDs: spec.fields.map(\.fieldID))
            try body(m, entries)
        }
    }

    /// The files a table's metadata names besides snapshots: the current metadata file, those of
    /// the metadata log, `version-hint.text`, statistics files and source ledgers.
    static func metadataFiles(of table: Table) -> [String] {
        var out = [table.metadataLocation, table.metadata.location + "/metadata/version-hint.text"]
        out += table.metadata.metadataLog.map(\.file)
        out += statisticsFiles(table.metadata).map(\.path)
        out += SourceLedger.files(of: table.metadata).map(\.location)
        return out
    }

    /// The `statistics` and `partition-statistics` files of `metadata`, with their snapshots.
    static func statisticsFiles(_ metadata: TableMetadata) -> [(snapshotID: Int64?, path: String)] {
        var out: [(snapshotID: Int64?, path: String)] = []
        for entry in metadata.statisticsJSON {
            guard case let .array(items) = entry.value else { continue }
            for item in items {
                if let path = item["statistics-path"]?.stringValue { out.append((item["snapshot-id"]?.intValue, path)) }
            }
        }
        return out
    }
}
