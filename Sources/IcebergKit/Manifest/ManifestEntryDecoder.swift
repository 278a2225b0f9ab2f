import LakeColumnar

/// Decodes manifest entries from Avro binary straight into ``ManifestEntry`` values.
///
/// Fields are found by Iceberg field id in the file's own writer schema, so manifests written
/// by any implementation (other field orders, extra or missing optional fields) decode the same
/// way; fields not needed are skipped without being materialised. Planning reads every
/// manifest of a snapshot, and a generic value tree per entry (hundreds of small allocations
/// for the column metrics maps) was most of its cost.
///
/// With ``statsColumns`` set, the per-column metrics maps (sizes, value, null and NaN counts,
/// bounds) keep only those field ids: the other pairs are walked past without being built, and
/// with no column at all each map is skipped whole (by its blocks' byte counts when the writer
/// wrote them), as Java's `ManifestReader.select` drops the stats planning does not use.
struct ManifestEntryDecoder {
    let partitionFieldIDs: [Int32]
    let partitionTypes: [IcebergType]?
    /// The field ids whose metrics are decoded; nil decodes every column's (maintenance that
    /// rewrites entries must carry every stat unchanged).
    var statsColumns: [Int32]? = nil

    /// Decodes one `manifest_entry` record of `schema`.
    func decode(_ d: inout AvroBinary.Decoder, schema: AvroSchema, manifest: ManifestFile) throws(AvroError) -> ManifestEntry? {
        guard case let .record(entry) = schema.base else { return nil }
        var status: Int64 = 1
        var snapshotID: Int64?, sequenceNumber: Int64?, fileSequenceNumber: Int64?
        var file: DataFile?
        for f in entry.fields {
            switch f.fieldID {
            case 0: status = try d.optionalLong(f.type) ?? 1
            case 1: snapshotID = try d.optionalLong(f.type)
            case 3: sequenceNumber = try d.optionalLong(f.type)
            case 4: fileSequenceNumber = try d.optionalLong(f.type)
            case 2: file = try dataFile(&d, f.type)
            default: try d.skip(f.type)
            }
        }
        guard let file else { return nil }
        let resolvedStatus = ManifestEntry.Status(rawValue: Int32(truncatingIfNeeded: status)) ?? .added
        return ManifestEntry(status: resolvedStatus, snapshotID: snapshotID ?? manifest.addedSnapshotID,
                             sequenceNumber: sequenceNumber ?? (resolvedStatus == .added ? manifest.sequenceNumber : 0),
                             fileSequenceNumber: fileSequenceNumber ?? sequenceNumber ?? manifest.sequenceNumber, dataFile: file)
    }

    private func dataFile(_ d: inout AvroBinary.Decoder, _ schema: AvroSchema) throws(AvroError) -> DataFile? {
        guard case let .record(r) = schema.base else {
            try d.skip(schema)
            return nil
        }
        var path: String?
        var file = DataFile(filePath: "", partition: [], recordCount: 0, fileSizeInBytes: 0)
        for f in r.fields {
            switch f.fieldID {
            case 100: path = try d.optionalString(f.type)
            case 101: file.fileFormat = try d.optionalString(f.type) ?? "PARQUET"
            case 134: file.content = Int32(truncatingIfNeeded: try d.optionalLong(f.type) ?? 0)
            case 102: file.partition = try partition(&d, f.type)
            case 103: file.recordCount = try d.optionalLong(f.type) ?? 0
            case 104: file.fileSizeInBytes = try d.optionalLong(f.type) ?? 0
            case 108: file.columnSizes = try d.intKeyedMap(f.type, keeping: statsColumns) { (d, s) throws(AvroError) in try d.optionalLong(s) }
            case 109: file.valueCounts = try d.intKeyedMap(f.type, keeping: statsColumns) { (d, s) throws(AvroError) in try d.optionalLong(s) }
            case 110: file.nullValueCounts = try d.intKeyedMap(f.type, keeping: statsColumns) { (d, s) throws(AvroError) in try d.optionalLong(s) }
            case 137: file.nanValueCounts = try d.intKeyedMap(f.type, keeping: statsColumns) { (d, s) throws(AvroError) in try d.optionalLong(s) }
            case 125: file.lowerBounds = try d.intKeyedMap(f.type, keeping: statsColumns) { (d, s) throws(AvroError) in try d.optionalBytes(s) }
            case 128: file.upperBounds = try d.intKeyedMap(f.type, keeping: statsColumns) { (d, s) throws(AvroError) in try d.optionalBytes(s) }
            case 132: file.splitOffsets = try d.optionalLongArray(f.type)
            case 135: file.equalityIDs = try d.optionalLongArray(f.type).map { $0.map { Int32(truncatingIfNeeded: $0) } }
            case 143: file.referencedDataFile = try d.optionalString(f.type)
            case 144: file.contentOffset = try d.optionalLong(f.type)
            case 140: file.sortOrderID = try d.optionalLong(f.type).map { Int32(truncatingIfNeeded: $0) }
            default: try d.skip(f.type)
            }
        }
        guard let path else { return nil }
        file.filePath = path
        return file
    }

