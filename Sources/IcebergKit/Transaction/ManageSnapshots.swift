/// Creates, moves, renames and removes branches and tags, and sets their retention, as one
/// commit (Java's `ManageSnapshots` / `UpdateSnapshotReferencesOperation`).
///
/// Operations are recorded, then applied in order by ``commit(attempts:)`` to the table's
/// metadata: every ref they touch is committed as a `set-snapshot-ref` or `remove-snapshot-ref`
/// update, with an `assert-ref-snapshot-id` requirement holding each touched ref (and the ref a
/// branch is moved to) where this commit found it. When another writer moved one of them first,
/// the operations are applied again to the newest metadata and re-validated there (a
/// fast-forward whose target no longer descends from the branch then fails). An illegal
/// operation throws ``IcebergError/Kind/validationFailed(_:)`` (or
/// ``IcebergError/Kind/notFound(_:)`` for a missing ref or snapshot) and commits nothing.
///
/// ```swift
/// // Write-audit-publish: stage on a branch, check it, publish by fast-forwarding main.
/// let staged = try await table.newAppend().toBranch("audit") … .commit()
/// guard try await audit(staged.scan(ref: "audit")) else { … }
/// try await staged.manageSnapshots().fastForwardBranch("main", to: "audit").commit()
/// ```
public final class ManageSnapshots {
    /// The table as it was when the operations started (or as the last attempt committed it).
    public private(set) var table: Table
    private var operations: [Operation] = []
    private var done = false

    enum Operation: Sendable {
        case createBranch(String, Int64?)
        case createTag(String, Int64?)
        case replaceBranch(String, Int64)
        case replaceTag(String, Int64)
        case replaceBranchWithRef(String, to: String, fastForward: Bool)
        case renameBranch(String, to: String)
        case removeBranch(String)
        case removeTag(String)
        case minSnapshotsToKeep(String, Int32?)
        case maxSnapshotAgeMs(String, Int64?)
        case maxRefAgeMs(String, Int64?)
    }

    init(table: Table) {
        self.table = table
    }

    /// Creates branch `name` at `snapshotID` (the table's current snapshot when nil, as it is
    /// now). Fails if a branch or tag of that name exists.
    @discardableResult
    public func createBranch(_ name: String, snapshotID: Int64? = nil) -> ManageSnapshots {
        operations.append(.createBranch(name, snapshotID ?? table.metadata.currentSnapshotID))
        return self
    }

    /// Creates tag `name` at `snapshotID` (the table's current snapshot when nil, as it is now).
    /// Fails if a branch or tag of that name exists.
    @discardableResult
    public func createTag(_ name: String, snapshotID: Int64? = nil) -> ManageSnapshots {
        operations.append(.createTag(name, snapshotID ?? table.metadata.currentSnapshotID))
        return self
    }

    /// Points existing branch `name` at `snapshotID`, whatever its history (a rollback or a
    /// jump to another line of snapshots); its retention settings stay.
    @discardableResult
    public func replaceBranch(_ name: String, snapshotID: Int64) -> ManageSnapshots {
        operations.append(.replaceBranch(name, snapshotID))
        return self
    }

    /// Points branch `name` at the snapshot ref `other` points at, whatever its history.
    @discardableResult
    public func replaceBranch(_ name: String, with other: String) -> ManageSnapshots {
        operations.append(.replaceBranchWithRef(name, to: other, fastForward: false))
        return self
    }

    /// Points existing tag `name` at `snapshotID`; its retention setting stays.
    @discardableResult
    public func replaceTag(_ name: String, snapshotID: Int64) -> ManageSnapshots {
        operations.append(.replaceTag(name, snapshotID))
        return self
    }

    /// Moves branch `name` forward to the snapshot ref `other` points at. Fails with
    /// ``IcebergError/Kind/validationFailed(_:)`` unless that snapshot descends from the branch's
    /// head (the branch would lose snapshots otherwise); use ``replaceBranch(_:with:)`` for that.
    @discardableResult
    public func fastForwardBranch(_ name: String, to other: String) -> ManageSnapshots {
        operations.append(.replaceBranchWithRef(name, to: other, fastForward: true))
        return self
    }

