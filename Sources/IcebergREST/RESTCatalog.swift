public import IcebergKit
public import Logging
import Synchronization

/// An Iceberg REST catalog client (the Iceberg REST OpenAPI specification, `/v1/…`): S3 Tables'
/// and Glue's `/iceberg` endpoints, Polaris, Nessie, Lakekeeper, Unity, Tabular-style servers.
///
/// The server owns the metadata: a commit sends its ``TableRequirement``s and ``TableUpdate``s
/// (`POST /v1/{prefix}/namespaces/{ns}/tables/{table}`), the server checks and applies them
/// atomically and answers the new metadata and its location. Data and manifest files are written
/// by the client through ``io`` (or the ``FileIO`` that ``tableIO`` makes from a table's
/// configuration, e.g. vended credentials).
///
/// ```swift
/// let catalog = RESTCatalog(uri: "https://catalog.example.com/api/catalog", warehouse: "lake",
///                           io: myFileIO, authenticator: BearerTokenAuthenticator(token: token))
/// let table = try await catalog.loadTable(TableIdentifier(namespace: "silver", name: "cloudfront"))
/// try await table.append([batch])          // a 409 (another writer won) is retried on the new base
/// ```
///
/// - `GET /v1/config` is called once, on first use (``configuration()``); its `prefix` is put in
///   every later path.
/// - Namespaces are dotted strings here (`a.b`); in paths their levels are joined by `%1F`.
/// - Errors keep the server's message (see ``IcebergError/Kind``): `404` → `notFound`, `409` →
///   `alreadyExists` (creates, renames) or `commitConflict` (commits, which appends and row
///   deltas retry), `401`/`403` → `unauthorized`, `500`/`502`/`503`/`504` or a lost answer on a
///   commit → `commitStateUnknown` (the commit's files are then kept).
public final class RESTCatalog: Catalog {
    public let name: String
    /// Where tables' files are read and written unless ``tableIO`` gives another ``FileIO``.
    public let io: any FileIO
    /// The catalog's base URI (`…/v1/…` routes are appended).
    public let uri: String
    /// The `warehouse` sent with `GET /v1/config`.
    public let warehouse: String?
    /// The client's properties, merged with the server's configuration (see ``RESTCatalogConfig``).
    public let clientProperties: [String: String]
    /// Page size asked for in listings (`pageSize`); nil: the server's default.
    public let pageSize: Int?
    /// The time allowed for each request.
    public let timeout: Duration
    /// Makes a table's ``FileIO`` from the catalog's merged properties plus the load answer's
    /// `config` (and matching `storage-credentials`), e.g. an S3 client with vended
    /// credentials; nil (or a nil answer): ``io``.
    public let tableIO: (@Sendable (_ properties: [String: String]) -> (any FileIO)?)?
    private let authenticator: any RESTAuthenticator
    private let transport: any RESTTransport
    private let logger: Logger
    private let loadedConfig = Mutex<Task<RESTCatalogConfig, any Error>?>(nil)

    /// A REST catalog at `uri` (the part before `/v1/`), whose table files go through `io`.
    ///
    /// - Parameters:
    ///   - warehouse: sent to `GET /v1/config` (S3 Tables: the table bucket ARN).
    ///   - properties: the client's properties (merged between the server's defaults and overrides).
    ///   - authenticator: adds credentials to every request (none by default).
    ///   - tableIO: see ``tableIO``; when set, loads ask for vended credentials
    ///     (`X-Iceberg-Access-Delegation: vended-credentials`).
    public init(uri: String, warehouse: String? = nil, name: String = "rest", io: any FileIO,
                authenticator: any RESTAuthenticator = NoRESTAuthentication(), properties: [String: String] = [:],
                pageSize: Int? = nil, timeout: Duration = .seconds(60),
                transport: any RESTTransport = AsyncHTTPClientRESTTransport(),
                tableIO: (@Sendable (_ properties: [String: String]) -> (any FileIO)?)? = nil,
                logger: Logger = Logger(label: "lakehouse.iceberg.rest")) {
        self.uri = RESTPaths(base: uri, prefix: nil).base
        self.warehouse = warehouse
        self.name = name
        self.io = io
        self.authenticator = authenticator
        self.clientProperties = properties
        self.pageSize = pageSize
        self.timeout = timeout
        self.transport = transport
        self.tableIO = tableIO
        self.logger = logger
    }

