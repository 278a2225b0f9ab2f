import LakeCodecs
import LakeColumnar

/// A block of inflated text handed from the inflating thread to the parser.
final class TextChunk: @unchecked Sendable {
    // Written by the inflating thread before the hand-off, read by the parser after it; the
    // hand-off (a mutex in ``Prefetcher``) orders the two.
    let storage: UnsafeMutableRawBufferPointer
    var count = 0

    init(capacity: Int) { storage = .allocate(byteCount: capacity, alignment: 16) }
    deinit { storage.deallocate() }
}

/// Inflates a gzip source into chunks on a thread of its own, so that inflating and parsing
/// run on two cores. Chunks are recycled once the parser has let go of them, so a steady
/// stream allocates nothing.
final class InflatingProducer<Source: ByteSource> {
    private var source: Source
    private let name: String
    private let inflater: Inflater
    private let compressed: UnsafeMutableRawBufferPointer
    private var compressedStart = 0
    private var compressedEnd = 0
    private var sourceEnded = false
    private var done = false
    private var pool: [TextChunk] = []
    private let chunkSize: Int

    /// Takes over `source` (nothing else may read it afterwards), with `prefix`: bytes already
    /// read from it.
    init(source: Source, name: String, prefix: UnsafeRawBufferPointer, chunkSize: Int) throws(CodecError) {
        self.source = source
        self.name = name
        self.chunkSize = chunkSize
        inflater = try Inflater(format: .gzip)
        compressed = .allocate(byteCount: max(1 << 18, prefix.count), alignment: 16)
        compressed.copyMemory(from: prefix)
        compressedEnd = prefix.count
    }

    deinit { compressed.deallocate() }

    /// The next chunk of text, or nil at the end of the stream.
    func next() throws(CloudFrontParseError) -> TextChunk? {
        guard !done else { return nil }
        // A chunk the parser no longer holds (only the pool refers to it) is reused.
        let chunk: TextChunk
        if let free = pool.indices.first(where: { isKnownUniquelyReferenced(&pool[$0]) }) {
            chunk = pool[free]
        } else {
            chunk = TextChunk(capacity: chunkSize)
            pool.append(chunk)
        }
        chunk.count = 0
        do {
            while chunk.count < chunk.storage.count {
                let space = UnsafeMutableRawBufferPointer(rebasing: chunk.storage[chunk.count...])
                if compressedStart == compressedEnd {
                    if sourceEnded {
                        let (_, produced) = try inflater.decode(UnsafeRawBufferPointer(start: nil, count: 0), into: space)
                        chunk.count += produced
                        if produced > 0 { continue }
                        try inflater.finish()
                        done = true
                        break
                    }
                    compressedStart = 0
                    compressedEnd = try source.read(into: compressed)
                    if compressedEnd == 0 { sourceEnded = true }
                    continue
                }
                let input = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(compressed)[compressedStart..<compressedEnd])
                let (used, produced) = try inflater.decode(input, into: space)
                compressedStart += used
                chunk.count += produced
                if used == 0 && produced == 0 { compressedStart = compressedEnd }
            }
        } catch let error as CloudFrontParseError {
            throw error
        } catch {
            throw CloudFrontParseError(source: name, lineNumber: nil, message: "decompression failed: \(error)")
        }
        return chunk.count > 0 || !done ? chunk : nil
    }
}

/// Moves a value to another thread when the compiler cannot prove the move: the sender must
/// not touch the value afterwards.
struct Handoff<Value>: @unchecked Sendable {
    let value: Value
}
