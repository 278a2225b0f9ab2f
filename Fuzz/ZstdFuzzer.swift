import LakeCodecs

// libFuzzer target: the streaming Zstandard decoder must return or throw on any input.
// Build and run with Scripts/fuzz.sh zstd.

@_cdecl("LLVMFuzzerTestOneInput")
public func zstdFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    _ = try? Zstd.decompress(input, limit: 1 << 24)
    return 0
}
