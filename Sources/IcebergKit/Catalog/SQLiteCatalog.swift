#if canImport(Glibc)
import Glibc
#endif
import GRDB
import Synchronization

/// A catalog in a SQLite file, with the tables and columns of pyiceberg's `SqlCatalog`
/// (`iceberg_tables`, `iceberg_namespace_properties`), so pyiceberg opens the same file.
public final class SQLiteCatalog: Catalog, @unchecked Sendable {
    // @unchecked: DatabaseQueue serialises all access itself.
    public let name: String
    public let warehouse: String
    public let io: any FileIO
    let queue: DatabaseQueue
    /// Parsed metadata by file (immutable files: a location always holds the same metadata).
    private let metadataCache = Mutex<[String: TableMetadata]>([:])

    /// Opens (creating if needed) the catalog at `path`; tables default to `<warehouse>/<namespace>.db/<table>`.
    public init(path: String, warehouse: String, name: String = "default", io: any FileIO = LocalFileIO()) throws(IcebergError) {
        self.name = name
        self.warehouse = warehouse.hasSuffix("/") ? String(warehouse.dropLast()) : warehouse
        self.io = io
        do {
            var config = Configuration()
            config.busyMode = .timeout(30)
            // Write-ahead logging: a commit is one append and one fsync of the log (the default
            // rollback journal costs three), and readers never block the writer. The mode is
            // stored in the file; pyiceberg's SQLAlchemy connections read such files as usual.
            config.prepareDatabase { db in
                try db.execute(sql: "PRAGMA journal_mode = WAL")
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
            queue = try DatabaseQueue(path: path, configuration: config)
            try queue.write { db in
                try db.execute(sql: """
                    CREATE TABLE IF NOT EXISTS iceberg_tables (
                        catalog_name VARCHAR(255) NOT NULL, table_namespace VARCHAR(255) NOT NULL, table_name VARCHAR(255) NOT NULL,
                        metadata_location VARCHAR(1000), previous_metadata_location VARCHAR(1000), iceberg_type VARCHAR(5),
                        PRIMARY KEY (catalog_name, table_namespace, table_name));
                    CREATE TABLE IF NOT EXISTS iceberg_namespace_properties (
                        catalog_name VARCHAR(255) NOT NULL, namespace VARCHAR(255) NOT NULL, property_key VARCHAR(255) NOT NULL,
                        property_value VARCHAR(1000) NOT NULL, PRIMARY KEY (catalog_name, namespace, property_key));
                    """)
                // Catalogs created by older pyiceberg versions lack iceberg_type (its "v0" layout): add it.
                let columns = try Row.fetchAll(db, sql: "PRAGMA table_info(iceberg_tables)").compactMap { $0["name"] as String? }
                if !columns.contains("iceberg_type") {
                    try db.execute(sql: "ALTER TABLE iceberg_tables ADD COLUMN iceberg_type VARCHAR(5)")
                }
            }
        } catch {
            throw IcebergError(.io("catalog database: \(error)"), path: path)
        }
    }

    private func run<T>(_ body: (Database) throws -> T) throws(IcebergError) -> T {
        do {
            return try queue.write(body)
        } catch let e as IcebergError {
            throw e
        } catch {
            throw IcebergError(.io("catalog database: \(error)"))
        }
    }

    public func createNamespace(_ namespace: String, properties: [String: String] = [:]) throws(IcebergError) {
        try run { db in
            let exists = try Int.fetchOne(db, sql: "SELECT count(*) FROM iceberg_namespace_properties WHERE catalog_name = ? AND namespace = ?",
                                          arguments: [name, namespace]) ?? 0
            if exists > 0 { throw IcebergError(.commitConflict("namespace '\(namespace)' already exists")) }
            var props = properties
            props["exists"] = "true"
            for (k, v) in props {
                try db.execute(sql: "INSERT INTO iceberg_namespace_properties VALUES (?, ?, ?, ?)", arguments: [name, namespace, k, v])
            }
        }
    }

    public func listNamespaces() throws(IcebergError) -> [String] {
        try run { db in
            let a = try String.fetchAll(db, sql: "SELECT DISTINCT namespace FROM iceberg_namespace_properties WHERE catalog_name = ?", arguments: [name])
            let b = try String.fetchAll(db, sql: "SELECT DISTINCT table_namespace FROM iceberg_tables WHERE catalog_name = ?", arguments: [name])
            return Array(Set(a + b)).sorted()
        }
    }

    public func createTable(_ id: TableIdentifier, schema: IcebergSchema, spec: PartitionSpec = .unpartitioned,
                            sortOrder: SortOrder = .unsorted, properties: [String: String] = [:]) throws(IcebergError) -> Table {
        guard try listNamespaces().contains(id.namespace) else { throw IcebergError(.notFound("namespace '\(id.namespace)'")) }
        let location = warehouse + "/" + id.namespace + ".db/" + id.name
        let metadata = TableMetadata(location: location, schema: schema, spec: spec, sortOrder: sortOrder, properties: properties,
                                     tableUUID: Identifiers.uuid(), nowMs: Self.nowMs())
        let path = try FastAppend(io: io).create(metadata)
        try run { db in
            let existing = try Int.fetchOne(db, sql: "SELECT count(*) FROM iceberg_tables WHERE catalog_name = ? AND table_namespace = ? AND table_name = ?",
                                            arguments: [name, id.namespace, id.name]) ?? 0
            if existing > 0 { throw IcebergError(.commitConflict("table \(id) already exists")) }
            try db.execute(sql: """
                INSERT INTO iceberg_tables (catalog_name, table_namespace, table_name, metadata_location, previous_metadata_location, iceberg_type)
                VALUES (?, ?, ?, ?, NULL, 'TABLE')
                """, arguments: [name, id.namespace, id.name, path])
        }
        return Table(identifier: id, metadata: metadata, metadataLocation: path)
    }

    public func loadTable(_ id: TableIdentifier) throws(IcebergError) -> Table {
        let location: String? = try run { db in
            try String.fetchOne(db, sql: """
                SELECT metadata_location FROM iceberg_tables WHERE catalog_name = ? AND table_namespace = ? AND table_name = ?
                AND (iceberg_type = 'TABLE' OR iceberg_type IS NULL)
                """,
                                arguments: [name, id.namespace, id.name])
        }
        guard let location else { throw IcebergError(.notFound("table \(id)")) }
        // Metadata files are never rewritten, so one parsed is good for as long as it is current.
        if let cached = metadataCache.withLock({ $0[location] }) {
            return Table(identifier: id, metadata: cached, metadataLocation: location)
        }
        let text = String(decoding: try io.read(location), as: UTF8.self)
        let metadata = try TableMetadata(jsonText: text, path: location)
        metadataCache.withLock { cache in
            if cache.count >= 16 { cache.removeAll(keepingCapacity: true) }
            cache[location] = metadata
        }
        return Table(identifier: id, metadata: metadata, metadataLocation: location)
    }

    public func committed(_ table: Table) {
        metadataCache.withLock { cache in
            if cache.count >= 16 { cache.removeAll(keepingCapacity: true) }
            cache[table.metadataLocation] = table.metadata
        }
    }

    public func listTables(namespace: String) throws(IcebergError) -> [TableIdentifier] {
        try run { db in
            try String.fetchAll(db, sql: "SELECT table_name FROM iceberg_tables WHERE catalog_name = ? AND table_namespace = ? ORDER BY table_name",
                                arguments: [name, namespace]).map { TableIdentifier(namespace: namespace, name: $0) }
        }
    }

    public func dropTable(_ id: TableIdentifier) throws(IcebergError) {
        try run { db in
            try db.execute(sql: "DELETE FROM iceberg_tables WHERE catalog_name = ? AND table_namespace = ? AND table_name = ?",
                           arguments: [name, id.namespace, id.name])
            if db.changesCount == 0 { throw IcebergError(.notFound("table \(id)")) }
        }
    }

    public func renameTable(from: TableIdentifier, to: TableIdentifier) throws(IcebergError) {
        try run { db in
            try db.execute(sql: "UPDATE iceberg_tables SET table_namespace = ?, table_name = ? WHERE catalog_name = ? AND table_namespace = ? AND table_name = ?",
                           arguments: [to.namespace, to.name, name, from.namespace, from.name])
            if db.changesCount == 0 { throw IcebergError(.notFound("table \(from)")) }
        }
    }

    public func swapMetadataLocation(_ id: TableIdentifier, expected: String, newLocation: String) throws(IcebergError) {
        try run { db in
            try db.execute(sql: """
                UPDATE iceberg_tables SET metadata_location = ?, previous_metadata_location = ?
                WHERE catalog_name = ? AND table_namespace = ? AND table_name = ? AND metadata_location = ?
                """, arguments: [newLocation, expected, name, id.namespace, id.name, expected])
            if db.changesCount != 1 { throw IcebergError(.commitConflict("table \(id) changed since \(expected)")) }
        }
    }

    /// The current time in milliseconds since the epoch (snapshot timestamps).
    public static func nowMs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}