    // MARK: Configuration

    /// The server's configuration merged with the client's properties, fetched once
    /// (`GET /v1/config?warehouse=…`); a failed fetch is retried by the next call.
    public func configuration() async throws(IcebergError) -> RESTCatalogConfig {
        let task = loadedConfig.withLock { (current: inout Task<RESTCatalogConfig, any Error>?) -> Task<RESTCatalogConfig, any Error> in
            if let current { return current }
            let fetch = Task { () throws -> RESTCatalogConfig in try await self.fetchConfiguration() }
            current = fetch
            return fetch
        }
        do {
            return try await task.value
        } catch {
            loadedConfig.withLock { if let current = $0, current == task { $0 = nil } }
            if let error = error as? IcebergError { throw error }
            throw IcebergError(.io("REST catalog \(uri): \(error)"))
        }
    }

    private func fetchConfiguration() async throws(IcebergError) -> RESTCatalogConfig {
        let url = RESTPaths.config(base: uri, warehouse: warehouse)
        let json = try await call("GET", url, subject: "catalog configuration", operation: .read)
        return try RESTCatalogConfig(response: json ?? .object([]), client: clientProperties)
    }

    private func paths() async throws(IcebergError) -> RESTPaths {
        RESTPaths(base: uri, prefix: try await configuration().prefix)
    }

    // MARK: Namespaces

    /// `POST /v1/{prefix}/namespaces`; a taken name is ``IcebergError/Kind/alreadyExists(_:)``.
    public func createNamespace(_ namespace: String, properties: [String: String]) async throws(IcebergError) {
        let body = AvroJSON.object([("namespace", Self.namespaceJSON(try RESTPaths.levels(namespace))),
                                    ("properties", Self.stringObject(properties))])
        _ = try await call("POST", try await paths().namespaces(), body: body, subject: "namespace '\(namespace)'", operation: .create)
    }

    /// The top-level namespaces (every page of `GET /v1/{prefix}/namespaces`), dotted, sorted.
    public func listNamespaces() async throws(IcebergError) -> [String] {
        try await listNamespaces(parent: nil)
    }

    /// The namespaces directly under `parent` (top-level when nil), dotted, sorted.
    public func listNamespaces(parent: String?) async throws(IcebergError) -> [String] {
        let paths = try await paths()
        let parentQuery = try parent.map { (p) throws(IcebergError) in try RESTPaths.levels(p).joined(separator: "\u{1F}") }
        var names: [String] = []
        try await forEachPage(subject: "namespaces") { (token) throws(IcebergError) in
            paths.namespaces(query: [("parent", parentQuery), ("pageToken", token), ("pageSize", pageSize.map(String.init))])
        } collect: { (json) throws(IcebergError) in
            guard case let .array(items)? = json["namespaces"] else {
                throw IcebergError(.invalidMetadata("REST catalog: list namespaces answered no 'namespaces'"))
            }
            for item in items { names.append(try Self.namespace(from: item)) }
        }
        return names.sorted()
    }

    /// The namespace's properties (`GET /v1/{prefix}/namespaces/{ns}`).
    public func namespaceProperties(_ namespace: String) async throws(IcebergError) -> [String: String] {
        let json = try await call("GET", try await paths().namespace(namespace), subject: "namespace '\(namespace)'", operation: .read)
        return try RESTCatalogConfig.stringMap(json?["properties"], key: "properties")
    }

    /// Whether the namespace exists.
    public func namespaceExists(_ namespace: String) async throws(IcebergError) -> Bool {
        do throws(IcebergError) {
            _ = try await namespaceProperties(namespace)
            return true
        } catch {
            if case .notFound = error.kind { return false }
            throw error
        }
    }

    /// `DELETE /v1/{prefix}/namespaces/{ns}`: a missing namespace is
    /// ``IcebergError/Kind/notFound(_:)``; one that still has tables is refused (`409`).
    public func dropNamespace(_ namespace: String) async throws(IcebergError) {
        _ = try await call("DELETE", try await paths().namespace(namespace), subject: "namespace '\(namespace)'",
                           operation: .dropNamespace)
    }

    // MARK: Tables

