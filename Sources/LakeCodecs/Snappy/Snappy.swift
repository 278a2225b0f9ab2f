/// The Snappy raw (block) format, written in Swift.
///
/// The format: a little-endian base-128 varint with the uncompressed length, then elements whose
/// tag's two low bits select a literal (`00`) or a copy with a 1-, 2- or 4-byte offset (`01`,
/// `10`, `11`). Parquet and Avro use this raw format (not the framed one).
public enum Snappy {
    /// The largest size ``compress(_:)`` can produce for `length` input bytes.
    public static func maxCompressedLength(_ length: Int) -> Int { 32 + length + length / 6 }

    /// Compresses `input`.
    public static func compress(_ input: UnsafeRawBufferPointer) -> [UInt8] {
        var out: [UInt8] = []
        compress(input, appendingTo: &out)
        return out
    }

    /// Compresses `input`.
    public static func compress(_ input: [UInt8]) -> [UInt8] {
        input.withUnsafeBytes { compress($0) }
    }

    /// Compresses `input`, appending the result to `output`.
    public static func compress(_ input: UnsafeRawBufferPointer, appendingTo output: inout [UInt8]) {
        precondition(input.count <= Int(UInt32.max), "Snappy input above 4 GiB")
        let start = output.count
        let capacity = maxCompressedLength(input.count)
        output.reserveCapacity(start + capacity)
        var written = 0
        output.append(contentsOf: repeatElement(0, count: capacity))
        output.withUnsafeMutableBytes { all in
            let out = UnsafeMutableRawBufferPointer(rebasing: all[start...])
            var op = 0
            var length = UInt32(input.count)
            while length >= 0x80 {
                out[op] = UInt8(truncatingIfNeeded: length) | 0x80
                length >>= 7
                op += 1
            }
            out[op] = UInt8(length)
            op += 1
            var compressor = SnappyBlockCompressor()
            var position = 0
            while position < input.count {
                let end = min(position + SnappyBlockCompressor.blockSize, input.count)
                op += compressor.compressBlock(UnsafeRawBufferPointer(rebasing: input[position..<end]),
                                               into: out.baseAddress! + op)
                position = end
            }
            written = op
        }
        output.removeLast(capacity - written)
    }

    /// Reads the uncompressed length from the preamble of `input`.
    public static func uncompressedLength(_ input: UnsafeRawBufferPointer) throws(CodecError) -> Int {
        try readPreamble(input).length
    }

    static func readPreamble(_ input: UnsafeRawBufferPointer) throws(CodecError) -> (length: Int, headerSize: Int) {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        var i = 0
        while true {
            guard i < input.count else { throw CodecError(.snappy, .truncated, offset: i) }
            let byte = input[i]
            i += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { break }
            shift += 7
            guard shift < 35 else { throw CodecError(.snappy, .corrupt("length varint longer than 5 bytes"), offset: 0) }
        }
        guard result <= UInt64(UInt32.max) else {
            throw CodecError(.snappy, .corrupt("uncompressed length exceeds 32 bits"), offset: 0)
        }
        return (Int(result), i)
    }

    /// Decompresses `input`.
    ///
    /// - Parameter limit: the largest uncompressed size accepted.
    /// - Throws: ``CodecError`` for truncated or corrupt input, or a declared size above `limit`.
    public static func decompress(_ input: UnsafeRawBufferPointer, limit: Int = defaultDecompressionLimit) throws(CodecError) -> [UInt8] {
        let (length, headerSize) = try readPreamble(input)
        guard length <= limit else { throw CodecError(.snappy, .outputLimitExceeded(limit: limit), offset: 0) }
        // No element expands by more than 64/3: a longer declared length cannot be honest, so
        // refuse it before allocating.
        guard length <= (input.count - headerSize) * 22 else {
            throw CodecError(.snappy, .corrupt("declared length \(length) is larger than the input can encode"), offset: 0)
        }
        var failure: CodecError?
        let result = [UInt8](unsafeUninitializedCapacity: length) { buffer, initialized in
            do throws(CodecError) {
                try decodeBody(UnsafeRawBufferPointer(rebasing: input[headerSize...]), baseOffset: headerSize,
                               into: UnsafeMutableRawBufferPointer(buffer))
                initialized = length
            } catch {
                failure = error
                initialized = 0
            }
        }
        if let failure { throw failure }
        return result
    }

