import LakeCodecs
import LakeColumnar

/// Reads one column chunk's pages into a `LeafBuffer` (levels and non-null values).
struct ColumnChunkReader {
    let file: any ParquetByteSource
    let chunk: ColumnChunk
    let descriptor: LeafDescriptor
    let verifyChecksums: Bool
    /// Refuse pages claiming more than this (hostile sizes must not allocate).
    static let maximumPageSize = 1 << 30
    /// Refuse pages claiming more values than this: a page's levels and values are decoded
    /// whole, and a few bytes of run-length or zero-width delta data can claim a billion values
    /// (8 GB of `Int64`s). 64 Mi values is far beyond any writer's page (Java and arrow cap
    /// pages at 20,000 rows and 1 MiB by default) and bounds a page at 512 MB of values.
    static let maximumPageValues = 1 << 26

    /// A page header's value count, nil when missing or negative; a count past
    /// ``maximumPageValues`` is refused by name rather than allocated.
    private func pageValueCount(_ count: Int64?, _ pageOffset: Int64) throws(ParquetReadError) -> Int64? {
        guard let count, count >= 0 else { return nil }
        guard count <= Int64(Self.maximumPageValues) else {
            throw error(.unsupported("a page of \(count) values (this reader takes at most \(Self.maximumPageValues) a page)"), pageOffset)
        }
        return count
    }

    /// The dictionary of the chunk, decoded PLAIN into a leaf buffer's value arrays.
    private var dictionary: LeafBuffer?

    init(file: any ParquetByteSource, chunk: ColumnChunk, descriptor: LeafDescriptor, verifyChecksums: Bool) {
        self.file = file
        self.chunk = chunk
        self.descriptor = descriptor
        self.verifyChecksums = verifyChecksums
    }

    func error(_ kind: ParquetReadError.Kind, _ offset: Int64) -> ParquetReadError {
        ParquetReadError(kind, offset: offset, path: file.path)
    }

    /// The chunk's bytes and where they start in the file.
    func chunkBytes() throws(ParquetReadError) -> (bytes: [UInt8], start: Int64) {
        let m = chunk.metaData
        var start = m.dataPageOffset
        if let d = m.dictionaryPageOffset, d > 0, d < start { start = d }
        let length = m.totalCompressedSize
        guard start >= 4, length >= 0, start <= file.size - length else {
            throw error(.invalidMetadata("column chunk \(m.pathInSchema.joined(separator: ".")) range \(start)+\(length) outside the file"), start)
        }
        return (try file.read(at: start, count: Int(length)), start)
    }

    /// Reads every page of the chunk.
    mutating func read(rowLimit: Int64) throws(ParquetReadError) -> LeafBuffer {
        let m = chunk.metaData
        guard m.numValues > 0 else { return LeafBuffer(descriptor: descriptor) }
        let (bytes, start) = try chunkBytes()
        var leaf = LeafBuffer(descriptor: descriptor)
        var position = 0
        var valuesRead: Int64 = 0
        while position < bytes.count && valuesRead < m.numValues {
            let (next, values) = try decodePage(bytes, at: position, base: start, into: &leaf)
            position = next
            valuesRead += values
        }
        guard valuesRead == m.numValues else {
            throw error(.corruptPage("column chunk holds \(valuesRead) values, metadata says \(m.numValues)"), start)
        }
        return leaf
    }

