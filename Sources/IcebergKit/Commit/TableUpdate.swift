/// One change to a table's metadata, shaped as the Iceberg REST catalog's `TableUpdate`.
///
/// A commit is a list of updates plus the ``TableRequirement``s that must hold on the table's
/// current metadata for the updates to apply; every ``Catalog`` takes commits in this form and
/// applies the updates through ``TableMetadataBuilder``, which validates each one.
public enum TableUpdate: Sendable, Hashable {
    case assignUUID(String)
    case upgradeFormatVersion(Int)
    /// Adds a schema; its id is reassigned when taken (see ``TableMetadataBuilder/addSchema(_:)``).
    case addSchema(IcebergSchema)
    /// Makes schema `id` current; `-1` means the schema added last in this commit.
    case setCurrentSchema(Int32)
    case addPartitionSpec(PartitionSpec)
    /// `-1` means the spec added last in this commit.
    case setDefaultSpec(Int32)
    case addSortOrder(SortOrder)
    /// `-1` means the sort order added last in this commit.
    case setDefaultSortOrder(Int32)
    case addSnapshot(Snapshot)
    /// Points branch or tag `name` at a snapshot (`main` makes it the current snapshot).
    case setSnapshotRef(name: String, ref: SnapshotRef)
    case removeSnapshots([Int64])
    case removeSnapshotRef(String)
    case setLocation(String)
    case setProperties([String: String])
    case removeProperties([String])

    /// The REST spec's `action` name.
    public var action: String {
        switch self {
        case .assignUUID: "assign-uuid"
        case .upgradeFormatVersion: "upgrade-format-version"
        case .addSchema: "add-schema"
        case .setCurrentSchema: "set-current-schema"
        case .addPartitionSpec: "add-spec"
        case .setDefaultSpec: "set-default-spec"
        case .addSortOrder: "add-sort-order"
        case .setDefaultSortOrder: "set-default-sort-order"
        case .addSnapshot: "add-snapshot"
        case .setSnapshotRef: "set-snapshot-ref"
        case .removeSnapshots: "remove-snapshots"
        case .removeSnapshotRef: "remove-snapshot-ref"
        case .setLocation: "set-location"
        case .setProperties: "set-properties"
        case .removeProperties: "remove-properties"
        }
    }
}

/// A condition a commit needs of the table's current metadata, shaped as the Iceberg REST
/// catalog's `TableRequirement`. A requirement that fails means another writer changed the
/// table: the catalog answers ``IcebergError/Kind/commitConflict(_:)`` and the writer retries
/// on the new metadata (re-validating its own conditions there).
public enum TableRequirement: Sendable, Hashable {
    /// The table must not exist yet.
    case assertCreate
    case assertTableUUID(String)
    /// Branch or tag `ref` must point at `snapshotID` (nil: must not exist).
    case assertRefSnapshotID(ref: String, snapshotID: Int64?)
    case assertLastAssignedFieldID(Int32)
    case assertCurrentSchemaID(Int32)
    case assertLastAssignedPartitionID(Int32)
    case assertDefaultSpecID(Int32)
    case assertDefaultSortOrderID(Int32)

    /// The REST spec's `type` name.
    public var type: String {
        switch self {
        case .assertCreate: "assert-create"
        case .assertTableUUID: "assert-table-uuid"
        case .assertRefSnapshotID: "assert-ref-snapshot-id"
        case .assertLastAssignedFieldID: "assert-last-assigned-field-id"
        case .assertCurrentSchemaID: "assert-current-schema-id"
        case .assertLastAssignedPartitionID: "assert-last-assigned-partition-id"
        case .assertDefaultSpecID: "assert-default-spec-id"
        case .assertDefaultSortOrderID: "assert-default-sort-order-id"
        }
    }

    /// Checks the requirement against `metadata` (nil: the table does not exist).
    public func check(_ metadata: TableMetadata?) throws(IcebergError) {
        func conflict(_ text: String) -> IcebergError { IcebergError(.commitConflict("requirement failed: \(text)")) }
        if case .assertCreate = self {
            if metadata != nil { throw conflict("table already exists") }
            return
        }
        guard let metadata else { throw conflict("table does not exist") }
        switch self {
        case .assertCreate:
            break
        case let .assertTableUUID(uuid):
            if metadata.tableUUID != uuid { throw conflict("table UUID is \(metadata.tableUUID), expected \(uuid)") }
        case let .assertRefSnapshotID(ref, id):
            let actual = metadata.refs[ref]?.snapshotID
            if actual != id {
                throw conflict("ref \(ref) points at \(actual.map(String.init) ?? "nothing"), expected \(id.map(String.init) ?? "nothing")")
            }
        case let .assertLastAssignedFieldID(id):
            if metadata.lastColumnID != id { throw conflict("last assigned field id is \(metadata.lastColumnID), expected \(id)") }
        case let .assertCurrentSchemaID(id):
            if metadata.currentSchemaID != id { throw conflict("current schema is \(metadata.currentSchemaID), expected \(id)") }
        case let .assertLastAssignedPartitionID(id):
            if metadata.lastPartitionID != id { throw conflict("last assigned partition id is \(metadata.lastPartitionID), expected \(id)") }
        case let .assertDefaultSpecID(id):
            if metadata.defaultSpecID != id { throw conflict("default spec is \(metadata.defaultSpecID), expected \(id)") }
        case let .assertDefaultSortOrderID(id):
            if metadata.defaultSortOrderID != id { throw conflict("default sort order is \(metadata.defaultSortOrderID), expected \(id)") }
        }
    }
}

/// What a catalog answers to a commit: the metadata now current and where it lives.
public struct CommittedMetadata: Sendable {
    public var metadata: TableMetadata
    public var location: String

    public init(metadata: TableMetadata, location: String) {
        self.metadata = metadata
        self.location = location
    }
}
