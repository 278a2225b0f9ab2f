// libFuzzer target: the Thrift compact protocol reader on its own (every field type, lists, sets,
// maps, nested structs, varints and zigzag), without the Parquet structures around it: it must
// return or throw on any input, never trap, recurse without bound or allocate more than the
// input allows. Scripts/fuzz.sh thrift compiles Sources/ParquetWriter/Thrift/CompactReader.swift
// with this file (the reader is internal to ParquetWriter). The parquet target's footer mode
// already runs this reader on raw bytes (the footer is decoded generically before it is
// interpreted); this target does so without the Parquet code around it, so it runs faster,
// and reads structs one after another from where the last ended, as page headers are read.

@_cdecl("LLVMFuzzerTestOneInput")
public func thriftCompactFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var reader = CompactReader(Array(UnsafeBufferPointer(start: data, count: size)))
    // Consecutive structs, as a page header follows another in a column chunk.
    for _ in 0..<16 {
        let start = reader.position
        guard (try? reader.readStruct()) != nil, reader.position > start, reader.position < size else { break }
    }
    return 0
}