    /// Decompresses `input`.
    public static func decompress(_ input: [UInt8], limit: Int = defaultDecompressionLimit) throws(CodecError) -> [UInt8] {
        try input.withBytes { (raw) throws(CodecError) in try decompress(raw, limit: limit) }
    }

    /// Decompresses `input` into `output`, whose size must equal the declared length.
    public static func decompress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(CodecError) {
        let (length, headerSize) = try readPreamble(input)
        guard length == output.count else {
            throw CodecError(.snappy, .lengthMismatch(expected: output.count, actual: length), offset: 0)
        }
        try decodeBody(UnsafeRawBufferPointer(rebasing: input[headerSize...]), baseOffset: headerSize, into: output)
    }

    /// Decodes the elements after the preamble; `output.count` is the declared length and must be
    /// filled exactly.
    static func decodeBody(_ input: UnsafeRawBufferPointer, baseOffset: Int,
                           into output: UnsafeMutableRawBufferPointer) throws(CodecError) {
        let n = input.count
        let outLength = output.count
        guard outLength > 0 || n > 0 else { return }
        guard let src = input.baseAddress else {
            throw CodecError(.snappy, .truncated, offset: baseOffset)
        }
        let dst = output.baseAddress
        var ip = 0
        var op = 0
        while ip < n {
            let tag = src.load(fromByteOffset: ip, as: UInt8.self)
            let elementStart = ip
            ip &+= 1
            var length: Int
            var offset: Int
            switch tag & 3 {
            case 0:
                length = Int(tag >> 2)
                if length >= 60 {
                    let extra = length - 59
                    guard ip + extra <= n else { throw CodecError(.snappy, .truncated, offset: baseOffset + elementStart) }
                    length = 0
                    for k in 0..<extra { length |= Int(src.load(fromByteOffset: ip + k, as: UInt8.self)) << (8 * k) }
                    ip += extra
                }
                length += 1
                guard length <= n - ip else { throw CodecError(.snappy, .truncated, offset: baseOffset + elementStart) }
                guard length <= outLength - op else {
                    throw CodecError(.snappy, .corrupt("literal runs past the declared length"), offset: baseOffset + elementStart)
                }
                (dst! + op).copyMemory(from: src + ip, byteCount: length)
                ip += length
                op += length
                continue
            case 1:
                guard ip < n else { throw CodecError(.snappy, .truncated, offset: baseOffset + elementStart) }
                length = 4 + Int((tag >> 2) & 7)
                offset = Int(tag >> 5) << 8 | Int(src.load(fromByteOffset: ip, as: UInt8.self))
                ip += 1
            case 2:
                guard ip + 2 <= n else { throw CodecError(.snappy, .truncated, offset: baseOffset + elementStart) }
                length = 1 + Int(tag >> 2)
                offset = Int(src.load(fromByteOffset: ip, as: UInt8.self)) | Int(src.load(fromByteOffset: ip + 1, as: UInt8.self)) << 8
                ip += 2
            default:
                guard ip + 4 <= n else { throw CodecError(.snappy, .truncated, offset: baseOffset + elementStart) }
                length = 1 + Int(tag >> 2)
                offset = Int(src.loadUnaligned(fromByteOffset: ip, as: UInt32.self).littleEndian)
                ip += 4
            }
            guard offset > 0, offset <= op else {
                throw CodecError(.snappy, .corrupt("copy offset \(offset) outside the \(op) bytes decoded"), offset: baseOffset + elementStart)
            }
            guard length <= outLength - op else {
                throw CodecError(.snappy, .corrupt("copy runs past the declared length"), offset: baseOffset + elementStart)
            }
            let d = dst!
            if offset >= length {
                (d + op).copyMemory(from: d + op - offset, byteCount: length)
            } else {
                // Overlapping copy repeats the last `offset` bytes: copy forward byte by byte.
                var k = 0
                while k < length {
                    d.storeBytes(of: d.load(fromByteOffset: op - offset + k, as: UInt8.self), toByteOffset: op + k, as: UInt8.self)
                    k &+= 1
                }
            }
            op += length
        }
        guard op == outLength else {
            throw CodecError(.snappy, .lengthMismatch(expected: outLength, actual: op), offset: baseOffset + n)
        }
    }
}
