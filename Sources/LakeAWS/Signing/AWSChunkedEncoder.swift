public import Foundation

/// Frames a payload for an S3 `aws-chunked` upload with chained chunk signatures.
///
/// Each chunk is `hex(size);chunk-signature=<sig>\r\n<data>\r\n`, the last one empty. The seed
/// request must be signed with ``PayloadSigning/streaming`` and carry `Content-Encoding:
/// aws-chunked`, `x-amz-decoded-content-length` and a `Content-Length` of ``encodedLength(payloadLength:chunkSize:)``.
public struct AWSChunkedEncoder: Sendable {
    public let signer: SigV4Signer
    public let timestamp: String
    public private(set) var previousSignature: String
    /// Bytes of data per chunk (at least 8 KiB, except the last).
    public let chunkSize: Int

    public init(signer: SigV4Signer, seedSignature: String, date: Date, chunkSize: Int = 64 * 1024) {
        self.signer = signer
        self.timestamp = SigV4Signer.timestamp(date)
        self.previousSignature = seedSignature
        self.chunkSize = max(chunkSize, 8 * 1024)
    }

    /// One framed chunk (pass an empty chunk last).
    public mutating func frame(_ chunk: some Collection<UInt8>) -> [UInt8] {
        let signature = signer.chunkSignature(previous: previousSignature, timestamp: timestamp, chunk: chunk)
        previousSignature = signature
        var out = Array((String(chunk.count, radix: 16) + ";chunk-signature=" + signature + "\r\n").utf8)
        out.append(contentsOf: chunk)
        out.append(contentsOf: [0x0D, 0x0A])
        return out
    }

    /// The whole body, framed.
    public mutating func encode(_ payload: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var offset = 0
        while offset < payload.count {
            let end = min(offset + chunkSize, payload.count)
            out += frame(payload[offset..<end])
            offset = end
        }
        out += frame([UInt8]())
        return out
    }

    /// The framed length of a payload, for `Content-Length`.
    public static func encodedLength(payloadLength: Int, chunkSize: Int) -> Int {
        let size = max(chunkSize, 8 * 1024)
        func frameLength(_ n: Int) -> Int { String(n, radix: 16).count + ";chunk-signature=".count + 64 + 2 + n + 2 }
        let full = payloadLength / size
        let rest = payloadLength % size
        return full * frameLength(size) + (rest > 0 ? frameLength(rest) : 0) + frameLength(0)
    }
}
