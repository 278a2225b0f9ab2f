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

/// What a new table is made of.
public struct TableDefinition: Sendable {
    public var schema: IcebergSchema
    public var spec: PartitionSpec
    public var sortOrder: SortOrder
    public var properties: [String: String]
    /// Where the table's files go; the catalog's default under its warehouse when nil.
    public var location: String?

    public init(schema: IcebergSchema, spec: PartitionSpec = .unpartitioned, sortOrder: SortOrder = .unsorted,
                properties: [String: String] = [:], location: String? = nil) {
        self.schema = schema
        self.spec = spec
        self.sortOrder = sortOrder
        self.properties = properties
        self.location = location
    }
}

/// Where tables are registered, and how their metadata changes.
///
/// A catalog maps a ``TableIdentifier`` to the table's current metadata file and swaps it
/// atomically on commit. Commits come as ``TableRequirement``s plus ``TableUpdate``s (the Iceberg
/// REST model): the catalog checks the requirements against the current metadata, applies the
/// updates with ``TableMetadataBuilder``, and publishes the result, or answers
/// ``IcebergError/Kind/commitConflict(_:)`` when another writer got there first. SQLite, Glue,
/// REST and catalog-less storage all take the same commits.
public protocol Catalog: Sendable {
    /// The catalog's name (pyiceberg's `catalog_name` column for the SQLite catalog).
    var name: String { get }
    /// The storage of this catalog's tables.
    var io: any FileIO { get }

    func createNamespace(_ namespace: String, properties: [String: String]) async throws(IcebergError)
    func listNamespaces() async throws(IcebergError) -> [String]
    func createTable(_ id: TableIdentifier, _ definition: TableDefinition) async throws(IcebergError) -> Table
    func loadTable(_ id: TableIdentifier) async throws(IcebergError) -> Table
    func listTables(namespace: String) async throws(IcebergError) -> [TableIdentifier]
    /// Removes the table from the catalog; with `purge`, deletes its files too.
    func dropTable(_ id: TableIdentifier, purge: Bool) async throws(IcebergError)
    func renameTable(from: TableIdentifier, to: TableIdentifier) async throws(IcebergError)
    /// Checks `requirements` on the table's current metadata and applies `updates`; returns the
    /// metadata that is now current.
    func commitTable(_ id: TableIdentifier, requirements: [TableRequirement],
                     updates: [TableUpdate]) async throws(IcebergError) -> CommittedMetadata
}

extension Catalog {
    public func createNamespace(_ namespace: String) async throws(IcebergError) {
        try await createNamespace(namespace, properties: [:])
    }

    /// Creates a table.
    public func createTable(_ id: TableIdentifier, schema: IcebergSchema, spec: PartitionSpec = .unpartitioned,
                            sortOrder: SortOrder = .unsorted, properties: [String: String] = [:]) async throws(IcebergError) -> Table {
        try await createTable(id, TableDefinition(schema: schema, spec: spec, sortOrder: sortOrder, properties: properties))
    }

    public func dropTable(_ id: TableIdentifier) async throws(IcebergError) {
        try await dropTable(id, purge: false)
    }

    /// Whether the catalog has table `id`.
    public func tableExists(_ id: TableIdentifier) async throws(IcebergError) -> Bool {
        do throws(IcebergError) {
            _ = try await loadTable(id)
            return true
        } catch {
            if case .notFound = error.kind { return false }
            throw error
        }
    }
}
