import CLakeInflate

/// gzip on ISA-L: the member headers parsed here under zlib's rules (with zlib's messages), the
/// deflate data and the 8-byte trailer (CRC-32 and length) inflated and checked by igzip;
/// members one after another, zero padding after the last, as ``Inflater`` does on zlib.
final class IgzipGzipDecoder {
    private let stream: UnsafeMutableRawPointer
    private enum State { case idle, header, body, betweenMembers, padding }
    private var state: State = .idle

    // The header being parsed (RFC 1952 §2.3), one field at a time so it may span input chunks.
    private enum Field { case magic, methodAndFlags, timeAndOS, extraLength, extra, name, comment, headerCheck, done }
    private var field: Field = .magic
    private var fieldRead = 0
    private var fieldValue: UInt32 = 0
    private var flags: UInt8 = 0
    private var extraLeft = 0
    /// CRC-32 of the header bytes before FHCRC, which zlib checks when that flag is set.
    private var headerCRC: UInt32 = 0

    private static let headerCRCFlag: UInt8 = 0x02, extraFlag: UInt8 = 0x04
    private static let nameFlag: UInt8 = 0x08, commentFlag: UInt8 = 0x10, reservedFlags: UInt8 = 0xE0

    /// Returns nil when ISA-L is unavailable or memory ran out.
    init?() {
        guard let stream = lake_igzip_create() else { return nil }
        self.stream = stream
    }

    deinit { lake_igzip_destroy(stream) }

