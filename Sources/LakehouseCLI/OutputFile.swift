#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A minimal buffered writer to a file or standard output, without Foundation.
///
/// A file is written under a temporary name beside it and renamed into place by ``close()``: a
/// command that fails before then (the writer is released unclosed) leaves nothing at `path`,
/// neither a half-written file nor a truncated older one.
final class OutputFile {
    private let fd: Int32
    private let owned: Bool
    private var buffer: [UInt8] = []
    let path: String
    /// Where a file is written until ``close()`` publishes it.
    private let temporaryPath: String?
    private var closed = false

    /// Standard output.
    init() {
        fd = 1
        owned = false
        path = "<stdout>"
        temporaryPath = nil
    }

    /// Standard error.
    init(standardError: Void) {
        fd = 2
        owned = false
        path = "<stderr>"
        temporaryPath = nil
    }

    /// Writes `path`, which appears (replacing any older file) when ``close()`` succeeds.
    init(path: String) throws {
        self.path = path
        let temporary = path + ".tmp-\(getpid())"
        temporaryPath = temporary
        fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw CLIError("cannot create \(path): \(String(cString: strerror(errno)))") }
        owned = true
    }

    /// An unclosed file is abandoned: its temporary file is removed.
    deinit {
        if owned && !closed {
            _ = Glibc.close(fd)
            if let temporaryPath { _ = unlink(temporaryPath) }
        }
    }

    func write(_ bytes: [UInt8]) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 20 { try flush() }
    }

    func write(_ text: String) throws { try write(Array(text.utf8)) }

    func flush() throws {
        var offset = 0
        try buffer.withUnsafeBytes { raw in
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw CLIError("write to \(path) failed: \(String(cString: strerror(errno)))")
                }
                offset += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes what is buffered; a file is then closed and renamed into place.
    func close() throws {
        try flush()
        guard owned, !closed else { return }
        closed = true
        _ = Glibc.close(fd)
        if let temporaryPath, rename(temporaryPath, path) != 0 {
            let reason = String(cString: strerror(errno))
            _ = unlink(temporaryPath)
            throw CLIError("cannot rename \(temporaryPath) to \(path): \(reason)")
        }
    }
}

struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Makes a directory and its parents.
func makeDirectories(_ path: String) throws {
    var current = path.hasPrefix("/") ? "" : "."
    for component in path.split(separator: "/") {
        current += "/" + component
        if mkdir(current, 0o755) != 0 && errno != EEXIST {
            throw CLIError("cannot create directory \(current): \(String(cString: strerror(errno)))")
        }
    }
}

/// Writes `bytes` to `path` atomically (temporary file, then rename).
func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    let file = try OutputFile(path: path)
    try file.write(bytes)
    try file.close()
}

/// Writes a line to standard error.
func printError(_ text: String) {
    var line = Array((text + "\n").utf8)
    _ = line.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress, $0.count) }
}
