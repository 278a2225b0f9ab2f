import CZstd

/// Zstandard compression through the system libzstd.
public enum Zstd {
    /// The default compression level (libzstd's default, 3).
    public static let defaultLevel: Int32 = 3

    /// Compresses `input` into a single frame at `level` (negative levels are "fast" levels).
    public static func compress(_ input: UnsafeRawBufferPointer, level: Int32 = defaultLevel) throws(CodecError) -> [UInt8] {
        let bound = ZSTD_compressBound(input.count)
        var code = 0
        let out = [UInt8](unsafeUninitializedCapacity: bound) { buffer, initialized in
            code = ZSTD_compress(buffer.baseAddress, bound, input.baseAddress, input.count, level)
            initialized = ZSTD_isError(code) != 0 ? 0 : code
        }
        if ZSTD_isError(code) != 0 { throw error(code, offset: nil) }
        return out
    }

    /// Compresses `input` into a single frame at `level`.
    public static func compress(_ input: [UInt8], level: Int32 = defaultLevel) throws(CodecError) -> [UInt8] {
        try input.withBytes { (raw) throws(CodecError) in try compress(raw, level: level) }
    }

    /// Decompresses one or more concatenated frames.
    ///
    /// - Parameter limit: the largest output accepted; larger output is a ``CodecError``.
    public static func decompress(_ input: UnsafeRawBufferPointer, limit: Int = defaultDecompressionLimit) throws(CodecError) -> [UInt8] {
        var result: [UInt8] = []
        let decoder = ZstdDecoder()
        try decoder.decode(input) { (chunk) throws(CodecError) in
            guard result.count + chunk.count <= limit else { throw CodecError(.zstd, .outputLimitExceeded(limit: limit)) }
            result.append(contentsOf: chunk)
        }
        try decoder.finish()
        return result
    }

    /// Decompresses one or more concatenated frames.
    public static func decompress(_ input: [UInt8], limit: Int = defaultDecompressionLimit) throws(CodecError) -> [UInt8] {
        try input.withBytes { (raw) throws(CodecError) in try decompress(raw, limit: limit) }
    }

    /// Decompresses `input` into `output`, which must be filled exactly (Parquet pages know their size).
    public static func decompress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(CodecError) {
        guard let dctx = ZSTD_createDCtx() else { throw CodecError(.zstd, .library(code: -1, message: "out of memory")) }
        defer { ZSTD_freeDCtx(dctx) }
        let code = ZSTD_decompressDCtx(dctx, output.baseAddress, output.count, input.baseAddress, input.count)
        if ZSTD_isError(code) != 0 { throw error(code, offset: nil) }
        guard code == output.count else { throw CodecError(.zstd, .lengthMismatch(expected: output.count, actual: code)) }
    }

    static func error(_ code: Int, offset: Int?) -> CodecError {
        let errorCode = ZSTD_getErrorCode(code)
        let message = String(cString: ZSTD_getErrorName(code))
        switch errorCode {
        case ZSTD_error_srcSize_wrong:
            return CodecError(.zstd, .truncated, offset: offset)
        case ZSTD_error_prefix_unknown, ZSTD_error_corruption_detected, ZSTD_error_checksum_wrong,
             ZSTD_error_literals_headerWrong, ZSTD_error_dictionary_corrupted, ZSTD_error_frameParameter_unsupported,
             ZSTD_error_frameParameter_windowTooLarge:
            return CodecError(.zstd, .corrupt(message), offset: offset)
        case ZSTD_error_dstSize_tooSmall:
            return CodecError(.zstd, .corrupt(message), offset: offset)
        default:
            return CodecError(.zstd, .library(code: Int(errorCode.rawValue), message: message), offset: offset)
        }
    }
}

/// One-shot Zstandard compression with a context kept across calls.
///
/// For many small inputs (Parquet pages, Avro blocks): libzstd allocates a workspace of
/// several hundred kilobytes per context, which ``Zstd/compress(_:level:)-(UnsafeRawBufferPointer,_)``
/// pays on every call. Output goes through a scratch buffer kept here too, so a steady stream
/// of pages allocates nothing. Not thread-safe; use one per thread.
public final class ZstdCompressor {
    private let context: OpaquePointer
    private var scratch: UnsafeMutableRawBufferPointer
    /// The compression level.
    public let level: Int32

    /// A compressor at `level` (negative levels are "fast" levels).
    public init(level: Int32 = Zstd.defaultLevel) throws(CodecError) {
        guard let cctx = ZSTD_createCCtx() else { throw CodecError(.zstd, .library(code: -1, message: "out of memory")) }
        let code = ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level)
        if ZSTD_isError(code) != 0 {
            ZSTD_freeCCtx(cctx)
            throw Zstd.error(code, offset: nil)
        }
        context = cctx
        self.level = level
        scratch = .allocate(byteCount: 1 << 16, alignment: 16)
    }

    deinit {
        ZSTD_freeCCtx(context)
        scratch.deallocate()
    }

    /// Compresses `input` as one frame and appends it to `output`.
    public func compress(_ input: UnsafeRawBufferPointer, appendingTo output: inout [UInt8]) throws(CodecError) {
        let bound = ZSTD_compressBound(input.count)
        if scratch.count < bound {
            scratch.deallocate()
            scratch = .allocate(byteCount: bound, alignment: 16)
        }
        let code = ZSTD_compress2(context, scratch.baseAddress, bound, input.baseAddress, input.count)
        if ZSTD_isError(code) != 0 { throw Zstd.error(code, offset: nil) }
        output.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[0..<code]))
    }
}

