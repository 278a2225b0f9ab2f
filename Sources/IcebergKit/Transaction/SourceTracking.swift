/// Exactly-once ingestion: an append names the source it came from (a log object's key) in its
/// snapshot summary, and refuses to commit when the table's history already holds that source.
///
/// A rerun of an ingestion job then skips what landed before, and two jobs racing on the same
/// source cannot both commit it: the check runs against the newest metadata at every commit
/// attempt. The record lives in the snapshots, so it lasts as long as they do (an expired
/// snapshot forgets its sources, as Java's Flink sink forgets old checkpoint ids).
extension AppendTransaction {
    /// The snapshot-summary key under which ``recordSource(_:key:)`` stores the source.
    public static let sourceSummaryKey = "lakehouse.source"

    /// Records `source` in the new snapshot's summary under `key`, and fails the commit with
    /// ``IcebergError/Kind/validationFailed(_:)`` if a snapshot in the table's current history
    /// already recorded it.
    public func recordSource(_ source: String, key: String = AppendTransaction.sourceSummaryKey) {
        setSummaryProperty(key, source)
        let table = identifier
        validate { (metadata: TableMetadata) throws(IcebergError) in
            if metadata.hasCommitted(source: source, key: key) {
                throw IcebergError(.validationFailed("\(source) is already in \(table)"))
            }
        }
    }
}

extension TableMetadata {
    /// `true` when a snapshot in the current history recorded `source` under `key` (see
    /// ``AppendTransaction/recordSource(_:key:)``).
    public func hasCommitted(source: String, key: String = AppendTransaction.sourceSummaryKey) -> Bool {
        currentAncestry.contains { $0.summary[key] == source }
    }

    /// Every source recorded under `key` in the current history.
    public func committedSources(key: String = AppendTransaction.sourceSummaryKey) -> Set<String> {
        Set(currentAncestry.compactMap { $0.summary[key] })
    }
}
