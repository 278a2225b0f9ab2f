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
/// gzip input is recognised by its magic bytes, and concatenated members are read in full; with
/// ``LogCompression/gzip`` (a file named `.gz`) input without the magic is an error, not text.
///
/// An input that shows nothing of a log is an error (``CloudFrontParseError/Kind/notALog``)
/// rather than a stream of rejects: when its first batch (up to `batchSize` data lines, or the
/// whole input if shorter) yields no row but rejects, and no `#Fields` header naming `date` and
/// `time` was read, nothing is returned and the error names the first rejected line and why
/// (random bytes, a binary file, text of another kind, a header of other fields). Once a row has
/// parsed or such a header has been read, malformed lines are rejects as always.
/// Text is read (or inflated) straight into one window of memory, whose field and line ends are
/// indexed 64 bytes at a time; values are typed into raw column storage as lines are parsed.
/// Memory holds the window, one compressed chunk and one batch of rows; a line longer than
/// ``CloudFrontParserOptions/maximumLineLength`` is rejected rather than held.
public final class CloudFrontLogReader<Source: ByteSource> {
    private var source: Source
    private var parser: LineParser
    /// The text window: `windowCapacity` bytes plus 64 readable bytes of padding for the index.
    private var window: UnsafeMutablePointer<UInt8>
    private var windowCapacity: Int
    private var end = 0
    private var index: StructuralIndex
    private var cursor = LineCursor()
    private let delimiter: UInt8
    private let maximumLineLength: Int
    /// No more text will come: the source (and the inflater) are at their end.
    private var exhausted = false
    private var finished = false
    /// Discarding the rest of an overlong line, up to its line feed.
    private var skippingOverlongLine = false
    // Compressed input (gzip), and the first bytes read before the format is known.
    private var sniffed = false
    private var gzip: GzipTextStream<Source>?
    private let compressed: UnsafeMutableRawBufferPointer
    private var compressedStart = 0
    private var compressedEnd = 0
    private var sourceEnded = false
    /// Whether gzip is detected or required.
    private let compression: LogCompression
    /// The input has shown that it is a log (a row parsed, or a usable `#Fields` header).
    private var isKnownLog = false
    /// Inflate on a thread of its own (gzip input only).
    private let inflatesAhead: Bool
    private var ahead: Prefetcher<TextChunk>?
    private var currentChunk: TextChunk?
    private var chunkOffset = 0

    private static var padding: Int { 64 }

    /// The counts so far (final once ``next()`` has returned `nil`).
    public var statistics: ParseStatistics { parser.statistics }
    /// The schema of every batch.
    public var schema: CloudFrontSchema { parser.assembler.layout }

    /// Reads from `source`; `name` identifies it in rows and rejects (an S3 key or a path, from
    /// which the distribution id is taken when it follows CloudFront's naming). `windowSize` is
    /// the text held at once (lines may grow it up to the maximum line length). With
    /// `inflateAhead`, gzip input is inflated on a thread of its own, a few chunks ahead of the
    /// parser: two cores then share the work. `compression`: whether gzip is detected by its
    /// magic bytes or required.
    public init(source: Source, name: String, options: CloudFrontParserOptions = CloudFrontParserOptions(),
                windowSize: Int = 1 << 20, inflateAhead: Bool = false, compression: LogCompression = .detect) {
        self.source = source
        self.compression = compression
        inflatesAhead = inflateAhead
        parser = LineParser(options: options, sourceName: name, distribution: LogObjectKey(name)?.distributionID)
        delimiter = parser.delimiter
        maximumLineLength = options.maximumLineLength
        windowCapacity = max(min(windowSize, options.maximumLineLength), 16)
        window = Self.allocateWindow(windowCapacity)
        index = StructuralIndex(capacity: windowCapacity)
        compressed = .allocate(byteCount: min(windowCapacity, 1 << 18), alignment: 16)
    }

    deinit {
        ahead = nil  // stops the inflating thread before its source goes
        window.deallocate()
        index.deallocate()
        compressed.deallocate()
    }

