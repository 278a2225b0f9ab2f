/// An error from compressing or decompressing data.
///
/// Every decoder turns malformed input into one of these instead of crashing, looping or
/// allocating without bound; `offset` says where in the compressed input the problem was found.
public struct CodecError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The codec that failed.
    public enum Codec: String, Sendable, Hashable {
        case snappy, zstd, gzip, deflate, zlib
    }

    /// What went wrong.
    public enum Kind: Sendable, Hashable {
        /// The input ended in the middle of a structure.
        case truncated
        /// The input violates the format; the string says which rule.
        case corrupt(String)
        /// The decoded size differs from the size the caller or the header declared.
        case lengthMismatch(expected: Int, actual: Int)
        /// Decoding would produce more than the caller's limit.
        case outputLimitExceeded(limit: Int)
        /// Bytes follow the last complete member/frame that are not another member/frame.
        case trailingGarbage
        /// The underlying C library reported an error.
        case library(code: Int, message: String)

        /// The case's name without its details (`"corrupt"` for any ``corrupt(_:)``): what two
        /// decoders that word the same damage differently still agree on.
        public var name: String {
            switch self {
            case .truncated: return "truncated"
            case .corrupt: return "corrupt"
            case .lengthMismatch: return "lengthMismatch"
            case .outputLimitExceeded: return "outputLimitExceeded"
            case .trailingGarbage: return "trailingGarbage"
            case .library: return "library"
            }
        }
    }

    public var codec: Codec
    public var kind: Kind
    /// The byte offset in the compressed input where the error was detected, when known.
    public var offset: Int?

    public init(_ codec: Codec, _ kind: Kind, offset: Int? = nil) {
        self.codec = codec
        self.kind = kind
        self.offset = offset
    }

    public var description: String {
        let at = offset.map { " at input offset \($0)" } ?? ""
        switch kind {
        case .truncated: return "\(codec): input is truncated\(at)"
        case let .corrupt(why): return "\(codec): corrupt input\(at): \(why)"
        case let .lengthMismatch(expected, actual):
            return "\(codec): decoded \(actual) bytes where \(expected) were declared\(at)"
        case let .outputLimitExceeded(limit): return "\(codec): output exceeds the limit of \(limit) bytes\(at)"
        case .trailingGarbage: return "\(codec): unexpected bytes after the end of the compressed data\(at)"
        case let .library(code, message): return "\(codec): library error \(code): \(message)\(at)"
        }
    }
}

/// The compression codecs the lakehouse's file formats use.
public enum CompressionCodec: String, Sendable, Hashable, CaseIterable {
    case uncompressed, snappy, gzip, zstd
}

/// Default decompression limit: a guard against decompression bombs for callers that do not know
/// the decoded size (4 GiB).
public let defaultDecompressionLimit = 1 << 32
