import Foundation
public import IcebergKit
public import LakeAWS
import Synchronization

/// Iceberg tables registered in the AWS Glue Data Catalog, as Java's and pyiceberg's
/// `GlueCatalog` register them, so Athena, Spark, Trino, pyiceberg and DuckDB see the same tables.
///
/// Namespaces are Glue databases (one level). A table is a Glue table whose parameters point at
/// its current metadata file (see ``GlueIcebergTable``). A commit reads the Glue table (its
/// `VersionId` and `metadata_location`), writes the next metadata file next to the base with
/// create-if-absent, and swaps the pointer with `UpdateTable` passing that `VersionId`: Glue
/// applies it only if nobody updated the table since, so a stale writer gets
/// ``IcebergError/Kind/commitConflict(_:)`` (its new file is deleted) and retries on the new
/// base; it never overwrites another commit. When the outcome of `UpdateTable` is unclear (a
/// timeout after the request went out), the table is read again: pointing at the new file (or
/// having it in its metadata log) means the commit landed; still at the base, it did not (the
/// new file is deleted); anything else is ``IcebergError/Kind/commitStateUnknown(_:)`` and no
/// file is deleted.
///
/// ```swift
/// let configuration = try AWSConfiguration()
/// let credentials = CredentialChain.standard()
/// let catalog = GlueCatalog(glue: GlueClient(configuration: configuration, credentials: credentials),
///                           io: S3FileIO(client: S3Client(configuration: configuration, credentials: credentials)),
///                           warehouse: "s3://lake/warehouse")
/// let table = try await catalog.loadTable(TableIdentifier(namespace: "silver", name: "cloudfront"))
/// ```
///
/// Emulators differ from Glue: moto returns a `VersionId` but does not enforce it (concurrent
/// writers through moto can overwrite each other; requirements are still checked on the base each
/// commit reads); ministack enforces it.
public final class GlueCatalog: Catalog {
    public let name: String
    public let io: any FileIO
    /// The Glue client every catalog call goes through.
    public let glue: GlueClient
    /// Where tables go when neither the definition nor the database (`LocationUri`) says:
    /// `<warehouse>/<namespace>.db/<table>`.
    public let warehouse: String?
    /// Whether `UpdateTable` skips archiving the previous table version (`SkipArchive`; Java's
    /// `glue.skip-archive`, `true` by default: Glue keeps a bounded number of versions per table,
    /// and every commit would add one).
    public let skipArchive: Bool
    /// Parsed metadata by file (immutable files: a location always holds the same metadata).
    private let metadataCache = MetadataCache()

    /// A catalog over `glue` whose tables' files are read and written through `io`.
    ///
    /// - Parameters:
    ///   - warehouse: the default root of new tables (`s3://bucket/prefix`) for databases without
    ///     a `LocationUri`; `nil`: such tables need an explicit location.
    ///   - name: the catalog's name.
    ///   - skipArchive: see ``skipArchive``.
    public init(glue: GlueClient, io: any FileIO, warehouse: String? = nil, name: String = "glue", skipArchive: Bool = true) {
        self.glue = glue
        self.io = io
        self.warehouse = warehouse.map(Self.trimmingSlash)
        self.name = name
        self.skipArchive = skipArchive
    }

    // MARK: Namespaces

    /// Creates Glue database `namespace`. The property `comment` becomes its description,
    /// `location` its `LocationUri` (the default root of its tables), the rest its parameters.
    public func createNamespace(_ namespace: String, properties: [String: String]) async throws(IcebergError) {
        try Self.validate(namespace: namespace)
        var parameters = properties
        let description = parameters.removeValue(forKey: "comment")
        let location = parameters.removeValue(forKey: "location")
        do throws(AWSError) {
            try await glue.createDatabase(namespace, description: description, locationURI: location, parameters: parameters)
        } catch {
            throw IcebergError(glue: error, subject: "namespace '\(namespace)'")
        }
    }

