/// A table's name within a catalog.
public struct TableIdentifier: Sendable, Hashable, CustomStringConvertible {
    public var namespace: String
    public var name: String

    public init(namespace: String, name: String) {
        self.namespace = namespace
        self.name = name
    }

    /// Parses `namespace.table`.
    public init(parsing text: String) throws(IcebergError) {
        guard let dot = text.lastIndex(of: "."), dot != text.startIndex, text.index(after: dot) != text.endIndex else {
            throw IcebergError(.invalidMetadata("table identifier '\(text)' is not namespace.table"))
        }
        namespace = String(text[..<dot])
        name = String(text[text.index(after: dot)...])
    }

    public var description: String { namespace + "." + name }
}

/// A loaded table: its metadata and where that metadata lives.
public struct Table: Sendable {
    public var identifier: TableIdentifier
    public var metadata: TableMetadata
    public var metadataLocation: String
}

/// Where tables are registered. Commits are compare-and-swap on the metadata location.
public protocol Catalog: Sendable {
    func createNamespace(_ namespace: String, properties: [String: String]) throws(IcebergError)
    func listNamespaces() throws(IcebergError) -> [String]
    func createTable(_ id: TableIdentifier, schema: IcebergSchema, spec: PartitionSpec, sortOrder: SortOrder,
                     properties: [String: String]) throws(IcebergError) -> Table
    func loadTable(_ id: TableIdentifier) throws(IcebergError) -> Table
    func listTables(namespace: String) throws(IcebergError) -> [TableIdentifier]
    func dropTable(_ id: TableIdentifier) throws(IcebergError)
    func renameTable(from: TableIdentifier, to: TableIdentifier) throws(IcebergError)
    /// Points the table at `newLocation` if it still points at `expected`; otherwise
    /// ``IcebergError/Kind/commitConflict(_:)``.
    func swapMetadataLocation(_ id: TableIdentifier, expected: String, newLocation: String) throws(IcebergError)
    /// Told after a commit made `table` current: a catalog may keep its metadata rather than
    /// read and parse the file again on the next load.
    func committed(_ table: Table)
}

extension Catalog {
    public func committed(_ table: Table) {}
}

public import LakeColumnar

/// A record batch passed to ``Catalog/append(_:_:attempts:io:)``.
public struct RecordBatchBox: Sendable {
    public var batch: RecordBatch
    public init(_ batch: RecordBatch) { self.batch = batch }
}
