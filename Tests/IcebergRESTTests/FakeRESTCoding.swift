import IcebergKit

/// Decodes the REST JSON of requirements and updates back into IcebergKit's values: the fake
/// server applies exactly what the client sent, so a wrong field name fails the commit.
enum FakeRESTCoding {
    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    static func requirements(_ json: AvroJSON?) throws -> [TableRequirement] {
        guard case let .array(items)? = json else { throw Malformed(description: "requirements is not an array") }
        return try items.map { item in
            func int32(_ key: String) throws -> Int32 {
                guard let v = item[key]?.intValue, let i = Int32(exactly: v) else { throw Malformed(description: "\(key) missing in \(item.text)") }
                return i
            }
            switch item["type"]?.stringValue {
            case "assert-create": return .assertCreate
            case "assert-table-uuid":
                guard let uuid = item["uuid"]?.stringValue else { throw Malformed(description: "uuid") }
                return .assertTableUUID(uuid)
            case "assert-ref-snapshot-id":
                guard let ref = item["ref"]?.stringValue, let id = item["snapshot-id"] else { throw Malformed(description: "ref / snapshot-id in \(item.text)") }
                return .assertRefSnapshotID(ref: ref, snapshotID: id == .null ? nil : id.intValue)
            case "assert-last-assigned-field-id": return .assertLastAssignedFieldID(try int32("last-assigned-field-id"))
            case "assert-current-schema-id": return .assertCurrentSchemaID(try int32("current-schema-id"))
            case "assert-last-assigned-partition-id": return .assertLastAssignedPartitionID(try int32("last-assigned-partition-id"))
            case "assert-default-spec-id": return .assertDefaultSpecID(try int32("default-spec-id"))
            case "assert-default-sort-order-id": return .assertDefaultSortOrderID(try int32("default-sort-order-id"))
            default: throw Malformed(description: "unknown requirement \(item.text)")
            }
        }
    }

    static func updates(_ json: AvroJSON?) throws -> [TableUpdate] {
        guard case let .array(items)? = json else { throw Malformed(description: "updates is not an array") }
        return try items.map { item in
            func int(_ key: String, in object: AvroJSON? = nil) throws -> Int64 {
                guard let v = (object ?? item)[key]?.intValue else { throw Malformed(description: "\(key) missing in \(item.text)") }
                return v
            }
            func string(_ key: String) throws -> String {
                guard let v = item[key]?.stringValue else { throw Malformed(description: "\(key) missing in \(item.text)") }
                return v
            }
            func strings(_ json: AvroJSON?) -> [String: String] {
                guard case let .object(pairs)? = json else { return [:] }
                return Dictionary(pairs.compactMap { k, v in v.stringValue.map { (k, $0) } }, uniquingKeysWith: { $1 })
            }
            switch item["action"]?.stringValue {
            case "assign-uuid": return .assignUUID(try string("uuid"))
            case "upgrade-format-version": return .upgradeFormatVersion(Int(try int("format-version")))
            case "add-schema":
                guard let schema = item["schema"] else { throw Malformed(description: "schema") }
                return .addSchema(try IcebergSchema(json: schema))
            case "set-current-schema": return .setCurrentSchema(Int32(try int("schema-id")))
            case "add-spec":
                guard let spec = item["spec"] else { throw Malformed(description: "spec") }
                return .addPartitionSpec(try PartitionSpec(json: spec))
            case "set-default-spec": return .setDefaultSpec(Int32(try int("spec-id")))
            case "add-sort-order":
                guard let order = item["sort-order"] else { throw Malformed(description: "sort-order") }
                return .addSortOrder(try SortOrder(json: order))
            case "set-default-sort-order": return .setDefaultSortOrder(Int32(try int("sort-order-id")))
            case "add-snapshot":
                guard let s = item["snapshot"] else { throw Malformed(description: "snapshot") }
                return .addSnapshot(Snapshot(snapshotID: try int("snapshot-id", in: s), parentSnapshotID: s["parent-snapshot-id"]?.intValue,
                                             sequenceNumber: try int("sequence-number", in: s), timestampMs: try int("timestamp-ms", in: s),
                                             manifestList: s["manifest-list"]?.stringValue, summary: strings(s["summary"]),
                                             schemaID: s["schema-id"]?.intValue.map { Int32($0) }))
            case "set-snapshot-ref":
                let type = try string("type")
                guard type == "branch" || type == "tag" else { throw Malformed(description: "ref type \(type)") }
                return .setSnapshotRef(name: try string("ref-name"),
                                       ref: SnapshotRef(snapshotID: try int("snapshot-id"), isBranch: type == "branch",
                                                        maxRefAgeMs: item["max-ref-age-ms"]?.intValue,
                                                        maxSnapshotAgeMs: item["max-snapshot-age-ms"]?.intValue,
                                                        minSnapshotsToKeep: item["min-snapshots-to-keep"]?.intValue.map { Int32($0) }))
            case "remove-snapshots":
                guard case let .array(ids)? = item["snapshot-ids"] else { throw Malformed(description: "snapshot-ids") }
                return .removeSnapshots(ids.compactMap(\.intValue))
            case "remove-snapshot-ref": return .removeSnapshotRef(try string("ref-name"))
            case "set-location": return .setLocation(try string("location"))
            case "set-properties": return .setProperties(strings(item["updates"]))
            case "remove-properties":
                guard case let .array(keys)? = item["removals"] else { throw Malformed(description: "removals") }
                return .removeProperties(keys.compactMap(\.stringValue))
            default: throw Malformed(description: "unknown update \(item.text)")
            }
        }
    }
}
