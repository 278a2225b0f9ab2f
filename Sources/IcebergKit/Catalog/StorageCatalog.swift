/// A catalog that is nothing but storage: each table's location holds numbered metadata files,
/// and the highest number is the table's current metadata (Java's `HadoopCatalog`, readable by
/// Java's `HadoopTables` and by DuckDB's `iceberg_scan` from the table's directory).
///
/// Layout under the warehouse:
/// - `<warehouse>/<namespace>/.namespace`: the namespace's marker, its properties as a JSON object;
/// - `<warehouse>/<namespace>/<table>/metadata/v<N>.metadata.json` (N = 1, 2, …): the table's
///   metadata versions, and `metadata/version-hint.text`: the last committed N, as a hint.
///
/// A commit reads the newest version N, applies the commit to it and writes version N+1 with
/// ``WriteMode/createNew``: on a ``FileIO`` whose create-if-absent is atomic (``LocalFileIO``'s
/// `link`, S3's `If-None-Match: *`) exactly one of two racing writers publishes N+1, and the
/// other gets ``IcebergError/Kind/commitConflict(_:)`` and retries on the new version. Metadata
/// files are never overwritten. The hint is rewritten after each commit but never trusted:
/// loading probes the versions above it and lists `metadata/` when it is missing or wrong, so a
/// writer that stops between its metadata file and its hint loses nothing.
///
/// Limits: listing namespaces and tables walks every object under the warehouse or namespace
/// (``FileIO/list(prefix:)`` has no delimiter); a table is found by its identifier's path, so a
/// ``TableDefinition/location`` elsewhere is refused (use ``table(at:io:)`` for a table at a
/// given location); tables cannot be renamed (their files name their location); dropping is
/// not atomic against a concurrent commit. See `Documentation/IcebergKit.md`.
///
/// ```swift
/// let catalog = StorageCatalog(warehouse: "s3://bucket/warehouse", io: s3)
/// try await catalog.createNamespace("silver")
/// let table = try await catalog.createTable(TableIdentifier(namespace: "silver", name: "logs"), schema: schema)
/// try await table.append([batch])   // retried on conflict with other writers
/// ```
public struct StorageCatalog: Catalog {
    /// The catalog's name (it is not stored anywhere: storage is the catalog).
    public let name: String
    /// The root of the catalog's namespaces, without a trailing slash.
    public let warehouse: String
    /// The storage of the catalog's tables; its ``WriteMode/createNew`` must be atomic.
    public let io: any FileIO

    /// The name of a namespace's marker object.
    static let namespaceMarker = ".namespace"

    /// A catalog of the tables under `warehouse`, read and written through `io` (whose
    /// ``WriteMode/createNew`` must be atomic). A relative local warehouse is made absolute.
    public init(warehouse: String, name: String = "storage", io: any FileIO = LocalFileIO()) {
        let absolute = warehouse.hasPrefix("/") || warehouse.contains("://") ? warehouse : SQLiteCatalog.absolute(warehouse)
        var trimmed = Substring(absolute)
        while trimmed.hasSuffix("/") && trimmed.count > 1 { trimmed = trimmed.dropLast() }
        self.warehouse = String(trimmed)
        self.name = name
        self.io = io
    }

    /// The catalog and identifier of the table at `location` (`…/<namespace>/<table>`): a table
    /// whose only catalog is its location. The catalog's warehouse is the location's grandparent.
    public static func table(at location: String, io: any FileIO = LocalFileIO()) throws(IcebergError) -> (catalog: StorageCatalog, identifier: TableIdentifier) {
        var path = Substring(location)
        while path.hasSuffix("/") { path = path.dropLast() }
        guard let tableSlash = path.lastIndex(of: "/"),
              let namespaceSlash = path[..<tableSlash].lastIndex(of: "/") else {
            throw IcebergError(.unsupported("a storage table's location must end in /<namespace>/<table>"), path: location)
        }
        let identifier = TableIdentifier(namespace: String(path[path.index(after: namespaceSlash)..<tableSlash]),
                                         name: String(path[path.index(after: tableSlash)...]))
        try checkComponent(identifier.namespace, "namespace")
        try checkComponent(identifier.name, "table name")
        let warehouse = String(path[..<namespaceSlash])
        guard !warehouse.isEmpty, !warehouse.hasSuffix(":/") else {
            throw IcebergError(.unsupported("a storage table's location needs a warehouse above its namespace"), path: location)
        }
        return (StorageCatalog(warehouse: warehouse, io: io), identifier)
    }

    /// Where table `id` lives: `<warehouse>/<namespace>/<table>`.
    public func tableLocation(_ id: TableIdentifier) -> String {
        warehouse + "/" + id.namespace + "/" + id.name
    }

