#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Something the reader pulls raw (possibly compressed) bytes from.
public protocol ByteSource {
    /// Reads up to `buffer.count` bytes; returns 0 at the end.
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(CloudFrontParseError) -> Int
}

/// Bytes already in memory.
public struct MemoryByteSource: ByteSource {
    private let bytes: [UInt8]
    private var position = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(CloudFrontParseError) -> Int {
        let n = min(buffer.count, bytes.count - position)
        guard n > 0 else { return 0 }
        bytes.withUnsafeBytes { src in
            buffer.baseAddress!.copyMemory(from: src.baseAddress! + position, byteCount: n)
        }
        position += n
        return n
    }
}

/// A file read with plain POSIX reads; the descriptor closes when the source is released.
public final class FileByteSource: ByteSource {
    private let fd: Int32
    /// The path.
    public let path: String

    public init(path: String) throws(CloudFrontParseError) {
        self.path = path
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw CloudFrontParseError(source: path, lineNumber: nil, message: "cannot open: \(String(cString: strerror(errno)))",
                                       kind: .unreadable)
        }
        // A directory opens for reading on Linux; say so here rather than at the first read.
        var status = stat()
        if fstat(descriptor, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR {
            close(descriptor)
            throw CloudFrontParseError(source: path, lineNumber: nil, message: "cannot open: is a directory", kind: .unreadable)
        }
        fd = descriptor
    }

    deinit { close(fd) }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(CloudFrontParseError) -> Int {
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw CloudFrontParseError(source: path, lineNumber: nil, message: "read failed: \(String(cString: strerror(errno)))",
                                       kind: .unreadable)
        }
    }
}