    /// See ``Inflater/decode(_:into:)``; `base` is the compressed offset of `input`, for errors.
    func decode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, base: Int)
        throws(CodecError) -> (consumed: Int, produced: Int) {
        let n = input.count
        var position = 0
        var produced = 0
        guard let out = output.baseAddress, output.count > 0 else { return (0, 0) }
        while produced < output.count {
            switch state {
            case .padding:
                while position < n && input[position] == 0 { position += 1 }
                guard position == n else { throw CodecError(.gzip, .trailingGarbage, offset: base + position) }
                return (position, produced)
            case .betweenMembers, .idle:
                guard position < n else { return (position, produced) }
                if state == .betweenMembers && input[position] == 0 {
                    state = .padding
                    continue
                }
                field = .magic
                fieldRead = 0
                fieldValue = 0
                headerCRC = 0
                state = .header
            case .header:
                guard try parseHeader(input, &position, base: base) else { return (position, produced) }
                lake_igzip_reset(stream)
                state = .body
            case .body:
                var used = 0, made = 0
                var ended: Int32 = 0
                // ISA-L may be called with no input to drain output it holds; it wants a pointer.
                let from = input.baseAddress.map { ($0 + position).assumingMemoryBound(to: UInt8.self) }
                    ?? UnsafePointer(out.assumingMemoryBound(to: UInt8.self))
                let code = lake_igzip_inflate(stream, from, n - position,
                                              (out + produced).assumingMemoryBound(to: UInt8.self),
                                              output.count - produced, &used, &made, &ended)
                position += used
                produced += made
                guard code == LAKE_IGZIP_OK else { throw Self.error(code, offset: base + position) }
                if ended != 0 {
                    state = .betweenMembers
                    continue
                }
                if used == 0 && made == 0 {
                    guard position == n else {
                        throw CodecError(.gzip, .corrupt("inflate made no progress"), offset: base + position)
                    }
                    return (position, produced)
                }
                // Input exhausted with room left over: igzip holds no output back.
                if position == n && produced < output.count { return (position, produced) }
            }
        }
        return (position, produced)
    }

    /// Throws ``CodecError/Kind/truncated`` when the input stopped inside a member.
    func finish(offset: Int) throws(CodecError) {
        // zlib checks the CRC-32 as soon as its 4 bytes are in, before the length: so does this.
        if state == .body && lake_igzip_trailer_crc_mismatch(stream) != 0 {
            throw CodecError(.gzip, .corrupt("incorrect data check"), offset: offset)
        }
        if state == .header || state == .body { throw CodecError(.gzip, .truncated, offset: offset) }
    }

    /// Reads header bytes from `input[position...]`; true once the header is complete.
    private func parseHeader(_ input: UnsafeRawBufferPointer, _ position: inout Int, base: Int) throws(CodecError) -> Bool {
        let n = input.count
        while field != .done {
            guard position < n else { return false }
            let byte = input[position]
            position += 1
            if field != .headerCheck {
                headerCRC = CRC32.checksum(UnsafeRawBufferPointer(rebasing: input[(position - 1)..<position]), initial: headerCRC)
            }
            switch field {
            case .magic:
                if collect(byte, count: 2) {
                    guard fieldValue == 0x8B1F else {
                        throw CodecError(.gzip, .corrupt("incorrect header check"), offset: base + position)
                    }
                    next(.methodAndFlags)
                }
            case .methodAndFlags:
                if collect(byte, count: 2) {
                    guard fieldValue & 0xFF == 8 else {
                        throw CodecError(.gzip, .corrupt("unknown compression method"), offset: base + position)
                    }
                    flags = UInt8(truncatingIfNeeded: fieldValue >> 8)
                    guard flags & Self.reservedFlags == 0 else {
                        throw CodecError(.gzip, .corrupt("unknown header flags set"), offset: base + position)
                    }
                    next(.timeAndOS)
                }
            case .timeAndOS:
                // MTIME (4), XFL, OS: read and ignored, as zlib does without a header request.
                fieldRead += 1
                if fieldRead == 6 { afterFixedFields() }
            case .extraLength:
                if collect(byte, count: 2) {
                    extraLeft = Int(fieldValue)
                    if extraLeft > 0 { next(.extra) } else { afterExtra() }
                }
            case .extra:
                extraLeft -= 1
                if extraLeft == 0 { afterExtra() }
            case .name:
                if byte == 0 { afterName() }
            case .comment:
                if byte == 0 { next(nextAfterComment()) }
            case .headerCheck:
                if collect(byte, count: 2) {
                    guard fieldValue == headerCRC & 0xFFFF else {
                        throw CodecError(.gzip, .corrupt("header crc mismatch"), offset: base + position)
                    }
                    next(.done)
                }
            case .done:
                break
            }
        }
        return true
    }

    /// Adds `byte` to a little-endian field of `count` bytes; true when the field is complete.
    private func collect(_ byte: UInt8, count: Int) -> Bool {
        fieldValue |= UInt32(byte) << (8 * UInt32(fieldRead))
        fieldRead += 1
        return fieldRead == count
    }

    private func next(_ field: Field) {
        self.field = field
        fieldRead = 0
        fieldValue = 0
    }

    private func afterFixedFields() {
        if flags & Self.extraFlag != 0 { next(.extraLength) } else { afterExtra() }
    }

    private func afterExtra() {
        if flags & Self.nameFlag != 0 { next(.name) } else { afterName() }
    }

    private func afterName() {
        if flags & Self.commentFlag != 0 { next(.comment) } else { next(nextAfterComment()) }
    }

    private func nextAfterComment() -> Field { flags & Self.headerCRCFlag != 0 ? .headerCheck : .done }

    private static func error(_ code: Int32, offset: Int) -> CodecError {
        switch code {
        case LAKE_IGZIP_INVALID_BLOCK: return CodecError(.gzip, .corrupt("invalid block"), offset: offset)
        case LAKE_IGZIP_INVALID_SYMBOL: return CodecError(.gzip, .corrupt("invalid literal/length or distance code"), offset: offset)
        case LAKE_IGZIP_INVALID_LOOKBACK: return CodecError(.gzip, .corrupt("invalid distance too far back"), offset: offset)
        case LAKE_IGZIP_INCORRECT_CHECKSUM: return CodecError(.gzip, .corrupt("incorrect data or length check"), offset: offset)
        default: return CodecError(.gzip, .library(code: Int(code), message: "isal_inflate failed"), offset: offset)
        }
    }
}
