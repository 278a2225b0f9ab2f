#if canImport(Glibc)
import Glibc
#endif
public import LakeColumnar
public import ParquetWriter

/// An append to a table: batches streamed into data files by a ``TableWriter``, then committed
/// as one snapshot with compare-and-swap on the catalog.
///
/// When another writer commits first, the append is re-applied on the newest metadata (up to
/// `attempts` times, with jittered exponential backoff so that contending writers spread out
/// instead of colliding again). When the commit finally fails, or the transaction is abandoned,
/// the files it wrote are deleted; no partial metadata ever becomes current.
///
/// ```swift
/// let append = try AppendTransaction(catalog: catalog, table: id)
/// for batch in batches { try append.write(batch) }
/// let table = try append.commit()
/// ```
public final class AppendTransaction {
    public let catalog: any Catalog
    public let identifier: TableIdentifier
    public let io: any FileIO
    private var table: Table
    private let writer: TableWriter
    private var done = false
    private var summaryProperties: [String: String] = [:]
    private var validations: [(TableMetadata) throws(IcebergError) -> Void] = []

    /// Starts an append to table `id` of `catalog`.
    public init(catalog: any Catalog, table id: TableIdentifier, io: any FileIO = LocalFileIO(),
                properties: WriterProperties = WriterProperties(), targetFileSize: Int64 = 128 << 20) throws(IcebergError) {
        self.catalog = catalog
        identifier = id
        self.io = io
        table = try catalog.loadTable(id)
        writer = try TableWriter(metadata: table.metadata, io: io, properties: properties, targetFileSize: targetFileSize)
    }

    deinit {
        if !done { writer.abort() }
    }

    /// The schema batches must have (the table's current schema, columnar).
    public var schema: Schema { writer.batchSchema }

    /// Writes `batch` into the table's data files (not yet visible to readers).
    public func write(_ batch: RecordBatch) throws(IcebergError) {
        guard !done else { throw IcebergError(.io("append to \(identifier) is already committed or abandoned")) }
        try writer.write(batch)
    }

    /// Adds `key` = `value` to the new snapshot's summary, for instance the source object an
    /// ingestion job appended so that a rerun can tell it is already in the table.
    public func setSummaryProperty(_ key: String, _ value: String) {
        summaryProperties[key] = value
    }

    /// Adds a check of the table as it is when the commit is attempted: it runs against the
    /// newest metadata on every attempt (after a conflict too), so a condition such as "this
    /// source was not appended yet" holds at the moment the snapshot lands. A check that throws
    /// aborts the commit (the files written are deleted) with its error.
    public func validate(_ check: @escaping (TableMetadata) throws(IcebergError) -> Void) {
        validations.append(check)
    }

    /// Commits the files written as one snapshot; returns the table as committed.
    @discardableResult
    public func commit(attempts: Int = 30, nowMs: () -> Int64 = SQLiteCatalog.nowMs) throws(IcebergError) -> Table {
        guard !done else { throw IcebergError(.io("append to \(identifier) is already committed or abandoned")) }
        done = true
        let files = try writer.close()
        var lastError: IcebergError?
        for attempt in 0..<max(1, attempts) {
            if attempt > 0 {
                // 10 ms · 2^(attempt−1), capped at 2 s, full jitter.
                let ceiling = min(10_000 * (1 << min(attempt - 1, 8)), 2_000_000)
                usleep(useconds_t(Int.random(in: 0...ceiling)))
            }
            do throws(IcebergError) {
                for check in validations { try check(table.metadata) }
                let (next, location) = try FastAppend(io: io).commit(files, base: table.metadata, baseLocation: table.metadataLocation,
                                                                     nowMs: nowMs(), summaryProperties: summaryProperties)
                do throws(IcebergError) {
                    try catalog.swapMetadataLocation(identifier, expected: table.metadataLocation, newLocation: location)
                    let committed = Table(identifier: identifier, metadata: next, metadataLocation: location)
                    catalog.committed(committed)
                    return committed
                } catch {
                    try? io.delete(location)  // never became current
                    throw error
                }
            } catch {
                guard case .commitConflict = error.kind else {
                    for f in files { try? io.delete(f.filePath) }
                    throw error
                }
                lastError = error
                do throws(IcebergError) {
                    table = try catalog.loadTable(identifier)
                } catch {
                    for f in files { try? io.delete(f.filePath) }
                    throw error
                }
            }
        }
        for f in files { try? io.delete(f.filePath) }
        throw lastError ?? IcebergError(.commitConflict("append to \(identifier) failed"))
    }

    /// Abandons the append: the files written are deleted.
    public func abort() {
        guard !done else { return }
        done = true
        writer.abort()
    }
}

extension Catalog {
    /// Appends `batches` to table `id` as one snapshot (see ``AppendTransaction``).
    @discardableResult
    public func append(_ id: TableIdentifier, _ batches: [RecordBatchBox], attempts: Int = 30,
                       io: any FileIO = LocalFileIO()) throws(IcebergError) -> Table {
        let transaction = try AppendTransaction(catalog: self, table: id, io: io)
        do throws(IcebergError) {
            for b in batches { try transaction.write(b.batch) }
        } catch {
            transaction.abort()
            throw error
        }
        return try transaction.commit(attempts: attempts)
    }
}
