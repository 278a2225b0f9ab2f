#if canImport(Glibc)
import Glibc
#endif
import GRDB
import Synchronization

/// A catalog in a SQLite file, with the tables and columns of pyiceberg's `SqlCatalog`
/// (`iceberg_tables`, `iceberg_namespace_properties`), so pyiceberg opens the same file.
public final class SQLiteCatalog: Catalog, @unchecked Sendable {
    // @unchecked: DatabasePool serialises writes and gives each read a connection of its own.
    public let name: String
    public let warehouse: String
    public let io: any FileIO
    /// Write-ahead logging with a pool: reads run on reader connections beside the writer.
    let pool: DatabasePool
    /// The catalog database file.
    public let path: String
    /// Whether the catalog is open for reading only: its file, or the directory its write-ahead
    /// log would go in, cannot be written (a read-only mount or medium, or file modes). Loads,
    /// listings and scans work; every change fails at once with an ``IcebergError/Kind/io(_:)``
    /// error naming the file, before any file is written.
    public let isReadOnly: Bool
    /// Parsed metadata by file (immutable files: a location always holds the same metadata).
    private let metadataCache = MetadataCache()

    /// Opens (creating if needed) the catalog at `path`; tables default to
    /// `<warehouse>/<namespace>.db/<table>`. A relative local warehouse is made absolute (table
    /// locations are absolute for every reader); an object-store warehouse (`s3://…`) goes with
    /// a matching `io`.
    ///
    /// An existing catalog that cannot be written (``isReadOnly``) is opened for reading only.
    public init(path: String, warehouse: String, name: String = "default", io: any FileIO = LocalFileIO()) throws(IcebergError) {
        let warehouse = warehouse.hasPrefix("/") || warehouse.contains("://") ? warehouse : Self.absolute(warehouse)
        self.name = name
        self.warehouse = warehouse.hasSuffix("/") ? String(warehouse.dropLast()) : warehouse
        self.io = io
        self.path = path
        isReadOnly = Self.cannotWrite(path)
        if isReadOnly {
            pool = try Self.openReadOnly(path)
            return
        }
        do {
            var config = Configuration()
            config.busyMode = .timeout(30)
            // Write-ahead logging: a commit is one append and one fsync of the log (the default
            // rollback journal costs three), and readers never block the writer. The mode is
            // stored in the file; pyiceberg's SQLAlchemy connections read such files as usual.
            config.prepareDatabase { db in
                // The pool's reader connections are read-only; the writer sets the mode.
                if !db.configuration.readonly { try db.execute(sql: "PRAGMA journal_mode = WAL") }
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
            pool = try DatabasePool(path: path, configuration: config)
            try pool.write { db in
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

    /// Whether the existing catalog file at `path` cannot be changed: the file is not writable,
    /// or its directory is not and the write-ahead log's files are not both there already
    /// (SQLite creates them beside the database). `access` answers for the effective user and
    /// says EROFS on a read-only mount whoever asks. A relative path is made absolute first, as
    /// SQLite does (the working directory's path may lead to another mount than the process's
    /// working directory itself, e.g. after a bind mount over it).
    static func cannotWrite(_ path: String) -> Bool {
        let path = path.hasPrefix("/") ? path : absolute(path)
        guard access(path, F_OK) == 0 else { return false }
        if access(path, W_OK) != 0 { return true }
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        guard access(directory, W_OK) != 0 else { return false }
        return access(path + "-wal", W_OK) != 0 || access(path + "-shm", W_OK) != 0
    }

    /// The catalog at `path` opened for reading only. A write-ahead-log database normally needs
    /// its shared-memory file (`-shm`), which cannot be created on a read-only medium; SQLite then
    /// reads the file as immutable, which is exact when no log holds commits not yet copied back
    /// into the database (a clean close leaves no `-wal` file, or an empty one). A non-empty log
    /// is read through (`mode=ro`), which needs its `-shm` file present.
    static func openReadOnly(_ path: String) throws(IcebergError) -> DatabasePool {
        var config = Configuration()
        config.readonly = true
        var status = stat()
        let logHoldsCommits = stat(path + "-wal", &status) == 0 && status.st_size > 0
        // SQLite URI: the path percent-encodes `?` and `#` (and `%` itself).
        // By scalar: `%` joined to a following combining mark is one `Character` equal to no `%`.
        var encoded = ""
        for scalar in path.unicodeScalars {
            switch scalar {
            case "%": encoded += "%25"
            case "?": encoded += "%3f"
            case "#": encoded += "%23"
            default: encoded.unicodeScalars.append(scalar)
            }
        }
        let uri = "file:" + encoded + (logHoldsCommits ? "?mode=ro" : "?immutable=1")
        do {
            let pool = try DatabasePool(path: uri, configuration: config)
            // The catalog's tables must be there: a read-only file cannot be given them.
            _ = try pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM iceberg_tables") }
            return pool
        } catch {
            throw IcebergError(.io("read-only catalog database: \(error)"), path: path)
        }
    }

    /// Refuses a change to a read-only catalog (``isReadOnly``) before any work.
    private func requireWritable(_ change: @autoclosure () -> String) throws(IcebergError) {
        guard isReadOnly else { return }
        throw IcebergError(.io("cannot \(change()): the catalog database is read-only (a read-only file or filesystem)"), path: path)
    }

    /// Runs a write transaction on the pool's writer, off the caller's thread: a writer may wait
    /// up to the busy timeout for another process's transaction.
    private func run<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(IcebergError) -> T {
        try requireWritable("change the catalog")
        do {
            return try await pool.write(body)
        } catch let e as IcebergError {
            throw e
        } catch {
            throw IcebergError(.io("catalog database: \(error)"))
        }
    }

    /// Runs a read on a reader connection, on the caller's thread. In write-ahead-log mode a read
    /// never waits for a writer (it sees the last committed state), so it is a short local-disk
    /// read like `LocalFileIO`'s; running it in place spares two thread hand-offs per call, which
    /// cost more than the query on a loaded machine (every table load and commit makes one).
    private func read<T>(_ body: (Database) throws -> T) throws(IcebergError) -> T {
        do {
            return try pool.read(body)
        } catch let e as IcebergError {
            throw e
        } catch {
            throw IcebergError(.io("catalog database: \(error)"))
        }
    }

    public func createNamespace(_ namespace: String, properties: [String: String]) async throws(IcebergError) {
        try requireWritable("create namespace '\(namespace)'")
        let name = name
        try await run { db in
            let exists = try Int.fetchOne(db, sql: "SELECT count(*) FROM iceberg_namespace_properties WHERE catalog_name = ? AND namespace = ?",
                                          arguments: [name, namespace]) ?? 0
            if exists > 0 { throw IcebergError(.alreadyExists("namespace '\(namespace)'")) }
            var props = properties
            props["exists"] = "true"
            for (k, v) in props {
                try db.execute(sql: "INSERT INTO iceberg_namespace_properties VALUES (?, ?, ?, ?)", arguments: [name, namespace, k, v])
            }
        }
    }

    public func listNamespaces() async throws(IcebergError) -> [String] {
        let name = name
        return try read { db in
            let a = try String.fetchAll(db, sql: "SELECT DISTINCT namespace FROM iceberg_namespace_properties WHERE catalog_name = ?", arguments: [name])
            let b = try String.fetchAll(db, sql: "SELECT DISTINCT table_namespace FROM iceberg_tables WHERE catalog_name = ?", arguments: [name])
            return Array(Set(a + b)).sorted()
        }
    }

    /// Where a table's files go by default: `<warehouse>/<namespace>.db/<table>` (pyiceberg's layout).
    public func defaultLocation(_ id: TableIdentifier) -> String {
        warehouse + "/" + id.namespace + ".db/" + id.name
    }

    public func createTable(_ id: TableIdentifier, _ definition: TableDefinition) async throws(IcebergError) -> Table {
        try requireWritable("create table \(id)")
        guard try await listNamespaces().contains(id.namespace) else { throw IcebergError(.notFound("namespace '\(id.namespace)'")) }
        guard try await currentLocation(id) == nil else { throw IcebergError(.alreadyExists("table \(id)")) }
        let location = definition.location.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 } ?? defaultLocation(id)
        let metadata = TableMetadata(location: location, schema: definition.schema, spec: definition.spec, sortOrder: definition.sortOrder,
                                     properties: definition.properties, tableUUID: Identifiers.uuid(), nowMs: currentTimeMs())
        let created = try await MetadataFileCommit.create(metadata, io: io)
        let name = name
        do throws(IcebergError) {
            try await run { db in
                let existing = try Int.fetchOne(db, sql: "SELECT count(*) FROM iceberg_tables WHERE catalog_name = ? AND table_namespace = ? AND table_name = ?",
                                                arguments: [name, id.namespace, id.name]) ?? 0
                if existing > 0 { throw IcebergError(.alreadyExists("table \(id)")) }
                try db.execute(sql: """
                    INSERT INTO iceberg_tables (catalog_name, table_namespace, table_name, metadata_location, previous_metadata_location, iceberg_type)
                    VALUES (?, ?, ?, ?, NULL, 'TABLE')
                    """, arguments: [name, id.namespace, id.name, created.location])
            }
        } catch {
            await io.deleteQuietly([created.location])
            throw error
        }
        remember(created)
        return Table(identifier: id, metadata: created.metadata, metadataLocation: created.location, catalog: self)
    }

    /// The table's current metadata location, or nil when the catalog has no such table.
    func currentLocation(_ id: TableIdentifier) async throws(IcebergError) -> String? {
        let name = name
        return try read { db in
            try String.fetchOne(db, sql: """
                SELECT metadata_location FROM iceberg_tables WHERE catalog_name = ? AND table_namespace = ? AND table_name = ?
                AND (iceberg_type = 'TABLE' OR iceberg_type IS NULL)
                """, arguments: [name, id.namespace, id.name])
        }
    }

    /// The metadata at `location`, parsed once (metadata files are never rewritten).
    func metadata(at location: String) async throws(IcebergError) -> TableMetadata {
        try await metadataCache.metadata(at: location, io: io)
    }

    private func remember(_ committed: CommittedMetadata) {
        metadataCache.remember(committed)
    }

    public func loadTable(_ id: TableIdentifier) async throws(IcebergError) -> Table {
        guard let location = try await currentLocation(id) else { throw IcebergError(.notFound("table \(id)")) }
        return Table(identifier: id, metadata: try await metadata(at: location), metadataLocation: location, catalog: self)
    }

    public func listTables(namespace: String) async throws(IcebergError) -> [TableIdentifier] {
        let name = name
        return try read { db in
            try String.fetchAll(db, sql: "SELECT table_name FROM iceberg_tables WHERE catalog_name = ? AND table_namespace = ? ORDER BY table_name",
                                arguments: [name, namespace]).map { TableIdentifier(namespace: namespace, name: $0) }
        }
    }

    /// Drops the table; with `purge`, deletes every file under its location as well.
    public func dropTable(_ id: TableIdentifier, purge: Bool) async throws(IcebergError) {
        try requireWritable("drop table \(id)")
        let table = purge ? try await loadTable(id) : nil
        let name = name
        try await run { db in
            try db.execute(sql: "DELETE FROM iceberg_tables WHERE catalog_name = ? AND table_namespace = ? AND table_name = ?",
                           arguments: [name, id.namespace, id.name])
            if db.changesCount == 0 { throw IcebergError(.notFound("table \(id)")) }
        }
        if let table {
            for try await page in io.list(prefix: table.metadata.location + "/") {
                let failures = await io.delete(page.map(\.location))
                if let first = failures.first { throw first.error }
            }
        }
    }

    public func renameTable(from: TableIdentifier, to: TableIdentifier) async throws(IcebergError) {
        try requireWritable("rename table \(from)")
        let name = name
        try await run { db in
            let taken = try Int.fetchOne(db, sql: "SELECT count(*) FROM iceberg_tables WHERE catalog_name = ? AND table_namespace = ? AND table_name = ?",
                                         arguments: [name, to.namespace, to.name]) ?? 0
            if taken > 0 { throw IcebergError(.alreadyExists("table \(to)")) }
            try db.execute(sql: "UPDATE iceberg_tables SET table_namespace = ?, table_name = ? WHERE catalog_name = ? AND table_namespace = ? AND table_name = ?",
                           arguments: [to.namespace, to.name, name, from.namespace, from.name])
            if db.changesCount == 0 { throw IcebergError(.notFound("table \(from)")) }
        }
    }

    /// Applies a commit: requirements checked and updates applied on the current metadata, the
    /// next metadata file written, then the catalog row swapped from the base location to the new
    /// one in one conditional UPDATE (the compare-and-swap; a lost race deletes the new file and
    /// answers ``IcebergError/Kind/commitConflict(_:)``).
    public func commitTable(_ id: TableIdentifier, requirements: [TableRequirement],
                            updates: [TableUpdate]) async throws(IcebergError) -> CommittedMetadata {
        try requireWritable("commit to table \(id)")
        guard let base = try await currentLocation(id) else { throw IcebergError(.notFound("table \(id)")) }
        let committed = try await MetadataFileCommit.write(base: try await metadata(at: base), baseLocation: base,
                                                           requirements: requirements, updates: updates, io: io, nowMs: currentTimeMs())
        let name = name
        let location = committed.location
        do throws(IcebergError) {
            try await run { db in
                try db.execute(sql: """
                    UPDATE iceberg_tables SET metadata_location = ?, previous_metadata_location = ?
                    WHERE catalog_name = ? AND table_namespace = ? AND table_name = ? AND metadata_location = ?
                    """, arguments: [location, base, name, id.namespace, id.name, base])
                if db.changesCount != 1 { throw IcebergError(.commitConflict("table \(id) changed since \(base)")) }
            }
        } catch {
            if case .commitConflict = error.kind {
                await io.deleteQuietly([location])  // never became current
                throw error
            }
            // Any other failure: did the swap land? Only a table still at its base proves it did not.
            let now: String?
            do throws(IcebergError) { now = try await currentLocation(id) } catch {
                throw IcebergError(.commitStateUnknown("\(error)"), path: location)
            }
            if now == location {
                remember(committed)
                return committed
            }
            if now == base { await io.deleteQuietly([location]) }
            throw now == base ? error : IcebergError(.commitStateUnknown("\(error)"), path: location)
        }
        remember(committed)
        return committed
    }

    static func absolute(_ path: String) -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return path }
        let cwd = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var relative = Substring(path)
        while relative.hasPrefix("./") { relative = relative.dropFirst(2) }
        return relative.isEmpty || relative == "." ? cwd : cwd + "/" + relative
    }
}
