public import LakeColumnar
public import ParquetWriter

/// A table as loaded from its catalog: its metadata, where that metadata lives, the catalog that
/// commits changes to it and the ``FileIO`` its files are read and written through.
///
/// A `Table` is a value: it describes the table as it was when loaded or committed.
/// ``refresh()`` loads the newest metadata; operations return the table as they committed it.
///
/// ```swift
/// let table = try await catalog.loadTable(TableIdentifier(namespace: "silver", name: "cloudfront"))
/// let append = try table.newAppend()
/// try await append.write(batch)
/// let committed = try await append.commit()
/// for try await batch in committed.scan(columns: ["date", "sc_status"]).batches() { … }
/// ```
public struct Table: Sendable {
    public let identifier: TableIdentifier
    public let metadata: TableMetadata
    public let metadataLocation: String
    public let catalog: any Catalog
    public let io: any FileIO

    public init(identifier: TableIdentifier, metadata: TableMetadata, metadataLocation: String, catalog: any Catalog,
                io: (any FileIO)? = nil) {
        self.identifier = identifier
        self.metadata = metadata
        self.metadataLocation = metadataLocation
        self.catalog = catalog
        self.io = io ?? catalog.io
    }

    /// The current schema.
    public var schema: IcebergSchema {
        // TableMetadata's parser guarantees the current schema exists.
        metadata.currentSchema ?? IcebergSchema(fields: [])
    }

    /// The default partition spec.
    public var spec: PartitionSpec { metadata.defaultSpec ?? .unpartitioned }

    /// The current snapshot, if any.
    public var currentSnapshot: Snapshot? { metadata.currentSnapshot }

    /// The table as its catalog has it now.
    public func refresh() async throws(IcebergError) -> Table {
        let loaded = try await catalog.loadTable(identifier)
        return Table(identifier: identifier, metadata: loaded.metadata, metadataLocation: loaded.metadataLocation, catalog: catalog, io: io)
    }

    /// A copy of this table with `metadata` committed at `location`.
    func with(_ committed: CommittedMetadata) -> Table {
        Table(identifier: identifier, metadata: committed.metadata, metadataLocation: committed.location, catalog: catalog, io: io)
    }

    /// Commits `updates` under `requirements` (see ``Catalog/commitTable(_:requirements:updates:)``).
    @discardableResult
    public func commit(requirements: [TableRequirement] = [], updates: [TableUpdate]) async throws(IcebergError) -> Table {
        with(try await catalog.commitTable(identifier, requirements: requirements, updates: updates))
    }

    /// Sets table properties.
    @discardableResult
    public func setProperties(_ properties: [String: String]) async throws(IcebergError) -> Table {
        try await commit(requirements: [.assertTableUUID(metadata.tableUUID)], updates: [.setProperties(properties)])
    }

    /// Starts an append of record batches (see ``AppendTransaction``).
    public func newAppend(properties: WriterProperties = WriterProperties(), targetFileSize: Int64? = nil) throws(IcebergError) -> AppendTransaction {
        try AppendTransaction(table: self, properties: properties, targetFileSize: targetFileSize)
    }

    /// Starts a commit of data files and delete files written elsewhere (see ``RowDelta``).
    public func newRowDelta() -> RowDelta { RowDelta(table: self) }

    /// A scan of the current snapshot (see ``TableScan``).
    public func scan(filter: ColumnPredicate? = nil, columns: [String]? = nil, snapshotID: Int64? = nil) -> TableScan {
        var scan = TableScan(table: self)
        scan.filter = filter
        scan.columns = columns
        if let snapshotID { scan.snapshotID = snapshotID }  // time travel: that snapshot's schema
        return scan
    }

    /// The target data-file size (`write.target-file-size-bytes`, 512 MiB in Java; 128 MiB here
    /// when the property is not set, to fit small workers).
    public var targetFileSize: Int64 {
        Int64(metadata.properties["write.target-file-size-bytes"] ?? "") ?? 128 << 20
    }
}
