#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A minimal buffered writer to a file or standard output, without Foundation.
final class OutputFile {
    private let fd: Int32
    private let owned: Bool
    private var buffer: [UInt8] = []
    let path: String

    /// Standard output.
    init() {
        fd = 1
        owned = false
        path = "<stdout>"
    }

    /// Standard error.
    init(standardError: Void) {
        fd = 2
        owned = false
        path = "<stderr>"
    }

    /// Creates (truncates) `path`.
    init(path: String) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw CLIError("cannot create \(path): \(String(cString: strerror(errno)))") }
        owned = true
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

    func close() throws {
        try flush()
        if owned { _ = Glibc.close(fd) }
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
    let temporary = path + ".tmp-\(getpid())"
    let file = try OutputFile(path: temporary)
    try file.write(bytes)
    try file.close()
    guard rename(temporary, path) == 0 else { throw CLIError("cannot rename \(temporary) to \(path)") }
}

/// Writes a line to standard error.
func printError(_ text: String) {
    var line = Array((text + "\n").utf8)
    _ = line.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress, $0.count) }
}
