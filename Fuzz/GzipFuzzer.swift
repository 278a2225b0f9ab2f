import LakeCodecs

// libFuzzer target: the streaming inflater (gzip, zlib, raw deflate) must return or throw on any
// input, split at an input-chosen point. Build and run with Scripts/fuzz.sh gzip.

@_cdecl("LLVMFuzzerTestOneInput")
public func gzipFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 1 else { return 0 }
    let selector = data[0]
    let input = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    let format: DeflateFormat = selector % 3 == 0 ? .gzip : (selector % 3 == 1 ? .zlib : .raw)
    guard let inflater = try? Inflater(format: format, chunkSize: 1024) else { return 0 }
    let split = Int(selector) % (input.count + 1)
    var produced = 0
    do {
        try inflater.decode(UnsafeRawBufferPointer(rebasing: input[..<split])) { (chunk) throws(CodecError) in
            produced += chunk.count
            if produced > 1 << 24 { throw CodecError(.gzip, .outputLimitExceeded(limit: 1 << 24)) }
        }
        try inflater.decode(UnsafeRawBufferPointer(rebasing: input[split...])) { (chunk) throws(CodecError) in
            produced += chunk.count
            if produced > 1 << 24 { throw CodecError(.gzip, .outputLimitExceeded(limit: 1 << 24)) }
        }
        try inflater.finish()
    } catch {}
    return 0
}
