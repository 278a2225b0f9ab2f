#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The local filesystem. Locations are absolute paths, with or without a `file://` scheme.
///
/// Files appear atomically: a writer streams into a temporary file, syncs it, then links it into
/// place (``WriteMode/createNew``, which fails if the target exists) or renames it over the
/// target (``WriteMode/overwrite``). On Linux a new file is an unnamed `O_TMPFILE` in the target's
/// directory, so a crash mid-write leaves nothing behind; elsewhere, and for overwrites, it is a
/// named temporary file beside the target, which orphan removal deletes after a crash.
public struct LocalFileIO: FileIO {
    public init() {}

    /// The filesystem path of a location (strips a `file://` scheme).
    static func path(_ location: String) -> String {
        location.hasPrefix("file://") ? String(location.dropFirst(7)) : location
    }

    static func errorText() -> String { String(cString: strerror(errno)) }

    public func newInputFile(_ location: String) -> any InputFile { LocalInputFile(location: location) }

    public func newOutputFile(_ location: String) -> any OutputFile { LocalOutputFile(location: location) }

    public func delete(_ location: String) async throws(IcebergError) {
        guard unlink(Self.path(location)) == 0 || errno == ENOENT else {
            throw IcebergError(.io("cannot delete: \(Self.errorText())"), path: location)
        }
    }

    public func list(prefix: String) -> FileListing {
        let walk = Mutex(LocalDirectoryWalk(prefix: prefix))
        return FileListing { (token: String?) throws(IcebergError) -> (page: [FileInfo], next: String?) in
            try walk.withLock { (w: inout LocalDirectoryWalk) throws(IcebergError) -> (page: [FileInfo], next: String?) in
                if token == nil { w.restart() }
                let page = try w.nextPage(limit: 1000)
                return (page, w.isFinished ? nil : "more")
            }
        }
    }

    /// Creates the directories above `path`.
    static func makeParents(_ path: String) throws(IcebergError) {
        var current = ""
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropLast()
        for (i, part) in parts.enumerated() {
            if i == 0 && part.isEmpty { continue }
            current += (i == 0 && !path.hasPrefix("/") ? "" : "/") + part
            if mkdir(current, 0o755) != 0 && errno != EEXIST {
                throw IcebergError(.io("cannot create directory: \(errorText())"), path: current)
            }
        }
    }
}

/// A local file read with `pread`, opened per read (no descriptor outlives a call).
struct LocalInputFile: InputFile {
    let location: String

    func length() async throws(IcebergError) -> Int64 {
        var info = stat()
        guard stat(LocalFileIO.path(location), &info) == 0 else {
            if errno == ENOENT { throw IcebergError(.notFound("no such file"), path: location) }
            throw IcebergError(.io("cannot stat: \(LocalFileIO.errorText())"), path: location)
        }
        return Int64(info.st_size)
    }

    func exists() async throws(IcebergError) -> Bool { access(LocalFileIO.path(location), F_OK) == 0 }

    /// The whole file with one `open`: its size from `fstat` on the same descriptor.
    func read() async throws(IcebergError) -> [UInt8] {
        let fd = try openForReading()
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw IcebergError(.io("cannot stat: \(LocalFileIO.errorText())"), path: location) }
        guard info.st_size <= off_t(Int32.max) else {
            throw IcebergError(.io("file of \(info.st_size) bytes is too large to read whole"), path: location)
        }
        return try read(fd, from: 0, count: Int(info.st_size))
    }

    func read(from offset: Int64, count: Int) async throws(IcebergError) -> [UInt8] {
        guard offset >= 0, count >= 0 else { throw IcebergError(.io("invalid range \(offset)+\(count)"), path: location) }
        let fd = try openForReading()
        defer { close(fd) }
        return try read(fd, from: offset, count: count)
    }

    private func openForReading() throws(IcebergError) -> Int32 {
        let fd = open(LocalFileIO.path(location), O_RDONLY)
        guard fd >= 0 else {
            if errno == ENOENT { throw IcebergError(.notFound("no such file"), path: location) }
            throw IcebergError(.io("cannot open: \(LocalFileIO.errorText())"), path: location)
        }
        return fd
    }

    private func read(_ fd: Int32, from offset: Int64, count: Int) throws(IcebergError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var done = 0
        var failure: String?
        out.withUnsafeMutableBytes { raw in
            while done < count, let base = raw.baseAddress {
                let n = pread(fd, base + done, count - done, off_t(offset) + off_t(done))
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = LocalFileIO.errorText()
                    return
                }
                if n == 0 { failure = "range \(offset)+\(count) runs past the end of the file"; return }
                done += n
            }
        }
        if let failure { throw IcebergError(.io("read failed: \(failure)"), path: location) }
        return out
    }
}

