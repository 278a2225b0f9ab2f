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
    private let stream: GzipTextStream<Source>
    private var pool: [TextChunk] = []
    private let chunkSize: Int

    /// Takes over `source` (nothing else may read it afterwards), with `prefix`: bytes already
    /// read from it.
    init(source: Source, name: String, prefix: UnsafeRawBufferPointer, chunkSize: Int) throws(CloudFrontParseError) {
        stream = try GzipTextStream(source: source, name: name, prefix: prefix)
        self.chunkSize = chunkSize
    }

    /// The next chunk of text, or nil at the end of the stream.
    func next() throws(CloudFrontParseError) -> TextChunk? {
        guard !stream.ended else { return nil }
        // A chunk the parser no longer holds (only the pool refers to it) is reused.
        let chunk: TextChunk
        if let free = pool.indices.first(where: { isKnownUniquelyReferenced(&pool[$0]) }) {
            chunk = pool[free]
        } else {
            chunk = TextChunk(capacity: chunkSize)
            pool.append(chunk)
        }
        chunk.count = try stream.fill(chunk.storage)
        return chunk.count > 0 ? chunk : nil
    }
}

/// Moves a value to another thread when the compiler cannot prove the move: the sender must
/// not touch the value afterwards.
struct Handoff<Value>: @unchecked Sendable {
    let value: Value
}