    func namespacePrefix(_ namespace: String) -> String { warehouse + "/" + namespace + "/" }

    func files(_ id: TableIdentifier) throws(IcebergError) -> VersionedMetadataFiles {
        try Self.checkComponent(id.namespace, "namespace")
        try Self.checkComponent(id.name, "table name")
        return VersionedMetadataFiles(tableLocation: tableLocation(id), io: io)
    }

    /// Namespaces and table names are one path segment each, not hidden (markers start with '.').
    static func checkComponent(_ text: String, _ what: String) throws(IcebergError) {
        guard !text.isEmpty, !text.contains("/"), !text.hasPrefix(".") else {
            throw IcebergError(.unsupported("\(what) '\(text)': a storage catalog needs a non-empty name without '/' that does not start with '.'"))
        }
    }

    // MARK: Namespaces

    /// Creates the namespace's marker object (create-if-absent: exactly one of two concurrent
    /// creators succeeds), holding `properties` as JSON.
    public func createNamespace(_ namespace: String, properties: [String: String]) async throws(IcebergError) {
        try Self.checkComponent(namespace, "namespace")
        let json = AvroJSON.object(properties.sorted { $0.key < $1.key }.map { ($0.key, AvroJSON.string($0.value)) })
        let location = namespacePrefix(namespace) + Self.namespaceMarker
        do throws(IcebergError) {
            try await io.newOutputFile(location).write(Array(JSONText.serialize(json).utf8), mode: .createNew)
        } catch {
            if case .alreadyExists = error.kind { throw IcebergError(.alreadyExists("namespace '\(namespace)'"), path: location) }
            throw error
        }
    }

    /// The properties a namespace was created with (``IcebergError/Kind/notFound(_:)`` without
    /// its marker).
    public func namespaceProperties(_ namespace: String) async throws(IcebergError) -> [String: String] {
        try Self.checkComponent(namespace, "namespace")
        let location = namespacePrefix(namespace) + Self.namespaceMarker
        let bytes: [UInt8]
        do throws(IcebergError) { bytes = try await io.newInputFile(location).read() } catch {
            if case .notFound = error.kind { throw IcebergError(.notFound("namespace '\(namespace)'"), path: location) }
            throw error
        }
        let json: AvroJSON
        do { json = try JSONText.parse(String(decoding: bytes, as: UTF8.self)) } catch {
            throw IcebergError(.invalidMetadata("namespace marker: \(error)"), path: location)
        }
        guard case let .object(pairs) = json else { throw IcebergError(.invalidMetadata("namespace marker is not a JSON object"), path: location) }
        var out: [String: String] = [:]
        for (key, value) in pairs {
            guard case let .string(text) = value else { throw IcebergError(.invalidMetadata("namespace property '\(key)' is not a string"), path: location) }
            out[key] = text
        }
        return out
    }

    /// Namespaces with a marker, and those holding a table without one (tables created through
    /// other tools): found by listing the whole warehouse.
    public func listNamespaces() async throws(IcebergError) -> [String] {
        var found = Set<String>()
        for parts in try await listRelative(warehouse + "/") {
            if parts.count == 2 && parts[1] == Self.namespaceMarker || Self.isVersionFile(parts, depth: 4) { found.insert(String(parts[0])) }
        }
        return found.sorted()
    }

    func namespaceExists(_ namespace: String) async throws(IcebergError) -> Bool {
        try await io.newInputFile(namespacePrefix(namespace) + Self.namespaceMarker).exists()
    }

    // MARK: Tables

    /// Creates the table's first metadata version (`v1.metadata.json`, create-if-absent). The
    /// namespace must exist; a ``TableDefinition/location`` other than ``tableLocation(_:)`` is
    /// ``IcebergError/Kind/unsupported(_:)`` (the identifier is the only pointer to the table).
    public func createTable(_ id: TableIdentifier, _ definition: TableDefinition) async throws(IcebergError) -> Table {
        let files = try files(id)
        if let given = definition.location {
            var trimmed = Substring(given)
            while trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
            guard trimmed == files.tableLocation else {
                throw IcebergError(.unsupported("a storage catalog keeps table \(id) at \(files.tableLocation), not \(given)"))
            }
        }
        guard try await namespaceExists(id.namespace) else { throw IcebergError(.notFound("namespace '\(id.namespace)'")) }
        // Version 1 may be gone while later versions remain (old metadata removed): look first.
        guard try await files.current() == nil else { throw IcebergError(.alreadyExists("table \(id)")) }
        let metadata = TableMetadata(location: files.tableLocation, schema: definition.schema, spec: definition.spec,
                                     sortOrder: definition.sortOrder, properties: definition.properties,
                                     tableUUID: Identifiers.uuid(), nowMs: currentTimeMs())
        let created: CommittedMetadata
        do throws(IcebergError) {
            created = try await files.publish(metadata, version: 1)
        } catch {
            if case .commitConflict = error.kind { throw IcebergError(.alreadyExists("table \(id)"), path: error.path) }
            throw error
        }
        return Table(identifier: id, metadata: created.metadata, metadataLocation: created.location, catalog: self)
    }