struct LocalOutputFile: OutputFile {
    let location: String

    func writer(mode: WriteMode) async throws(IcebergError) -> any FileWriter {
        try LocalFileWriter(location: location, mode: mode)
    }
}

/// Streams into a temporary file beside the target and publishes it on close.
final class LocalFileWriter: FileWriter, @unchecked Sendable {
    // @unchecked: a writer is used by one task at a time (the protocol's contract); the
    // descriptor and counters are not shared.
    let location: String
    let mode: WriteMode
    private let target: String
    private let temporary: String
    private var fd: Int32
    private(set) var position: Int64 = 0

    /// Whether the temporary file is unnamed (`O_TMPFILE`): published by `linkat` through
    /// `/proc/self/fd`, never unlinked.
    private let unnamed: Bool

    init(location: String, mode: WriteMode) throws(IcebergError) {
        self.location = location
        self.mode = mode
        target = LocalFileIO.path(location)
        temporary = target + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        // Directories are made only when the first attempt says they are missing: a table's
        // directories exist after its first commit, and creating each level on every file cost a
        // `mkdir` per level.
        if mode == .createNew, let fd = try Self.openUnnamed(beside: target) {
            self.fd = fd
            unnamed = true
            return
        }
        unnamed = false
        fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if fd < 0 && errno == ENOENT {
            try LocalFileIO.makeParents(target)
            fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        }
        // Named by the file asked for: the temporary name means nothing to the user.
        guard fd >= 0 else { throw IcebergError(.io("cannot create: \(LocalFileIO.errorText())"), path: location) }
    }

    deinit {
        if fd >= 0 {
            Glibc.close(fd)
            if !unnamed { unlink(temporary) }
        }
    }

    #if os(Linux)
    /// `O_TMPFILE` (Linux 3.11+; the C macro does not reach Swift): an inode in the directory
    /// with no name until `linkat` gives it one.
    private static let openTemporaryFile: Int32 = 0o20000000 | O_DIRECTORY
    /// Whether this process can name an unnamed file (`/proc` mounted, as `linkat` goes through
    /// `/proc/self/fd` without the privilege `AT_EMPTY_PATH` needs).
    private static let canPublishUnnamed: Bool = access("/proc/self/fd", F_OK) == 0
    #endif
    /// Cleared when naming an unnamed file failed once: later writers use named files.
    private static let unnamedFilesWork = Atomic<Bool>(true)

    /// Publishes the unnamed file's bytes through a named temporary copy linked into place.
    private func publishCopy() throws(IcebergError) {
        let copy = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard copy >= 0 else { throw IcebergError(.io("cannot create: \(LocalFileIO.errorText())"), path: temporary) }
        var failure: String?
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var offset: off_t = 0
        buffer.withUnsafeMutableBytes { raw in
            guard let base = raw.baseAddress else { return }
            while failure == nil {
                let n = pread(fd, base, raw.count, offset)
                if n < 0 { if errno == EINTR { continue }; failure = LocalFileIO.errorText(); return }
                if n == 0 { return }
                var written = 0
                while written < n {
                    let w = Glibc.write(copy, base + written, n - written)
                    if w < 0 { if errno == EINTR { continue }; failure = LocalFileIO.errorText(); return }
                    written += w
                }
                offset += off_t(n)
            }
        }
        if failure == nil && fsync(copy) != 0 { failure = LocalFileIO.errorText() }
        Glibc.close(copy)
        if let failure {
            unlink(temporary)
            throw IcebergError(.io("cannot publish: \(failure)"), path: location)
        }
        let linked = link(temporary, target)
        let linkErrno = errno
        unlink(temporary)
        guard linked == 0 else {
            if linkErrno == EEXIST { throw IcebergError(.alreadyExists("file already exists"), path: location) }
            throw IcebergError(.io("cannot publish: \(String(cString: strerror(linkErrno)))"), path: location)
        }
    }

    /// An unnamed file in the directory of `target`, or nil where the system or the filesystem
    /// has none (the caller falls back to a named temporary file).
    private static func openUnnamed(beside target: String) throws(IcebergError) -> Int32? {
        #if os(Linux)
        guard canPublishUnnamed, unnamedFilesWork.load(ordering: .relaxed), let slash = target.lastIndex(of: "/") else { return nil }
        let directory = slash == target.startIndex ? "/" : String(target[..<slash])
        // Readable too: a system that cannot name it gets a copy (`publishCopy`).
        var fd = open(directory, openTemporaryFile | O_RDWR | O_CLOEXEC, 0o644)
        if fd < 0 && errno == ENOENT {
            try LocalFileIO.makeParents(target)
            fd = open(directory, openTemporaryFile | O_RDWR | O_CLOEXEC, 0o644)
        }
        // EOPNOTSUPP, EISDIR or EINVAL: the filesystem (or kernel) has no O_TMPFILE.
        return fd >= 0 ? fd : nil
        #else
        return nil
        #endif
    }

