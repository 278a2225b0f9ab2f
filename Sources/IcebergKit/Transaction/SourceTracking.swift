/// Exactly-once ingestion: an append names the source it came from (a log object's key) in its
/// snapshot summary, and refuses to commit when the table already holds that source.
///
/// A rerun of an ingestion job then skips what landed before, and two jobs racing on the same
/// source cannot both commit it: the check runs against the newest metadata at every commit
/// attempt. The record lives in the snapshots of `main`'s history and, once ``ExpireSnapshots``
/// removes them, in the table's ``SourceLedger`` (a file named by a table property, written in
/// the expiry's own commit), so a re-delivered object is still skipped after expiry.
extension AppendTransaction {
    /// The snapshot-summary key under which ``recordSource(_:key:)`` stores the source.
    public static let sourceSummaryKey = "lakehouse.source"

    /// Records `source` in the new snapshot's summary under `key`, and fails the commit with
    /// ``IcebergError/Kind/validationFailed(_:)`` if the table already committed it (a snapshot
    /// in its current history, or its ``SourceLedger``, recorded it).
    ///
    /// Keys starting with `lakehouse.source` survive expiry (the ledger keeps them); a source
    /// recorded under another key lasts as long as its snapshot.
    public func recordSource(_ source: String, key: String = AppendTransaction.sourceSummaryKey) {
        setSummaryProperty(key, source)
        let table = identifier
        // Checked on the branch committed to (see ``toBranch(_:)``): staged on an audit branch,
        // an object is refused there again, and not yet ingested on main.
        validateOnBranch { (current: Table, branch: String) async throws(IcebergError) in
            if try await current.hasCommitted(source: source, key: key, onBranch: branch) {
                throw IcebergError(.validationFailed("\(source) is already in \(table)\(branch == "main" ? "" : " (branch \(branch))")"))
            }
        }
    }
}

extension TableMetadata {
    /// `true` when a snapshot in the current history recorded `source` under `key` (see
    /// ``AppendTransaction/recordSource(_:key:)``). Sources of expired snapshots are in the
    /// ``SourceLedger`` instead: ``Table/hasCommitted(source:key:)`` answers for both.
    public func hasCommitted(source: String, key: String = AppendTransaction.sourceSummaryKey) -> Bool {
        currentAncestry.contains { $0.summary[key] == source }
    }

    /// Every source recorded under `key` in the current history (without the ledger's: see
    /// ``Table/committedSources(key:)``).
    public func committedSources(key: String = AppendTransaction.sourceSummaryKey) -> Set<String> {
        Set(currentAncestry.compactMap { $0.summary[key] })
    }
}
