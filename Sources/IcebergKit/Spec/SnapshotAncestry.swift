/// Walking a table's snapshot history along parent links (Java's `SnapshotUtil`): the history of
/// a branch, whether one snapshot descends from another, and the snapshots between two.
extension TableMetadata {
    /// `snapshotID` and its ancestors still in the table, newest first. A parent that was
    /// expired ends the walk (the history before it is gone).
    public func ancestry(of snapshotID: Int64?) -> [Snapshot] {
        let byID = Dictionary(snapshots.map { ($0.snapshotID, $0) }, uniquingKeysWith: { first, _ in first })
        var out: [Snapshot] = []
        var next = snapshotID
        // Bounded by the snapshot count, so a corrupt parent cycle cannot loop forever.
        while let id = next, let snapshot = byID[id], out.count < byID.count {
            out.append(snapshot)
            next = snapshot.parentSnapshotID
        }
        return out
    }

    /// The snapshot a commit to branch `name` starts from (Java's `SnapshotUtil.latestSnapshot`):
    /// the branch's head, or the current snapshot for a branch that does not exist yet (its first
    /// commit creates it there).
    public func latestSnapshotID(onBranch name: String) -> Int64? {
        refs[name]?.snapshotID ?? currentSnapshotID
    }

    /// The history of branch or tag `ref`, newest first (empty when the ref does not exist).
    public func ancestry(ofRef ref: String) -> [Snapshot] {
        guard let head = refs[ref]?.snapshotID else { return [] }
        return ancestry(of: head)
    }

    /// Whether `ancestorID` is `snapshotID` or one of its ancestors.
    public func isAncestor(_ ancestorID: Int64, of snapshotID: Int64) -> Bool {
        ancestry(of: snapshotID).contains { $0.snapshotID == ancestorID }
    }

    /// The snapshots after `fromExclusive` up to and including `toInclusive` along the history of
    /// `toInclusive`, oldest first (Java's `SnapshotUtil.ancestorsBetween`); `fromExclusive` nil
    /// means from the oldest snapshot still in the table.
    ///
    /// Throws ``IcebergError/Kind/notFound(_:)`` for an unknown snapshot and
    /// ``IcebergError/Kind/validationFailed(_:)`` when `fromExclusive` is not an ancestor of
    /// `toInclusive` (the range would not be a history).
    public func snapshots(after fromExclusive: Int64?, upTo toInclusive: Int64) throws(IcebergError) -> [Snapshot] {
        guard snapshot(id: toInclusive) != nil else { throw IcebergError(.notFound("snapshot \(toInclusive)")) }
        if let fromExclusive, snapshot(id: fromExclusive) == nil { throw IcebergError(.notFound("snapshot \(fromExclusive)")) }
        var range: [Snapshot] = []
        var reached = fromExclusive == nil
        for s in ancestry(of: toInclusive) {
            if s.snapshotID == fromExclusive {
                reached = true
                break
            }
            range.append(s)
        }
        guard reached else {
            throw IcebergError(.validationFailed("snapshot \(fromExclusive.map(String.init) ?? "nil") is not an ancestor of snapshot \(toInclusive)"))
        }
        return range.reversed()
    }
}
