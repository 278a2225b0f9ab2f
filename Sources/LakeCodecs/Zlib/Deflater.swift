import CZlib

/// A streaming deflater over zlib producing raw deflate, zlib or gzip output.
public final class Deflater {
    /// The container format.
    public let format: DeflateFormat
    private var stream = z_stream()
    private let output: UnsafeMutableRawBufferPointer

    /// Creates a deflater at `level` (0–9, or -1 for zlib's default 6).
    public init(format: DeflateFormat, level: Int32 = -1, chunkSize: Int = 1 << 16) throws(CodecError) {
        self.format = format
        output = .allocate(byteCount: max(chunkSize, 1024), alignment: 16)
        let code = lakehouse_deflateInit2(&stream, level, format.windowBits)
        guard code == Z_OK else { throw CodecError(format.codec, .library(code: Int(code), message: "deflateInit2 failed")) }
    }

    deinit {
        deflateEnd(&stream)
        output.deallocate()
    }

    /// Compresses `chunk`, calling `sink` with compressed output as it becomes available.
    public func encode(_ chunk: UnsafeRawBufferPointer, _ sink: (UnsafeRawBufferPointer) throws(CodecError) -> Void) throws(CodecError) {
        try run(chunk, flush: Z_NO_FLUSH, sink)
    }

    /// Ends the stream, flushing what remains.
    public func finish(_ sink: (UnsafeRawBufferPointer) throws(CodecError) -> Void) throws(CodecError) {
        try run(UnsafeRawBufferPointer(start: nil, count: 0), flush: Z_FINISH, sink)
    }

    private func run(_ chunk: UnsafeRawBufferPointer, flush: Int32,
                     _ sink: (UnsafeRawBufferPointer) throws(CodecError) -> Void) throws(CodecError) {
        stream.next_in = chunk.baseAddress.map { UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: Bytef.self)) }
        stream.avail_in = UInt32(chunk.count)
        let capacity = output.count
        while true {
            var code: Int32 = Z_OK
            var produced = 0
            do {
                let out = output
                stream.next_out = out.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = UInt32(capacity)
                code = deflate(&stream, flush)
                produced = capacity - Int(stream.avail_out)
            }
            guard code == Z_OK || code == Z_STREAM_END || code == Z_BUF_ERROR else {
                throw CodecError(format.codec, .library(code: Int(code), message: "deflate failed"))
            }
            if produced > 0 {
                try sink(UnsafeRawBufferPointer(rebasing: output[0..<produced]))
            }
            if flush == Z_FINISH ? code == Z_STREAM_END : (stream.avail_in == 0 && produced < capacity) { break }
        }
    }
}

/// One-shot helpers for gzip, zlib and raw deflate.
public enum Gzip {
    /// Compresses `input` as one gzip member (or `format`) at `level`.
    public static func compress(_ input: UnsafeRawBufferPointer, level: Int32 = -1,
                                format: DeflateFormat = .gzip) throws(CodecError) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(input.count / 3 + 64)
        let deflater = try Deflater(format: format, level: level)
        try deflater.encode(input) { result.append(contentsOf: $0) }
        try deflater.finish { result.append(contentsOf: $0) }
        return result
    }

    /// Compresses `input` as one gzip member (or `format`) at `level`.
    public static func compress(_ input: [UInt8], level: Int32 = -1, format: DeflateFormat = .gzip) throws(CodecError) -> [UInt8] {
        try input.withBytes { (raw) throws(CodecError) in try compress(raw, level: level, format: format) }
    }

    /// Decompresses all of `input` (every gzip member), refusing output above `limit`.
    public static func decompress(_ input: UnsafeRawBufferPointer, format: DeflateFormat = .gzip,
                                  limit: Int = defaultDecompressionLimit,
                                  ignoringTrailingData: Bool = false) throws(CodecError) -> [UInt8] {
        var result: [UInt8] = []
        let inflater = try Inflater(format: format, ignoresTrailingData: ignoringTrailingData)
        try inflater.decode(input) { (chunk) throws(CodecError) in
            guard result.count + chunk.count <= limit else { throw CodecError(format.codec, .outputLimitExceeded(limit: limit)) }
            result.append(contentsOf: chunk)
        }
        try inflater.finish()
        return result
    }

    /// Decompresses all of `input` (every gzip member), refusing output above `limit`.
    public static func decompress(_ input: [UInt8], format: DeflateFormat = .gzip,
                                  limit: Int = defaultDecompressionLimit,
                                  ignoringTrailingData: Bool = false) throws(CodecError) -> [UInt8] {
        try input.withBytes { (raw) throws(CodecError) in
            try decompress(raw, format: format, limit: limit, ignoringTrailingData: ignoringTrailingData)
        }
    }
}
