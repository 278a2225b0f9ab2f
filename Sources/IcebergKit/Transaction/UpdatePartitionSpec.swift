/// Partition evolution (Java's `UpdatePartitionSpec`): add, remove and rename fields of the
/// table's default spec, or replace one (`hour(ts)` → `day(ts)`: remove, then add).
///
/// As Java does for format v2: a removed field leaves the new spec (v1 would keep it as
/// `void`); an added field gets the next id above `last-partition-id`, unless an older spec had
/// the same transform of the same column, whose field id (and name, when none is given) it
/// takes again; when the result equals a spec the table already has, that spec becomes the
/// default again instead of a new one. Files keep the spec they were written under: scans prune
/// each file by its own spec's partition values, and writes after the change use the new spec.
///
/// Changes are checked as they are made (an illegal one throws
/// ``IcebergError/Kind/validationFailed(_:)`` and is not recorded) and again on the newest
/// metadata when the commit lands. The commit is `add-spec` + `set-default-spec` under
/// `assert-default-spec-id` and `assert-last-assigned-partition-id`; when another writer
/// changed the spec first, the changes are re-applied on its spec.
///
/// ```swift
/// var update = table.updateSpec()
/// try update.removeField("timestamp_hour")
/// try update.addField("timestamp", .day)
/// let evolved = try await update.commit()
/// ```
public struct UpdatePartitionSpec: Sendable {
    public private(set) var table: Table

    private enum Change: Sendable {
        case add(sourceID: Int32, column: String, transform: Transform, name: String?)
        case remove(name: String)
        case removeTerm(sourceID: Int32, transform: Transform)
        case rename(String, String)
    }

    private var changes: [Change] = []

    init(table: Table) {
        self.table = table
    }

    private mutating func record(_ change: Change) throws(IcebergError) {
        var next = self
        next.changes.append(change)
        _ = try next.apply(to: table.metadata)
        self = next
    }

    private func invalid(_ text: String) -> IcebergError { IcebergError(.validationFailed(text)) }

    // MARK: Changes

    /// Adds `transform` of `column` (a dotted name reaches a struct's field) as a partition field,
    /// named `name` or by default as Java names it (`ts_day`, `id_bucket_16`).
    public mutating func addField(_ column: String, _ transform: Transform, name: String? = nil) throws(IcebergError) {
        guard let source = table.schema.field(named: column) else { throw IcebergError(.notFound("column '\(column)'")) }
        try record(.add(sourceID: source.id, column: column, transform: transform, name: name))
    }

    /// Adds a field from a term as SQL writes it: `day(ts)`, `bucket(16, id)`, `region` …
    public mutating func addField(term: String, name: String? = nil) throws(IcebergError) {
        let (column, transform) = try Transform.parseTerm(term)
        try addField(column, transform, name: name)
    }

    /// Removes the partition field named `name`.
    public mutating func removeField(_ name: String) throws(IcebergError) {
        try record(.remove(name: name))
    }

    /// Removes the partition field that is `transform` of `column`.
    public mutating func removeField(_ column: String, _ transform: Transform) throws(IcebergError) {
        guard let source = table.schema.field(named: column) else { throw IcebergError(.notFound("column '\(column)'")) }
        try record(.removeTerm(sourceID: source.id, transform: transform))
    }

    /// Removes the field a term names (`hour(ts)`), or the field of that name when the term is a
    /// bare name that is not a column's identity partition.
    public mutating func removeField(term: String) throws(IcebergError) {
        if table.spec.fields.contains(where: { $0.name == term }) { return try removeField(term) }
        let (column, transform) = try Transform.parseTerm(term)
        try removeField(column, transform)
    }

    /// Renames a partition field.
    public mutating func renameField(_ name: String, to newName: String) throws(IcebergError) {
        try record(.rename(name, newName))
    }

    /// Replaces the field a term names by another term (`hour(ts)` → `day(ts)`).
    public mutating func replaceField(term old: String, with new: String, name: String? = nil) throws(IcebergError) {
        var next = self
        try next.removeField(term: old)
        try next.addField(term: new, name: name)
        self = next
    }

    // MARK: Applying