    /// Every Glue database, sorted.
    public func listNamespaces() async throws(IcebergError) -> [String] {
        do throws(AWSError) {
            return try await glue.databases().sorted()
        } catch {
            throw IcebergError(glue: error, subject: "namespaces")
        }
    }

    // MARK: Tables

    /// Where table `id` goes by default: under the database's `LocationUri` when it has one, else
    /// `<warehouse>/<namespace>.db/<table>`.
    public func defaultLocation(_ id: TableIdentifier) async throws(IcebergError) -> String {
        let database: GlueDatabase
        do throws(AWSError) {
            database = try await glue.database(id.namespace)
        } catch {
            throw IcebergError(glue: error, subject: "namespace '\(id.namespace)'")
        }
        if let root = database.locationURI, !root.isEmpty { return Self.trimmingSlash(root) + "/" + id.name }
        guard let warehouse else {
            throw IcebergError(.unsupported("table \(id) has no location: database '\(id.namespace)' has no LocationUri "
                                            + "and the catalog no warehouse"))
        }
        return warehouse + "/" + id.namespace + ".db/" + id.name
    }

    /// Writes the table's first metadata file, then registers it with `CreateTable`; if Glue
    /// refuses (the name is taken: ``IcebergError/Kind/alreadyExists(_:)``), the file is deleted.
    public func createTable(_ id: TableIdentifier, _ definition: TableDefinition) async throws(IcebergError) -> Table {
        try Self.validate(namespace: id.namespace)
        let location: String
        if let given = definition.location {
            location = Self.trimmingSlash(given)
        } else {
            location = try await defaultLocation(id)  // also proves the database exists
        }
        if try await glueTable(id) != nil { throw IcebergError(.alreadyExists("table \(id)")) }
        let metadata = TableMetadata(location: location, schema: definition.schema, spec: definition.spec, sortOrder: definition.sortOrder,
                                     properties: definition.properties, tableUUID: UUID().uuidString.lowercased(), nowMs: currentTimeMs())
        let created = try await MetadataFileCommit.create(metadata, io: io)
        let input = GlueIcebergTable.input(name: id.name, metadata: created.metadata, metadataLocation: created.location,
                                           previousMetadataLocation: nil)
        do throws(AWSError) {
            try await glue.createTable(database: id.namespace, input: input)
        } catch {
            let failure = error
            // Did the table get created after all (a retried request whose first attempt landed)?
            let now: GlueTable?
            do throws(IcebergError) { now = try await glueTable(id) } catch {
                guard failure.certainlyNotApplied else {
                    throw IcebergError(.commitStateUnknown("glue.CreateTable: \(failure); re-reading the table failed: \(error)"),
                                       path: created.location)
                }
                now = nil
            }
            if now?.parameters[GlueIcebergTable.metadataLocationKey] == created.location {
                remember(created)
                return Table(identifier: id, metadata: created.metadata, metadataLocation: created.location, catalog: self)
            }
            _ = await io.delete([created.location])  // never registered
            throw IcebergError(glue: failure, subject: "table \(id)")
        }
        remember(created)
        return Table(identifier: id, metadata: created.metadata, metadataLocation: created.location, catalog: self)
    }

    /// Loads the metadata file the Glue table points at; a Glue table that is not an Iceberg
    /// table is ``IcebergError/Kind/unsupported(_:)``.
    public func loadTable(_ id: TableIdentifier) async throws(IcebergError) -> Table {
        let table = try await icebergTable(id)
        let location = try Self.metadataLocation(of: table, id)
        return Table(identifier: id, metadata: try await metadata(at: location), metadataLocation: location, catalog: self)
    }

