import Foundation
import CloudFrontLogs
import LakeColumnar
import ParquetWriter

/// How a log conversion spends its threads across its three stages: inflating gzip, parsing,
/// and encoding Parquet.
///
/// A serial stage that shares a core with other busy threads gets only its fair share of it and
/// holds the whole pipeline back, so heavy stages get a core each and only the encoder, whose
/// columns split across threads, takes the cores left. Measured on 2 cores, 1 M rows to
/// zstd-3 (Documentation/Performance.md): inflate ≈ 0.8 s, parse ≈ 0.5 s, encode ≈ 1.3 s of CPU.
/// - gzip, 2 threads: inflate and parse on one thread, encode on the other: 1.37–1.40 s, where
///   four threads (inflate, parse, two encoders) took 1.40–1.60 s.
/// - plain text parses in a third of the encode time: the parser gets a thread and the encoder
///   every core (1.14 s, against 1.36 s with one encoding thread).
struct ThreadPlan: Equatable {
    /// Parse on a thread of its own, ahead of the writer.
    var parseAhead: Bool
    /// Inflate gzip on a thread of its own, ahead of the parser.
    var inflateAhead: Bool
    /// Threads encoding columns (`WriterProperties.encodingThreads`).
    var encodingThreads: Int

    init(threads: Int, gzipInput: Bool) {
        switch (max(1, threads), gzipInput) {
        case (1, _): self = ThreadPlan(parseAhead: false, inflateAhead: false, encodingThreads: 1)
        case (2, true): self = ThreadPlan(parseAhead: true, inflateAhead: false, encodingThreads: 1)
        case let (n, true): self = ThreadPlan(parseAhead: true, inflateAhead: true, encodingThreads: n - 2)
        case let (n, false): self = ThreadPlan(parseAhead: true, inflateAhead: false, encodingThreads: n)
        }
    }

    init(parseAhead: Bool, inflateAhead: Bool, encodingThreads: Int) {
        self.parseAhead = parseAhead
        self.inflateAhead = inflateAhead
        self.encodingThreads = encodingThreads
    }

    /// The plan for these log files: gzip'd if every one of them starts with the gzip magic.
    init(threads: Int, logFiles: [String]) {
        self.init(threads: threads, gzipInput: !logFiles.isEmpty && logFiles.allSatisfy(isGzipFile))
    }
}

/// Whether the file starts with the gzip magic bytes (1F 8B); false if it cannot be read (the
/// reader reports that error when it opens the file).
func isGzipFile(_ path: String) -> Bool {
    guard let handle = FileHandle(forReadingAtPath: path) else { return false }
    defer { try? handle.close() }
    let magic = (try? handle.read(upToCount: 2)) ?? Data()
    return magic.count == 2 && magic[magic.startIndex] == 0x1F && magic[magic.startIndex + 1] == 0x8B
}

/// The batches of one log file, read in turn or on a thread of their own up to two batches ahead
/// (one ahead left the writer waiting for the parser a tenth of the time); gzip input inflated
/// inline or on a further thread (``ThreadPlan``).
final class LogBatches {
    private enum Item: Sendable {
        case batch(CloudFrontBatch)
        case end(ParseStatistics)
    }

    private let reader: CloudFrontLogReader<FileByteSource>?
    private let prefetcher: Prefetcher<Item>?
    /// The counts, final once ``next()`` has returned nil.
    private(set) var statistics = ParseStatistics()

    init(path: String, options: CloudFrontParserOptions, prefetch: Bool, inflateAhead: Bool = false) throws {
        if prefetch {
            // The reader moves to the producer thread; its counts come back as the last item.
            let source = ReaderState(try CloudFrontLogReader(path: path, options: options, inflateAhead: inflateAhead))
            prefetcher = Prefetcher(depth: 2) { try source.next() }
            reader = nil
        } else {
            reader = try CloudFrontLogReader(path: path, options: options, inflateAhead: inflateAhead)
            prefetcher = nil
        }
    }

    /// The reader and whether its end was reported, owned by the producer thread.
    private final class ReaderState {
        let reader: CloudFrontLogReader<FileByteSource>
        var ended = false

        init(_ reader: CloudFrontLogReader<FileByteSource>) { self.reader = reader }

        func next() throws -> Item? {
            if ended { return nil }
            if let batch = try reader.next() { return .batch(batch) }
            ended = true
            return .end(reader.statistics)
        }
    }

    func next() throws -> CloudFrontBatch? {
        if let reader {
            let batch = try reader.next()
            if batch == nil { statistics = reader.statistics }
            return batch
        }
        while let item = try prefetcher?.next() {
            switch item {
            case let .batch(batch): return batch
            case let .end(counts): statistics = counts
            }
        }
        return nil
    }
}

/// The processors this process may run on: its CPU affinity (`taskset`) where Linux reports
/// it, else the online processors.
func availableCores() -> Int {
    if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
       let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") }) {
        let mask = line.dropFirst("Cpus_allowed:".count).filter { $0.isHexDigit }
        let count = mask.reduce(0) { $0 + (Int(String($1), radix: 16)?.nonzeroBitCount ?? 0) }
        if count > 0 { return count }
    }
    return max(1, ProcessInfo.processInfo.activeProcessorCount)
}

extension WriterProperties {
    /// `source_line` counts up by one row after row: as DELTA_BINARY_PACKED it takes ≈ 4 KB per
    /// million rows, as a dictionary (the default) 1.3 MB. Timestamps stay dictionary-encoded:
    /// within an hour of logs they are unordered, and deltas measured 2.5 times larger.
    mutating func encodeLineNumbersAsDeltas() {
        columnEncodings["source_line"] = .deltaBinaryPacked
    }
}
