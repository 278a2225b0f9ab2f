import CZlib

/// The container around a deflate stream.
public enum DeflateFormat: Sendable, Hashable {
    /// RFC 1951 deflate with no header (Avro's `deflate` codec).
    case raw
    /// RFC 1950 zlib wrapper.
    case zlib
    /// RFC 1952 gzip; concatenated members are decoded one after another.
    case gzip

    var windowBits: Int32 {
        switch self {
        case .raw: return -15
        case .zlib: return 15
        case .gzip: return 16 + 15
        }
    }

    var codec: CodecError.Codec {
        switch self {
        case .raw: return .deflate
        case .zlib: return .zlib
        case .gzip: return .gzip
        }
    }
}

/// A streaming inflater over zlib: feed compressed chunks, receive decompressed chunks.
///
/// For gzip, concatenated members (as `cat a.gz b.gz` and many log shippers produce) are
/// decoded in full; zero bytes after the last member are accepted as padding, anything else is
/// ``CodecError/Kind/trailingGarbage``. gzip is inflated by ISA-L's igzip where it is available
/// (see ``InflateBackend``), otherwise by zlib. Not thread-safe; use one per stream.
public final class Inflater {
    /// The container format.
    public let format: DeflateFormat
    /// Whether bytes after the end of the stream are ignored instead of rejected (Avro's deflate
    /// blocks as fastavro writes them end with leftover zlib checksum bytes, which Java's and
    /// Python's raw inflaters ignore).
    public let ignoresTrailingData: Bool
    /// The library inflating this stream (always ``InflateBackend/zlib`` for raw and zlib formats).
    public let backend: InflateBackend
    private var stream = z_stream()
    /// The gzip decoder on ISA-L, when ``backend`` is ``InflateBackend/isal``.
    private let igzip: IgzipGzipDecoder?
    private let output: UnsafeMutableRawBufferPointer
    private var consumed = 0
    private enum State { case idle, inMember, betweenMembers, padding, finished }
    private var state: State = .idle

    /// Creates an inflater for `format` with an output chunk of `chunkSize` bytes.
    ///
    /// `backend` nil takes ``InflateBackend/preferred`` (ISA-L for gzip when available, unless
    /// `LAKEHOUSE_INFLATE=zlib`); an explicit ``InflateBackend/isal`` throws
    /// ``CodecError/Kind/library(code:message:)`` where ISA-L is unavailable. `ignoresTrailingData`
    /// needs zlib.
    public init(format: DeflateFormat, chunkSize: Int = 1 << 17, ignoresTrailingData: Bool = false,
                backend: InflateBackend? = nil) throws(CodecError) {
        self.format = format
        self.ignoresTrailingData = ignoresTrailingData
        if format == .gzip && !ignoresTrailingData && (backend ?? InflateBackend.preferred) == .isal {
            guard let decoder = IgzipGzipDecoder() else {
                throw CodecError(format.codec, .library(code: -1, message: "ISA-L (libisal.so.2) is not available"))
            }
            igzip = decoder
            self.backend = .isal
        } else {
            igzip = nil
            self.backend = .zlib
        }
        output = .allocate(byteCount: max(chunkSize, 1024), alignment: 16)
        if igzip != nil { return }
        let code = lakehouse_inflateInit2(&stream, format.windowBits)
        guard code == Z_OK else { throw CodecError(format.codec, .library(code: Int(code), message: "inflateInit2 failed")) }
    }

    deinit {
        // The z_stream was initialised only on the zlib path.
        if igzip == nil { inflateEnd(&stream) }
        output.deallocate()
    }

    /// The number of compressed bytes consumed so far.
    public var compressedBytesConsumed: Int { consumed }

    /// Decodes `chunk`, calling `sink` with each piece of output.
    public func decode(_ chunk: UnsafeRawBufferPointer, _ sink: (UnsafeRawBufferPointer) throws(CodecError) -> Void) throws(CodecError) {
        guard chunk.count > 0 else { return }
        var offset = 0
        while true {
            let (used, produced) = try decode(UnsafeRawBufferPointer(rebasing: chunk[offset...]), into: output)
            offset += used
            if produced > 0 { try sink(UnsafeRawBufferPointer(rebasing: output[0..<produced])) }
            // A full output chunk may leave output buffered inside zlib: go on until it drains.
            if produced < output.count && (offset == chunk.count || used == 0) { break }
        }
    }

