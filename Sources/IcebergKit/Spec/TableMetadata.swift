/// A snapshot: the state of a table after one commit.
public struct Snapshot: Sendable, Hashable {
    public var snapshotID: Int64
    public var parentSnapshotID: Int64?
    public var sequenceNumber: Int64
    public var timestampMs: Int64
    /// Location of the manifest list (v2); v1 snapshots may list manifests inline instead.
    public var manifestList: String?
    public var manifests: [String]
    /// `operation` plus string metrics (`added-data-files`, `total-records`, …).
    public var summary: [String: String]
    public var schemaID: Int32?

    public init(snapshotID: Int64, parentSnapshotID: Int64?, sequenceNumber: Int64, timestampMs: Int64, manifestList: String?,
                manifests: [String] = [], summary: [String: String], schemaID: Int32?) {
        self.snapshotID = snapshotID
        self.parentSnapshotID = parentSnapshotID
        self.sequenceNumber = sequenceNumber
        self.timestampMs = timestampMs
        self.manifestList = manifestList
        self.manifests = manifests
        self.summary = summary
        self.schemaID = schemaID
    }

    public var operation: String? { summary["operation"] }
}

/// A named reference to a snapshot (branch or tag).
public struct SnapshotRef: Sendable, Hashable {
    public var snapshotID: Int64
    public var isBranch: Bool
    public var maxRefAgeMs: Int64?
    public var maxSnapshotAgeMs: Int64?
    public var minSnapshotsToKeep: Int32?

    public init(snapshotID: Int64, isBranch: Bool = true, maxRefAgeMs: Int64? = nil, maxSnapshotAgeMs: Int64? = nil,
                minSnapshotsToKeep: Int32? = nil) {
        self.snapshotID = snapshotID
        self.isBranch = isBranch
        self.maxRefAgeMs = maxRefAgeMs
        self.maxSnapshotAgeMs = maxSnapshotAgeMs
        self.minSnapshotsToKeep = minSnapshotsToKeep
    }
}

/// Table metadata (the `*.metadata.json` file). Reads format versions 1–3, writes 2.
public struct TableMetadata: Sendable, Hashable {
    public internal(set) var formatVersion: Int
    public internal(set) var tableUUID: String
    public internal(set) var location: String
    public internal(set) var lastSequenceNumber: Int64
    public internal(set) var lastUpdatedMs: Int64
    public internal(set) var lastColumnID: Int32
    public internal(set) var schemas: [IcebergSchema]
    public internal(set) var currentSchemaID: Int32
    public internal(set) var partitionSpecs: [PartitionSpec]
    public internal(set) var defaultSpecID: Int32
    public internal(set) var lastPartitionID: Int32
    public internal(set) var sortOrders: [SortOrder]
    public internal(set) var defaultSortOrderID: Int32
    public internal(set) var properties: [String: String]
    public internal(set) var currentSnapshotID: Int64?
    public internal(set) var snapshots: [Snapshot]
    /// (snapshot id, timestamp ms), oldest first.
    public internal(set) var snapshotLog: [(snapshotID: Int64, timestampMs: Int64)]
    /// (metadata file, timestamp ms), oldest first.
    public internal(set) var metadataLog: [(file: String, timestampMs: Int64)]
    public internal(set) var refs: [String: SnapshotRef]
    /// v3 only.
    public internal(set) var nextRowID: Int64?
    /// `statistics` and `partition-statistics` as read: kept unchanged through commits (they
    /// describe snapshots that stay), as Java keeps them.
    public internal(set) var statisticsJSON: [(key: String, value: AvroJSON)] = []

    public var currentSchema: IcebergSchema? { schemas.first { $0.schemaID == currentSchemaID } }
    public var defaultSpec: PartitionSpec? { partitionSpecs.first { $0.specID == defaultSpecID } }
    public var currentSnapshot: Snapshot? { currentSnapshotID.flatMap { id in snapshots.first { $0.snapshotID == id } } }
    public func snapshot(id: Int64) -> Snapshot? { snapshots.first { $0.snapshotID == id } }

