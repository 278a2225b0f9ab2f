import LakeColumnar
import ParquetWriter

// libFuzzer target: the footer decoder and the whole read path (page headers, decompression,
// every decoder, level assembly) must return or throw on any input. The first byte picks the mode:
// even = decode the input as a bare footer; odd = read the rest of the input as a whole file.
// Build and run with Scripts/fuzz.sh parquet; seed it with files from Tests/Fixtures.

@_cdecl("LLVMFuzzerTestOneInput")
public func parquetFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 1 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    if data[0] & 1 == 0 {
        _ = try? ParquetFooter.decode(bytes)
        return 0
    }
    guard let reader = try? ParquetReader(bytes: bytes, options: ParquetReadOptions(verifyChecksums: data[0] & 2 != 0)) else { return 0 }
    for group in 0..<min(reader.rowGroupCount, 8) { _ = try? reader.readRowGroup(group) }
    return 0
}
