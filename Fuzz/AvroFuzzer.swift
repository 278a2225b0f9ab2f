import IcebergKit

// libFuzzer target: the Avro container reader (header, schema JSON, blocks, codecs, values) must
// return or throw on any input. Build and run with Scripts/fuzz.sh avro.

@_cdecl("LLVMFuzzerTestOneInput")
public func avroFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let reader = try? AvroContainerReader(bytes: bytes) { _ = try? reader.records() }
    return 0
}
