#if canImport(Glibc)
import Glibc
#endif

/// Reads a Parquet file's footer.
public enum ParquetFooter {
    /// Footers larger than this are refused as corrupt (a hostile length must not allocate).
    public static let maximumFooterSize = 256 << 20

    /// Decodes serialized footer bytes (the Thrift `FileMetaData`, without length and magic).
    public static func decode(_ bytes: [UInt8]) throws(ParquetReadError) -> FileMetaData {
        try FileMetaData(decoding: bytes)
    }

    /// Reads and decodes the footer of the file at `path`.
    public static func read(path: String) throws(ParquetReadError) -> FileMetaData {
        try read(try RandomAccessFile(path: path))
    }

    static func read(_ file: any ParquetByteSource) throws(ParquetReadError) -> FileMetaData {
        let path = file.path
        let size = file.size
        guard size >= 12 else { throw ParquetReadError(.notParquet, path: path) }
        let tail = try file.read(at: size - 8, count: 8)
        guard tail[4...] == [0x50, 0x41, 0x52, 0x31] else { throw ParquetReadError(.notParquet, offset: size - 4, path: path) }
        let head = try file.read(at: 0, count: 4)
        guard head == [0x50, 0x41, 0x52, 0x31] else { throw ParquetReadError(.notParquet, offset: 0, path: path) }
        let length = Int64(UInt32(tail[0]) | UInt32(tail[1]) << 8 | UInt32(tail[2]) << 16 | UInt32(tail[3]) << 24)
        guard length > 0, length <= size - 12, length <= Int64(maximumFooterSize) else {
            throw ParquetReadError(.corruptMetadata("footer length \(length) does not fit a \(size)-byte file"), offset: size - 8, path: path)
        }
        let footerStart = size - 8 - length
        let bytes = try file.read(at: footerStart, count: Int(length))
        do {
            return try FileMetaData(decoding: bytes)
        } catch {
            var located = error
            located.path = path
            located.offset = footerStart + (error.offset ?? 0)
            throw located
        }
    }
}

extension ParquetFooter {
    /// What the last bytes of a file tell about its footer.
    public enum Tail: Sendable {
        /// The footer was wholly in the tail.
        case complete(FileMetaData, footerStart: Int64)
        /// The footer is longer than the tail: read the last `count` bytes of the file instead.
        case needsTail(count: Int)
    }

    /// The bytes to read from the end of a file first: one ranged read that holds the whole
    /// footer of nearly every file (Arrow's readers start with 64 KiB too).
    public static let suggestedTailSize = 64 << 10

    /// Decodes the footer from the last `tail.count` bytes of a file of `fileSize` bytes, as an
    /// object-store reader does: one ranged read at the end, a second only for huge footers.
    public static func parse(tail: [UInt8], fileSize: Int64, name: String) throws(ParquetReadError) -> Tail {
        guard fileSize >= 12, tail.count >= 8, Int64(tail.count) <= fileSize else { throw ParquetReadError(.notParquet, path: name) }
        let n = tail.count
        guard tail[(n - 4)...] == [0x50, 0x41, 0x52, 0x31] else { throw ParquetReadError(.notParquet, offset: fileSize - 4, path: name) }
        let length = Int64(UInt32(tail[n - 8]) | UInt32(tail[n - 7]) << 8 | UInt32(tail[n - 6]) << 16 | UInt32(tail[n - 5]) << 24)
        guard length > 0, length <= fileSize - 12, length <= Int64(maximumFooterSize) else {
            throw ParquetReadError(.corruptMetadata("footer length \(length) does not fit a \(fileSize)-byte file"), offset: fileSize - 8, path: name)
        }
        guard length + 8 <= Int64(n) else { return .needsTail(count: Int(length) + 8) }
        let footerStart = fileSize - 8 - length
        let bytes = Array(tail[(n - 8 - Int(length))..<(n - 8)])
        do {
            return .complete(try FileMetaData(decoding: bytes), footerStart: footerStart)
        } catch {
            var located = error
            located.path = name
            located.offset = footerStart + (error.offset ?? 0)
            throw located
        }
    }
}

