#if canImport(Glibc)
import Glibc
#endif
import LakeColumnar

/// Where a ``ParquetFileWriter``'s bytes go, in order.
///
/// Encoding is synchronous; a sink is too. An asynchronous destination (an object-store upload)
/// takes a ``ParquetMemorySink`` and drains it between writes, so at most the bytes of one row
/// group wait in memory — once: the writer hands a finished page's bytes over with
/// ``write(owned:)``, and the memory sink keeps that array as it is instead of copying it.
public protocol ParquetSink: AnyObject {
    /// Appends bytes to the file.
    func write(_ bytes: UnsafeRawBufferPointer) throws(ParquetError)
    /// Appends bytes the writer no longer needs: a sink may keep the array itself (no copy).
    func write(owned bytes: [UInt8]) throws(ParquetError)
    /// The file is complete (the footer written): publish it.
    func finish() throws(ParquetError)
    /// The file is abandoned: discard what was written.
    func abort()
}

extension ParquetSink {
    /// Copies the bytes, as ``write(_:)-(UnsafeRawBufferPointer)`` does.
    public func write(owned bytes: [UInt8]) throws(ParquetError) {
        try bytes.withUnsafeBytesTyped { (raw) throws(ParquetError) in try write(raw) }
    }
}

/// Keeps the bytes written, in the order written, until ``takeParts()`` (or ``take()``) hands
/// them on.
///
/// The bytes are kept as a list of parts, never in one growing array: a row group passes
/// through at its own size (an array grown by doubling held up to twice it, and copied it at
/// each doubling), and arrays given with ``write(owned:)`` — the writer's compressed pages — are
/// kept without a copy.
public final class ParquetMemorySink: ParquetSink {
    private var parts: [[UInt8]] = []
    /// Whether the writer finished the file.
    public private(set) var isFinished = false
    /// Whether the writer abandoned the file.
    public private(set) var isAborted = false

    public init() {}

    /// Bytes written since the last take, in one array (a copy of the parts: for small files).
    public func take() -> [UInt8] {
        let pieces = takeParts()
        guard pieces.count != 1 else { return pieces[0] }
        var whole: [UInt8] = []
        whole.reserveCapacity(pieces.reduce(0) { $0 + $1.count })
        for piece in pieces { whole += piece }
        return whole
    }

    /// Bytes written since the last take, as the parts they were written in: writing them out
    /// in order gives the file's bytes. The sink holds none of them afterwards.
    public func takeParts() -> [[UInt8]] {
        defer {
            parts = []
            pendingCount = 0
        }
        return parts
    }

    /// Bytes waiting to be taken.
    public private(set) var pendingCount = 0

    public func write(_ bytes: UnsafeRawBufferPointer) throws(ParquetError) {
        guard bytes.count > 0 else { return }
        parts.append(Array(bytes))
        pendingCount += bytes.count
    }

    public func write(owned bytes: [UInt8]) throws(ParquetError) {
        guard !bytes.isEmpty else { return }
        parts.append(bytes)
        pendingCount += bytes.count
    }

    public func finish() throws(ParquetError) { isFinished = true }

    public func abort() {
        parts = []
        pendingCount = 0
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
