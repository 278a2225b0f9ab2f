#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
public import LakeColumnar
import LakeCodecs

/// One batch of parsed rows and the lines rejected while parsing them.
public struct CloudFrontBatch: Sendable {
    /// The rows, in the ``CloudFrontSchema`` of the reader's options.
    public var batch: RecordBatch
    /// Lines that did not become rows, in line order.
    public var rejects: [RejectRecord]
}

/// Streams a CloudFront log (plain or gzip, any size) as record batches in bounded memory.
///
/// ```swift
/// let reader = try CloudFrontLogReader(path: "logs/E2ABC.2024-03-07-14.a1b2.gz")
/// while let next = try reader.next() {
///     // next.batch: up to 65,536 typed rows; next.rejects: malformed lines
/// }
/// print(reader.statistics)   // accepted + rejected == data lines
/// ```
///
/// gzip input is recognised by its magic bytes, and concatenated members are read in full.
/// Memory holds one compressed chunk, its decompressed text and one batch of rows.
public final class CloudFrontLogReader<Source: ByteSource> {
    private var source: Source
    private var parser: LineParser
    private let chunkSize: Int
    private var inflater: Inflater?
    private var sniffed = false
    private var pending: [UInt8] = []
    private var cursor = 0
    private var lineNumber = 0
    private var exhausted = false
    private var finished = false
    private let readBuffer: UnsafeMutableRawBufferPointer

    /// The counts so far (final once ``next()`` has returned `nil`).
    public var statistics: ParseStatistics { parser.statistics }
    /// The schema of every batch.
    public var schema: CloudFrontSchema { parser.assembler.layout }

    /// Reads from `source`; `name` identifies it in rows and rejects (an S3 key or a path, from
    /// which the distribution id is taken when it follows CloudFront's naming).
    public init(source: Source, name: String, options: CloudFrontParserOptions = CloudFrontParserOptions(),
                chunkSize: Int = 1 << 18) {
        self.source = source
        parser = LineParser(options: options, sourceName: name, distribution: LogObjectKey(name)?.distributionID)
        self.chunkSize = max(chunkSize, 4096)
        readBuffer = .allocate(byteCount: self.chunkSize, alignment: 16)
    }

    deinit { readBuffer.deallocate() }

    /// The next batch, or `nil` at the end of the input.
    ///
    /// - Throws: ``CloudFrontParseError`` when the input cannot be read or decompressed, or a
    ///   line is malformed under the ``MalformedLinePolicy/fail`` policy.
    public func next() throws(CloudFrontParseError) -> CloudFrontBatch? {
        guard !finished else { return nil }
        let batchSize = parser.options.batchSize
        while parser.assembler.rowCount < batchSize {
            if try !parsePendingLines(until: batchSize) {
                if exhausted {
                    // The last line may lack a terminator.
                    if cursor < pending.count {
                        lineNumber += 1
                        let n = lineNumber
                        let tail = pending
                        let start = cursor
                        try tail.withUnsafeBytesTyped { (raw) throws(CloudFrontParseError) in
                            try parser.consume(UnsafeRawBufferPointer(rebasing: raw[start...]), lineNumber: n)
                        }
                        cursor = pending.count
                    }
                    finished = true
                    break
                }
                try fill()
            }
        }
        let rejects = parser.rejects
        parser.rejects.removeAll()
        if parser.assembler.rowCount == 0 && rejects.isEmpty && finished { return nil }
        return CloudFrontBatch(batch: parser.assembler.finish(), rejects: rejects)
    }

    /// Parses complete lines from `pending`; returns false when it needs more input.
    private func parsePendingLines(until batchSize: Int) throws(CloudFrontParseError) -> Bool {
        let count = pending.count
        let result: Result<Bool, CloudFrontParseError> = pending.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return .success(false) }
            while parser.assembler.rowCount < batchSize {
                guard cursor < count, let hit = memchr(base + cursor, 0x0A, count - cursor) else { return .success(false) }
                let end = UnsafeRawPointer(hit) - base
                lineNumber += 1
                do throws(CloudFrontParseError) {
                    try parser.consume(UnsafeRawBufferPointer(rebasing: raw[cursor..<end]), lineNumber: lineNumber)
                } catch {
                    return .failure(error)
                }
                cursor = end + 1
            }
            return .success(true)
        }
        return try result.get()
    }

    /// Reads and (if gzip) inflates one chunk into `pending`, dropping consumed bytes first.
    private func fill() throws(CloudFrontParseError) {
        if cursor > 0 {
            pending.removeFirst(cursor)
            cursor = 0
        }
        let n = try source.read(into: readBuffer)
        let name = parser.sourceName
        if !sniffed && n > 0 {
            sniffed = true
            if n >= 2 && readBuffer[0] == 0x1F && readBuffer[1] == 0x8B {
                do { inflater = try Inflater(format: .gzip) } catch {
                    throw CloudFrontParseError(source: name, lineNumber: nil, message: error.description)
                }
            }
        }
        let chunk = UnsafeRawBufferPointer(rebasing: readBuffer[0..<n])
        if let inflater {
            do {
                if n > 0 { try inflater.decode(chunk) { pending.append(contentsOf: $0) } } else { try inflater.finish() }
            } catch {
                throw CloudFrontParseError(source: name, lineNumber: nil, message: "decompression failed: \(error)")
            }
        } else {
            pending.append(contentsOf: chunk)
        }
        if n == 0 { exhausted = true }
    }
}

extension CloudFrontLogReader where Source == FileByteSource {
    /// Reads the file at `path` (plain or gzip).
    public convenience init(path: String, options: CloudFrontParserOptions = CloudFrontParserOptions()) throws(CloudFrontParseError) {
        self.init(source: try FileByteSource(path: path), name: path, options: options)
    }
}

extension CloudFrontLogReader where Source == MemoryByteSource {
    /// Reads bytes in memory (plain or gzip); `name` identifies them in rows and rejects.
    public convenience init(bytes: [UInt8], name: String, options: CloudFrontParserOptions = CloudFrontParserOptions()) {
        self.init(source: MemoryByteSource(bytes), name: name, options: options)
    }
}
