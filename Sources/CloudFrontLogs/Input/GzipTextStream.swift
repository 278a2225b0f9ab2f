import LakeCodecs

/// Inflates a gzip source (multi-member) into whatever buffer the caller offers: the reader's
/// window when it inflates inline, a chunk when it inflates on a thread of its own.
final class GzipTextStream<Source: ByteSource> {
    private var source: Source
    private let name: String
    private let inflater: Inflater
    private let compressed: UnsafeMutableRawBufferPointer
    private var compressedStart = 0
    private var compressedEnd = 0
    private var sourceEnded = false
    /// The stream has ended and was checked to end properly; ``fill(_:)`` returns 0 from now on.
    private(set) var ended = false

    /// Takes over `source` (nothing else may read it afterwards), with `prefix`: bytes already
    /// read from it.
    init(source: Source, name: String, prefix: UnsafeRawBufferPointer) throws(CloudFrontParseError) {
        self.source = source
        self.name = name
        do {
            inflater = try Inflater(format: .gzip)
        } catch {
            throw CloudFrontParseError(source: name, lineNumber: nil, message: error.description, kind: .corruptCompression)
        }
        compressed = .allocate(byteCount: max(1 << 18, prefix.count), alignment: 16)
        compressed.copyMemory(from: prefix)
        compressedEnd = prefix.count
    }

    deinit { compressed.deallocate() }

    /// Inflates into `space` until it is full or the stream ends; returns the bytes written.
    func fill(_ space: UnsafeMutableRawBufferPointer) throws(CloudFrontParseError) -> Int {
        var count = 0
        do {
            while count < space.count && !ended {
                let rest = UnsafeMutableRawBufferPointer(rebasing: space[count...])
                if compressedStart == compressedEnd {
                    if sourceEnded {
                        // Drain what zlib still holds, then check the stream ended properly.
                        let (_, produced) = try inflater.decode(UnsafeRawBufferPointer(start: nil, count: 0), into: rest)
                        count += produced
                        if produced == 0 {
                            try inflater.finish()
                            ended = true
                        }
                        continue
                    }
                    compressedStart = 0
                    compressedEnd = try source.read(into: compressed)
                    if compressedEnd == 0 { sourceEnded = true }
                    continue
                }
                let input = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(compressed)[compressedStart..<compressedEnd])
                let (used, produced) = try inflater.decode(input, into: rest)
                compressedStart += used
                count += produced
                if used == 0 && produced == 0 { compressedStart = compressedEnd }
            }
        } catch let error as CloudFrontParseError {
            throw error
        } catch let error as CodecError {
            // Where zlib stopped in the compressed input: the bad byte, or the end of a truncated stream.
            var bare = error
            bare.offset = nil
            throw CloudFrontParseError(source: name, lineNumber: nil, message: "corrupt or truncated gzip: \(bare)",
                                       kind: .corruptCompression, byteOffset: error.offset ?? inflater.compressedBytesConsumed)
        } catch {
            throw CloudFrontParseError(source: name, lineNumber: nil, message: "corrupt or truncated gzip: \(error)",
                                       kind: .corruptCompression, byteOffset: inflater.compressedBytesConsumed)
        }
        return count
    }
}