    /// Decodes the page whose header starts at `position` of `bytes` (file offset `base` + position),
    /// appending data pages to `leaf` and keeping a dictionary page for later ones.
    /// Returns the position after the page and the level entries it held.
    mutating func decodePage(_ bytes: [UInt8], at position: Int, base start: Int64,
                             into leaf: inout LeafBuffer) throws(ParquetReadError) -> (next: Int, values: Int64) {
        let pageOffset = start + Int64(position)
        var reader = CompactReader(bytes, position: position)
        let header: ThriftStruct
        do { header = try reader.readStruct() } catch {
            throw self.error(.corruptMetadata("page header: \(error.message)"), start + Int64(error.offset))
        }
        let type = header.int(1)
        guard let uncompressedSize = header.int(2), let compressedSize = header.int(3),
              uncompressedSize >= 0, compressedSize >= 0, uncompressedSize <= Self.maximumPageSize else {
            throw self.error(.corruptMetadata("page header without valid sizes"), pageOffset)
        }
        let bodyStart = reader.position
        guard compressedSize <= bytes.count - bodyStart else {
            throw self.error(.corruptPage("page of \(compressedSize) bytes runs past the column chunk"), pageOffset)
        }
        let body = bytes[bodyStart..<(bodyStart + Int(compressedSize))]
        if verifyChecksums, let crc = header.int(4) {
            let actual = body.withUnsafeBytes { CRC32.checksum($0) }
            guard Int32(bitPattern: actual) == Int32(truncatingIfNeeded: crc) else {
                throw self.error(.corruptPage("page checksum mismatch (stored \(UInt32(truncatingIfNeeded: crc)), computed \(actual))"), pageOffset)
            }
        }
        let next = bodyStart + Int(compressedSize)
        var entries: Int64 = 0
        switch type {
        case 2?:
            guard let dh = header.structure(7), let n = try pageValueCount(dh.int(1), pageOffset) else {
                throw self.error(.corruptMetadata("dictionary page header invalid (negative or missing num_values)"), pageOffset)
            }
            let raw = try decompress(Array(body), Int(uncompressedSize), pageOffset)
            var dict = LeafBuffer(descriptor: descriptor)
            try raw.withUnsafeBytesTyped { (p) throws(ParquetReadError) in
                var cursor = ByteCursor(p)
                try decodePlain(&cursor, count: Int(n), into: &dict, pageOffset)
            }
            dictionary = dict
        case 0?:
            guard let dh = header.structure(5), let n = try pageValueCount(dh.int(1), pageOffset),
                  let enc = dh.int(2) else {
                throw self.error(.corruptMetadata("data page header invalid"), pageOffset)
            }
            let raw = try decompress(Array(body), Int(uncompressedSize), pageOffset)
            try raw.withUnsafeBytesTyped { (p) throws(ParquetReadError) in
                var cursor = ByteCursor(p)
                var reps: [UInt32] = [], defs: [UInt32] = []
                if descriptor.maxRepetitionLevel > 0 {
                    reps = try levelsV1(&cursor, count: Int(n), max: descriptor.maxRepetitionLevel, encoding: dh.int(4) ?? 3, pageOffset)
                }
                if descriptor.maxDefinitionLevel > 0 {
                    defs = try levelsV1(&cursor, count: Int(n), max: descriptor.maxDefinitionLevel, encoding: dh.int(3) ?? 3, pageOffset)
                }
                try decodeValues(&cursor, entries: Int(n), reps: reps, defs: defs, encoding: enc, into: &leaf, pageOffset)
            }
            entries = n
        case 3?:
            guard let dh = header.structure(8), let n = try pageValueCount(dh.int(1), pageOffset),
                  let enc = dh.int(4), let defLength = dh.int(5), let repLength = dh.int(6),
                  defLength >= 0, repLength >= 0, defLength + repLength <= compressedSize else {
                throw self.error(.corruptMetadata("data page v2 header invalid"), pageOffset)
            }
            let isCompressed = dh.bool(7) ?? true
            let levelBytes = Int(repLength + defLength)
            let levels = Array(body.prefix(levelBytes))
            let valueBody = Array(body.dropFirst(levelBytes))
            let valueSize = Int(uncompressedSize) - levelBytes
            guard valueSize >= 0 else { throw self.error(.corruptPage("v2 level lengths exceed the page size"), pageOffset) }
            // An empty value section is never decompressed (some writers store nothing at all).
            let values = isCompressed && !valueBody.isEmpty ? try decompress(valueBody, valueSize, pageOffset) : valueBody
            var reps: [UInt32] = [], defs: [UInt32] = []
            try levels.withUnsafeBytesTyped { (p) throws(ParquetReadError) in
                if descriptor.maxRepetitionLevel > 0 {
                    try RLEHybridDecoder.decode(UnsafeRawBufferPointer(rebasing: p[0..<Int(repLength)]),
                                                bitWidth: BitPacking.bitWidth(UInt64(descriptor.maxRepetitionLevel)), count: Int(n), into: &reps)
                }
                if descriptor.maxDefinitionLevel > 0 {
                    try RLEHybridDecoder.decode(UnsafeRawBufferPointer(rebasing: p[Int(repLength)...]),
                                                bitWidth: BitPacking.bitWidth(UInt64(descriptor.maxDefinitionLevel)), count: Int(n), into: &defs)
                }
            }
            try values.withUnsafeBytesTyped { (p) throws(ParquetReadError) in
                var cursor = ByteCursor(p)
                try decodeValues(&cursor, entries: Int(n), reps: reps, defs: defs, encoding: enc, into: &leaf, pageOffset)
            }
            entries = n
        default:
            break  // index pages and unknown page types are skipped
        }
        return (next, entries)
    }

