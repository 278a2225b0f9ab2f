#if canImport(Glibc)
import Glibc
#endif

/// The commit step shared by catalogs that point at metadata files (SQLite, Glue, catalog-less
/// storage): check the requirements on the current metadata, apply the updates, write the next
/// metadata file (create-if-absent, so two writers can never publish under one name). The
/// catalog then swaps its pointer from the base location to the new one, atomically, and
/// deletes the new file if the swap loses.
public enum MetadataFileCommit {
    /// Writes the metadata that results from `updates` on `base` (read from `baseLocation`).
    public static func write(base: TableMetadata, baseLocation: String, requirements: [TableRequirement],
                             updates: [TableUpdate], io: any FileIO, nowMs: Int64) async throws(IcebergError) -> CommittedMetadata {
        let next = try next(base: base, baseLocation: baseLocation, requirements: requirements, updates: updates, nowMs: nowMs)
        let location = TableMetadataBuilder.nextMetadataLocation(after: baseLocation, tableLocation: next.location)
        try await writeFile(next, to: location, io: io)
        return CommittedMetadata(metadata: next, location: location)
    }

    /// The metadata that results from `updates` on `base` (read from `baseLocation`, which the
    /// metadata log records), once every requirement holds on `base`: the step before a catalog
    /// writes the next metadata file under a name of its own choosing.
    public static func next(base: TableMetadata, baseLocation: String, requirements: [TableRequirement],
                            updates: [TableUpdate], nowMs: Int64) throws(IcebergError) -> TableMetadata {
        for r in requirements { try r.check(base) }
        var builder = TableMetadataBuilder(base: base, baseLocation: baseLocation, nowMs: nowMs)
        try builder.apply(updates)
        return builder.build()
    }

    /// Writes the first metadata file of a new table.
    public static func create(_ metadata: TableMetadata, io: any FileIO) async throws(IcebergError) -> CommittedMetadata {
        let location = TableMetadataBuilder.nextMetadataLocation(after: nil, tableLocation: metadata.location)
        try await writeFile(metadata, to: location, io: io)
        return CommittedMetadata(metadata: metadata, location: location)
    }

    /// Writes `metadata` as JSON at `location`; fails if a file is there.
    public static func writeFile(_ metadata: TableMetadata, to location: String, io: any FileIO) async throws(IcebergError) {
        do throws(IcebergError) {
            try await io.newOutputFile(location).write(Array(metadata.jsonText.utf8), mode: .createNew)
        } catch {
            if case .alreadyExists = error.kind { throw IcebergError(.commitConflict("metadata file already exists"), path: location) }
            throw error
        }
    }

    /// Reads and parses the metadata file at `location`.
    public static func read(_ location: String, io: any FileIO) async throws(IcebergError) -> TableMetadata {
        let bytes = try await io.newInputFile(location).read()
        return try TableMetadata(jsonText: String(decoding: bytes, as: UTF8.self), path: location)
    }
}

/// The current time in milliseconds since the epoch (snapshot and metadata timestamps).
public func currentTimeMs() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
}
