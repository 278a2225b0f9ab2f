import IcebergKit

// libFuzzer target: the Avro container reader (header, schema JSON, blocks, codecs, values), the
// manifest-list reader and the direct manifest-entry decoder must return or throw on any input.
// Build and run with Scripts/fuzz.sh avro.

@_cdecl("LLVMFuzzerTestOneInput")
public func avroFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let reader = try? AvroContainerReader(bytes: bytes) { _ = try? reader.records() }
    _ = try? ManifestReader.manifestList(bytes, path: "fuzz")
    let manifest = ManifestFile(manifestPath: "fuzz", manifestLength: Int64(size), partitionSpecID: 0, content: 0, sequenceNumber: 1,
                                minSequenceNumber: 1, addedSnapshotID: 1, addedFilesCount: 0, existingFilesCount: 0,
                                deletedFilesCount: 0, addedRowsCount: 0, existingRowsCount: 0, deletedRowsCount: 0, partitions: [])
    _ = try? ManifestReader.entries(bytes, path: "fuzz", manifest: manifest, partitionFieldIDs: [1000, 1001],
                                    partitionTypes: [.date, .decimal(precision: 9, scale: 2)])
    return 0
}