    /// `POST /v1/{prefix}/namespaces/{ns}/tables` with the schema, spec, sort order, properties
    /// and (when given) location; the server writes the first metadata file.
    public func createTable(_ id: TableIdentifier, _ definition: TableDefinition) async throws(IcebergError) -> Table {
        var fields: [(String, AvroJSON)] = [("name", .string(id.name))]
        if let location = definition.location { fields.append(("location", .string(location))) }
        fields += [("schema", definition.schema.json), ("partition-spec", definition.spec.json),
                   ("write-order", definition.sortOrder.json), ("stage-create", .bool(false)),
                   ("properties", Self.stringObject(definition.properties))]
        let json = try await call("POST", try await paths().tables(id.namespace), body: .object(fields),
                                  subject: "table \(id)", operation: .create, delegation: tableIO != nil)
        return try await table(id, from: json)
    }

    /// `GET /v1/{prefix}/namespaces/{ns}/tables/{table}`.
    public func loadTable(_ id: TableIdentifier) async throws(IcebergError) -> Table {
        let json = try await call("GET", try await paths().table(id), subject: "table \(id)", operation: .read,
                                  delegation: tableIO != nil)
        return try await table(id, from: json)
    }

    /// Every table of `namespace` (every page of `GET /v1/{prefix}/namespaces/{ns}/tables`).
    public func listTables(namespace: String) async throws(IcebergError) -> [TableIdentifier] {
        let paths = try await paths()
        var ids: [TableIdentifier] = []
        try await forEachPage(subject: "tables of namespace '\(namespace)'") { (token) throws(IcebergError) in
            try paths.tables(namespace, query: [("pageToken", token), ("pageSize", pageSize.map(String.init))])
        } collect: { (json) throws(IcebergError) in
            guard case let .array(items)? = json["identifiers"] else {
                throw IcebergError(.invalidMetadata("REST catalog: list tables answered no 'identifiers'"))
            }
            for item in items { ids.append(try Self.identifier(from: item)) }
        }
        return ids.sorted { ($0.namespace, $0.name) < ($1.namespace, $1.name) }
    }

    /// `DELETE /v1/{prefix}/namespaces/{ns}/tables/{table}?purgeRequested=…`: with `purge`, the
    /// server deletes the table's files (the client deletes nothing).
    public func dropTable(_ id: TableIdentifier, purge: Bool) async throws(IcebergError) {
        _ = try await call("DELETE", try await paths().table(id, query: [("purgeRequested", purge ? "true" : "false")]),
                           subject: "table \(id)", operation: .read)
    }

    /// `POST /v1/{prefix}/tables/rename`: a missing source is ``IcebergError/Kind/notFound(_:)``,
    /// a taken destination ``IcebergError/Kind/alreadyExists(_:)``.
    public func renameTable(from: TableIdentifier, to: TableIdentifier) async throws(IcebergError) {
        let body = AvroJSON.object([("source", try Self.identifierJSON(from)), ("destination", try Self.identifierJSON(to))])
        _ = try await call("POST", try await paths().rename, body: body, subject: "rename of table \(from) to \(to)", operation: .create)
    }

    // MARK: Commits

    /// `POST /v1/{prefix}/namespaces/{ns}/tables/{table}` with
    /// `{"identifier", "requirements", "updates"}`; the server checks the requirements on its
    /// current metadata and applies the updates atomically (see ``RESTCatalog`` for the errors).
    public func commitTable(_ id: TableIdentifier, requirements: [TableRequirement],
                            updates: [TableUpdate]) async throws(IcebergError) -> CommittedMetadata {
        let body = try Self.commitJSON(id, requirements: requirements, updates: updates)
        let json = try await call("POST", try await paths().table(id), body: body, subject: "commit to table \(id)", operation: .commit)
        guard let json else { throw IcebergError(.commitStateUnknown("commit to table \(id): the catalog answered no metadata")) }
        do throws(IcebergError) {
            let (metadata, location) = try Self.metadata(from: json, id)
            guard let location else { throw IcebergError(.invalidMetadata("commit answer has no metadata-location")) }
            return CommittedMetadata(metadata: metadata, location: location)
        } catch {
            // The server took the commit (2xx) but its answer cannot be used: the outcome stands,
            // so nothing may be cleaned up.
            throw IcebergError(.commitStateUnknown("commit to table \(id) answered unreadable metadata: \(error)"))
        }
    }

