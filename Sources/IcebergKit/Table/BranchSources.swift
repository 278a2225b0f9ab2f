/// The exactly-once ingest ledger answered per branch: an object staged on an audit branch is
/// committed there, and not on `main` until the branch is published.
extension TableMetadata {
    /// `true` when a snapshot in the history of `branch` recorded `source` under `key` (see
    /// ``AppendTransaction/recordSource(_:key:)``). A branch that does not exist yet answers for
    /// the history it would start from, `main`'s (as a commit to it would create it there).
    public func hasCommitted(source: String, key: String = AppendTransaction.sourceSummaryKey, onBranch branch: String) -> Bool {
        history(ofBranch: branch).contains { $0.summary[key] == source }
    }

    /// Every source recorded under `key` in the history of `branch` (without the ledger's).
    public func committedSources(key: String = AppendTransaction.sourceSummaryKey, onBranch branch: String) -> Set<String> {
        Set(history(ofBranch: branch).compactMap { $0.summary[key] })
    }

    private func history(ofBranch branch: String) -> [Snapshot] {
        refs[branch] == nil ? currentAncestry : ancestry(ofRef: branch)
    }
}

extension Table {
    /// `true` when `branch` already committed `source` under `key`: a snapshot of its history
    /// recorded it, or the table's ``SourceLedger`` did (sources of expired snapshots, which
    /// were committed to `main`, so a branch staging from `main` holds them too).
    public func hasCommitted(source: String, key: String = AppendTransaction.sourceSummaryKey,
                             onBranch branch: String) async throws(IcebergError) -> Bool {
        if metadata.hasCommitted(source: source, key: key, onBranch: branch) { return true }
        return try await SourceLedger.load(metadata, io: io)[key]?.contains(source) ?? false
    }
}
