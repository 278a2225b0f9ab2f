/// Changes ``TableMetadata`` the only way it changes: through validated ``TableUpdate``s, as
/// Java's `TableMetadata.Builder` and iceberg-rust's `TableMetadataBuilder` do.
///
/// Each update is checked against the metadata built so far (a snapshot must be new and carry a
/// sequence number above the table's last one; a ref must point at a known snapshot; a new
/// schema keeps field ids above those assigned …); an illegal update throws
/// ``IcebergError/Kind/validationFailed(_:)`` and leaves nothing half-applied.
///
/// ```swift
/// var builder = TableMetadataBuilder(base: table.metadata, baseLocation: table.metadataLocation)
/// try builder.apply(.setProperties(["write.target-file-size-bytes": "134217728"]))
/// let next = builder.build()
/// ```
public struct TableMetadataBuilder: Sendable {
    private var metadata: TableMetadata
    private let baseLocation: String?
    private var lastAddedSchemaID: Int32?
    private var lastAddedSpecID: Int32?
    private var lastAddedSortOrderID: Int32?
    private var changed = false
    private var updatedMs: Int64?
    /// The commit's time (history entries and `last-updated-ms` without an added snapshot).
    private let nowMs: Int64
    /// Updates applied so far, as given (what a REST catalog would be sent).
    public private(set) var updates: [TableUpdate] = []

    /// Starts from `base`, read from `baseLocation` (recorded in the metadata log on build).
    public init(base: TableMetadata, baseLocation: String?, nowMs: Int64 = currentTimeMs()) {
        metadata = base
        self.baseLocation = baseLocation
        self.nowMs = nowMs
    }

    func invalid(_ text: String) -> IcebergError { IcebergError(.validationFailed(text)) }

    /// Applies the updates in order.
    public mutating func apply(_ updates: [TableUpdate]) throws(IcebergError) {
        for u in updates { try apply(u) }
    }

    /// Applies one update.
    public mutating func apply(_ update: TableUpdate) throws(IcebergError) {
        switch update {
        case let .assignUUID(uuid):
            guard metadata.tableUUID.isEmpty || metadata.tableUUID == uuid else {
                throw invalid("cannot reassign table UUID \(metadata.tableUUID) to \(uuid)")
            }
            metadata.tableUUID = uuid
        case let .upgradeFormatVersion(version):
            guard version >= metadata.formatVersion else {
                throw invalid("cannot downgrade format version \(metadata.formatVersion) to \(version)")
            }
            guard version <= 2 else { throw IcebergError(.unsupported("writing format version \(version)")) }
            metadata.formatVersion = version
        case let .addSchema(schema):
            _ = try addSchema(schema)
        case let .setCurrentSchema(id):
            let target = id == -1 ? lastAddedSchemaID : id
            guard let target, metadata.schemas.contains(where: { $0.schemaID == target }) else {
                throw invalid("cannot set current schema to unknown schema \(id)")
            }
            metadata.currentSchemaID = target
        case let .addPartitionSpec(spec):
            try addSpec(spec)
        case let .setDefaultSpec(id):
            let target = id == -1 ? lastAddedSpecID : id
            guard let target, metadata.partitionSpecs.contains(where: { $0.specID == target }) else {
                throw invalid("cannot set default spec to unknown spec \(id)")
            }
            metadata.defaultSpecID = target
        case let .addSortOrder(order):
            addSortOrder(order)
        case let .setDefaultSortOrder(id):
            let target = id == -1 ? lastAddedSortOrderID : id
            guard let target, metadata.sortOrders.contains(where: { $0.orderID == target }) else {
                throw invalid("cannot set default sort order to unknown order \(id)")
            }
            metadata.defaultSortOrderID = target
        case let .addSnapshot(snapshot):
            try addSnapshot(snapshot)
        case let .setSnapshotRef(name, ref):
            try setRef(name, ref)
        case let .removeSnapshots(ids):
            let removed = Set(ids)
            metadata.snapshots.removeAll { removed.contains($0.snapshotID) }
            // History before the last removed entry is no longer reachable by time travel (as Java's log).
            if let last = metadata.snapshotLog.lastIndex(where: { removed.contains($0.snapshotID) }) {
                metadata.snapshotLog.removeFirst(last + 1)
            }
            // Statistics describe one snapshot each: they go with it (as Java's builder drops them).
            metadata.statisticsJSON = metadata.statisticsJSON.map { entry in
                guard case let .array(items) = entry.value else { return entry }
                return (entry.key, .array(items.filter { item in item["snapshot-id"]?.intValue.map { !removed.contains($0) } ?? true }))
            }
            for (name, ref) in metadata.refs where removed.contains(ref.snapshotID) {
                metadata.refs[name] = nil
                if name == "main" { metadata.currentSnapshotID = nil }
            }
        case let .removeSnapshotRef(name):
            metadata.refs[name] = nil
            if name == "main" { metadata.currentSnapshotID = nil }
        case let .setLocation(location):
            metadata.location = location.hasSuffix("/") ? String(location.dropLast()) : location
        case let .setProperties(properties):
            metadata.properties.merge(properties) { _, new in new }
        case let .removeProperties(keys):
            for k in keys { metadata.properties[k] = nil }
        }
        updates.append(update)
        changed = true
    }