    func decompress(_ body: [UInt8], _ size: Int, _ offset: Int64) throws(ParquetReadError) -> [UInt8] {
        do {
            switch chunk.metaData.codec {
            case .uncompressed: return body
            case .snappy:
                var out = [UInt8](repeating: 0, count: size)
                try body.withUnsafeBytesTyped { (src) throws(CodecError) in
                    try out.withUnsafeMutableBytes { dst in Result { () throws(CodecError) in try Snappy.decompress(src, into: dst) } }.get()
                }
                return out
            case .gzip:
                let out = try Gzip.decompress(body, limit: size)
                guard out.count == size else { throw CodecError(.gzip, .lengthMismatch(expected: size, actual: out.count)) }
                return out
            case .zstd:
                guard size > 0 else {
                    let out = try Zstd.decompress(body, limit: 1)
                    guard out.isEmpty else { throw CodecError(.zstd, .lengthMismatch(expected: size, actual: out.count)) }
                    return out
                }
                // Straight into a buffer of the page's size (the header states it; a frame of
                // another size is an error), not through the streaming decoder's chunks.
                var failure: CodecError?
                let out = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
                    body.withUnsafeBytes { src in
                        do throws(CodecError) {
                            try Zstd.decompress(src, into: UnsafeMutableRawBufferPointer(buffer))
                            initialized = size
                        } catch {
                            failure = error
                            initialized = 0
                        }
                    }
                }
                if let failure { throw failure }
                return out
            }
        } catch {
            throw self.error(.corruptPage("decompression failed: \(error)"), offset)
        }
    }

    func levelsV1(_ cursor: inout ByteCursor, count: Int, max: Int16, encoding: Int64, _ offset: Int64) throws(ParquetReadError) -> [UInt32] {
        let width = BitPacking.bitWidth(UInt64(max))
        var out: [UInt32] = []
        if encoding == Int64(Encoding.bitPacked.rawValue) {
            let bytes = (count * width + 7) / 8
            try RLEHybridDecoder.decodeLegacyBitPacked(try cursor.take(bytes), bitWidth: width, count: count, into: &out)
        } else {
            let length = Int(try cursor.uint32LE())
            try RLEHybridDecoder.decode(try cursor.take(length), bitWidth: width, count: count, into: &out)
        }
        for l in out where l > UInt32(max) { throw error(.corruptPage("level \(l) above the maximum \(max)"), offset) }
        return out
    }

    /// Appends the page's levels and values to `leaf`.
    func decodeValues(_ cursor: inout ByteCursor, entries: Int, reps: [UInt32], defs: [UInt32], encoding: Int64,
                      into leaf: inout LeafBuffer, _ offset: Int64) throws(ParquetReadError) {
        let maxDef = descriptor.maxDefinitionLevel
        var present = entries
        if maxDef > 0 {
            guard defs.count == entries else { throw error(.corruptPage("\(defs.count) definition levels for \(entries) entries"), offset) }
            present = leaf.appendLevels(defs, into: \.definitionLevels, counting: UInt32(maxDef))
        }
        if descriptor.maxRepetitionLevel > 0 {
            guard reps.count == entries else { throw error(.corruptPage("\(reps.count) repetition levels for \(entries) entries"), offset) }
            _ = leaf.appendLevels(reps, into: \.repetitionLevels, counting: 0)
        }
        leaf.entryCount += entries
        switch Int32(truncatingIfNeeded: encoding) {
        case Encoding.plain.rawValue:
            try decodePlain(&cursor, count: present, into: &leaf, offset)
        case Encoding.plainDictionary.rawValue, Encoding.rleDictionary.rawValue:
            guard let dictionary else { throw error(.corruptPage("dictionary-encoded page without a dictionary page"), offset) }
            let width = Int(try cursor.byte())
            var indices: [UInt32] = []
            if present > 0 {
                try RLEHybridDecoder.decode(try cursor.take(cursor.remaining), bitWidth: width, count: present, into: &indices)
            }
            let size = dictionary.valueCount
            var largest: UInt32 = 0
            indices.withUnsafeBufferPointer { for i in $0 { largest = Swift.max(largest, i) } }
            guard indices.isEmpty || Int(largest) < size else {
                throw error(.corruptPage("dictionary index \(largest) outside a dictionary of \(size)"), offset)
            }
            leaf.appendGathered(from: dictionary, indices)
        case Encoding.rle.rawValue:
            guard descriptor.physicalType == .boolean else { throw error(.unsupported("RLE values for \(descriptor.physicalType)"), offset) }
            let length = Int(try cursor.uint32LE())
            var bits: [UInt32] = []
            try RLEHybridDecoder.decode(try cursor.take(length), bitWidth: 1, count: present, into: &bits)
            for b in bits { leaf.bools.append(b != 0) }
        case Encoding.deltaBinaryPacked.rawValue:
            let values = try DeltaBinaryPackedDecoder.decode(&cursor, limit: present)
            guard values.count == present else { throw error(.corruptPage("delta stream has \(values.count) values for \(present)"), offset) }
            switch descriptor.physicalType {
            case .int32: for v in values { leaf.int32s.append(Int32(truncatingIfNeeded: v)) }
            case .int64: leaf.int64s.append(contentsOf: values)
            default: throw error(.unsupported("DELTA_BINARY_PACKED for \(descriptor.physicalType)"), offset)
            }
        case Encoding.deltaLengthByteArray.rawValue:
            let lengths = try DeltaBinaryPackedDecoder.decode(&cursor, limit: present)
            guard lengths.count == present else { throw error(.corruptPage("length stream has \(lengths.count) values for \(present)"), offset) }
            for l in lengths {
                guard l >= 0 else { throw error(.corruptPage("negative length"), offset) }
                leaf.bytes.append(try cursor.take(Int(l)))
            }
        case Encoding.deltaByteArray.rawValue:
            let prefixes = try DeltaBinaryPackedDecoder.decode(&cursor, limit: present)
            let suffixLengths = try DeltaBinaryPackedDecoder.decode(&cursor, limit: present)
            guard prefixes.count == present, suffixLengths.count == present else {
                throw error(.corruptPage("DELTA_BYTE_ARRAY streams disagree with the value count"), offset)
            }
            var previous: [UInt8] = []
            for k in 0..<present {
                let p = Int(prefixes[k]), l = Int(suffixLengths[k])
                guard p >= 0, p <= previous.count, l >= 0 else { throw error(.corruptPage("invalid prefix or suffix length"), offset) }
                var value = Array(previous.prefix(p))
                value.append(contentsOf: try cursor.take(l))
                leaf.bytes.append(contentsOf: value)
                previous = value
            }
        case Encoding.byteStreamSplit.rawValue:
            let width: Int
            switch descriptor.physicalType {
            case .float, .int32: width = 4
            case .double, .int64: width = 8
            case .fixedLenByteArray: width = descriptor.typeLength ?? 0
            default: throw error(.unsupported("BYTE_STREAM_SPLIT for \(descriptor.physicalType)"), offset)
            }
            let raw = try cursor.take(width * present)
            var plain = [UInt8](repeating: 0, count: width * present)
            for i in 0..<present { for k in 0..<width { plain[i * width + k] = raw[k * present + i] } }
            try plain.withUnsafeBytesTyped { (p) throws(ParquetReadError) in
                var c = ByteCursor(p)
                try decodePlain(&c, count: present, into: &leaf, offset)
            }
        default:
            throw error(.unsupported("encoding \(encoding)"), offset)
        }
    }

    func decodePlain(_ cursor: inout ByteCursor, count: Int, into leaf: inout LeafBuffer, _ offset: Int64) throws(ParquetReadError) {
        switch descriptor.physicalType {
        case .boolean:
            let raw = try cursor.take((count + 7) / 8)
            for i in 0..<count { leaf.bools.append(raw[i >> 3] >> UInt8(i & 7) & 1 != 0) }
        case .int32:
            leaf.int32s.appendLittleEndian(try cursor.take(count * 4), count: count) { Int32(littleEndian: $0) }
        case .int64:
            leaf.int64s.appendLittleEndian(try cursor.take(count * 8), count: count) { Int64(littleEndian: $0) }
        case .float:
            leaf.floats.appendLittleEndian(try cursor.take(count * 4), count: count) { Float(bitPattern: UInt32(littleEndian: $0.bitPattern)) }
        case .double:
            leaf.doubles.appendLittleEndian(try cursor.take(count * 8), count: count) { Double(bitPattern: UInt64(littleEndian: $0.bitPattern)) }
        case .byteArray:
            // Every value's bytes lie in what is left of the page: one reservation for them all.
            leaf.bytes.reserve(values: count, bytes: Swift.max(0, cursor.remaining - 4 * count))
            for _ in 0..<count {
                let length = Int(try cursor.uint32LE())
                leaf.bytes.append(try cursor.take(length))
            }
        case .fixedLenByteArray, .int96:
            let width = descriptor.physicalType == .int96 ? 12 : (descriptor.typeLength ?? 0)
            guard width > 0 else { throw error(.invalidMetadata("fixed-length column without a length"), offset) }
            for _ in 0..<count { leaf.bytes.append(try cursor.take(width)) }
        }
    }
}