    /// Decodes from `input` straight into `output`, as far as either allows; returns the input
    /// bytes consumed and the output bytes produced.
    ///
    /// The pull form of ``decode(_:_:)``: callers that own a buffer (a line reader, say) inflate
    /// into it without an intermediate copy. Call it again with the rest of the input, or with
    /// empty input to drain output that did not fit; `(0, 0)` means it needs more input.
    public func decode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer)
        throws(CodecError) -> (consumed: Int, produced: Int) {
        if let igzip {
            let result = try igzip.decode(input, into: output, base: consumed)
            consumed += result.consumed
            return result
        }
        let n = input.count
        var position = 0
        var produced = 0
        defer { consumed += position }
        guard let out = output.baseAddress, output.count > 0 else { return (0, 0) }
        while produced < output.count {
            switch state {
            case .finished:
                guard position < n else { return (position, produced) }
                if ignoresTrailingData {
                    position = n
                    return (position, produced)
                }
                throw CodecError(format.codec, .trailingGarbage, offset: consumed + position)
            case .padding:
                while position < n && input[position] == 0 { position += 1 }
                guard position == n else { throw CodecError(format.codec, .trailingGarbage, offset: consumed + position) }
                return (position, produced)
            case .betweenMembers:
                guard position < n else { return (position, produced) }
                if input[position] == 0 {
                    state = .padding
                    continue
                }
                guard inflateReset(&stream) == Z_OK else {
                    throw CodecError(format.codec, .library(code: -1, message: "inflateReset failed"))
                }
                state = .inMember
            case .idle:
                guard position < n else { return (position, produced) }
                state = .inMember
            case .inMember:
                break
            }
            let space = output.count - produced
            stream.next_in = n > position
                ? UnsafeMutablePointer(mutating: (input.baseAddress! + position).assumingMemoryBound(to: Bytef.self)) : nil
            stream.avail_in = UInt32(min(n - position, Int(UInt32.max)))
            stream.next_out = (out + produced).assumingMemoryBound(to: Bytef.self)
            stream.avail_out = UInt32(min(space, Int(UInt32.max)))
            let availableIn = Int(stream.avail_in), availableOut = Int(stream.avail_out)
            let code = inflate(&stream, Z_NO_FLUSH)
            let used = availableIn - Int(stream.avail_in)
            let made = availableOut - Int(stream.avail_out)
            position += used
            produced += made
            switch code {
            case Z_OK, Z_BUF_ERROR:
                if used == 0 && made == 0 {
                    // No progress: it needs input, unless input was there (then it is corrupt).
                    guard position == n else {
                        throw CodecError(format.codec, .corrupt("inflate made no progress"), offset: consumed + position)
                    }
                    return (position, produced)
                }
                // Input exhausted with room left over: nothing is buffered inside zlib.
                if position == n && made < availableOut { return (position, produced) }
            case Z_STREAM_END:
                state = format == .gzip ? .betweenMembers : .finished
            case Z_DATA_ERROR:
                let message = stream.msg.map { String(cString: $0) } ?? "invalid deflate data"
                throw CodecError(format.codec, .corrupt(message), offset: consumed + position)
            case Z_NEED_DICT:
                throw CodecError(format.codec, .corrupt("preset dictionary required"), offset: consumed + position)
            default:
                let message = stream.msg.map { String(cString: $0) } ?? "inflate error"
                throw CodecError(format.codec, .library(code: Int(code), message: message), offset: consumed + position)
            }
        }
        return (position, produced)
    }

    /// Ends the stream; throws ``CodecError/Kind/truncated`` when it stopped inside a member.
    public func finish() throws(CodecError) {
        if let igzip { return try igzip.finish(offset: consumed) }
        switch state {
        case .inMember: throw CodecError(format.codec, .truncated, offset: consumed)
        case .idle:
            // Empty gzip input decodes to nothing (as Python's gzip does); a raw or zlib stream
            // needs at least its final block.
            if format != .gzip { throw CodecError(format.codec, .truncated, offset: 0) }
        default: break
        }
    }
}
