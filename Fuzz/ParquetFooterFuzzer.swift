import ParquetWriter

// libFuzzer target: the Thrift compact footer decoder must return or throw on any input.
// Build and run with Scripts/fuzz.sh parquet.

@_cdecl("LLVMFuzzerTestOneInput")
public func parquetFooterFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = try? ParquetFooter.decode(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