    /// Renames branch `name` to `newName` (`main` cannot be renamed; `newName` must be free).
    @discardableResult
    public func renameBranch(_ name: String, to newName: String) -> ManageSnapshots {
        operations.append(.renameBranch(name, to: newName))
        return self
    }

    /// Removes branch `name` (not `main`); its snapshots stay until expired.
    @discardableResult
    public func removeBranch(_ name: String) -> ManageSnapshots {
        operations.append(.removeBranch(name))
        return self
    }

    /// Removes tag `name`.
    @discardableResult
    public func removeTag(_ name: String) -> ManageSnapshots {
        operations.append(.removeTag(name))
        return self
    }

    /// Sets how many snapshots of branch `name` expiry keeps at least (`min-snapshots-to-keep`;
    /// nil: the table default). Branches only.
    @discardableResult
    public func setMinSnapshotsToKeep(_ name: String, _ count: Int32?) -> ManageSnapshots {
        operations.append(.minSnapshotsToKeep(name, count))
        return self
    }

    /// Sets the age beyond which expiry may remove snapshots of branch `name`
    /// (`max-snapshot-age-ms`; nil: the table default). Branches only.
    @discardableResult
    public func setMaxSnapshotAgeMs(_ name: String, _ ageMs: Int64?) -> ManageSnapshots {
        operations.append(.maxSnapshotAgeMs(name, ageMs))
        return self
    }

    /// Sets the age beyond which expiry removes branch or tag `name` itself (`max-ref-age-ms`;
    /// nil: kept forever). `main` never expires.
    @discardableResult
    public func setMaxRefAgeMs(_ name: String, _ ageMs: Int64?) -> ManageSnapshots {
        operations.append(.maxRefAgeMs(name, ageMs))
        return self
    }

    /// Commits the operations; returns the table as committed.
    @discardableResult
    public func commit(attempts: Int = 30) async throws(IcebergError) -> Table {
        guard !done else { throw IcebergError(.io("snapshot reference changes on \(table.identifier) are already committed")) }
        done = true
        let operations = self.operations
        let committed = try await CommitRetry.run(table, attempts: attempts) { (current) throws(IcebergError) -> Table in
            let (requirements, updates) = try Self.changes(operations, on: current.metadata)
            guard !updates.isEmpty else { return current }
            return try await current.commit(requirements: requirements, updates: updates)
        }
        table = committed
        return committed
    }