    private static func allocateWindow(_ capacity: Int) -> UnsafeMutablePointer<UInt8> {
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity + padding)
        p.initialize(repeating: 0, count: capacity + padding)
        return p
    }

    /// The next batch, or `nil` at the end of the input.
    ///
    /// - Throws: ``CloudFrontParseError`` when the input cannot be read or decompressed, is not
    ///   a log (see the type's discussion), or a line is malformed under the
    ///   ``MalformedLinePolicy/fail`` policy.
    public func next() throws(CloudFrontParseError) -> CloudFrontBatch? {
        guard !finished else { return nil }
        // Rejects are bounded per batch too, so input of nothing but bad lines stays in bounded memory.
        let rejectLimit = parser.options.batchSize
        while !parser.assembler.isFull && parser.rejects.count < rejectLimit {
            if cursor.line < index.lineCount {
                try parser.consumeIndexedLines(window, index: index, cursor: &cursor, rejectLimit: rejectLimit)
                continue
            }
            if exhausted {
                // The last line may lack a terminator.
                if cursor.lineStart < end && !skippingOverlongLine {
                    try parser.consumeFinalLine(window, end: end, index: index, cursor: &cursor)
                }
                finished = true
                break
            }
            try refill()
        }
        let rejects = parser.rejects
        parser.rejects.removeAll()
        if parser.assembler.rowCount == 0 && rejects.isEmpty && finished { return nil }
        if !isKnownLog { try confirmLog(rejects) }
        return CloudFrontBatch(batch: parser.finishBatch(), rejects: rejects)
    }

    /// Decides, on the first batch with rows or rejects, whether the input is a log; throws
    /// ``CloudFrontParseError/Kind/notALog`` when nothing in it parsed and no usable header
    /// came first.
    private func confirmLog(_ rejects: [RejectRecord]) throws(CloudFrontParseError) {
        if parser.statistics.acceptedRows > 0 || parser.sawUsableHeader {
            isKnownLog = true
            return
        }
        guard let first = rejects.first else { return }
        let lines = parser.statistics.dataLines
        let counted = finished ? "none of its \(lines) data line\(lines == 1 ? "" : "s")"
                               : "none of its first \(lines) data lines"
        let header = parser.fieldsHeaderLine.map { "its #Fields header (line \($0)) names no date and time fields" }
            ?? "no #Fields header"
        throw CloudFrontParseError(
            source: parser.sourceName, lineNumber: first.lineNumber,
            message: "not a CloudFront log: \(header), and \(counted) parses (line \(first.lineNumber): \(first.reason))",
            kind: .notALog)
    }

    /// Moves the unfinished line to the window's start, reads more text after it and indexes
    /// the window again.
    private func refill() throws(CloudFrontParseError) {
        let start = cursor.lineStart
        let keep = end - start
        if start > 0 {
            if keep > 0 { memmove(window, window + start, keep) }
            end = keep
        }
        if end == windowCapacity {
            // One line fills the window: grow it, or give the line up when it is too long.
            if windowCapacity >= maximumLineLength {
                cursor.lineNumber += 1
                try parser.consumeOverlongLine(prefix: UnsafeRawBufferPointer(start: window, count: maximumLineLength),
                                               lineNumber: cursor.lineNumber)
                skippingOverlongLine = true
                end = 0
            } else {
                growWindow()
            }
        }
        index.reset()
        cursor.rewind()
        try read()
        if skippingOverlongLine {
            // Drop everything up to and including the overlong line's line feed.
            guard let hit = memchr(window, Int32(UInt8(ascii: "\n")), end) else {
                end = 0
                return
            }
            cursor.lineStart = UnsafeMutableRawPointer(hit) - UnsafeMutableRawPointer(window) + 1
            skippingOverlongLine = false
        }
        index.scan(window, from: cursor.lineStart, to: end, delimiter: delimiter)
        cursor.entry = 0
    }

    private func growWindow() {
        let capacity = min(windowCapacity * 2, maximumLineLength)
        let fresh = Self.allocateWindow(capacity)
        fresh.update(from: window, count: end)
        window.deallocate()
        window = fresh
        windowCapacity = capacity
        index.resize(capacity: capacity)
    }

    /// Appends text to the window: read straight into it, or inflated into it.
    private func read() throws(CloudFrontParseError) {
        if !sniffed {
            sniffed = true
            let n = try source.read(into: compressed)
            compressedEnd = n
            if n == 0 { sourceEnded = true }
            let isGzip = n >= 2 && compressed[0] == 0x1F && compressed[1] == 0x8B
            if compression == .gzip && !isGzip {
                let start = (0..<min(n, 4)).map { hex(compressed[$0]) }.joined(separator: " ")
                throw CloudFrontParseError(
                    source: parser.sourceName, lineNumber: nil,
                    message: n == 0 ? "not a gzip file: it is empty"
                                    : "not a gzip file: it starts with \(start), not the gzip magic 1F 8B",
                    kind: .notGzip)
            }
            if isGzip {
                // The source moves to the gzip stream; this reader never reads it again.
                let prefix = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(compressed)[0..<n])
                if inflatesAhead {
                    let producer = try InflatingProducer(source: source, name: parser.sourceName, prefix: prefix, chunkSize: 1 << 18)
                    // Erased to a closure so that the thread's work does not capture `Source`'s metatype.
                    let pull: () throws(CloudFrontParseError) -> TextChunk? = producer.next
                    let handoff = Handoff(value: pull)
                    ahead = Prefetcher(depth: 4) { try handoff.value() }
                } else {
                    gzip = try GzipTextStream(source: source, name: parser.sourceName, prefix: prefix)
                }
                compressedStart = compressedEnd
            }
        }
        if let ahead {
            try copyAhead(ahead)
            return
        }
        if let gzip {
            end += try gzip.fill(UnsafeMutableRawBufferPointer(start: window + end, count: windowCapacity - end))
            if gzip.ended { exhausted = true }
            return
        }
        if compressedStart < compressedEnd {
            // Plain text read while sniffing: move it into the window first.
            let n = min(compressedEnd - compressedStart, windowCapacity - end)
            UnsafeMutableRawPointer(window + end).copyMemory(from: compressed.baseAddress! + compressedStart, byteCount: n)
            compressedStart += n
            end += n
            return
        }
        if sourceEnded {
            exhausted = true
            return
        }
        let n = try source.read(into: UnsafeMutableRawBufferPointer(start: window + end, count: windowCapacity - end))
        if n == 0 {
            sourceEnded = true
            exhausted = true
        }
        end += n
    }

    /// Copies inflated text from the inflating thread's chunks into the window.
    private func copyAhead(_ ahead: Prefetcher<TextChunk>) throws(CloudFrontParseError) {
        while end < windowCapacity {
            if currentChunk == nil || chunkOffset == currentChunk!.count {
                currentChunk = nil
                let next: TextChunk?
                do { next = try ahead.next() } catch let error as CloudFrontParseError { throw error } catch {
                    throw CloudFrontParseError(source: parser.sourceName, lineNumber: nil, message: "\(error)", kind: .other)
                }
                guard let next else {
                    exhausted = true
                    return
                }
                currentChunk = next
                chunkOffset = 0
            }
            guard let chunk = currentChunk else { return }
            let n = min(chunk.count - chunkOffset, windowCapacity - end)
            UnsafeMutableRawPointer(window + end).copyMemory(from: chunk.storage.baseAddress! + chunkOffset, byteCount: n)
            chunkOffset += n
            end += n
        }
    }
}

