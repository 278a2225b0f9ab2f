/// An error reading a Parquet file: what, where (byte offset) and in which file.
public struct ParquetReadError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// The file does not start or end with `PAR1`, or is too short.
        case notParquet
        /// A Thrift structure (footer, page header, index) cannot be decoded.
        case corruptMetadata(String)
        /// A required field is missing or has an invalid value.
        case invalidMetadata(String)
        /// Page data is corrupt (bad encoding, length, checksum).
        case corruptPage(String)
        /// A feature this reader does not implement.
        case unsupported(String)
        /// The file could not be read.
        case io(String)
    }

    public var kind: Kind
    public var offset: Int64?
    public var path: String?

    public init(_ kind: Kind, offset: Int64? = nil, path: String? = nil) {
        self.kind = kind
        self.offset = offset
        self.path = path
    }

    public var description: String {
        let location = (path ?? "") + (offset.map { " at offset \($0)" } ?? "")
        let prefix = location.isEmpty ? "" : location + ": "
        switch kind {
        case .notParquet: return prefix + "not a Parquet file"
        case let .corruptMetadata(why): return prefix + "corrupt metadata: \(why)"
        case let .invalidMetadata(why): return prefix + "invalid metadata: \(why)"
        case let .corruptPage(why): return prefix + "corrupt page: \(why)"
        case let .unsupported(why): return prefix + "unsupported: \(why)"
        case let .io(why): return prefix + "I/O error: \(why)"
        }
    }
}

extension ThriftStruct {
    func required(_ id: Int16, _ what: String) throws(ParquetReadError) -> Int64 {
        guard let v = int(id) else { throw ParquetReadError(.invalidMetadata("missing \(what)")) }
        return v
    }

    func enumValue<E: RawRepresentable>(_ id: Int16, _ what: String) throws(ParquetReadError) -> E where E.RawValue == Int32 {
        let raw = try required(id, what)
        guard let narrow = Int32(exactly: raw), let value = E(rawValue: narrow) else {
            throw ParquetReadError(.invalidMetadata("unknown \(what) \(raw)"))
        }
        return value
    }

    func int32(_ id: Int16, _ what: String) throws(ParquetReadError) -> Int32 {
        let raw = try required(id, what)
        guard let narrow = Int32(exactly: raw) else { throw ParquetReadError(.invalidMetadata("\(what) \(raw) out of range")) }
        return narrow
    }
}

extension LogicalType {
    init(thrift s: ThriftStruct) {
        guard let (id, value) = s.fields.first else { self = .unrecognized(id: 0); return }
        let inner: ThriftStruct
        if case let .structure(v) = value { inner = v } else { inner = ThriftStruct() }
        func unit(_ t: ThriftStruct?) -> TimeUnit {
            switch t?.fields.keys.first {
            case 1: return .millis
            case 3: return .nanos
            default: return .micros
            }
        }
        switch id {
        case 1: self = .string
        case 2: self = .map
        case 3: self = .list
        case 4: self = .enumeration
        case 5: self = .decimal(scale: Int32(truncatingIfNeeded: inner.int(1) ?? 0), precision: Int32(truncatingIfNeeded: inner.int(2) ?? 0))
        case 6: self = .date
        case 7: self = .time(isAdjustedToUTC: inner.bool(1) ?? false, unit: unit(inner.structure(2)))
        case 8: self = .timestamp(isAdjustedToUTC: inner.bool(1) ?? false, unit: unit(inner.structure(2)))
        case 10: self = .integer(bitWidth: Int8(truncatingIfNeeded: inner.int(1) ?? 32), isSigned: inner.bool(2) ?? true)
        case 11: self = .unknown
        case 12: self = .json
        case 13: self = .bson
        case 14: self = .uuid
        case 15: self = .float16
        default: self = .unrecognized(id: id)
        }
    }
}

extension ColumnStatistics {
    init(thrift s: ThriftStruct) {
        // Prefer min_value/max_value (5/6); legacy min/max (2/1) are signed-order only.
        minValue = s.binary(6) ?? s.binary(2)
        maxValue = s.binary(5) ?? s.binary(1)
        nullCount = s.int(3) ?? 0
        nullCountKnown = s.int(3) != nil
        distinctCount = s.int(4)
        isMaxValueExact = s.bool(7)
        isMinValueExact = s.bool(8)
        nanCount = s.int(9)
    }
}

extension SchemaElement {
    init(thrift s: ThriftStruct) throws(ParquetReadError) {
        guard let name = s.string(4) else { throw ParquetReadError(.invalidMetadata("schema element without a name")) }
        self.name = name
        type = s.int(1).flatMap { Int32(exactly: $0) }.flatMap(PhysicalType.init(rawValue:))
        typeLength = s.int(2).flatMap { Int32(exactly: $0) }
        repetition = s.int(3).flatMap { Int32(exactly: $0) }.flatMap(Repetition.init(rawValue:))
        numChildren = s.int(5).flatMap { Int32(exactly: $0) }
        convertedType = s.int(6).flatMap { Int32(exactly: $0) }.flatMap(ConvertedType.init(rawValue:))
        scale = s.int(7).flatMap { Int32(exactly: $0) }
        precision = s.int(8).flatMap { Int32(exactly: $0) }
        fieldID = s.int(9).flatMap { Int32(exactly: $0) }
        logicalType = s.structure(10).map(LogicalType.init(thrift:))
    }
}