    /// The Iceberg tables of `namespace` (other Glue tables are left out), sorted by name.
    public func listTables(namespace: String) async throws(IcebergError) -> [TableIdentifier] {
        do throws(AWSError) {
            return try await glue.tables(database: namespace).filter(GlueIcebergTable.isIceberg).map(\.name).sorted()
                .map { TableIdentifier(namespace: namespace, name: $0) }
        } catch {
            throw IcebergError(glue: error, subject: "namespace '\(namespace)'")
        }
    }

    /// Deletes the Glue table (only an Iceberg table); with `purge`, then deletes every file
    /// under the table's location.
    public func dropTable(_ id: TableIdentifier, purge: Bool) async throws(IcebergError) {
        let table = try await icebergTable(id)
        var root: String?
        if purge {
            root = try await metadata(at: try Self.metadataLocation(of: table, id)).location
        }
        do throws(AWSError) {
            try await glue.deleteTable(database: id.namespace, name: id.name)
        } catch {
            throw IcebergError(glue: error, subject: "table \(id)")
        }
        guard let root else { return }
        for try await page in io.list(prefix: Self.trimmingSlash(root) + "/") {
            let failures = await io.delete(page.map(\.location))
            if let first = failures.first { throw first.error }
        }
    }

    /// Renames a table. Glue has no rename: the table is created under the new name (same
    /// parameters, location and columns), then the old one deleted, as Java does. A taken target
    /// is ``IcebergError/Kind/alreadyExists(_:)``; if the source changed between the copy and the
    /// delete (a commit landed), the copy is removed and the rename fails with
    /// ``IcebergError/Kind/commitConflict(_:)``.
    public func renameTable(from: TableIdentifier, to: TableIdentifier) async throws(IcebergError) {
        try Self.validate(namespace: to.namespace)
        let source = try await icebergTable(from)
        let input = GlueTableInput(name: to.name, tableType: source.tableType ?? GlueIcebergTable.glueTableType,
                                   parameters: source.parameters, location: source.location, columns: source.columns,
                                   description: source.description)
        do throws(AWSError) {
            try await glue.createTable(database: to.namespace, input: input)
        } catch {
            throw IcebergError(glue: error, subject: error.kind == .notFound ? "namespace '\(to.namespace)'" : "table \(to)")
        }
        do throws(IcebergError) {
            let now = try await glueTable(from)
            guard let now, now.versionID == source.versionID,
                  now.parameters[GlueIcebergTable.metadataLocationKey] == source.parameters[GlueIcebergTable.metadataLocationKey] else {
                throw IcebergError(.commitConflict("table \(from) changed while being renamed to \(to)"))
            }
            do throws(AWSError) {
                try await glue.deleteTable(database: from.namespace, name: from.name)
            } catch {
                throw IcebergError(glue: error, subject: "table \(from)")
            }
        } catch {
            // Undo the copy; the source stays as it is.
            do throws(AWSError) { try await glue.deleteTable(database: to.namespace, name: to.name) } catch {}
            throw error
        }
    }

    // MARK: Commits

    /// Applies a commit with Glue's `VersionId` optimistic locking (see ``GlueCatalog``).
    public func commitTable(_ id: TableIdentifier, requirements: [TableRequirement],
                            updates: [TableUpdate]) async throws(IcebergError) -> CommittedMetadata {
        let table = try await icebergTable(id)
        let base = try Self.metadataLocation(of: table, id)
        let committed = try await MetadataFileCommit.write(base: try await metadata(at: base), baseLocation: base,
                                                           requirements: requirements, updates: updates, io: io, nowMs: currentTimeMs())
        let input = GlueIcebergTable.input(name: table.name, metadata: committed.metadata, metadataLocation: committed.location,
                                           previousMetadataLocation: base, existingParameters: table.parameters)
        do throws(AWSError) {
            try await glue.updateTable(database: id.namespace, input: input, versionID: table.versionID, skipArchive: skipArchive)
        } catch {
            return try await resolveFailedUpdate(id, error: error, base: base, committed: committed)
        }
        remember(committed)
        return committed
    }

