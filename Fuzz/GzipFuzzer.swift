import LakeCodecs

// libFuzzer target: the streaming inflater (gzip, zlib, raw deflate) must return or throw on any
// input, split at an input-chosen point. For gzip it runs both backends, ISA-L's igzip (where
// available) and zlib, and traps when they disagree: different output bytes, or a different
// error kind (offsets and corrupt-deflate messages may differ). Build and run with
// Scripts/fuzz.sh gzip.

private enum Outcome: Hashable {
    case bytes([UInt8])
    case failed(String)
}

private func kind(_ error: CodecError) -> String { error.kind.name }

private func run(_ input: UnsafeRawBufferPointer, format: DeflateFormat, split: Int, backend: InflateBackend) -> Outcome {
    guard let inflater = try? Inflater(format: format, chunkSize: 1024, backend: backend) else { return .failed("init") }
    var produced: [UInt8] = []
    do {
        try inflater.decode(UnsafeRawBufferPointer(rebasing: input[..<split])) { (chunk) throws(CodecError) in
            produced.append(contentsOf: chunk)
            if produced.count > 1 << 24 { throw CodecError(.gzip, .outputLimitExceeded(limit: 1 << 24)) }
        }
        try inflater.decode(UnsafeRawBufferPointer(rebasing: input[split...])) { (chunk) throws(CodecError) in
            produced.append(contentsOf: chunk)
            if produced.count > 1 << 24 { throw CodecError(.gzip, .outputLimitExceeded(limit: 1 << 24)) }
        }
        try inflater.finish()
    } catch {
        return .failed(kind(error))
    }
    return .bytes(produced)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func gzipFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 1 else { return 0 }
    let selector = data[0]
    let input = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    let format: DeflateFormat = selector % 3 == 0 ? .gzip : (selector % 3 == 1 ? .zlib : .raw)
    let split = Int(selector) % (input.count + 1)
    let zlib = run(input, format: format, split: split, backend: .zlib)
    if format == .gzip && InflateBackend.isalAvailable {
        let isal = run(input, format: format, split: split, backend: .isal)
        // An output-limit stop may land at different points; anything else must agree, except one
        // known divergence (Documentation/LakeCodecs.md): input both damaged and cut short may be
        // corrupt to one library and truncated to the other, as each detects damage at its own
        // point (igzip does not check that a Huffman code is complete; elsewhere it checks sooner).
        let known = Set([isal, zlib]) == Set([.failed("truncated"), .failed("corrupt")])
        if isal != zlib && !known && isal != .failed("outputLimitExceeded") && zlib != .failed("outputLimitExceeded") {
            fatalError("ISA-L and zlib disagree: isal \(isal), zlib \(zlib)")
        }
    }
    return 0
}
