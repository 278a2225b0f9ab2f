import LakeCodecs

// libFuzzer target: the Snappy decoder must return or throw on any input, and whatever
// it accepts must re-compress and round-trip. Build and run with Scripts/fuzz.sh snappy.

@_cdecl("LLVMFuzzerTestOneInput")
public func snappyFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    if let decoded = try? Snappy.decompress(input, limit: 1 << 24) {
        let again = Snappy.compress(decoded)
        guard let back = try? Snappy.decompress(again), back == decoded else { fatalError("Snappy round-trip failed") }
    }
    // Compression of arbitrary bytes must round-trip too.
    let compressed = Snappy.compress(input)
    guard let restored = try? Snappy.decompress(compressed), restored.elementsEqual(input) else {
        fatalError("Snappy compress/decompress mismatch")
    }
    return 0
}