    func write(_ bytes: [UInt8]) async throws(IcebergError) {
        guard fd >= 0 else { throw IcebergError(.io("writer is closed"), path: location) }
        var offset = 0
        var failure: String?
        bytes.withUnsafeBytes { raw in
            while offset < raw.count, let base = raw.baseAddress {
                let n = Glibc.write(fd, base + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = LocalFileIO.errorText()
                    return
                }
                offset += n
            }
        }
        if let failure {
            await abort()
            throw IcebergError(.io("write failed: \(failure)"), path: location)
        }
        position += Int64(bytes.count)
    }

    func close() async throws(IcebergError) {
        guard fd >= 0 else { throw IcebergError(.io("writer is closed"), path: location) }
        let synced = fsync(fd) == 0
        let syncError = synced ? nil : LocalFileIO.errorText()
        if unnamed {
            defer { Glibc.close(fd); fd = -1 }
            if let syncError { throw IcebergError(.io("fsync: \(syncError)"), path: location) }
            // linkat(2) fails if the target exists, as link(2) does; the unnamed file is freed
            // with its descriptor when it loses.
            guard linkat(AT_FDCWD, "/proc/self/fd/\(fd)", AT_FDCWD, target, AT_SYMLINK_FOLLOW) == 0 else {
                if errno == EEXIST { throw IcebergError(.alreadyExists("file already exists"), path: location) }
                // A system that opens unnamed files but cannot name them (a sandboxed /proc):
                // publish this one through a named copy, and open named files from now on.
                Self.unnamedFilesWork.store(false, ordering: .relaxed)
                try publishCopy()
                return
            }
            return
        }
        Glibc.close(fd)
        fd = -1
        if let syncError {
            unlink(temporary)
            throw IcebergError(.io("fsync: \(syncError)"), path: location)
        }
        switch mode {
        case .createNew:
            // link(2) fails if the target exists: the file appears whole, and never replaces one.
            let linked = link(temporary, target)
            let linkErrno = errno
            unlink(temporary)
            guard linked == 0 else {
                if linkErrno == EEXIST { throw IcebergError(.alreadyExists("file already exists"), path: location) }
                throw IcebergError(.io("cannot publish: \(String(cString: strerror(linkErrno)))"), path: location)
            }
        case .overwrite:
            guard rename(temporary, target) == 0 else {
                let text = LocalFileIO.errorText()
                unlink(temporary)
                throw IcebergError(.io("cannot publish: \(text)"), path: location)
            }
        }
    }

    func abort() async {
        guard fd >= 0 else { return }
        Glibc.close(fd)
        fd = -1
        if !unnamed { unlink(temporary) }
    }
}

/// A depth-first walk of the directories under a prefix, a page at a time.
struct LocalDirectoryWalk: Sendable {
    let prefix: String
    /// `file://` when the prefix had it: locations come back in the caller's form.
    let scheme: String
    let root: String
    var pending: [String] = []
    var isFinished = false

    init(prefix: String) {
        self.prefix = LocalFileIO.path(prefix)
        scheme = prefix.hasPrefix("file://") ? "file://" : ""
        let path = self.prefix
        if let slash = path.lastIndex(of: "/") {
            let directory = String(path[..<slash])
            root = directory.isEmpty ? "/" : directory
        } else {
            root = "."
        }
        pending = [root]
    }

    mutating func restart() {
        pending = [root]
        isFinished = false
    }

    mutating func nextPage(limit: Int) throws(IcebergError) -> [FileInfo] {
        var page: [FileInfo] = []
        while page.count < limit, let directory = pending.popLast() {
            guard let dir = opendir(directory) else {
                if errno == ENOENT || errno == ENOTDIR { continue }
                throw IcebergError(.io("cannot list: \(LocalFileIO.errorText())"), path: directory)
            }
            defer { closedir(dir) }
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                }
                if name == "." || name == ".." { continue }
                let full = directory == "/" ? "/" + name : directory + "/" + name
                var info = stat()
                guard lstat(full, &info) == 0 else { continue }
                if info.st_mode & S_IFMT == S_IFDIR {
                    // Only directories that can hold matching files.
                    if (full + "/").hasPrefix(prefix) || prefix.hasPrefix(full + "/") { pending.append(full) }
                } else if full.hasPrefix(prefix) {
                    let ms = Int64(info.st_mtim.tv_sec) * 1000 + Int64(info.st_mtim.tv_nsec) / 1_000_000
                    page.append(FileInfo(location: scheme + full, size: Int64(info.st_size), lastModifiedMs: ms))
                }
            }
        }
        if pending.isEmpty { isFinished = true }
        return page
    }
}
