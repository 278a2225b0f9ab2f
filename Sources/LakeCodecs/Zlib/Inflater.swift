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
/// ``CodecError/Kind/trailingGarbage``. Not thread-safe; use one per stream.
public final class Inflater {
    /// The container format.
    public let format: DeflateFormat
    /// Whether bytes after the end of the stream are ignored instead of rejected (Avro's deflate
    /// blocks as fastavro writes them end with leftover zlib checksum bytes, which Java's and
    /// Python's raw inflaters ignore).
    public let ignoresTrailingData: Bool
    private var stream = z_stream()
    private let output: UnsafeMutableRawBufferPointer
    private var consumed = 0
    private enum State { case idle, inMember, betweenMembers, padding, finished }
    private var state: State = .idle

    /// Creates an inflater for `format` with an output chunk of `chunkSize` bytes.
    public init(format: DeflateFormat, chunkSize: Int = 1 << 17, ignoresTrailingData: Bool = false) throws(CodecError) {
        self.format = format
        self.ignoresTrailingData = ignoresTrailingData
        output = .allocate(byteCount: max(chunkSize, 1024), alignment: 16)
        let code = lakehouse_inflateInit2(&stream, format.windowBits)
        guard code == Z_OK else { throw CodecError(format.codec, .library(code: Int(code), message: "inflateInit2 failed")) }
    }

    deinit {
        inflateEnd(&stream)
        output.deallocate()
    }

    /// The number of compressed bytes consumed so far.
    public var compressedBytesConsumed: Int { consumed }

    /// Decodes `chunk`, calling `sink` with each piece of output.
    public func decode(_ chunk: UnsafeRawBufferPointer, _ sink: (UnsafeRawBufferPointer) throws(CodecError) -> Void) throws(CodecError) {
        guard chunk.count > 0, let base = chunk.baseAddress else { return }
        var position = 0
        let capacity = output.count
        while position < chunk.count {
            switch state {
            case .finished:
                if ignoresTrailingData {
                    consumed += chunk.count
                    return
                }
                throw CodecError(format.codec, .trailingGarbage, offset: consumed + position)
            case .padding:
                guard chunk[position] == 0 else { throw CodecError(format.codec, .trailingGarbage, offset: consumed + position) }
                position += 1
                continue
            case .betweenMembers:
                if chunk[position] == 0 {
                    state = .padding
                    continue
                }
                guard inflateReset(&stream) == Z_OK else {
                    throw CodecError(format.codec, .library(code: -1, message: "inflateReset failed"))
                }
                state = .inMember
            case .idle:
                state = .inMember
            case .inMember:
                break
            }
            stream.next_in = UnsafeMutablePointer(mutating: (base + position).assumingMemoryBound(to: Bytef.self))
            stream.avail_in = UInt32(min(chunk.count - position, Int(UInt32.max)))
            let before = Int(stream.avail_in)
            let (code, produced) = inflateIntoOutput()
            let used = before - Int(stream.avail_in)
            let errorOffset = consumed + position + used
            position += used
            switch code {
            case Z_OK, Z_BUF_ERROR:
                if code == Z_BUF_ERROR && produced == 0 && used == 0 {
                    throw CodecError(format.codec, .corrupt("inflate made no progress"), offset: errorOffset)
                }
            case Z_STREAM_END:
                state = format == .gzip ? .betweenMembers : .finished
            case Z_DATA_ERROR:
                let message = stream.msg.map { String(cString: $0) } ?? "invalid deflate data"
                throw CodecError(format.codec, .corrupt(message), offset: errorOffset)
            case Z_NEED_DICT:
                throw CodecError(format.codec, .corrupt("preset dictionary required"), offset: errorOffset)
            default:
                let message = stream.msg.map { String(cString: $0) } ?? "inflate error"
                throw CodecError(format.codec, .library(code: Int(code), message: message), offset: errorOffset)
            }
            if produced > 0 {
                try sink(UnsafeRawBufferPointer(rebasing: output[0..<produced]))
            }
            // Output may remain buffered inside zlib when the output chunk filled up while input
            // was exhausted: drain it before leaving.
            if position == chunk.count && state == .inMember && produced == capacity {
                try drain(sink)
            }
        }
        consumed += chunk.count
    }

    /// Runs one `inflate` call into the whole output chunk; returns zlib's code and the bytes produced.
    private func inflateIntoOutput() -> (code: Int32, produced: Int) {
        let capacity = output.count
        stream.next_out = output.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.avail_out = UInt32(capacity)
        let code = inflate(&stream, Z_NO_FLUSH)
        return (code, capacity - Int(stream.avail_out))
    }

    private func drain(_ sink: (UnsafeRawBufferPointer) throws(CodecError) -> Void) throws(CodecError) {
        let capacity = output.count
        while true {
            stream.avail_in = 0
            let (code, produced) = inflateIntoOutput()
            if code == Z_STREAM_END { state = format == .gzip ? .betweenMembers : .finished }
            else if code != Z_OK && code != Z_BUF_ERROR {
                throw CodecError(format.codec, .corrupt("invalid deflate data"), offset: consumed)
            }
            if produced > 0 {
                try sink(UnsafeRawBufferPointer(rebasing: output[0..<produced]))
            }
            if produced < capacity || state != .inMember { break }
        }
    }

    /// Ends the stream; throws ``CodecError/Kind/truncated`` when it stopped inside a member.
    public func finish() throws(CodecError) {
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