extension ColumnMetaData {
    init(thrift s: ThriftStruct) throws(ParquetReadError) {
        type = try s.enumValue(1, "physical type")
        encodings = (s.list(2) ?? []).compactMap { if case let .int(v) = $0 { return Int32(exactly: v).flatMap(Encoding.init(rawValue:)) } else { return nil } }
        pathInSchema = (s.list(3) ?? []).compactMap { if case let .binary(b) = $0 { return String(decoding: b, as: UTF8.self) } else { return nil } }
        let codecRaw = try s.required(4, "codec")
        guard let c = Int32(exactly: codecRaw).flatMap(ParquetCodec.init(rawValue:)) else {
            throw ParquetReadError(.unsupported("compression codec \(codecRaw)"))
        }
        codec = c
        numValues = try s.required(5, "num_values")
        totalUncompressedSize = try s.required(6, "total_uncompressed_size")
        totalCompressedSize = try s.required(7, "total_compressed_size")
        var kv: [String: String] = [:]
        for entry in s.structList(8) ?? [] { if let k = entry.string(1) { kv[k] = entry.string(2) ?? "" } }
        keyValueMetadata = kv
        dataPageOffset = try s.required(9, "data_page_offset")
        dictionaryPageOffset = s.int(11)
        statistics = s.structure(12).map(ColumnStatistics.init(thrift:))
        encodingStats = (s.structList(13) ?? []).compactMap { e in
            guard let t = e.int(1).flatMap({ Int32(exactly: $0) }).flatMap(PageType.init(rawValue:)),
                  let enc = e.int(2).flatMap({ Int32(exactly: $0) }).flatMap(Encoding.init(rawValue:)) else { return nil }
            return PageEncodingStats(pageType: t, encoding: enc, count: Int32(truncatingIfNeeded: e.int(3) ?? 0))
        }
        bloomFilterOffset = s.int(14)
        bloomFilterLength = s.int(15).flatMap { Int32(exactly: $0) }  // a wrong wire type (a list) is ignored
        sizeStatistics = s.structure(16).map { z in
            func longs(_ id: Int16) -> [Int64]? { z.list(id)?.compactMap { if case let .int(v) = $0 { return v } else { return nil } } }
            return SizeStatistics(unencodedByteArrayDataBytes: z.int(1), repetitionLevelHistogram: longs(2), definitionLevelHistogram: longs(3))
        }
    }
}

extension FileMetaData {
    /// Decodes a serialized footer.
    init(decoding bytes: [UInt8]) throws(ParquetReadError) {
        var reader = CompactReader(bytes)
        let s: ThriftStruct
        do { s = try reader.readStruct() } catch {
            throw ParquetReadError(.corruptMetadata(error.message), offset: Int64(error.offset))
        }
        version = Int32(truncatingIfNeeded: s.int(1) ?? 1)
        var elements: [SchemaElement] = []
        for e in s.structList(2) ?? [] { elements.append(try SchemaElement(thrift: e)) }
        guard !elements.isEmpty else { throw ParquetReadError(.invalidMetadata("empty schema")) }
        schema = elements
        numRows = try s.required(3, "num_rows")
        var groups: [RowGroup] = []
        for (ordinal, g) in (s.structList(4) ?? []).enumerated() {
            var columns: [ColumnChunk] = []
            for c in g.structList(1) ?? [] {
                guard let meta = c.structure(3) else { throw ParquetReadError(.invalidMetadata("column chunk without meta_data")) }
                columns.append(ColumnChunk(metaData: try ColumnMetaData(thrift: meta), offsetIndexOffset: c.int(4),
                                           offsetIndexLength: c.int(5).flatMap { Int32(exactly: $0) },
                                           columnIndexOffset: c.int(6), columnIndexLength: c.int(7).flatMap { Int32(exactly: $0) }))
            }
            groups.append(RowGroup(columns: columns, totalByteSize: g.int(2) ?? 0, numRows: try g.required(3, "row group num_rows"),
                                   fileOffset: g.int(5) ?? 0, totalCompressedSize: g.int(6) ?? 0,
                                   ordinal: Int16(truncatingIfNeeded: g.int(7) ?? Int64(ordinal))))
        }
        rowGroups = groups
        var kv: [String: String] = [:]
        for entry in s.structList(5) ?? [] { if let k = entry.string(1) { kv[k] = entry.string(2) ?? "" } }
        keyValueMetadata = kv
        createdBy = s.string(6) ?? ""
        columnOrderCount = s.list(7)?.count ?? 0
    }
}