extension LeafBuffer {
    /// Appends decoded levels (each at most 16 bits wide, checked by the caller) to the array at
    /// `levels`; returns how many equal `counting`.
    @inline(__always)
    mutating func appendLevels(_ decoded: [UInt32], into levels: WritableKeyPath<LeafBuffer, [Int16]>,
                               counting: UInt32) -> Int {
        var matches = 0
        let n = decoded.count
        decoded.withUnsafeBufferPointer { source in
            let converted = [Int16](unsafeUninitializedCapacity: n) { out, initialized in
                for k in 0..<n {
                    let l = source[k]
                    out[k] = Int16(truncatingIfNeeded: l)
                    matches &+= l == counting ? 1 : 0
                }
                initialized = n
            }
            if self[keyPath: levels].isEmpty {
                self[keyPath: levels] = converted
            } else {
                self[keyPath: levels].append(contentsOf: converted)
            }
        }
        return matches
    }

    /// Appends `dictionary[i]` for every index (each already checked to be inside the dictionary,
    /// a leaf of the same type).
    mutating func appendGathered(from dictionary: LeafBuffer, _ indices: [UInt32]) {
        let n = indices.count
        guard n > 0 else { return }
        func gather<T>(_ values: [T], into out: inout [T]) {
            let picked = values.withUnsafeBufferPointer { d in
                indices.withUnsafeBufferPointer { idx in
                    [T](unsafeUninitializedCapacity: n) { buffer, initialized in
                        for k in 0..<n { (buffer.baseAddress.unsafelyUnwrapped + k).initialize(to: d[Int(idx[k])]) }
                        initialized = n
                    }
                }
            }
            if out.isEmpty { out = picked } else { out.append(contentsOf: picked) }
        }
        switch descriptor.physicalType {
        case .boolean: gather(dictionary.bools, into: &bools)
        case .int32: gather(dictionary.int32s, into: &int32s)
        case .int64: gather(dictionary.int64s, into: &int64s)
        case .float: gather(dictionary.floats, into: &floats)
        case .double: gather(dictionary.doubles, into: &doubles)
        default: bytes.appendGathered(from: dictionary.bytes, indices)
        }
    }
}