    /// Commits changes to several tables atomically (`POST /v1/{prefix}/transactions/commit`):
    /// all apply or none. A requirement that fails on any table is
    /// ``IcebergError/Kind/commitConflict(_:)``; the server's `5xx` or a lost answer
    /// ``IcebergError/Kind/commitStateUnknown(_:)``. Reload the tables to see the result.
    public func commitTransaction(_ changes: [RESTTableChange]) async throws(IcebergError) {
        guard !changes.isEmpty else { return }
        var items: [AvroJSON] = []
        for change in changes {
            items.append(try Self.commitJSON(change.identifier, requirements: change.requirements, updates: change.updates))
        }
        let subjects = changes.map(\.identifier.description).joined(separator: ", ")
        _ = try await call("POST", try await paths().transactionCommit, body: .object([("table-changes", .array(items))]),
                           subject: "transaction on tables \(subjects)", operation: .commit)
    }

    // MARK: Requests

    /// Sends one request (authenticated; once more after a `401` when the authenticator can get
    /// new credentials) and returns its JSON body (nil when empty), or throws the mapped error.
    private func call(_ method: String, _ url: String, body: AvroJSON? = nil, subject: String, operation: RESTOperation,
                      delegation: Bool = false) async throws(IcebergError) -> AvroJSON? {
        var request = RESTRequest(method: method, url: url, headers: [RESTHeader("Accept", "application/json")])
        if let body {
            request.body = Array(body.text.utf8)
            request.setHeader("Content-Type", "application/json")
        }
        if delegation { request.setHeader("X-Iceberg-Access-Delegation", "vended-credentials") }
        let call = "\(method) \(Self.pathOnly(url))"
        var response = try await send(request, call: call, subject: subject, operation: operation)
        if response.status == 401, await authenticator.invalidate() {
            response = try await send(request, call: call, subject: subject, operation: operation)
        }
        logger.debug("REST catalog call", metadata: ["call": "\(call)", "status": "\(response.status)"])
        guard (200..<300).contains(response.status) else {
            throw IcebergError(restStatus: response.status, body: response.body, call: call, subject: subject, operation: operation)
        }
        guard !response.body.isEmpty else { return nil }
        do {
            return try AvroJSON(parsing: String(decoding: response.body, as: UTF8.self))
        } catch {
            throw IcebergError(.invalidMetadata("\(call): the answer is not JSON: \(error)"))
        }
    }

    private func send(_ original: RESTRequest, call: String, subject: String,
                      operation: RESTOperation) async throws(IcebergError) -> RESTResponse {
        var request = original
        try await authenticator.authenticate(&request)
        do {
            return try await transport.send(request, timeout: timeout)
        } catch {
            if case .commit = operation, error.mayHaveBeenSent {
                throw IcebergError(.commitStateUnknown("\(subject): \(call) got no answer: \(error.message)"))
            }
            throw IcebergError(.io("\(subject): \(call) failed: \(error.message)"))
        }
    }

    /// Runs a listing through every page: `next-page-token` is sent back as `pageToken` until
    /// the server answers none (a token that repeats is an error, not a loop).
    private func forEachPage(subject: String, url: (String?) throws(IcebergError) -> String,
                             collect: (AvroJSON) throws(IcebergError) -> Void) async throws(IcebergError) {
        var token: String?
        var seen: Set<String> = []
        repeat {
            let json = try await call("GET", try url(token), subject: subject, operation: .read) ?? .object([])
            try collect(json)
            token = json["next-page-token"]?.stringValue
            if let next = token {
                if next.isEmpty { token = nil } else if !seen.insert(next).inserted {
                    throw IcebergError(.io("\(subject): the catalog repeated page token \(next)"))
                }
            }
        } while token != nil
    }

    // MARK: Tables from answers

