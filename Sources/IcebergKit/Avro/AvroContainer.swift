import Synchronization
import LakeColumnar
import LakeCodecs

/// Avro object-container codecs.
public enum AvroCodec: String, Sendable, Hashable, CaseIterable {
    case null
    case deflate
    case snappy
    case zstandard
}

/// Writes an Avro object container file: header (schema, codec, user metadata, sync marker) and
/// blocks of records, each compressed with the codec and followed by the sync marker.
public struct AvroContainerWriter {
    public let schema: AvroSchema
    public let codec: AvroCodec
    private var output: [UInt8] = []
    private var block: [UInt8] = []
    private var blockCount = 0
    private let sync: [UInt8]
    /// Records per block (Iceberg writers use blocks of a few thousand records).
    public var recordsPerBlock = 4096

    public init(schema: AvroSchema, codec: AvroCodec = .deflate, metadata: [String: String] = [:]) {
        self.schema = schema
        self.codec = codec
        var generator = SystemRandomNumberGenerator()
        sync = Identifiers.randomBytes16(using: &generator)
        output = [0x4F, 0x62, 0x6A, 0x01]
        var meta = metadata
        meta["avro.schema"] = JSONText.serialize(schema.json)
        meta["avro.codec"] = codec.rawValue
        AvroBinary.writeLong(Int64(meta.count), &output)
        for (k, v) in meta.sorted(by: { $0.key < $1.key }) {
            AvroBinary.writeBytes(Array(k.utf8), &output)
            AvroBinary.writeBytes(Array(v.utf8), &output)
        }
        output.append(0)
        output += sync
    }

    /// Appends one record (a value of `schema`).
    public mutating func append(_ value: AvroValue) throws(AvroError) {
        try AvroBinary.encode(value, schema, &block)
        blockCount += 1
        if blockCount >= recordsPerBlock { try flush() }
    }

    private mutating func flush() throws(AvroError) {
        guard blockCount > 0 else { return }
        let data: [UInt8]
        do {
            switch codec {
            case .null: data = block
            case .deflate: data = try Gzip.compress(block, format: .raw)
            case .snappy:
                // Avro's snappy: the raw block plus the big-endian CRC-32 of the uncompressed bytes.
                let crc = CRC32.checksum(block)
                data = Snappy.compress(block) + [UInt8(crc >> 24), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc & 0xFF)]
            case .zstandard: data = try Zstd.compress(block)
            }
        } catch {
            throw AvroError(.corrupt("compression failed: \(error)"))
        }
        AvroBinary.writeLong(Int64(blockCount), &output)
        AvroBinary.writeLong(Int64(data.count), &output)
        output += data
        output += sync
        block.removeAll(keepingCapacity: true)
        blockCount = 0
    }

    /// Finishes the file and returns its bytes.
    public mutating func finish() throws(AvroError) -> [UInt8] {
        try flush()
        return output
    }
}

/// Reads an Avro object container file held in memory.
public struct AvroContainerReader {
    public let schema: AvroSchema
    public let codec: AvroCodec
    /// The header's metadata (`avro.schema`, `avro.codec` and user keys).
    public let metadata: [String: [UInt8]]
    let bytes: [UInt8]
    let dataStart: Int
    let sync: [UInt8]
    let path: String?

    /// Parses the header; `path` names the file in errors.
    public init(bytes: [UInt8], path: String? = nil) throws(AvroError) {
        self.bytes = bytes
        self.path = path
        guard bytes.count >= 4, bytes[0] == 0x4F, bytes[1] == 0x62, bytes[2] == 0x6A, bytes[3] == 0x01 else {
            throw AvroError(.notAvro, offset: 0, path: path)
        }
        var decoder = AvroBinary.Decoder(bytes: bytes, position: 4, end: bytes.count)
        var meta: [String: [UInt8]] = [:]
        do throws(AvroError) {
            while true {
                var count = try decoder.long()
                if count == 0 { break }
                if count < 0 {
                    guard count != .min else { throw AvroError(.corrupt("invalid block count"), offset: decoder.position) }
                    count = -count
                    _ = try decoder.long()
                }
                guard count <= bytes.count else { throw AvroError(.corrupt("metadata block of \(count) entries"), offset: decoder.position) }
                for _ in 0..<count {
                    let key = String(decoding: try decoder.raw(Int(clamping: try decoder.long())), as: UTF8.self)
                    meta[key] = try decoder.raw(Int(clamping: try decoder.long()))
                }
            }
            sync = try decoder.raw(16)
        } catch {
            throw AvroError(error.kind, offset: error.offset, path: path)
        }
        metadata = meta
        dataStart = decoder.position
        guard let schemaBytes = meta["avro.schema"] else { throw AvroError(.invalidSchema("no avro.schema in the header"), path: path) }
        if let cached = AvroSchemaCache.shared.schema(for: schemaBytes) {
            schema = cached
        } else {
            let json: AvroJSON
            do {
                json = try JSONText.parse(String(decoding: schemaBytes, as: UTF8.self))
            } catch {
                throw AvroError(.invalidSchema("\(error)"), path: path)
            }
            do {
                schema = try AvroSchema(json: json)
            } catch {
                throw AvroError(error.kind, path: path)
            }
            AvroSchemaCache.shared.store(schema, for: schemaBytes)
        }
        let codecName = meta["avro.codec"].map { String(decoding: $0, as: UTF8.self) } ?? "null"
        guard let c = AvroCodec(rawValue: codecName) else { throw AvroError(.unsupportedCodec(codecName), path: path) }
        codec = c
    }

