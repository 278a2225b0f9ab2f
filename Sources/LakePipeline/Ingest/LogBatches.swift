public import CloudFrontLogs
import LakeColumnar

/// The batches of one log file, read in turn or on a thread of their own up to two batches ahead
/// (one ahead left the writer waiting for the parser a tenth of the time); gzip input inflated
/// inline or on a further thread (``ThreadPlan``).
public final class LogBatches {
    private enum Item: Sendable {
        case batch(CloudFrontBatch)
        case end(ParseStatistics)
    }

    private let reader: CloudFrontLogReader<FileByteSource>?
    private let prefetcher: Prefetcher<Item>?
    /// The counts, final once ``next()`` has returned nil.
    public private(set) var statistics = ParseStatistics()

    /// Reads the log file at `path`; rows and rejects name their source `name` (the object key
    /// for lineage), or `path` when nil.
    public init(path: String, name: String? = nil, options: CloudFrontParserOptions, prefetch: Bool,
                inflateAhead: Bool = false) throws {
        let make = { () throws -> CloudFrontLogReader<FileByteSource> in
            CloudFrontLogReader(source: try FileByteSource(path: path), name: name ?? path, options: options,
                                inflateAhead: inflateAhead, compression: .implied(byName: path))
        }
        if prefetch {
            // The reader moves to the producer thread; its counts come back as the last item.
            let source = ReaderState(try make())
            prefetcher = Prefetcher(depth: 2) { try source.next() }
            reader = nil
        } else {
            reader = try make()
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

    /// The next batch with its rejects, or nil at the end of the file.
    public func next() throws -> CloudFrontBatch? {
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
