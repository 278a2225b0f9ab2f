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
    /// Checks that need the branch committed to (the ingest ledger is answered per branch).
    private var branchValidations: [@Sendable (Table, String) async throws(IcebergError) -> Void] = []
    /// The branch the snapshot is committed to (see ``toBranch(_:)``).
    public private(set) var branch = "main"
    /// Checks that read files (the source ledger) besides the metadata; see ``validate(reading:)``.
    private var readingValidations: [@Sendable (Table) async throws(IcebergError) -> Void] = []

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

    /// Adds a check like ``validate(_:)`` that may read the table's files (through
    /// ``Table/io``) as well as its newest metadata; it runs on every commit attempt too.
    public func validate(reading check: @escaping @Sendable (Table) async throws(IcebergError) -> Void) {
        readingValidations.append(check)
    }

    /// Commits the snapshot to branch `name` instead of `main`: its parent is the branch's head
    /// and only the branch moves (`main` and readers of it see nothing). A branch that does not
    /// exist yet is created at the table's current snapshot, as Java's `toBranch` creates it.
    /// Committing to a tag fails with ``IcebergError/Kind/validationFailed(_:)``.
    @discardableResult
    public func toBranch(_ name: String) -> AppendTransaction {
        branch = name
        return self
    }

    /// Adds a check that also gets the branch the commit goes to (see ``validate(_:)``).
    func validateOnBranch(_ check: @escaping @Sendable (Table, String) async throws(IcebergError) -> Void) {
        branchValidations.append(check)
    }

    /// Commits the files written as one snapshot; returns the table as committed.
    @discardableResult
    public func commit(attempts: Int = 30) async throws(IcebergError) -> Table {
        guard !done else { throw IcebergError(.io("append to \(identifier) is already committed or abandoned")) }
        done = true
        let written = try await writer.close()
        let files = written + extraFiles
        var producer = self.producer
        let branch = self.branch
        do throws(IcebergError) {
            guard !branch.isEmpty else { throw IcebergError(.validationFailed("a branch needs a name")) }
            try await producer.addManifest(of: files, spec: table.spec, schema: table.schema)
            let checks = validations, readingChecks = readingValidations, branchChecks = branchValidations
            let committed = try await CommitRetry.run(table, attempts: attempts) { (current) throws(IcebergError) -> Table in
                for check in checks { try check(current.metadata) }
                for check in readingChecks { try await check(current) }
                for check in branchChecks { try await check(current, branch) }
                return try await producer.commit(on: current, branch: branch)
            }
            // Manifests merged away, or written for an attempt that lost, are listed nowhere.
            await table.io.deleteQuietly(producer.unusedRewrittenManifests)
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