    /// The updates and requirements that apply `operations` to `metadata`, validated there.
    static func changes(_ operations: [Operation], on metadata: TableMetadata) throws(IcebergError) -> ([TableRequirement], [TableUpdate]) {
        var refs = metadata.refs
        var touched: [String] = []
        var asserted: [String] = []
        func invalid(_ text: String) -> IcebergError { IcebergError(.validationFailed(text)) }
        func touch(_ name: String) throws(IcebergError) {
            guard !name.isEmpty else { throw invalid("a branch or tag needs a name") }
            if !touched.contains(name) { touched.append(name) }
        }
        func existingSnapshot(_ id: Int64?, for name: String) throws(IcebergError) -> Int64 {
            guard let id else { throw invalid("cannot create \(name): the table has no snapshot yet") }
            guard metadata.snapshot(id: id) != nil else { throw IcebergError(.notFound("snapshot \(id)")) }
            return id
        }
        func branch(_ name: String) throws(IcebergError) -> SnapshotRef {
            guard let ref = refs[name] else { throw IcebergError(.notFound("branch '\(name)'")) }
            guard ref.isBranch else { throw invalid("'\(name)' is a tag, not a branch") }
            return ref
        }
        func tag(_ name: String) throws(IcebergError) -> SnapshotRef {
            guard let ref = refs[name] else { throw IcebergError(.notFound("tag '\(name)'")) }
            guard !ref.isBranch else { throw invalid("'\(name)' is a branch, not a tag") }
            return ref
        }
        for operation in operations {
            switch operation {
            case let .createBranch(name, id), let .createTag(name, id):
                try touch(name)
                var isBranch = false
                if case .createBranch = operation { isBranch = true }
                if let existing = refs[name] { throw invalid("\(existing.isBranch ? "branch" : "tag") '\(name)' already exists") }
                refs[name] = SnapshotRef(snapshotID: try existingSnapshot(id, for: name), isBranch: isBranch)
            case let .replaceBranch(name, id):
                try touch(name)
                var ref = try branch(name)
                ref.snapshotID = try existingSnapshot(id, for: name)
                refs[name] = ref
            case let .replaceTag(name, id):
                try touch(name)
                var ref = try tag(name)
                ref.snapshotID = try existingSnapshot(id, for: name)
                refs[name] = ref
            case let .replaceBranchWithRef(name, other, fastForward):
                try touch(name)
                var ref = try branch(name)
                guard let target = refs[other] else { throw IcebergError(.notFound("ref '\(other)'")) }
                if !asserted.contains(other) { asserted.append(other) }
                if fastForward, !metadata.isAncestor(ref.snapshotID, of: target.snapshotID) {
                    throw invalid("cannot fast-forward '\(name)' to '\(other)': snapshot \(ref.snapshotID) is not an ancestor of \(target.snapshotID)")
                }
                ref.snapshotID = target.snapshotID
                refs[name] = ref
            case let .renameBranch(name, newName):
                try touch(name)
                try touch(newName)
                guard name != "main" else { throw invalid("cannot rename the main branch") }
                let ref = try branch(name)
                if let existing = refs[newName] { throw invalid("\(existing.isBranch ? "branch" : "tag") '\(newName)' already exists") }
                refs[name] = nil
                refs[newName] = ref
            case let .removeBranch(name):
                try touch(name)
                guard name != "main" else { throw invalid("cannot remove the main branch") }
                _ = try branch(name)
                refs[name] = nil
            case let .removeTag(name):
                try touch(name)
                _ = try tag(name)
                refs[name] = nil
            case let .minSnapshotsToKeep(name, count):
                try touch(name)
                if let count, count <= 0 { throw invalid("min-snapshots-to-keep must be positive, not \(count)") }
                var ref = try branch(name)
                ref.minSnapshotsToKeep = count
                refs[name] = ref
            case let .maxSnapshotAgeMs(name, age):
                try touch(name)
                if let age, age <= 0 { throw invalid("max-snapshot-age-ms must be positive, not \(age)") }
                var ref = try branch(name)
                ref.maxSnapshotAgeMs = age
                refs[name] = ref
            case let .maxRefAgeMs(name, age):
                try touch(name)
                if let age, age <= 0 { throw invalid("max-ref-age-ms must be positive, not \(age)") }
                guard var ref = refs[name] else { throw IcebergError(.notFound("ref '\(name)'")) }
                if name == "main", age != nil { throw invalid("the main branch never expires: it takes no max-ref-age-ms") }
                ref.maxRefAgeMs = age
                refs[name] = ref
            }
        }
        var requirements: [TableRequirement] = [.assertTableUUID(metadata.tableUUID)]
        for name in touched + asserted.filter({ !touched.contains($0) }) {
            requirements.append(.assertRefSnapshotID(ref: name, snapshotID: metadata.refs[name]?.snapshotID))
        }
        // Removals first, so that a rename's new name is set after its old one goes.
        var updates: [TableUpdate] = []
        for name in touched where refs[name] == nil && metadata.refs[name] != nil {
            updates.append(.removeSnapshotRef(name))
        }
        for name in touched {
            if let ref = refs[name], ref != metadata.refs[name] { updates.append(.setSnapshotRef(name: name, ref: ref)) }
        }
        return (requirements, updates)
    }
}

extension Table {
    /// Starts changes to the table's branches and tags (see ``ManageSnapshots``).
    public func manageSnapshots() -> ManageSnapshots { ManageSnapshots(table: self) }
}
