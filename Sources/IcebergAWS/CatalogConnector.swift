import Foundation
public import IcebergKit
import IcebergREST
public import LakeAWS

/// Opens the catalog a user names the way command lines and configuration files name one, as
/// ``Catalog``: a SQLite file, the Glue Data Catalog, or catalog-less storage.
///
/// - ``Kind/sqlite(path:)``: any other string; the file (created if missing) of a
///   ``SQLiteCatalog``, pyiceberg's `SqlCatalog` layout.
/// - ``Kind/glue``: `glue`; a ``GlueCatalog`` whose tables' files go through ``S3FileIO``.
/// - ``Kind/storage(warehouse:)``: `s3://bucket/prefix` (also `s3a://`, `s3n://`) or
///   `file:///dir`; a ``StorageCatalog`` rooted there (that prefix is the warehouse).
/// - ``Kind/rest(uri:)``: `rest+https://host/path` (or `rest+http://…`); a `RESTCatalog` at
///   `https://host/path` (the part before `/v1/`), the warehouse sent to its `GET /v1/config`
///   (S3 Tables: the table bucket ARN), table files through ``S3FileIO`` (with the credentials
///   the catalog vends, when it does). Authentication from the environment (see
///   ``RESTEnvironment``): SigV4 for AWS hosts, or when asked; else a bearer token or OAuth2
///   client credentials; else none.
///
/// The warehouse is a local directory (made absolute and created) or `s3://bucket/prefix`; its
/// scheme picks the ``FileIO`` of a SQLite catalog's tables. AWS configuration and credentials
/// are asked for only when a catalog or warehouse is on AWS, so local use needs no AWS setup.
///
/// ```swift
/// let connector = CatalogConnector(catalog: "glue", warehouse: "s3://lake/warehouse",
///                                  aws: { (try AWSConfiguration(), CredentialChain.standard()) })
/// let table = try await connector.connect().loadTable(TableIdentifier(namespace: "silver", name: "cloudfront"))
/// ```
public struct CatalogConnector: Sendable {
    /// What a catalog string names.
    public enum Kind: Sendable, Hashable {
        /// A SQLite catalog file.
        case sqlite(path: String)
        /// The AWS Glue Data Catalog of the configured account and region.
        case glue
        /// Catalog-less tables under a storage prefix (`s3://…` or `file://…`, no trailing slash).
        case storage(warehouse: String)
        /// An Iceberg REST catalog at `uri` (`http(s)://…`, the `rest+` taken off).
        case rest(uri: String)

        /// The kind `catalog` names (see ``CatalogConnector``).
        public init(parsing catalog: String) throws(IcebergError) {
            let lowered = catalog.lowercased()
            if lowered == "glue" {
                self = .glue
            } else if lowered.hasPrefix("rest+http://") || lowered.hasPrefix("rest+https://") {
                let uri = String(catalog.dropFirst("rest+".count))
                guard let schemeEnd = uri.firstRange(of: "://"), !uri[schemeEnd.upperBound...].isEmpty,
                      !uri[schemeEnd.upperBound...].hasPrefix("/") else {
                    throw IcebergError(.unsupported("REST catalog \(catalog) names no host"))
                }
                self = .rest(uri: uri)
            } else if lowered.hasPrefix("rest+") || lowered.hasPrefix("rest:") {
                throw IcebergError(.unsupported("REST catalog \(catalog): give rest+https://host/path or rest+http://host/path"))
            } else if CatalogConnector.isS3(catalog) || lowered.hasPrefix("file://") {
                let trimmed = CatalogConnector.trimmingSlashes(catalog)
                guard !trimmed.hasSuffix("://") else { throw IcebergError(.unsupported("catalog \(catalog) names no bucket or directory")) }
                self = .storage(warehouse: trimmed)
            } else if catalog.contains("://") {
                throw IcebergError(.unsupported("unknown catalog \(catalog): give a SQLite file, glue, rest+https://…, or s3://bucket/prefix"))
            } else {
                self = .sqlite(path: catalog)
            }
        }
    }

    /// The catalog's kind.
    public var kind: Kind
    /// The warehouse: `nil` for the catalog's own default (``defaultWarehouse`` for SQLite; a
    /// Glue database's `LocationUri`; the storage prefix).
    public var warehouse: String?
    /// The catalog's name (`nil`: `default` for SQLite, as pyiceberg's `SqlCatalog`; `glue`;
    /// `storage`).
    public var name: String?
    /// Makes the AWS configuration and credentials, called once a catalog or warehouse is on AWS.
    public var aws: @Sendable () throws -> (AWSConfiguration, any CredentialProvider)
    /// Where a REST catalog's authentication settings are read from (see ``RESTEnvironment``).
    public var environment: [String: String] = ProcessInfo.processInfo.environment