    /// Adds `schema`, reusing an identical schema already in the table; returns the id it has.
    @discardableResult
    public mutating func addSchema(_ schema: IcebergSchema) throws(IcebergError) -> Int32 {
        if let same = metadata.schemas.first(where: { $0.fields == schema.fields && $0.identifierFieldIDs == schema.identifierFieldIDs }) {
            lastAddedSchemaID = same.schemaID
            return same.schemaID
        }
        var ids = Set<Int32>()
        func collect(_ t: IcebergType) throws(IcebergError) {
            switch t {
            case let .structure(fields):
                for f in fields {
                    guard ids.insert(f.id).inserted else { throw invalid("schema repeats field id \(f.id)") }
                    try collect(f.type)
                }
            case let .list(id, _, element):
                guard ids.insert(id).inserted else { throw invalid("schema repeats field id \(id)") }
                try collect(element)
            case let .map(k, kt, v, _, vt):
                guard ids.insert(k).inserted, ids.insert(v).inserted else { throw invalid("schema repeats field id \(k) or \(v)") }
                try collect(kt)
                try collect(vt)
            default: break
            }
        }
        try collect(.structure(schema.fields))
        for id in schema.identifierFieldIDs where schema.field(id: id) == nil {
            throw invalid("identifier field \(id) is not in the schema")
        }
        var added = schema
        added.schemaID = (metadata.schemas.map(\.schemaID).max() ?? -1) + 1
        metadata.schemas.append(added)
        metadata.lastColumnID = max(metadata.lastColumnID, schema.highestFieldID)
        lastAddedSchemaID = added.schemaID
        return added.schemaID
    }

    private mutating func addSpec(_ spec: PartitionSpec) throws(IcebergError) {
        if let same = metadata.partitionSpecs.first(where: { $0.fields == spec.fields }) {
            lastAddedSpecID = same.specID
            return
        }
        guard let schema = metadata.currentSchema else { throw invalid("no current schema") }
        for f in spec.fields where schema.field(id: f.sourceID) == nil && f.transform != .void {
            throw invalid("partition field \(f.name) has unknown source column \(f.sourceID)")
        }
        var added = spec
        added.specID = (metadata.partitionSpecs.map(\.specID).max() ?? -1) + 1
        metadata.partitionSpecs.append(added)
        metadata.lastPartitionID = max(metadata.lastPartitionID, spec.lastAssignedFieldID)
        lastAddedSpecID = added.specID
    }

    private mutating func addSortOrder(_ order: SortOrder) {
        if let same = metadata.sortOrders.first(where: { $0.fields == order.fields }) {
            lastAddedSortOrderID = same.orderID
            return
        }
        var added = order
        added.orderID = order.fields.isEmpty ? 0 : max(1, (metadata.sortOrders.map(\.orderID).max() ?? 0) + 1)
        metadata.sortOrders.append(added)
        lastAddedSortOrderID = added.orderID
    }

