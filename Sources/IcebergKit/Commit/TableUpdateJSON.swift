extension TableUpdate {
    /// The update as the Iceberg REST catalog's `TableUpdate` JSON (`{"action": …, …}`), field
    /// names as in the REST OpenAPI specification.
    public var json: AvroJSON {
        var fields: [(String, AvroJSON)] = [("action", .string(action))]
        switch self {
        case let .assignUUID(uuid): fields.append(("uuid", .string(uuid)))
        case let .upgradeFormatVersion(version): fields.append(("format-version", .integer(Int64(version))))
        case let .addSchema(schema): fields.append(("schema", schema.json))
        case let .setCurrentSchema(id): fields.append(("schema-id", .integer(Int64(id))))
        case let .addPartitionSpec(spec): fields.append(("spec", spec.json))
        case let .setDefaultSpec(id): fields.append(("spec-id", .integer(Int64(id))))
        case let .addSortOrder(order): fields.append(("sort-order", order.json))
        case let .setDefaultSortOrder(id): fields.append(("sort-order-id", .integer(Int64(id))))
        case let .addSnapshot(snapshot): fields.append(("snapshot", snapshot.json))
        case let .setSnapshotRef(name, ref): fields.append(("ref-name", .string(name))); fields += ref.jsonFields
        case let .removeSnapshots(ids): fields.append(("snapshot-ids", .array(ids.map { .integer($0) })))
        case let .removeSnapshotRef(name): fields.append(("ref-name", .string(name)))
        case let .setLocation(location): fields.append(("location", .string(location)))
        case let .setProperties(updates):
            fields.append(("updates", .object(updates.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })))
        case let .removeProperties(keys): fields.append(("removals", .array(keys.map { .string($0) })))
        }
        return .object(fields)
    }
}

extension TableRequirement {
    /// The requirement as the Iceberg REST catalog's `TableRequirement` JSON (`{"type": …, …}`).
    /// `assert-ref-snapshot-id` with no snapshot sends `"snapshot-id": null` (the ref must not
    /// exist), as the specification asks.
    public var json: AvroJSON {
        var fields: [(String, AvroJSON)] = [("type", .string(type))]
        switch self {
        case .assertCreate: break
        case let .assertTableUUID(uuid): fields.append(("uuid", .string(uuid)))
        case let .assertRefSnapshotID(ref, id):
            fields.append(("ref", .string(ref)))
            fields.append(("snapshot-id", id.map { .integer($0) } ?? .null))
        case let .assertLastAssignedFieldID(id): fields.append(("last-assigned-field-id", .integer(Int64(id))))
        case let .assertCurrentSchemaID(id): fields.append(("current-schema-id", .integer(Int64(id))))
        case let .assertLastAssignedPartitionID(id): fields.append(("last-assigned-partition-id", .integer(Int64(id))))
        case let .assertDefaultSpecID(id): fields.append(("default-spec-id", .integer(Int64(id))))
        case let .assertDefaultSortOrderID(id): fields.append(("default-sort-order-id", .integer(Int64(id))))
        }
        return .object(fields)
    }
}
