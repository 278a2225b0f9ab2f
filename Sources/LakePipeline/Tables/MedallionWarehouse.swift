import Foundation
public import IcebergKit

/// Where the medallion lives: a catalog holding its tables and a local directory for what is
/// not a table (rejects, DQ results, the dashboard).
///
/// Tables are created on first use with the definitions of ``MedallionTables``.
public struct MedallionWarehouse: Sendable {
    /// The catalog of `silver.*` and `gold.*`.
    public let catalog: any Catalog
    /// The local directory for files beside the tables.
    public let directory: String

    /// A warehouse of the given catalog, keeping its files in `directory`.
    public init(catalog: any Catalog, directory: String) {
        self.catalog = catalog
        self.directory = directory
    }

    /// A local warehouse: a SQLite catalog (`catalog.db`, pyiceberg's `SqlCatalog` layout) and
    /// the tables under `directory` (created if missing).
    public static func local(_ directory: String) throws -> MedallionWarehouse {
        let absolute = directory.hasPrefix("/") ? directory : FileManager.default.currentDirectoryPath + "/" + directory
        try FileManager.default.createDirectory(atPath: absolute, withIntermediateDirectories: true)
        let catalog = try SQLiteCatalog(path: absolute + "/catalog.db", warehouse: "file://" + absolute)
        return MedallionWarehouse(catalog: catalog, directory: absolute)
    }

    /// Rejected lines, one JSON-lines file per bronze object.
    public var rejectsDirectory: String { directory + "/silver/cloudfront_rejects" }
    /// DQ results (`results.jsonl`) and metric history.
    public var qualityDirectory: String { directory + "/dq" }
    /// `daily.json` and `index.html`.
    public var dashboardDirectory: String { directory + "/dashboard" }

    /// `silver.cloudfront`, created if missing.
    public func silver() async throws -> Table {
        try await table(MedallionTables.silver, schema: MedallionTables.silverSchema, spec: MedallionTables.silverSpec,
                        sortOrder: MedallionTables.silverSortOrder)
    }

    /// `gold.daily`, created if missing.
    public func goldDaily() async throws -> Table {
        try await table(MedallionTables.goldDaily, schema: IcebergSchema(columnar: MedallionTables.goldDailySchema),
                        spec: MedallionTables.goldSpec, sortOrder: .unsorted)
    }

    /// `gold.daily_top`, created if missing.
    public func goldDailyTop() async throws -> Table {
        try await table(MedallionTables.goldDailyTop, schema: IcebergSchema(columnar: MedallionTables.goldDailyTopSchema),
                        spec: MedallionTables.goldSpec, sortOrder: .unsorted)
    }

    private func table(_ id: TableIdentifier, schema: IcebergSchema, spec: PartitionSpec, sortOrder: IcebergKit.SortOrder) async throws -> Table {
        do {
            return try await catalog.loadTable(id)
        } catch {
            guard case .notFound = error.kind else { throw error }
        }
        if !(try await catalog.listNamespaces().contains(id.namespace)) {
            do { try await catalog.createNamespace(id.namespace) } catch {
                // Another job created it meanwhile.
                guard case .alreadyExists = error.kind else { throw error }
            }
        }
        do {
            return try await catalog.createTable(id, schema: schema, spec: spec, sortOrder: sortOrder, properties: [:])
        } catch {
            guard case .alreadyExists = error.kind else { throw error }
            return try await catalog.loadTable(id)
        }
    }
}