    /// The table at its newest metadata version (``IcebergError/Kind/notFound(_:)`` when it has
    /// none).
    public func loadTable(_ id: TableIdentifier) async throws(IcebergError) -> Table {
        guard let current = try await files(id).current() else { throw IcebergError(.notFound("table \(id)")) }
        return Table(identifier: id, metadata: current.committed.metadata, metadataLocation: current.committed.location, catalog: self)
    }

    /// The tables of `namespace`: the directories under it holding a metadata version.
    public func listTables(namespace: String) async throws(IcebergError) -> [TableIdentifier] {
        try Self.checkComponent(namespace, "namespace")
        var names = Set<String>()
        for parts in try await listRelative(namespacePrefix(namespace)) where Self.isVersionFile(parts, depth: 3) {
            names.insert(String(parts[0]))
        }
        return names.sorted().map { TableIdentifier(namespace: namespace, name: $0) }
    }

    /// Drops the table: its metadata versions are deleted, oldest first, so that readers see the
    /// newest until the table is gone. Without `purge` the newest metadata is first copied to
    /// `metadata/dropped-v<N>-<uuid>.metadata.json` and every other file stays (the table can be
    /// registered elsewhere from that copy); with `purge` every file under the location goes.
    /// A commit that lands while the drop runs can leave the table present at that commit.
    public func dropTable(_ id: TableIdentifier, purge: Bool) async throws(IcebergError) {
        let files = try files(id)
        guard let current = try await files.current() else { throw IcebergError(.notFound("table \(id)")) }
        if !purge {
            let copy = files.metadataPrefix + "dropped-v\(current.version)-\(Identifiers.uuid()).metadata.json"
            try await io.newOutputFile(copy).write(Array(current.committed.metadata.jsonText.utf8), mode: .createNew)
        }
        let versions = try await files.listedVersions()
        if let newest = versions.last {
            if let failure = await io.delete(versions.dropLast().map(\.location)).first { throw failure.error }
            try await io.delete(newest.location)
        }
        try await io.delete(files.hintLocation)
        guard purge else { return }
        for try await page in io.list(prefix: files.tableLocation + "/") {
            if let failure = await io.delete(page.map(\.location)).first { throw failure.error }
        }
    }

    /// Refused with ``IcebergError/Kind/unsupported(_:)``: a table's manifests and metadata name
    /// its files by their absolute locations, and an object store has no atomic rename, so moving
    /// a table would mean rewriting it (Java's `HadoopCatalog` refuses as well).
    public func renameTable(from: TableIdentifier, to: TableIdentifier) async throws(IcebergError) {
        throw IcebergError(.unsupported("a storage catalog cannot rename table \(from) to \(to): its location is its name"))
    }

    /// Checks `requirements` on the newest version N, applies `updates` and publishes version
    /// N+1 create-if-absent: ``IcebergError/Kind/commitConflict(_:)`` when another writer
    /// published it first (retry on the new base).
    public func commitTable(_ id: TableIdentifier, requirements: [TableRequirement],
                            updates: [TableUpdate]) async throws(IcebergError) -> CommittedMetadata {
        let files = try files(id)
        guard let current = try await files.current() else { throw IcebergError(.notFound("table \(id)")) }
        let next = try MetadataFileCommit.next(base: current.committed.metadata, baseLocation: current.committed.location,
                                               requirements: requirements, updates: updates, nowMs: currentTimeMs())
        return try await files.publish(next, version: current.version + 1)
    }

    // MARK: Listing

    /// The files under `prefix`, each as the path segments after it.
    func listRelative(_ prefix: String) async throws(IcebergError) -> [[Substring]] {
        var out: [[Substring]] = []
        for try await page in io.list(prefix: prefix) {
            for file in page where file.location.hasPrefix(prefix) {
                out.append(file.location.dropFirst(prefix.count).split(separator: "/", omittingEmptySubsequences: false))
            }
        }
        return out
    }

    /// Whether `parts` (`[…, <table>, "metadata", "v<N>.metadata.json"]`, `depth` segments) name
    /// a metadata version.
    static func isVersionFile(_ parts: [Substring], depth: Int) -> Bool {
        parts.count == depth && parts[depth - 2] == "metadata" && VersionedMetadataFiles.version(ofFileName: parts[depth - 1]) != nil
            && parts.dropLast(2).allSatisfy { !$0.isEmpty && !$0.hasPrefix(".") }
    }
}