    /// The current snapshot and its ancestors still in the table, newest first (the history of
    /// `main`; snapshots of other branches or rolled back are not in it).
    public var currentAncestry: [Snapshot] {
        let byID = Dictionary(snapshots.map { ($0.snapshotID, $0) }, uniquingKeysWith: { first, _ in first })
        var out: [Snapshot] = []
        var next = currentSnapshotID
        while let id = next, let snapshot = byID[id], out.count < byID.count {
            out.append(snapshot)
            next = snapshot.parentSnapshotID
        }
        return out
    }

    public static func == (lhs: TableMetadata, rhs: TableMetadata) -> Bool { lhs.json == rhs.json }
    public func hash(into hasher: inout Hasher) { hasher.combine(JSONText.serialize(json)) }

    /// A new, empty v2 table.
    public init(location: String, schema: IcebergSchema, spec: PartitionSpec = .unpartitioned, sortOrder: SortOrder = .unsorted,
                properties: [String: String] = [:], tableUUID: String, nowMs: Int64) {
        formatVersion = 2
        self.tableUUID = tableUUID
        self.location = location
        lastSequenceNumber = 0
        lastUpdatedMs = nowMs
        lastColumnID = schema.highestFieldID
        schemas = [schema]
        currentSchemaID = schema.schemaID
        partitionSpecs = [spec]
        defaultSpecID = spec.specID
        lastPartitionID = spec.lastAssignedFieldID
        sortOrders = [sortOrder]
        defaultSortOrderID = sortOrder.orderID
        self.properties = properties
        currentSnapshotID = nil
        snapshots = []
        snapshotLog = []
        metadataLog = []
        refs = [:]
        nextRowID = nil
    }

    // MARK: JSON