/// A streaming Zstandard decoder: feed compressed chunks, receive decompressed chunks.
///
/// Accepts concatenated frames. Not thread-safe; use one per stream.
public final class ZstdDecoder {
    private let context: OpaquePointer
    private let output: UnsafeMutableRawBufferPointer
    private var consumed = 0
    /// `true` between frames (or before the first byte), when ending the input is legal.
    private var atFrameBoundary = true

    /// Creates a decoder with an output chunk of `chunkSize` bytes.
    public init(chunkSize: Int = 1 << 17) {
        // A nil context means libzstd could not allocate ~100 KB: treat as fatal, like Swift's own allocator.
        guard let dctx = ZSTD_createDCtx() else { fatalError("ZSTD_createDCtx failed: out of memory") }
        context = dctx
        output = .allocate(byteCount: max(chunkSize, 1024), alignment: 16)
    }

    deinit {
        ZSTD_freeDCtx(context)
        output.deallocate()
    }

    /// Decodes `chunk`, calling `sink` with each piece of output.
    public func decode(_ chunk: UnsafeRawBufferPointer,
                       _ sink: (UnsafeRawBufferPointer) throws(CodecError) -> Void) throws(CodecError) {
        guard chunk.count > 0 else { return }
        var input = ZSTD_inBuffer(src: chunk.baseAddress, size: chunk.count, pos: 0)
        let capacity = output.count
        while true {
            var produced = 0
            var code = 0
            do {
                let out = output
                var outBuffer = ZSTD_outBuffer(dst: out.baseAddress, size: capacity, pos: 0)
                code = ZSTD_decompressStream(context, &outBuffer, &input)
                produced = outBuffer.pos
            }
            if ZSTD_isError(code) != 0 { throw Zstd.error(code, offset: consumed + input.pos) }
            atFrameBoundary = code == 0
            if produced > 0 {
                try sink(UnsafeRawBufferPointer(rebasing: output[0..<produced]))
            }
            // Done with this chunk once all input is consumed and nothing is left to flush: the
            // frame ended, or a call made no output. (A call that consumed the last input may
            // still hold decoded data back, returning a positive hint: call again.)
            if input.pos == input.size && (code == 0 || produced == 0) { break }
        }
        consumed += chunk.count
    }

    /// Ends the stream; throws when it stopped inside a frame.
    public func finish() throws(CodecError) {
        guard atFrameBoundary else { throw CodecError(.zstd, .truncated, offset: consumed) }
    }
}

/// A streaming Zstandard encoder producing one frame.
public final class ZstdEncoder {
    private let context: OpaquePointer
    private let output: UnsafeMutableRawBufferPointer

    /// Creates an encoder at `level`.
    public init(level: Int32 = Zstd.defaultLevel) throws(CodecError) {
        guard let cctx = ZSTD_createCCtx() else { throw CodecError(.zstd, .library(code: -1, message: "out of memory")) }
        let code = ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level)
        if ZSTD_isError(code) != 0 {
            ZSTD_freeCCtx(cctx)
            throw Zstd.error(code, offset: nil)
        }
        context = cctx
        output = .allocate(byteCount: ZSTD_CStreamOutSize(), alignment: 16)
    }

    deinit {
        ZSTD_freeCCtx(context)
        output.deallocate()
    }

    /// Compresses `chunk`, calling `sink` with compressed output as it becomes available.
    public func encode(_ chunk: UnsafeRawBufferPointer, _ sink: (UnsafeRawBufferPointer) throws(CodecError) -> Void) throws(CodecError) {
        try run(chunk, mode: ZSTD_e_continue, sink)
    }

    /// Ends the frame, flushing what remains.
    public func finish(_ sink: (UnsafeRawBufferPointer) throws(CodecError) -> Void) throws(CodecError) {
        try run(UnsafeRawBufferPointer(start: nil, count: 0), mode: ZSTD_e_end, sink)
    }

    private func run(_ chunk: UnsafeRawBufferPointer, mode: ZSTD_EndDirective,
                     _ sink: (UnsafeRawBufferPointer) throws(CodecError) -> Void) throws(CodecError) {
        var input = ZSTD_inBuffer(src: chunk.baseAddress, size: chunk.count, pos: 0)
        let capacity = output.count
        while true {
            var produced = 0
            var remaining = 0
            do {
                let out = output
                var outBuffer = ZSTD_outBuffer(dst: out.baseAddress, size: capacity, pos: 0)
                remaining = ZSTD_compressStream2(context, &outBuffer, &input, mode)
                produced = outBuffer.pos
            }
            if ZSTD_isError(remaining) != 0 { throw Zstd.error(remaining, offset: nil) }
            if produced > 0 {
                try sink(UnsafeRawBufferPointer(rebasing: output[0..<produced]))
            }
            let finished = mode == ZSTD_e_end ? remaining == 0 : input.pos == input.size
            if finished { break }
        }
    }
}