    private func partition(_ d: inout AvroBinary.Decoder, _ schema: AvroSchema) throws(AvroError) -> [Scalar?] {
        guard case let .record(r) = schema.base else {
            try d.skip(schema)
            return partitionFieldIDs.map { _ in nil }
        }
        var values: [Int32: Scalar] = [:]
        for f in r.fields {
            guard let id = f.fieldID, let k = partitionFieldIDs.firstIndex(of: id) else {
                try d.skip(f.type)
                continue
            }
            let isDecimal: Bool
            if case .decimal? = partitionTypes?[k] { isDecimal = true } else { isDecimal = false }
            if let v = try d.partitionScalar(f.type, decimal: isDecimal) { values[id] = v }
        }
        return partitionFieldIDs.map { values[$0] }
    }
}

extension AvroBinary.Decoder {
    /// The branch of an optional (`["null", T]`, in either order): the schema to read, or nil
    /// for a null (already consumed).
    mutating func branch(_ schema: AvroSchema) throws(AvroError) -> AvroSchema? {
        guard case let .union(branches) = schema.base else { return schema }
        let i = try long()
        guard i >= 0, i < branches.count else { throw AvroError(.corrupt("union branch \(i) of \(branches.count)"), offset: position) }
        let chosen = branches[Int(i)]
        return chosen.base == .null ? nil : chosen
    }

    mutating func optionalLong(_ schema: AvroSchema) throws(AvroError) -> Int64? {
        guard let s = try branch(schema) else { return nil }
        switch s.base {
        case .int, .long: return try long()
        default:
            try skip(s)
            return nil
        }
    }

    mutating func optionalString(_ schema: AvroSchema) throws(AvroError) -> String? {
        guard let s = try branch(schema) else { return nil }
        guard s.base == .string || s.base == .bytes else {
            try skip(s)
            return nil
        }
        let n = Int(clamping: try long())
        guard n >= 0, n <= end - position else { throw AvroError(.corrupt("length \(n) exceeds the \(end - position) bytes left"), offset: position) }
        defer { position += n }
        guard let text = String(validating: bytes[position..<(position + n)], as: UTF8.self) else {
            throw AvroError(.corrupt("string is not UTF-8"), offset: position)
        }
        return text
    }

    mutating func optionalBytes(_ schema: AvroSchema) throws(AvroError) -> [UInt8]? {
        guard let s = try branch(schema) else { return nil }
        switch s.base {
        case .bytes, .string: return try raw(Int(clamping: try long()))
        case let .fixed(_, size): return try raw(size)
        default:
            try skip(s)
            return nil
        }
    }

    mutating func optionalLongArray(_ schema: AvroSchema) throws(AvroError) -> [Int64]? {
        guard let s = try branch(schema) else { return nil }
        guard case let .array(items, _) = s.base, items.base == .long || items.base == .int else {
            try skip(s)
            return nil
        }
        var out: [Int64] = []
        try forEachBlockItem { (d) throws(AvroError) in out.append(try d.long()) }
        return out
    }

    /// An int-keyed map as Iceberg writes it: an array of `{key, value}` records. With `keys`,
    /// only those keys' values are decoded (the others skipped unbuilt); an empty `keys` skips
    /// the map whole.
    mutating func intKeyedMap<T>(_ schema: AvroSchema, keeping keys: [Int32]? = nil,
                                 _ value: (inout AvroBinary.Decoder, AvroSchema) throws(AvroError) -> T?) throws(AvroError) -> [Int32: T] {
        guard let s = try branch(schema) else { return [:] }
        guard case let .array(items, _) = s.base, case let .record(pair) = items.base, pair.fields.count == 2 else {
            try skip(s)
            return [:]
        }
        if let keys, keys.isEmpty {
            try skipFlatRecords(pair, items)
            return [:]
        }
        let keyFirst = pair.fields[0].name != "value"
        let keySchema = pair.fields[keyFirst ? 0 : 1].type, valueSchema = pair.fields[keyFirst ? 1 : 0].type
        var out: [Int32: T] = [:]
        try forEachBlockItem { (d) throws(AvroError) in
            var key: Int64?
            var v: T?
            if keyFirst {
                key = try d.optionalLong(keySchema)
                if let keys, let k = key, !keys.contains(Int32(truncatingIfNeeded: k)) {
                    try d.skip(valueSchema)
                    return
                }
                v = try value(&d, valueSchema)
            } else {
                v = try value(&d, valueSchema)
                key = try d.optionalLong(keySchema)
            }
            if let key, let v {
                let k = Int32(truncatingIfNeeded: key)
                if keys?.contains(k) ?? true { out[k] = v }
            }
        }
        return out
    }