/// Random access to a Parquet file's bytes: what the reader decodes from.
public protocol ParquetByteSource: AnyObject {
    /// Names the file in errors.
    var path: String { get }
    var size: Int64 { get }
    /// `count` bytes at `offset`; a range the source does not hold is an error.
    func read(at offset: Int64, count: Int) throws(ParquetReadError) -> [UInt8]
}

/// Byte ranges of a file fetched ahead (by an asynchronous reader, from an object store) and
/// held for the synchronous decoder: reads must fall inside one fetched range.
public final class ParquetFetchedRanges: ParquetByteSource {
    public let path: String
    public let size: Int64
    private var ranges: [(offset: Int64, bytes: [UInt8])]

    public init(path: String, size: Int64, ranges: [(offset: Int64, bytes: [UInt8])] = []) {
        self.path = path
        self.size = size
        self.ranges = ranges.sorted { $0.offset < $1.offset }
    }

    /// Adds a fetched range.
    public func add(offset: Int64, bytes: [UInt8]) {
        ranges.append((offset, bytes))
        ranges.sort { $0.offset < $1.offset }
    }

    /// Drops every range (between row groups: memory holds one row group's chunks).
    public func removeAll() { ranges.removeAll() }

    /// Drops the ranges that start before `offset` (keeps a fetched tail between row groups).
    public func keepOnly(from offset: Int64) { ranges.removeAll { $0.offset < offset } }

    /// Whether `count` bytes at `offset` lie inside one fetched range.
    public func holds(offset: Int64, count: Int) -> Bool {
        ranges.contains { $0.offset <= offset && offset + Int64(count) <= $0.offset + Int64($0.bytes.count) }
    }

    /// Bytes held.
    public var heldBytes: Int { ranges.reduce(0) { $0 + $1.bytes.count } }

    public func read(at offset: Int64, count: Int) throws(ParquetReadError) -> [UInt8] {
        for r in ranges where r.offset <= offset && offset + Int64(count) <= r.offset + Int64(r.bytes.count) {
            let start = Int(offset - r.offset)
            return Array(r.bytes[start..<(start + count)])
        }
        throw ParquetReadError(.io("bytes \(offset)+\(count) were not fetched"), offset: offset, path: path)
    }
}

/// A file read at explicit offsets (pread), closed on release; or bytes in memory.
final class RandomAccessFile: ParquetByteSource {
    let path: String
    private let fd: Int32
    private let memory: [UInt8]?
    let size: Int64

    init(bytes: [UInt8], name: String) {
        path = name
        fd = -1
        memory = bytes
        size = Int64(bytes.count)
    }

    init(path: String) throws(ParquetReadError) {
        self.path = path
        fd = open(path, O_RDONLY)
        memory = nil
        guard fd >= 0 else { throw ParquetReadError(.io("cannot open: \(String(cString: strerror(errno)))"), path: path) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            close(fd)
            throw ParquetReadError(.io("cannot stat"), path: path)
        }
        size = Int64(info.st_size)
    }

    deinit { if fd >= 0 { close(fd) } }

    func read(at offset: Int64, count: Int) throws(ParquetReadError) -> [UInt8] {
        guard offset >= 0, count >= 0, offset <= size - Int64(count) else {
            throw ParquetReadError(.corruptMetadata("range \(offset)+\(count) outside the \(size)-byte file"), offset: offset, path: path)
        }
        if let memory { return Array(memory[Int(offset)..<(Int(offset) + count)]) }
        var out = [UInt8](repeating: 0, count: count)
        var done = 0
        let failure: String? = out.withUnsafeMutableBytes { raw -> String? in
            while done < count {
                let n = pread(fd, raw.baseAddress! + done, count - done, off_t(offset) + off_t(done))
                if n < 0 {
                    if errno == EINTR { continue }
                    return String(cString: strerror(errno))
                }
                if n == 0 { return "unexpected end of file" }
                done += n
            }
            return nil
        }
        if let failure { throw ParquetReadError(.io(failure), offset: offset, path: path) }
        return out
    }
}