    /// The spec these changes make of `metadata`'s default spec (its id is the one it will get,
    /// or the id of an equal spec the table already has).
    public func apply(to metadata: TableMetadata) throws(IcebergError) -> PartitionSpec {
        guard let schema = metadata.currentSchema else { throw invalid("table has no current schema") }
        let base = metadata.defaultSpec ?? .unpartitioned
        var deletes = Set<Int32>()
        var renames: [Int32: String] = [:]
        var adds: [PartitionField] = []
        var lastID = max(metadata.lastPartitionID, 999)
        func existing(named name: String) -> PartitionField? { base.fields.first { $0.name == name } }
        for change in changes {
            switch change {
            case let .add(sourceID, column, transform, name):
                guard schema.field(id: sourceID) != nil else { throw invalid("cannot partition by '\(column)': it is no longer a column") }
                if let old = base.fields.first(where: { $0.sourceID == sourceID && $0.transform == transform }) {
                    // Adding back a field removed in this change keeps it (Java's rewriteDeleteAndAddField).
                    guard deletes.contains(old.fieldID) else {
                        throw invalid("cannot add \(transform) of '\(column)': the spec already has it as '\(renames[old.fieldID] ?? old.name)'")
                    }
                    deletes.remove(old.fieldID)
                    if let name, name != old.name { renames[old.fieldID] = name }
                    continue
                }
                guard !adds.contains(where: { $0.sourceID == sourceID && $0.transform == transform }) else {
                    throw invalid("cannot add \(transform) of '\(column)' twice")
                }
                // A field an older spec had (same column and transform) keeps its id (v2, as Java).
                let historical = metadata.partitionSpecs.flatMap(\.fields)
                    .first { $0.sourceID == sourceID && $0.transform == transform && (name == nil || $0.name == name) }
                if let historical, !adds.contains(where: { $0.fieldID == historical.fieldID }) {
                    adds.append(PartitionField(sourceID: sourceID, fieldID: historical.fieldID, name: name ?? historical.name, transform: transform))
                } else {
                    lastID += 1
                    adds.append(PartitionField(sourceID: sourceID, fieldID: lastID, name: name ?? transform.partitionName(column), transform: transform))
                }
            case let .remove(name):
                guard !adds.contains(where: { $0.name == name }) else { throw invalid("cannot remove partition field '\(name)': it is added in this change") }
                guard let field = existing(named: name) else { throw invalid("cannot remove partition field '\(name)': the spec has no such field") }
                guard renames[field.fieldID] == nil else { throw invalid("cannot rename and remove partition field '\(name)'") }
                guard deletes.insert(field.fieldID).inserted else { throw invalid("partition field '\(name)' is removed twice") }
            case let .removeTerm(sourceID, transform):
                guard let field = base.fields.first(where: { $0.sourceID == sourceID && $0.transform == transform }) else {
                    throw invalid("cannot remove \(transform) of column \(schema.name(of: sourceID) ?? String(sourceID)): the spec has no such field")
                }
                guard renames[field.fieldID] == nil else { throw invalid("cannot rename and remove partition field '\(field.name)'") }
                guard deletes.insert(field.fieldID).inserted else { throw invalid("partition field '\(field.name)' is removed twice") }
            case let .rename(name, newName):
                guard !newName.isEmpty else { throw invalid("a partition field name cannot be empty") }
                if let i = adds.firstIndex(where: { $0.name == name }) {
                    adds[i].name = newName
                    continue
                }
                guard let field = base.fields.first(where: { (renames[$0.fieldID] ?? $0.name) == name }) ?? existing(named: name) else {
                    throw invalid("cannot rename partition field '\(name)': the spec has no such field")
                }
                guard !deletes.contains(field.fieldID) else { throw invalid("cannot remove and rename partition field '\(name)'") }
                renames[field.fieldID] = newName
            }
        }
        var fields = base.fields.filter { !deletes.contains($0.fieldID) }.map { f in
            PartitionField(sourceID: f.sourceID, fieldID: f.fieldID, name: renames[f.fieldID] ?? f.name, transform: f.transform)
        }
        fields += adds
        var spec = PartitionSpec(specID: base.specID, fields: fields)
        try spec.validate(against: schema)
        if let same = metadata.partitionSpecs.first(where: { $0.fields == fields }) {
            spec.specID = same.specID
        } else {
            spec.specID = (metadata.partitionSpecs.map(\.specID).max() ?? -1) + 1
        }
        return spec
    }

    // MARK: Committing

    /// Commits the new spec and makes it the default; returns the table as committed. Nothing is
    /// committed when the changes leave the default spec as it is.
    @discardableResult
    public func commit(attempts: Int = 30) async throws(IcebergError) -> Table {
        let this = self
        return try await CommitRetry.run(table, attempts: attempts) { (current) throws(IcebergError) -> Table in
            let metadata = current.metadata
            let spec = try this.apply(to: metadata)
            if spec.specID == metadata.defaultSpecID { return current }
            return try await current.commit(requirements: [.assertTableUUID(metadata.tableUUID),
                                                           .assertDefaultSpecID(metadata.defaultSpecID),
                                                           .assertLastAssignedPartitionID(metadata.lastPartitionID)],
                                            updates: [.addPartitionSpec(spec), .setDefaultSpec(-1)])
        }
    }
}

extension Table {
    /// Starts a partition spec change (see ``UpdatePartitionSpec``).
    public func updateSpec() -> UpdatePartitionSpec { UpdatePartitionSpec(table: self) }
}