    /// The metadata as JSON (written as format version 2, or as read for 1 and 3).
    public var json: AvroJSON {
        var o: [(String, AvroJSON)] = [("format-version", .integer(Int64(formatVersion)))]
        // A v1 table may have no UUID (Java then omits the key, as here).
        if !tableUUID.isEmpty { o.append(("table-uuid", .string(tableUUID))) }
        o += [
            ("location", .string(location)),
            ("last-sequence-number", .integer(lastSequenceNumber)), ("last-updated-ms", .integer(lastUpdatedMs)),
            ("last-column-id", .integer(Int64(lastColumnID))),
            ("current-schema-id", .integer(Int64(currentSchemaID))), ("schemas", .array(schemas.map(\.json))),
            ("default-spec-id", .integer(Int64(defaultSpecID))), ("partition-specs", .array(partitionSpecs.map(\.json))),
            ("last-partition-id", .integer(Int64(lastPartitionID))),
            ("default-sort-order-id", .integer(Int64(defaultSortOrderID))), ("sort-orders", .array(sortOrders.map(\.json))),
            ("properties", .object(properties.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
        ]
        if let nextRowID { o.append(("next-row-id", .integer(nextRowID))) }
        o.append(("current-snapshot-id", .integer(currentSnapshotID ?? -1)))
        o.append(("refs", .object(refs.sorted { $0.key < $1.key }.map { name, ref in (name, ref.json) })))
        o.append(("snapshots", .array(snapshots.map(\.json))))
        o.append(("snapshot-log", .array(snapshotLog.map { .object([("snapshot-id", .integer($0.snapshotID)), ("timestamp-ms", .integer($0.timestampMs))]) })))
        o.append(("metadata-log", .array(metadataLog.map { .object([("metadata-file", .string($0.file)), ("timestamp-ms", .integer($0.timestampMs))]) })))
        for entry in statisticsJSON { o.append((entry.key, entry.value)) }
        return .object(o)
    }

    public var jsonText: String { JSONText.serialize(json) }

    /// Parses and validates metadata JSON as Java's `TableMetadataParser` does.
    public init(jsonText: String, path: String? = nil) throws(IcebergError) {
        let json: AvroJSON
        do { json = try JSONText.parse(jsonText) } catch { throw IcebergError(.invalidMetadata("\(error)"), path: path) }
        do {
            try self.init(json: json)
        } catch {
            throw IcebergError(error.kind, path: path)
        }
    }

    public init(json: AvroJSON) throws(IcebergError) {
        func fail(_ message: String) -> IcebergError { IcebergError(.invalidMetadata(message)) }
        func int(_ key: String) throws(IcebergError) -> Int64 {
            guard let v = json[key]?.intValue else { throw fail("missing or invalid '\(key)'") }
            return v
        }
        func int32(_ key: String) throws(IcebergError) -> Int32 {
            guard let v = Int32(exactly: try int(key)) else { throw fail("'\(key)' out of range") }
            return v
        }
        guard case .object = json else { throw fail("metadata is not a JSON object") }
        let version = try int("format-version")
        guard (1...3).contains(version) else { throw fail("unsupported format-version \(version)") }
        formatVersion = Int(version)
        // Java: "UUID is required in format v2" (and later); a v1 table may lack one.
        if let uuid = json["table-uuid"]?.stringValue {
            tableUUID = uuid
        } else if version == 1 {
            tableUUID = ""
        } else {
            throw fail("missing 'table-uuid' (required in format v\(version))")
        }
        guard let location = json["location"]?.stringValue else { throw fail("missing 'location'") }
        self.location = location
        lastSequenceNumber = version >= 2 ? try int("last-sequence-number") : (json["last-sequence-number"]?.intValue ?? 0)
        lastUpdatedMs = try int("last-updated-ms")
        lastColumnID = try int32("last-column-id")

        // Schemas: `schemas` + `current-schema-id` (v2+), or a single `schema` (v1).
        if case let .array(items)? = json["schemas"] {
            var parsed: [IcebergSchema] = []
            for item in items { parsed.append(try IcebergSchema(json: item)) }
            schemas = parsed
            currentSchemaID = try int32("current-schema-id")
        } else if version == 1, let single = json["schema"] {
            let s = try IcebergSchema(json: single)
            schemas = [s]
            currentSchemaID = s.schemaID
        } else {
            throw fail("missing 'schemas'")
        }
        guard schemas.map(\.schemaID).contains(currentSchemaID) else { throw fail("current-schema-id \(currentSchemaID) not in schemas") }

        if case let .array(items)? = json["partition-specs"] {
            var parsed: [PartitionSpec] = []
            for item in items { parsed.append(try PartitionSpec(json: item)) }
            partitionSpecs = parsed
            defaultSpecID = try int32("default-spec-id")
        } else if version == 1, let fields = json["partition-spec"] {
            partitionSpecs = [try PartitionSpec(json: .object([("spec-id", .integer(0)), ("fields", fields)]))]
            defaultSpecID = 0
        } else {
            throw fail("missing 'partition-specs'")
        }
        guard partitionSpecs.map(\.specID).contains(defaultSpecID) else { throw fail("default-spec-id \(defaultSpecID) not in partition-specs") }
        if let last = json["last-partition-id"]?.intValue.flatMap({ Int32(exactly: $0) }) {
            lastPartitionID = last
        } else if version == 1 {
            lastPartitionID = partitionSpecs.map(\.lastAssignedFieldID).max() ?? 999
        } else {
            throw fail("missing 'last-partition-id'")
        }

        if case let .array(items)? = json["sort-orders"] {
            var parsed: [SortOrder] = []
            for item in items { parsed.append(try SortOrder(json: item)) }
            sortOrders = parsed
            defaultSortOrderID = try int32("default-sort-order-id")
            guard sortOrders.map(\.orderID).contains(defaultSortOrderID) else {
                throw fail("default-sort-order-id \(defaultSortOrderID) not in sort-orders")
            }
        } else if version == 1 {
            sortOrders = [.unsorted]
            defaultSortOrderID = 0
        } else {
            throw fail("missing 'sort-orders'")
        }

        var props: [String: String] = [:]
        if case let .object(pairs)? = json["properties"] {
            for (k, v) in pairs {
                guard let s = v.stringValue else { throw fail("property '\(k)' is not a string") }
                props[k] = s
            }
        }
        properties = props

        var snaps: [Snapshot] = []
        if case let .array(items)? = json["snapshots"] {
            for item in items {
                guard let id = item["snapshot-id"]?.intValue, let ts = item["timestamp-ms"]?.intValue else {
                    throw fail("snapshot without snapshot-id or timestamp-ms")
                }
                var summary: [String: String] = [:]
                if case let .object(pairs)? = item["summary"] {
                    for (k, v) in pairs { summary[k] = v.stringValue ?? JSONText.serialize(v) }
                }
                if version >= 2 {
                    guard item["manifest-list"]?.stringValue != nil else { throw fail("v2 snapshot \(id) without manifest-list") }
                    guard summary["operation"] != nil else { throw fail("snapshot \(id) without summary operation") }
                }
                var manifests: [String] = []
                if case let .array(list)? = item["manifests"] { manifests = list.compactMap(\.stringValue) }
                snaps.append(Snapshot(snapshotID: id, parentSnapshotID: item["parent-snapshot-id"]?.intValue,
                                      sequenceNumber: item["sequence-number"]?.intValue ?? 0, timestampMs: ts,
                                      manifestList: item["manifest-list"]?.stringValue, manifests: manifests, summary: summary,
                                      schemaID: item["schema-id"]?.intValue.flatMap { Int32(exactly: $0) }))
            }
        }
        snapshots = snaps
        let lastSequence = lastSequenceNumber
        if version >= 2, let late = snaps.first(where: { $0.sequenceNumber > lastSequence }) {
            throw fail("snapshot \(late.snapshotID) has sequence number \(late.sequenceNumber) above last-sequence-number \(lastSequenceNumber)")
        }
        let current = json["current-snapshot-id"]?.intValue
        currentSnapshotID = current == -1 ? nil : current
        if let currentSnapshotID, !snaps.map(\.snapshotID).contains(currentSnapshotID) {
            throw fail("current-snapshot-id \(currentSnapshotID) not in snapshots")
        }

        var parsedRefs: [String: SnapshotRef] = [:]
        if case let .object(pairs)? = json["refs"] {
            for (name, r) in pairs {
                guard let id = r["snapshot-id"]?.intValue, let type = r["type"]?.stringValue, type == "branch" || type == "tag" else {
                    throw fail("ref '\(name)' without snapshot-id or valid type")
                }
                parsedRefs[name] = SnapshotRef(snapshotID: id, isBranch: type == "branch", maxRefAgeMs: r["max-ref-age-ms"]?.intValue,
                                               maxSnapshotAgeMs: r["max-snapshot-age-ms"]?.intValue,
                                               minSnapshotsToKeep: r["min-snapshots-to-keep"]?.intValue.flatMap { Int32(exactly: $0) })
            }
        }
        if let main = parsedRefs["main"] {
            guard main.snapshotID == currentSnapshotID else { throw fail("refs.main \(main.snapshotID) differs from current-snapshot-id") }
        } else if let currentSnapshotID {
            parsedRefs["main"] = SnapshotRef(snapshotID: currentSnapshotID)
        }
        refs = parsedRefs

        var slog: [(Int64, Int64)] = []
        if case let .array(items)? = json["snapshot-log"] {
            for i in items {
                guard let id = i["snapshot-id"]?.intValue, let ts = i["timestamp-ms"]?.intValue else { throw fail("invalid snapshot-log entry") }
                slog.append((id, ts))
            }
        }
        snapshotLog = slog.map { (snapshotID: $0.0, timestampMs: $0.1) }
        var mlog: [(String, Int64)] = []
        if case let .array(items)? = json["metadata-log"] {
            for i in items {
                guard let f = i["metadata-file"]?.stringValue, let ts = i["timestamp-ms"]?.intValue else { throw fail("invalid metadata-log entry") }
                mlog.append((f, ts))
            }
        }
        metadataLog = mlog.map { (file: $0.0, timestampMs: $0.1) }
        nextRowID = json["next-row-id"]?.intValue
        if version == 3 && nextRowID == nil { throw fail("v3 metadata without next-row-id") }
        for key in ["statistics", "partition-statistics"] {
            guard let value = json[key] else { continue }
            guard case .array = value else { throw fail("'\(key)' is not an array") }
            statisticsJSON.append((key, value))
        }
    }
}