    /// The warehouse of a SQLite catalog when none is given.
    public static let defaultWarehouse = "warehouse"

    /// A connector for the catalog string `catalog` (see ``Kind/init(parsing:)``).
    public init(catalog: String, warehouse: String? = nil, name: String? = nil,
                aws: @escaping @Sendable () throws -> (AWSConfiguration, any CredentialProvider)) throws(IcebergError) {
        self.init(kind: try Kind(parsing: catalog), warehouse: warehouse, name: name, aws: aws)
    }

    public init(kind: Kind, warehouse: String? = nil, name: String? = nil,
                aws: @escaping @Sendable () throws -> (AWSConfiguration, any CredentialProvider)) {
        self.kind = kind
        self.warehouse = warehouse
        self.name = name
        self.aws = aws
    }

    /// Whether `location` is an S3 URI (`s3://`, `s3a://`, `s3n://`).
    public static func isS3(_ location: String) -> Bool {
        let lowered = location.lowercased()
        return lowered.hasPrefix("s3://") || lowered.hasPrefix("s3a://") || lowered.hasPrefix("s3n://")
    }

    /// Opens the catalog. A local warehouse directory is created if missing (and, for a SQLite
    /// catalog on an S3 warehouse, the directory of the catalog file).
    public func connect() throws -> any Catalog {
        switch kind {
        case let .sqlite(path):
            let warehouse = warehouse ?? Self.defaultWarehouse
            if Self.isS3(warehouse) {
                let parent = (path as NSString).deletingLastPathComponent
                if !parent.isEmpty { try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true) }
                return try SQLiteCatalog(path: path, warehouse: warehouse, name: name ?? "default", io: try s3FileIO())
            }
            let directory = try localDirectory(warehouse.hasPrefix("file://") ? String(warehouse.dropFirst("file://".count)) : warehouse)
            return try SQLiteCatalog(path: path, warehouse: "file://" + directory, name: name ?? "default")
        case .glue:
            if let warehouse, !Self.isS3(warehouse) {
                throw IcebergError(.unsupported("a Glue catalog keeps its tables on S3: give --warehouse s3://bucket/prefix, not \(warehouse)"))
            }
            let (configuration, credentials) = try aws()
            return GlueCatalog(glue: GlueClient(configuration: configuration, credentials: credentials),
                               io: S3FileIO(client: S3Client(configuration: configuration, credentials: credentials)),
                               warehouse: warehouse, name: name ?? "glue")
        case let .storage(root):
            if let warehouse, Self.trimmingSlashes(warehouse) != root {
                throw IcebergError(.unsupported("a storage catalog's warehouse is its prefix \(root), not \(warehouse)"))
            }
            if Self.isS3(root) { return StorageCatalog(warehouse: root, name: name ?? "storage", io: try s3FileIO()) }
            let directory = try localDirectory(String(root.dropFirst("file://".count)))
            return StorageCatalog(warehouse: "file://" + directory, name: name ?? "storage")
        case let .rest(uri):
            return try restCatalog(uri: uri)
        }
    }

    /// A REST catalog at `uri`, authenticated as ``RESTEnvironment`` says.
    private func restCatalog(uri: String) throws -> RESTCatalog {
        let (configuration, credentials) = try aws()
        let settings = RESTEnvironment(environment)
        let authenticator = try settings.authenticator(uri: uri, configuration: configuration, credentials: credentials)
        let io = S3FileIO(client: S3Client(configuration: configuration, credentials: credentials))
        let tableIO: (@Sendable ([String: String]) -> (any FileIO)?)? = settings.vendedCredentials
            ? { @Sendable properties -> (any FileIO)? in S3FileIO.vended(properties, base: configuration) } : nil
        return RESTCatalog(uri: uri, warehouse: warehouse, name: name ?? "rest", io: io, authenticator: authenticator,
                           tableIO: tableIO)
    }

    private func s3FileIO() throws -> S3FileIO {
        let (configuration, credentials) = try aws()
        return S3FileIO(client: S3Client(configuration: configuration, credentials: credentials))
    }

    /// `path` made absolute, created with its parents.
    private func localDirectory(_ path: String) throws -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        try FileManager.default.createDirectory(atPath: absolute, withIntermediateDirectories: true)
        return absolute
    }

    static func trimmingSlashes(_ location: String) -> String {
        var trimmed = Substring(location)
        while trimmed.hasSuffix("/") && !trimmed.hasSuffix("://") { trimmed = trimmed.dropLast() }
        return String(trimmed)
    }
}
