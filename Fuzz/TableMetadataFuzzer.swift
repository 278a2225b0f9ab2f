import IcebergKit

// libFuzzer target: the table-metadata JSON parser (JSON text, then TableMetadataParser's
// validation of schemas, specs, sort orders, snapshots, refs and logs) must return or throw on
// any input; metadata it accepts must serialize, and what it serializes must parse again (a
// table we write is a table we can read). Build and run with Scripts/fuzz.sh metadata.

@_cdecl("LLVMFuzzerTestOneInput")
public func tableMetadataFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let metadata = try? TableMetadata(jsonText: text, path: "fuzz") else { return 0 }
    let written = metadata.jsonText
    do {
        _ = try TableMetadata(jsonText: written, path: "fuzz")
    } catch {
        fatalError("accepted metadata does not parse after writing it: \(error)\n\(written)")
    }
    return 0
}
