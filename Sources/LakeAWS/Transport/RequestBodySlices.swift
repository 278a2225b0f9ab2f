import AsyncHTTPClient
import NIOCore

/// A request body handed to the connection a slice at a time.
///
/// AsyncHTTPClient flattens a contiguous array body into one `ByteBuffer` before sending, so an
/// 8 MiB multipart part would be held twice (the caller's array and its copy) for as long as the
/// upload takes. Streamed in slices, the copy is one slice at a time, and the connection's
/// back-pressure decides when the next slice is made.
struct RequestBodySlices: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    /// Bodies up to this size go as one buffer; larger ones in slices of this size.
    static let sliceSize = 256 * 1024

    let bytes: [UInt8]

    struct AsyncIterator: AsyncIteratorProtocol {
        let bytes: [UInt8]
        var offset = 0

        mutating func next() async -> ByteBuffer? {
            guard offset < bytes.count else { return nil }
            let end = Swift.min(offset + RequestBodySlices.sliceSize, bytes.count)
            defer { offset = end }
            return ByteBuffer(bytes: bytes[offset..<end])
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(bytes: bytes) }

    /// The body for `bytes`: one buffer when small, slices with a known length otherwise (so the
    /// request keeps its `Content-Length`, which S3 requires, rather than chunked encoding).
    static func body(_ bytes: [UInt8]) -> HTTPClientRequest.Body {
        guard bytes.count > sliceSize else { return .bytes(ByteBuffer(bytes: bytes)) }
        return .stream(RequestBodySlices(bytes: bytes), length: .known(Int64(bytes.count)))
    }
}