    /// The header metadata value for `key` as text.
    public func metadataString(_ key: String) -> String? { metadata[key].map { String(decoding: $0, as: UTF8.self) } }

    /// Every record in the file, decoded with the writer's schema.
    public func records() throws(AvroError) -> [AvroValue] {
        let schema = self.schema
        return try decodeRecords { (decoder) throws(AvroError) in try decoder.decode(schema) }
    }

    /// Decodes every record with `body`, which reads one record from the decoder it is given
    /// (for readers that decode straight into their own types).
    func decodeRecords<T>(_ body: (inout AvroBinary.Decoder) throws(AvroError) -> T) throws(AvroError) -> [T] {
        var out: [T] = []
        var cursor = AvroBinary.Decoder(bytes: bytes, position: dataStart, end: bytes.count)
        do throws(AvroError) {
            while cursor.position < bytes.count {
                let count = try cursor.long()
                let size = try cursor.long()
                guard count >= 0, size >= 0, size <= Int64(bytes.count - cursor.position) else {
                    throw AvroError(.corrupt("block of \(count) records and \(size) bytes"), offset: cursor.position)
                }
                let blockStart = cursor.position
                let raw = try cursor.raw(Int(size))
                let marker = try cursor.raw(16)
                guard marker == sync else { throw AvroError(.corrupt("sync marker mismatch"), offset: cursor.position - 16) }
                let data = try decompress(raw, at: blockStart)
                var decoder = AvroBinary.Decoder(bytes: data, position: 0, end: data.count)
                for _ in 0..<count { out.append(try body(&decoder)) }
            }
        } catch {
            throw AvroError(error.kind, offset: error.offset, path: path)
        }
        return out
    }

    func decompress(_ raw: [UInt8], at offset: Int) throws(AvroError) -> [UInt8] {
        do throws(CodecError) {
            switch codec {
            case .null: return raw
            case .deflate: return try Gzip.decompress(raw, format: .raw, limit: 1 << 30, ignoringTrailingData: true)
            case .zstandard: return try Zstd.decompress(raw, limit: 1 << 30)
            case .snappy:
                guard raw.count >= 4 else { throw CodecError(.snappy, .truncated) }
                let data = try Snappy.decompress(Array(raw.dropLast(4)), limit: 1 << 30)
                let stored = raw.suffix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
                guard CRC32.checksum(data) == stored else { throw CodecError(.snappy, .corrupt("block checksum mismatch")) }
                return data
            }
        } catch {
            throw AvroError(.corrupt("decompression failed: \(error)"), offset: offset)
        }
    }
}

/// Schemas parsed from Avro file headers, by the header's schema text. The manifests of a table
/// mostly share one schema, so planning parses it once rather than once per manifest.
final class AvroSchemaCache: Sendable {
    static let shared = AvroSchemaCache()
    /// By a fast hash of the text; the text itself confirms a hit.
    private let entries = Mutex<[UInt64: (text: [UInt8], schema: AvroSchema)]>([:])
    private static let limit = 64

    func schema(for text: [UInt8]) -> AvroSchema? {
        let key = Self.key(text)
        return entries.withLock { cache in cache[key].flatMap { $0.text == text ? $0.schema : nil } }
    }

    func store(_ schema: AvroSchema, for text: [UInt8]) {
        let key = Self.key(text)
        entries.withLock { cache in
            if cache.count >= Self.limit { cache.removeAll(keepingCapacity: true) }
            cache[key] = (text, schema)
        }
    }

    private static func key(_ text: [UInt8]) -> UInt64 {
        text.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return 0 }
            let (first, last) = RawBytes.words(base, raw.count)
            return RawBytes.hash(first, last, base, raw.count)
        }
    }
}
