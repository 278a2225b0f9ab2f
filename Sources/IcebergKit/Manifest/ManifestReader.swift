import LakeColumnar

/// Field access by Iceberg field id, so manifests from any writer (field order, extra fields)
/// decode the same way.
struct AvroRecordView {
    let schema: AvroRecord
    let values: [AvroValue]

    init?(_ schema: AvroSchema, _ value: AvroValue) {
        guard case let .record(r) = schema.base, case let .record(v) = value.unwrapped, r.fields.count == v.count else { return nil }
        self.schema = r
        values = v
    }

    func field(_ id: Int32) -> (AvroSchema, AvroValue)? {
        guard let i = schema.fields.firstIndex(where: { $0.fieldID == id }) else { return nil }
        return (Self.unwrapSchema(schema.fields[i].type, values[i]), values[i].unwrapped)
    }

    /// The branch schema a union value took.
    static func unwrapSchema(_ s: AvroSchema, _ v: AvroValue) -> AvroSchema {
        if case let .union(branches) = s.base, case let .union(i, _) = v, i < branches.count { return branches[i] }
        return s
    }

    func long(_ id: Int32) -> Int64? {
        switch field(id)?.1 {
        case let .long(v)?: return v
        case let .int(v)?: return Int64(v)
        default: return nil
        }
    }

    func string(_ id: Int32) -> String? { if case let .string(s)? = field(id)?.1 { return s } else { return nil } }

    func bool(_ id: Int32) -> Bool? { if case let .boolean(b)? = field(id)?.1 { return b } else { return nil } }

    func bytes(_ id: Int32) -> [UInt8]? {
        switch field(id)?.1 {
        case let .bytes(b)?, let .fixed(b)?: return b
        default: return nil
        }
    }

    func record(_ id: Int32) -> AvroRecordView? { field(id).flatMap { AvroRecordView($0.0, $0.1) } }

    /// An int-keyed map stored as an array of key/value records (or an Avro map).
    func intMap(_ id: Int32) -> [Int32: AvroValue] { intMap(id) { $0 } }

    /// An int-keyed map stored as an array of key/value records, its values converted by
    /// `value` (entries it returns nil for are left out): typed in one pass.
    func intMap<T>(_ id: Int32, _ value: (AvroValue) -> T?) -> [Int32: T] {
        guard let (s, v) = field(id), case let .array(items) = v, case .array = s.base else { return [:] }
        var out: [Int32: T] = [:]
        out.reserveCapacity(items.count)
        for item in items {
            guard case let .record(kv) = item.unwrapped, kv.count == 2, case let .int(k) = kv[0].unwrapped,
                  let converted = value(kv[1].unwrapped) else { continue }
            out[k] = converted
        }
        return out
    }
}

/// Reads manifest lists and manifests (format v1 and v2) into plain values.
public enum ManifestReader {
    /// A big-endian two's complement integer of up to 16 bytes.
    static func signedBigEndian(_ bytes: [UInt8]) -> Int128 {
        guard let first = bytes.first else { return 0 }
        var v: Int128 = first & 0x80 != 0 ? -1 : 0
        for b in bytes.suffix(16) { v = v << 8 | Int128(b) }
        return v
    }

    /// Decodes an Avro file, mapping its errors to an ``IcebergError`` naming the file.
    static func open(_ bytes: [UInt8], path: String) throws(IcebergError) -> (AvroSchema, [AvroValue]) {
        do {
            let reader = try AvroContainerReader(bytes: bytes, path: path)
            return (reader.schema, try reader.records())
        } catch {
            throw IcebergError(.invalidMetadata("\(error)"), path: path)
        }
    }

    public static func manifestList(_ bytes: [UInt8], path: String) throws(IcebergError) -> [ManifestFile] {
        let (schema, records) = try open(bytes, path: path)
        return try manifestList(schema: schema, records: records, path: path)
    }

    /// The manifest list entries of `records` (read with `schema` from the list at `path`).
    static func manifestList(schema: AvroSchema, records: [AvroValue], path: String) throws(IcebergError) -> [ManifestFile] {
        try records.map { (r) throws(IcebergError) -> ManifestFile in
            guard let v = AvroRecordView(schema, r), let manifestPath = v.string(500) else {
                throw IcebergError(.invalidMetadata("manifest list entry without manifest_path"), path: path)
            }
            var file = ManifestFile(manifestPath: manifestPath, manifestLength: v.long(501) ?? 0,
                                    partitionSpecID: Int32(truncatingIfNeeded: v.long(502) ?? 0), content: Int32(truncatingIfNeeded: v.long(517) ?? 0),
                                    sequenceNumber: v.long(515) ?? 0, minSequenceNumber: v.long(516) ?? 0, addedSnapshotID: v.long(503) ?? 0,
                                    addedFilesCount: Int32(truncatingIfNeeded: v.long(504) ?? 0), existingFilesCount: Int32(truncatingIfNeeded: v.long(505) ?? 0),
                                    deletedFilesCount: Int32(truncatingIfNeeded: v.long(506) ?? 0), addedRowsCount: v.long(512) ?? 0,
                                    existingRowsCount: v.long(513) ?? 0, deletedRowsCount: v.long(514) ?? 0, partitions: [])
            if let (s, value) = v.field(507), case let .array(itemSchema, _) = s.base, case let .array(items) = value {
                for item in items {
                    guard let p = AvroRecordView(itemSchema, item) else { continue }
                    file.partitions.append(ManifestFile.FieldSummary(containsNull: p.bool(509) ?? true, containsNaN: p.bool(518),
                                                                     lowerBound: p.bytes(510), upperBound: p.bytes(511)))
                }
            }
            file.keyMetadata = v.bytes(519)
            return file
        }
    }

    /// The entries of a manifest; ADDED entries inherit `sequenceNumber` and `snapshotID` from the list.
    /// With `partitionTypes` (in the order of `partitionFieldIDs`), decimal partition values come
    /// back as `.decimal128` rather than their raw bytes. With `statsColumns`, the entries'
    /// column metrics (sizes, value, null and NaN counts, bounds) hold only those field ids
    /// (none when empty): planning decodes the metrics its filter needs and no other; nil, the
    /// default, keeps every column's, as a rewrite of the entries must.
    public static func entries(_ bytes: [UInt8], path: String, manifest: ManifestFile,
                               partitionFieldIDs: [Int32], partitionTypes: [IcebergType]? = nil,
                               statsColumns: [Int32]? = nil) throws(IcebergError) -> [ManifestEntry] {
        let reader: AvroContainerReader
        do {
            reader = try AvroContainerReader(bytes: bytes, path: path)
        } catch {
            throw IcebergError(.invalidMetadata("\(error)"), path: path)
        }
        let decoder = ManifestEntryDecoder(partitionFieldIDs: partitionFieldIDs, partitionTypes: partitionTypes, statsColumns: statsColumns)
        let schema = reader.schema
        let decoded: [ManifestEntry?]
        do {
            decoded = try reader.decodeRecords { (d) throws(AvroError) in try decoder.decode(&d, schema: schema, manifest: manifest) }
        } catch {
            throw IcebergError(.invalidMetadata("\(error)"), path: path)
        }
        var out: [ManifestEntry] = []
        out.reserveCapacity(decoded.count)
        for entry in decoded {
            guard let entry else { throw IcebergError(.invalidMetadata("manifest entry without data_file.file_path"), path: path) }
            out.append(entry)
        }
        return out
    }
}