    /// The table a `LoadTableResult` describes (`metadata-location`, `metadata`, `config`,
    /// `storage-credentials`).
    private func table(_ id: TableIdentifier, from json: AvroJSON?) async throws(IcebergError) -> Table {
        guard let json else { throw IcebergError(.invalidMetadata("REST catalog: table \(id) answered no body")) }
        let (metadata, location) = try Self.metadata(from: json, id)
        guard let location else {
            throw IcebergError(.invalidMetadata("REST catalog: table \(id) has no metadata-location (a staged table?)"))
        }
        var io = self.io
        if let tableIO {
            var properties = try await configuration().properties
            properties.merge(try RESTCatalogConfig.stringMap(json["config"], key: "config")) { _, new in new }
            properties.merge(try Self.storageCredentials(json["storage-credentials"], for: metadata.location)) { _, new in new }
            if let made = tableIO(properties) { io = made }
        }
        return Table(identifier: id, metadata: metadata, metadataLocation: location, catalog: self, io: io)
    }

    private static func metadata(from json: AvroJSON, _ id: TableIdentifier) throws(IcebergError) -> (TableMetadata, String?) {
        guard let metadataJSON = json["metadata"] else {
            throw IcebergError(.invalidMetadata("REST catalog: the answer for table \(id) has no metadata"))
        }
        let location = json["metadata-location"]?.stringValue
        do {
            return (try TableMetadata(json: metadataJSON), location)
        } catch {
            throw IcebergError(error.kind, path: location)
        }
    }

    /// The `config` of the `storage-credentials` entry whose `prefix` is the longest that
    /// `location` starts with.
    private static func storageCredentials(_ json: AvroJSON?, for location: String) throws(IcebergError) -> [String: String] {
        guard case let .array(items)? = json else { return [:] }
        var best: (prefix: String, config: [String: String])?
        for item in items {
            guard let prefix = item["prefix"]?.stringValue, location.hasPrefix(prefix) else { continue }
            if prefix.count >= (best?.prefix.count ?? -1) {
                best = (prefix, try RESTCatalogConfig.stringMap(item["config"], key: "storage-credentials.config"))
            }
        }
        return best?.config ?? [:]
    }

    // MARK: JSON

    static func commitJSON(_ id: TableIdentifier, requirements: [TableRequirement],
                           updates: [TableUpdate]) throws(IcebergError) -> AvroJSON {
        .object([("identifier", try identifierJSON(id)), ("requirements", .array(requirements.map(\.json))),
                 ("updates", .array(updates.map(\.json)))])
    }

    static func identifierJSON(_ id: TableIdentifier) throws(IcebergError) -> AvroJSON {
        .object([("namespace", namespaceJSON(try RESTPaths.levels(id.namespace))), ("name", .string(id.name))])
    }

    private static func namespaceJSON(_ levels: [String]) -> AvroJSON { .array(levels.map { .string($0) }) }

    private static func stringObject(_ map: [String: String]) -> AvroJSON {
        .object(map.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })
    }

    private static func namespace(from json: AvroJSON) throws(IcebergError) -> String {
        guard case let .array(levels) = json else {
            throw IcebergError(.invalidMetadata("REST catalog: a namespace is not an array of levels"))
        }
        let names = levels.compactMap(\.stringValue)
        guard !names.isEmpty, names.count == levels.count else {
            throw IcebergError(.invalidMetadata("REST catalog: a namespace has a level that is not a string"))
        }
        return names.joined(separator: ".")
    }

    private static func identifier(from json: AvroJSON) throws(IcebergError) -> TableIdentifier {
        guard let namespaceJSON = json["namespace"], let name = json["name"]?.stringValue else {
            throw IcebergError(.invalidMetadata("REST catalog: a table identifier lacks namespace or name"))
        }
        return TableIdentifier(namespace: try namespace(from: namespaceJSON), name: name)
    }

    /// The URL's path (no scheme, host or query), for error messages.
    private static func pathOnly(_ url: String) -> String {
        var rest = Substring(url)
        if let scheme = rest.firstRange(of: "://") { rest = rest[scheme.upperBound...] }
        if let slash = rest.firstIndex(of: "/") { rest = rest[slash...] } else { rest = "/" }
        if let question = rest.firstIndex(of: "?") { rest = rest[..<question] }
        return String(rest)
    }
}

extension RESTCatalog {
    /// `<uri>/v1/oauth/tokens`, the OAuth2 token endpoint a catalog at `uri` has unless its
    /// `oauth2-server-uri` says otherwise.
    public static func defaultTokenEndpoint(uri: String) -> String {
        RESTPaths.oauthTokens(base: uri)
    }
}