    /// Moves past an array of `items`, records `record` of ints, longs, strings or bytes only (a
    /// metrics map's `{key, value}` pairs), reading each field's varint without going through
    /// the schema per item; any other shape goes through ``skipBlocks(_:depth:mapKeys:)``.
    mutating func skipFlatRecords(_ record: AvroRecord, _ items: AvroSchema) throws(AvroError) {
        var lengthPrefixed: [Bool] = []
        lengthPrefixed.reserveCapacity(record.fields.count)
        for f in record.fields {
            switch f.type.base {
            case .int, .long: lengthPrefixed.append(false)
            case .bytes, .string: lengthPrefixed.append(true)
            default:
                try skipBlocks(items)
                return
            }
        }
        try forEachUnsizedBlockItem { decoder throws(AvroError) in
            for prefixed in lengthPrefixed {
                let v = try decoder.long()
                if prefixed { try decoder.advance(Int(clamping: v)) }
            }
        }
    }

    /// Moves past an array's or map's blocks: a block whose writer recorded its byte size is
    /// jumped over, the others are walked item by item without being built.
    mutating func skipBlocks(_ items: AvroSchema, depth: Int = 0, mapKeys: Bool = false) throws(AvroError) {
        try forEachUnsizedBlockItem { decoder throws(AvroError) in
            if mapKeys { try decoder.advance(Int(clamping: try decoder.long())) }
            try decoder.skip(items, depth: depth + 1)
        }
    }

    /// Walks an array's or map's blocks: a block whose writer recorded its byte size (a negative
    /// count) is jumped over whole; `item` moves past each item of the other blocks.
    @inline(__always)
    mutating func forEachUnsizedBlockItem(_ item: (inout AvroBinary.Decoder) throws(AvroError) -> Void) throws(AvroError) {
        while true {
            var count = try long()
            if count == 0 { return }
            if count < 0 {
                guard count != .min else { throw AvroError(.corrupt("invalid block count"), offset: position) }
                count = -count
                try advance(Int(clamping: try long()))
                continue
            }
            guard count <= end - position else { throw AvroError(.corrupt("block of \(count) items exceeds the data"), offset: position) }
            for _ in 0..<count { try item(&self) }
        }
    }

    /// A partition value as a storage scalar (decimals as `.decimal128` when `decimal`).
    mutating func partitionScalar(_ schema: AvroSchema, decimal: Bool) throws(AvroError) -> Scalar? {
        guard let s = try branch(schema) else { return nil }
        switch s.base {
        case .int:
            guard let v = Int32(exactly: try long()) else { throw AvroError(.corrupt("int out of range"), offset: position) }
            return .int32(v)
        case .long: return .int64(try long())
        case .boolean: return .boolean(try byte() == 1)
        case .float:
            let b = try raw(4)
            return .float32(Float(bitPattern: UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 | UInt32(b[3]) << 24))
        case .double:
            let b = try raw(8)
            var bits: UInt64 = 0
            for k in 0..<8 { bits |= UInt64(b[k]) << (8 * UInt64(k)) }
            return .float64(Double(bitPattern: bits))
        case .string, .bytes:
            return .binary(try raw(Int(clamping: try long())))
        case let .fixed(_, size):
            let b = try raw(size)
            return decimal ? .decimal128(ManifestReader.signedBigEndian(b)) : .binary(b)
        default:
            try skip(s)
            return nil
        }
    }

    /// Calls `body` for every item of an array's blocks.
    mutating func forEachBlockItem(_ body: (inout AvroBinary.Decoder) throws(AvroError) -> Void) throws(AvroError) {
        while true {
            var count = try long()
            if count == 0 { return }
            if count < 0 {
                guard count != .min else { throw AvroError(.corrupt("invalid block count"), offset: position) }
                count = -count
                _ = try long()  // block size in bytes
            }
            guard count <= end - position else { throw AvroError(.corrupt("block of \(count) items exceeds the data"), offset: position) }
            for _ in 0..<count { try body(&self) }
        }
    }

    /// Moves past a value of `schema` without building it.
    mutating func skip(_ schema: AvroSchema, depth: Int = 0) throws(AvroError) {
        guard depth < 64 else { throw AvroError(.corrupt("values nested too deeply"), offset: position) }
        switch schema {
        case let .logical(inner, _, _): try skip(inner, depth: depth)
        case .null: break
        case .boolean: _ = try byte()
        case .int, .long, .enumeration: _ = try long()
        case .float: try advance(4)
        case .double: try advance(8)
        case .bytes, .string: try advance(Int(clamping: try long()))
        case let .fixed(_, size): try advance(size)
        case let .record(r): for f in r.fields { try skip(f.type, depth: depth + 1) }
        case let .array(items, _): try skipBlocks(items, depth: depth)
        case let .map(values, _, _): try skipBlocks(values, depth: depth, mapKeys: true)
        case let .union(branches):
            let i = try long()
            guard i >= 0, i < branches.count else { throw AvroError(.corrupt("union branch \(i) of \(branches.count)"), offset: position) }
            try skip(branches[Int(i)], depth: depth + 1)
        }
    }

    mutating func advance(_ n: Int) throws(AvroError) {
        guard n >= 0, n <= end - position else { throw AvroError(.corrupt("length \(n) exceeds the \(end - position) bytes left"), offset: position) }
        position += n
    }
}
