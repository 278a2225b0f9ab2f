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

    static func read(_ file: RandomAccessFile) throws(ParquetReadError) -> FileMetaData {
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

/// A file read at explicit offsets (pread), closed on release; or bytes in memory.
final class RandomAccessFile {
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