extension LeafBuffer {
    /// Appends value `i` of `other` (a dictionary of the same type).
    mutating func appendCopy(from other: LeafBuffer, _ i: Int) {
        switch descriptor.physicalType {
        case .boolean: bools.append(other.bools[i])
        case .int32: int32s.append(other.int32s[i])
        case .int64: int64s.append(other.int64s[i])
        case .float: floats.append(other.floats[i])
        case .double: doubles.append(other.doubles[i])
        default: bytes.append(contentsOf: other.bytes.data[other.bytes.range(i)])
        }
    }
}

extension ByteArrays {
    /// Appends `dictionary`'s value at every index (each already checked to be in range): the
    /// total length summed first, then one allocation and a copy per value.
    mutating func appendGathered(from dictionary: ByteArrays, _ indices: [UInt32]) {
        let n = indices.count
        dictionary.offsets.withUnsafeBufferPointer { o in
            dictionary.data.withUnsafeBufferPointer { d in
                indices.withUnsafeBufferPointer { idx in
                    var total = 0
                    for k in 0..<n {
                        let i = Int(idx[k])
                        total &+= o[i &+ 1] &- o[i]
                    }
                    var end = data.count
                    data.append(contentsOf: repeatElement(0, count: total))
                    let newOffsets = [Int](unsafeUninitializedCapacity: n) { buffer, initialized in
                        data.withUnsafeMutableBufferPointer { out in
                            for k in 0..<n {
                                let i = Int(idx[k])
                                let start = o[i], length = o[i &+ 1] &- start
                                if length > 0 {
                                    (out.baseAddress.unsafelyUnwrapped + end)
                                        .update(from: d.baseAddress.unsafelyUnwrapped + start, count: length)
                                }
                                end &+= length
                                (buffer.baseAddress.unsafelyUnwrapped + k).initialize(to: end)
                            }
                        }
                        initialized = n
                    }
                    offsets.append(contentsOf: newOffsets)
                }
            }
        }
    }
}

extension Array {
    /// Appends `count` values read from little-endian bytes (`raw.count == count * stride`),
    /// copied in one block on little-endian machines.
    @inline(__always)
    mutating func appendLittleEndian(_ raw: UnsafeRawBufferPointer, count: Int, _ fromLittleEndian: (Element) -> Element) {
        guard count > 0 else { return }
        let values = [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
            UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[0..<(count * MemoryLayout<Element>.stride)]))
            #if _endian(big)
            for k in 0..<count { buffer[k] = fromLittleEndian(buffer[k]) }
            #endif
            initialized = count
        }
        if isEmpty { self = values } else { append(contentsOf: values) }
    }
}
