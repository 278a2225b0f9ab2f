#if canImport(Glibc)
import Glibc
#endif

/// Where table files live. Small on purpose: the local disk here, S3 in an adapter module.
public protocol FileIO: Sendable {
    /// Reads a whole file.
    func read(_ path: String) throws(IcebergError) -> [UInt8]
    /// Creates `path` with `bytes`; fails if it exists (metadata files are never overwritten).
    func create(_ path: String, _ bytes: [UInt8]) throws(IcebergError)
    func exists(_ path: String) -> Bool
    func delete(_ path: String) throws(IcebergError)
}

/// The local filesystem: files appear atomically (temporary file, fsync, link into place), and
/// `create` never replaces an existing file.
public struct LocalFileIO: FileIO {
    public init() {}

    /// Strips a `file://` scheme.
    public static func localPath(_ path: String) -> String { path.hasPrefix("file://") ? String(path.dropFirst(7)) : path }

    public func read(_ path: String) throws(IcebergError) -> [UInt8] {
        let p = Self.localPath(path)
        let fd = open(p, O_RDONLY)
        guard fd >= 0 else { throw IcebergError(.notFound(String(cString: strerror(errno))), path: path) }
        defer { close(fd) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw IcebergError(.io("read failed: \(String(cString: strerror(errno)))"), path: path)
            }
            if n == 0 { return out }
            out.append(contentsOf: buffer[0..<n])
        }
    }

    public func create(_ path: String, _ bytes: [UInt8]) throws(IcebergError) {
        let p = Self.localPath(path)
        try makeParents(p)
        let temporary = p + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else { throw IcebergError(.io("cannot create: \(String(cString: strerror(errno)))"), path: temporary) }
        var offset = 0
        let failure: String? = bytes.withUnsafeBytes { raw -> String? in
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return String(cString: strerror(errno))
                }
                offset += n
            }
            return fsync(fd) == 0 ? nil : "fsync: " + String(cString: strerror(errno))
        }
        close(fd)
        if let failure {
            unlink(temporary)
            throw IcebergError(.io("write failed: \(failure)"), path: path)
        }
        // link(2) fails if the target exists: the new file appears whole, and never replaces one.
        let linked = link(temporary, p)
        let linkErrno = errno
        unlink(temporary)
        guard linked == 0 else {
            if linkErrno == EEXIST { throw IcebergError(.commitConflict("file already exists"), path: path) }
            throw IcebergError(.io("cannot publish: \(String(cString: strerror(linkErrno)))"), path: path)
        }
    }

    public func exists(_ path: String) -> Bool { access(Self.localPath(path), F_OK) == 0 }

    public func delete(_ path: String) throws(IcebergError) {
        guard unlink(Self.localPath(path)) == 0 || errno == ENOENT else {
            throw IcebergError(.io("cannot delete: \(String(cString: strerror(errno)))"), path: path)
        }
    }

    func makeParents(_ path: String) throws(IcebergError) {
        var current = ""
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropLast()
        for (i, part) in parts.enumerated() {
            if i == 0 && part.isEmpty { continue }
            current += (i == 0 && !path.hasPrefix("/") ? "" : "/") + part
            if mkdir(current, 0o755) != 0 && errno != EEXIST {
                throw IcebergError(.io("cannot create directory: \(String(cString: strerror(errno)))"), path: current)
            }
        }
    }
}
