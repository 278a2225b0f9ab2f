import LakeCodecs
import LakeColumnar

/// Compresses page bodies for every column of a file with the file's codec, keeping codec
/// state (the zstd context) across pages: creating it per page costs more than compressing.
final class PageCompressor {
    let codec: ParquetCodec
    private let zstdLevel: Int32
    private let gzipLevel: Int32
    private var zstd: ZstdCompressor?

    init(properties: WriterProperties) {
        codec = properties.codec
        zstdLevel = properties.zstdLevel
        gzipLevel = properties.gzipLevel
    }

    /// Appends `raw` compressed with the codec (or as is, uncompressed) to `output`.
    func compress(_ raw: UnsafeRawBufferPointer, appendingTo output: inout [UInt8]) throws(ParquetError) {
        do {
            switch codec {
            case .uncompressed:
                output.append(contentsOf: raw)
            case .snappy:
                Snappy.compress(raw, appendingTo: &output)
            case .gzip:
                output += try Gzip.compress(raw, level: gzipLevel)
            case .zstd:
                if zstd == nil { zstd = try ZstdCompressor(level: zstdLevel) }
                try zstd!.compress(raw, appendingTo: &output)
            }
        } catch {
            throw ParquetError(.codec(error.description))
        }
    }

    func compress(_ raw: [UInt8], appendingTo output: inout [UInt8]) throws(ParquetError) {
        try raw.withUnsafeBytesTyped { (bytes) throws(ParquetError) in try compress(bytes, appendingTo: &output) }
    }
}