    private mutating func addSnapshot(_ snapshot: Snapshot) throws(IcebergError) {
        guard metadata.snapshot(id: snapshot.snapshotID) == nil else {
            throw invalid("snapshot \(snapshot.snapshotID) already exists")
        }
        if metadata.formatVersion >= 2 {
            guard snapshot.sequenceNumber > metadata.lastSequenceNumber || snapshot.parentSnapshotID == nil && metadata.snapshots.isEmpty else {
                // The writer planned on a stale base (another ref moved the sequence on): a
                // conflict, so that the writer re-plans on the newest metadata.
                throw IcebergError(.commitConflict("snapshot \(snapshot.snapshotID) has sequence number \(snapshot.sequenceNumber), not above the table's \(metadata.lastSequenceNumber)"))
            }
        }
        if let parent = snapshot.parentSnapshotID, metadata.snapshot(id: parent) == nil {
            throw invalid("snapshot \(snapshot.snapshotID) has unknown parent \(parent)")
        }
        if let schemaID = snapshot.schemaID, !metadata.schemas.contains(where: { $0.schemaID == schemaID }) {
            throw invalid("snapshot \(snapshot.snapshotID) uses unknown schema \(schemaID)")
        }
        metadata.snapshots.append(snapshot)
        metadata.lastSequenceNumber = max(metadata.lastSequenceNumber, snapshot.sequenceNumber)
        updatedMs = snapshot.timestampMs
    }

    private mutating func setRef(_ name: String, _ ref: SnapshotRef) throws(IcebergError) {
        guard let snapshot = metadata.snapshot(id: ref.snapshotID) else {
            throw invalid("ref \(name) points at unknown snapshot \(ref.snapshotID)")
        }
        if let existing = metadata.refs[name], existing.isBranch != ref.isBranch {
            throw invalid("cannot change \(name) between branch and tag")
        }
        if name == "main" && !ref.isBranch { throw invalid("main must be a branch") }
        if metadata.refs[name] == ref { return }  // unchanged: no new history entry (as Java)
        metadata.refs[name] = ref
        if name == "main" {
            metadata.currentSnapshotID = ref.snapshotID
            // A snapshot added in this commit is logged at its own time; an older one (a
            // rollback) at the commit's time, so the log stays in time order.
            let added = updatedMs != nil && metadata.snapshots.last?.snapshotID == snapshot.snapshotID
            metadata.snapshotLog.append((snapshotID: ref.snapshotID, timestampMs: added ? snapshot.timestampMs : max(nowMs, metadata.lastUpdatedMs)))
        }
    }

    /// The metadata with every update applied. When anything changed, `last-updated-ms` is set
    /// (to the added snapshot's timestamp if there is one, as Java does) and the base file is
    /// recorded in the metadata log, trimmed to `write.metadata.previous-versions-max` (100).
    public func build() -> TableMetadata {
        var out = metadata
        guard changed else { return out }
        out.lastUpdatedMs = max(updatedMs ?? nowMs, out.lastUpdatedMs)
        if let baseLocation {
            out.metadataLog.append((file: baseLocation, timestampMs: metadata.lastUpdatedMs))
            let keep = max(Int(out.properties["write.metadata.previous-versions-max"] ?? "") ?? 100, 1)
            if out.metadataLog.count > keep { out.metadataLog.removeFirst(out.metadataLog.count - keep) }
        }
        return out
    }

    /// The location of the metadata file that follows `base` under `tableLocation`
    /// (`<location>/metadata/00042-<uuid>.metadata.json`, numbered as Java numbers them).
    public static func nextMetadataLocation(after base: String?, tableLocation: String) -> String {
        let version = base.map { Self.version(of: $0) + 1 } ?? 0
        let digits = String(version)
        return tableLocation + "/metadata/" + String(repeating: "0", count: max(0, 5 - digits.count)) + digits
            + "-\(Identifiers.uuid()).metadata.json"
    }

    static func version(of location: String) -> Int {
        let name = location.split(separator: "/").last.map(String.init) ?? ""
        return Int(name.prefix { $0.isNumber }) ?? 0
    }
}
