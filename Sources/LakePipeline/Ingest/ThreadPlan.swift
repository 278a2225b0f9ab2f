import Foundation
public import ParquetWriter

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
public struct ThreadPlan: Equatable, Sendable {
    /// Parse on a thread of its own, ahead of the writer.
    public var parseAhead: Bool
    /// Inflate gzip on a thread of its own, ahead of the parser.
    public var inflateAhead: Bool
    /// Threads encoding columns (`WriterProperties.encodingThreads`).
    public var encodingThreads: Int

    /// The plan for `threads` threads over gzip or plain-text input.
    public init(threads: Int, gzipInput: Bool) {
        switch (max(1, threads), gzipInput) {
        case (1, _): self = ThreadPlan(parseAhead: false, inflateAhead: false, encodingThreads: 1)
        case (2, true): self = ThreadPlan(parseAhead: true, inflateAhead: false, encodingThreads: 1)
        case let (n, true): self = ThreadPlan(parseAhead: true, inflateAhead: true, encodingThreads: n - 2)
        case let (n, false): self = ThreadPlan(parseAhead: true, inflateAhead: false, encodingThreads: n)
        }
    }

    /// A plan spelled out stage by stage.
    public init(parseAhead: Bool, inflateAhead: Bool, encodingThreads: Int) {
        self.parseAhead = parseAhead
        self.inflateAhead = inflateAhead
        self.encodingThreads = encodingThreads
    }

    /// The plan for these log files: gzip'd if every one of them starts with the gzip magic.
    public init(threads: Int, logFiles: [String]) {
        self.init(threads: threads, gzipInput: !logFiles.isEmpty && logFiles.allSatisfy(isGzipFile))
    }
}

/// Whether the file starts with the gzip magic bytes (1F 8B); false if it cannot be read (the
/// reader reports that error when it opens the file).
public func isGzipFile(_ path: String) -> Bool {
    guard let handle = FileHandle(forReadingAtPath: path) else { return false }
    defer { try? handle.close() }
    let magic = (try? handle.read(upToCount: 2)) ?? Data()
    return magic.count == 2 && magic[magic.startIndex] == 0x1F && magic[magic.startIndex + 1] == 0x8B
}

/// The processors this process may run on: its CPU affinity (`taskset`) where Linux reports
/// it, else the online processors.
public func availableCores() -> Int {
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
    public mutating func encodeLineNumbersAsDeltas() {
        columnEncodings["source_line"] = .deltaBinaryPacked
    }
}
