public import LakeColumnar
public import ParquetWriter

/// An append to a table: batches streamed into data files by a ``TableWriter``, then committed
/// as one snapshot.
///
/// When another writer commits first, the append is re-applied on the newest metadata (up to
/// `attempts` times, with jittered exponential backoff so that contending writers spread out
/// instead of colliding again); checks added with ``validate(_:)`` run again there. When the
/// commit finally fails, or the transaction is abandoned, the files it wrote are deleted; no
/// partial metadata ever becomes current.
///
/// ```swift
/// let append = try table.newAppend()
/// for batch in batches { try await append.write(batch) }
/// let committed = try await append.commit()
/// ```
public final class AppendTransaction {
    /// The table as it was when the append started (or as the last attempt saw it).
    public private(set) var table: Table
    private let writer: TableWriter
    private var producer: SnapshotProducer
    private var extraFiles: [DataFile] = []
    private var done = false
    private var validations: [@Sendable (TableMetadata) throws(IcebergError) -> Void] = []

    /// Starts an append to `table`.
    public init(table: Table, properties: WriterProperties = WriterProperties(), targetFileSize: Int64? = nil) throws(IcebergError) {
        self.table = table
        writer = try TableWriter(table: table, properties: properties, targetFileSize: targetFileSize)
        producer = SnapshotProducer(io: table.io, tableLocation: table.metadata.location, operation: "append")
    }

    public var identifier: TableIdentifier { table.identifier }

    /// The schema batches must have (the table's current schema, columnar).
    public var schema: Schema { writer.batchSchema }

    /// Writes `batch` into the table's data files (not yet visible to readers).
    public func write(_ batch: RecordBatch) async throws(IcebergError) {
        guard !done else { throw IcebergError(.io("append to \(identifier) is already committed or abandoned")) }
        try await writer.write(batch)
    }

    /// Adds a data file written elsewhere (its partition values in the table's default spec).
    public func appendFile(_ file: DataFile) throws(IcebergError) {
        guard file.content == 0 else { throw IcebergError(.invalidMetadata("\(file.filePath) is a delete file, not a data file")) }
        extraFiles.append(file)
    }

    /// Adds `key` = `value` to the new snapshot's summary, for instance the source object an
    /// ingestion job appended so that a rerun can tell it is already in the table.
    public func setSummaryProperty(_ key: String, _ value: String) {
        producer.summaryProperties[key] = value
    }

    /// Adds a check of the table as it is when the commit is attempted: it runs against the
    /// newest metadata on every attempt (after a conflict too), so a condition such as "this
    /// source was not appended yet" holds at the moment the snapshot lands. A check that throws
    /// aborts the commit (the files written are deleted) with its error.
    public func validate(_ check: @escaping @Sendable (TableMetadata) throws(IcebergError) -> Void) {
        validations.append(check)
    }

    /// Commits the files written as one snapshot; returns the table as committed.
    @discardableResult
    public func commit(attempts: Int = 30) async throws(IcebergError) -> Table {
        guard !done else { throw IcebergError(.io("append to \(identifier) is already committed or abandoned")) }
        done = true
        let written = try await writer.close()
        let files = written + extraFiles
        var producer = self.producer
        do throws(IcebergError) {
            try await producer.addManifest(of: files, spec: table.spec, schema: table.schema)
            let checks = validations
            let committed = try await CommitRetry.run(table, attempts: attempts) { (current) throws(IcebergError) -> Table in
                for check in checks { try check(current.metadata) }
                return try await producer.commit(on: current)
            }
            table = committed
            return committed
        } catch {
            if case .commitStateUnknown = error.kind { throw error }
            // Files added with appendFile(_:) are the caller's: only what this append wrote goes.
            await table.io.deleteQuietly(producer.writtenFiles + written.map(\.filePath))
            throw error
        }
    }

    /// Abandons the append: the files written are deleted.
    public func abort() async {
        guard !done else { return }
        done = true
        await writer.abort()
    }
}

extension Table {
    /// Appends `batches` as one snapshot (see ``AppendTransaction``); returns the table as committed.
    @discardableResult
    public func append(_ batches: [RecordBatch], attempts: Int = 30) async throws(IcebergError) -> Table {
        let transaction = try newAppend()
        do throws(IcebergError) {
            for b in batches { try await transaction.write(b) }
        } catch {
            await transaction.abort()
            throw error
        }
        return try await transaction.commit(attempts: attempts)
    }
}
