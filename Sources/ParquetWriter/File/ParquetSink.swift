#if canImport(Glibc)
import Glibc
#endif

/// Where a ``ParquetFileWriter``'s bytes go, in order.
///
/// Encoding is synchronous; a sink is too. An asynchronous destination (an object-store upload)
/// takes a ``ParquetMemorySink`` and drains it between writes, so at most the bytes of one row
/// group wait in memory.
public protocol ParquetSink: AnyObject {
    /// Appends bytes to the file.
    func write(_ bytes: UnsafeRawBufferPointer) throws(ParquetError)
    /// The file is complete (the footer written): publish it.
    func finish() throws(ParquetError)
    /// The file is abandoned: discard what was written.
    func abort()
}

/// Keeps the bytes written until ``take()`` hands them on.
public final class ParquetMemorySink: ParquetSink {
    private var buffer: [UInt8] = []
    /// Whether the writer finished the file.
    public private(set) var isFinished = false
    /// Whether the writer abandoned the file.
    public private(set) var isAborted = false

    public init() {}

    /// Bytes written since the last call.
    public func take() -> [UInt8] {
        defer { buffer = [] }
        return buffer
    }

    /// Bytes waiting to be taken.
    public var pendingCount: Int { buffer.count }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(ParquetError) {
        buffer.append(contentsOf: bytes)
    }

    public func finish() throws(ParquetError) { isFinished = true }

    public func abort() {
        buffer = []
        isAborted = true
    }
}

/// A local file written under a temporary name, synced and renamed into place on finish.
final class LocalFileSink: ParquetSink {
    let path: String
    private let temporaryPath: String
    private var fd: Int32
    private var published = false

    init(path: String) throws(ParquetError) {
        self.path = path
        temporaryPath = path + ".inprogress-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        fd = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else {
            throw ParquetError(.io("cannot create \(temporaryPath): \(String(cString: strerror(errno)))"), path: path)
        }
    }

    deinit { abort() }

    func write(_ raw: UnsafeRawBufferPointer) throws(ParquetError) {
        var offset = 0
        while offset < raw.count, let base = raw.baseAddress {
            let n = Glibc.write(fd, base + offset, raw.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw ParquetError(.io("write failed: \(String(cString: strerror(errno)))"), path: path)
            }
            offset += n
        }
    }

    func finish() throws(ParquetError) {
        guard fsync(fd) == 0 else { throw ParquetError(.io("fsync failed: \(String(cString: strerror(errno)))"), path: path) }
        Glibc.close(fd)
        fd = -1
        guard rename(temporaryPath, path) == 0 else {
            throw ParquetError(.io("cannot rename to \(path): \(String(cString: strerror(errno)))"), path: path)
        }
        published = true
    }

    func abort() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
        if !published { unlink(temporaryPath) }
        published = true  // once: a later abort must not remove a file of the same name
    }
}