    /// Decides what a failed `UpdateTable` did, by reading the table again.
    private func resolveFailedUpdate(_ id: TableIdentifier, error failure: AWSError, base: String,
                                     committed: CommittedMetadata) async throws(IcebergError) -> CommittedMetadata {
        let new = committed.location
        let now: String
        do throws(IcebergError) {
            now = try Self.metadataLocation(of: try await icebergTable(id), id)
        } catch {
            throw IcebergError(.commitStateUnknown("glue.UpdateTable: \(failure.description); re-reading the table failed: \(error)"),
                               path: new)
        }
        // A retried request whose first attempt landed answers ConcurrentModificationException:
        // the table at (or past) our file means the commit is in.
        var landed = now == new
        if !landed, now != base {
            // Moved on: landed if our file is in the newer metadata's history. A history that
            // cannot be read proves nothing either way.
            do throws(IcebergError) {
                landed = try await metadata(at: now).metadataLog.contains { $0.file == new }
            } catch {
                throw IcebergError(.commitStateUnknown("table \(id) moved to \(now) after glue.UpdateTable failed (\(failure.description)); "
                                                       + "its metadata could not be read: \(error)"), path: new)
            }
        }
        if landed {
            remember(committed)
            return committed
        }
        // Only an answer that proves the request was refused allows cleaning up: after a timeout
        // or a 5xx the update may still be applied, even to a table still at its base.
        if failure.certainlyNotApplied {
            _ = await io.delete([new])  // never became current
            throw IcebergError(glue: failure, subject: "table \(id)")
        }
        throw IcebergError(.commitStateUnknown("table \(id) moved to \(now) after glue.UpdateTable failed: \(failure.description)"),
                           path: new)
    }

    // MARK: Helpers

    /// The Glue table `id`, or nil when Glue has none.
    private func glueTable(_ id: TableIdentifier) async throws(IcebergError) -> GlueTable? {
        do throws(AWSError) {
            return try await glue.getTable(database: id.namespace, name: id.name)
        } catch where error.kind == .notFound {
            return nil
        } catch {
            throw IcebergError(glue: error, subject: "table \(id)")
        }
    }

    /// The Glue table `id`, which must exist and be an Iceberg table.
    private func icebergTable(_ id: TableIdentifier) async throws(IcebergError) -> GlueTable {
        guard let table = try await glueTable(id) else { throw IcebergError(.notFound("table \(id)")) }
        guard GlueIcebergTable.isIceberg(table) else {
            let type = table.parameters[GlueIcebergTable.tableTypeKey].map { "table_type \($0)" } ?? "no table_type"
            throw IcebergError(.unsupported("Glue table \(id) is not an Iceberg table (\(type))"))
        }
        return table
    }

    private static func metadataLocation(of table: GlueTable, _ id: TableIdentifier) throws(IcebergError) -> String {
        guard let location = table.parameters[GlueIcebergTable.metadataLocationKey], !location.isEmpty else {
            throw IcebergError(.invalidMetadata("Glue table \(id) has no \(GlueIcebergTable.metadataLocationKey)"))
        }
        return location
    }

    /// The metadata at `location`, parsed once (metadata files are never rewritten).
    private func metadata(at location: String) async throws(IcebergError) -> TableMetadata {
        try await metadataCache.metadata(at: location, io: io)
    }

    private func remember(_ committed: CommittedMetadata) {
        metadataCache.remember(committed)
    }

    /// Glue databases are one level: a dotted namespace cannot be one.
    private static func validate(namespace: String) throws(IcebergError) {
        guard !namespace.isEmpty, !namespace.contains(".") else {
            throw IcebergError(.unsupported("namespace '\(namespace)': Glue databases are one level (no '.')"))
        }
    }

    private static func trimmingSlash(_ text: String) -> String {
        var text = Substring(text)
        while text.hasSuffix("/") { text = text.dropLast() }
        return String(text)
    }
}