extension CloudFrontLogReader where Source == FileByteSource {
    /// Reads the file at `path`: gzip if its name ends in `.gz` (anything else there is an
    /// error), else plain text or gzip by its magic bytes (``LogCompression/implied(byName:)``);
    /// with `inflateAhead`, gzip is inflated on a thread of its own.
    public convenience init(path: String, options: CloudFrontParserOptions = CloudFrontParserOptions(),
                            inflateAhead: Bool = false) throws(CloudFrontParseError) {
        self.init(source: try FileByteSource(path: path), name: path, options: options, inflateAhead: inflateAhead,
                  compression: .implied(byName: path))
    }
}

extension CloudFrontLogReader where Source == MemoryByteSource {
    /// Reads bytes in memory (plain or gzip); `name` identifies them in rows and rejects.
    public convenience init(bytes: [UInt8], name: String, options: CloudFrontParserOptions = CloudFrontParserOptions(),
                            windowSize: Int = 1 << 20, inflateAhead: Bool = false, compression: LogCompression = .detect) {
        self.init(source: MemoryByteSource(bytes), name: name, options: options, windowSize: windowSize,
                  inflateAhead: inflateAhead, compression: compression)
    }
}

/// A byte as two uppercase hex digits.
private func hex(_ byte: UInt8) -> String {
    let digits = Array("0123456789ABCDEF")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
}
