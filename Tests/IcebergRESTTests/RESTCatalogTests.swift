import Foundation
import IcebergKit
import IcebergREST
import LakeColumnar
import LakeTestSupport
import Synchronization
import Testing

let restSchema = IcebergSchema(fields: [
    NestedField(id: 1, name: "id", required: true, type: .long),
    NestedField(id: 2, name: "name", required: false, type: .string),
])

func restBatch(_ ids: [Int64]) throws -> RecordBatch {
    let schema = try restSchema.columnarSchema()
    return try RecordBatch(schema: schema, columns: [
        try Column(scalars: ids.map { .int64($0) }, type: schema.fields[0].type),
        try Column(scalars: ids.map { .binary(Array("row-\($0)".utf8)) }, type: schema.fields[1].type),
    ])
}

func restIDs(_ table: Table) async throws -> [Int64] {
    try await table.scan(columns: ["id"]).readAll().flatMap { batch in
        (0..<batch.rowCount).compactMap { row -> Int64? in
            if case let .int64(v)? = batch.columns[0].scalar(at: row) { return v }
            return nil
        }
    }.sorted()
}

func errorKind(_ body: () async throws -> Void) async -> IcebergError.Kind? {
    do { try await body() } catch let error as IcebergError { return error.kind } catch { return nil }
    return nil
}

/// `RESTCatalog` against an in-process REST server: paths, bodies, paging, errors, auth.
@Suite("RESTCatalog (in-process server)")
struct RESTCatalogTests {
    let directory: TemporaryDirectory
    let server: FakeRESTServer

    init() throws {
        directory = try TemporaryDirectory()
        server = FakeRESTServer(tableRoot: "file://" + directory.path)
    }

    func catalog(authenticator: any RESTAuthenticator = NoRESTAuthentication(), properties: [String: String] = [:],
                 tableIO: (@Sendable ([String: String]) -> (any FileIO)?)? = nil) -> RESTCatalog {
        RESTCatalog(uri: FakeRESTServer.base + "/", warehouse: "main", io: LocalFileIO(), authenticator: authenticator,
                    properties: properties, transport: server, tableIO: tableIO)
    }

    @Test("config: defaults < client properties < overrides; the prefix goes into every path as given; namespaces' levels joined by %1F")
    func configAndPaths() async throws {
        defer { directory.cleanup() }
        let catalog = catalog(properties: ["client.region": "client", "prefix": "client"])
        let config = try await catalog.configuration()
        #expect(config.prefix == FakeRESTServer.prefix)
        #expect(config.properties["client.region"] == "client")
        #expect(config.properties["page-size"] == "2")
        try await catalog.createNamespace("a.b c", properties: ["owner": "me"])
        try await catalog.createNamespace("z")
        #expect(try await catalog.namespaceProperties("a.b c") == ["owner": "me"])
        #expect(try await catalog.namespaceExists("nope") == false)
        let urls = server.requests.map(\.url)
        #expect(urls.first == FakeRESTServer.base + "/v1/config?warehouse=main")
        #expect(urls.filter { $0.hasSuffix("/v1/config?warehouse=main") }.count == 1)  // fetched once
        #expect(urls.contains(FakeRESTServer.base + "/v1/ws%2Fmain/namespaces/a%1Fb%20c"))
        let created = server.requests.first { $0.method == "POST" }
        #expect(created.map { String(decoding: $0.body, as: UTF8.self) } == #"{"namespace":["a","b c"],"properties":{"owner":"me"}}"#)
        #expect(created?.header("Content-Type") == "application/json")
        #expect(await errorKind { try await catalog.createNamespace("z") } == .alreadyExists(
            "namespace 'z' (POST /api/v1/ws%2Fmain/namespaces: HTTP 409 AlreadyExistsException: Namespace already exists: [\"z\"])"))
        #expect(await errorKind { try await catalog.createNamespace("a..b") } != nil)
    }

    @Test("tables: create, append, scan, list over pages, load, rename, drop; namespaces list over pages and drop only when empty")
    func lifecycle() async throws {
        defer { directory.cleanup() }
        let catalog = catalog()
        for ns in ["n1", "n2", "n3", "n4", "n5"] { try await catalog.createNamespace(ns) }
        #expect(try await catalog.listNamespaces() == ["n1", "n2", "n3", "n4", "n5"])
        let id = TableIdentifier(namespace: "n1", name: "events")
        let table = try await catalog.createTable(id, schema: restSchema, properties: ["owner": "rest"])
        #expect(table.metadata.properties["owner"] == "rest")
        #expect(await errorKind { _ = try await catalog.createTable(id, schema: restSchema) }.map { if case .alreadyExists = $0 { true } else { false } } == true)
        let appended = try await table.append([try restBatch([1, 2, 3])])
        #expect(try await restIDs(appended) == [1, 2, 3])
        let loaded = try await catalog.loadTable(id)
        #expect(loaded.metadataLocation == appended.metadataLocation)
        #expect(try await restIDs(loaded) == [1, 2, 3])
        for name in ["b", "c", "d", "e"] { _ = try await catalog.createTable(TableIdentifier(namespace: "n1", name: name), schema: restSchema) }
        #expect(try await catalog.listTables(namespace: "n1").map(\.name) == ["b", "c", "d", "e", "events"])
        let pageTokens = server.requests.filter { $0.url.contains("/namespaces/n1/tables?pageToken=") }.count
        #expect(pageTokens == 2)  // 5 tables in pages of 2

        let renamed = TableIdentifier(namespace: "n2", name: "moved")
        try await catalog.renameTable(from: id, to: renamed)
        let rename = server.requests.last { $0.url.hasSuffix("/tables/rename") }
        #expect(rename.map { String(decoding: $0.body, as: UTF8.self) }
                == #"{"source":{"namespace":["n1"],"name":"events"},"destination":{"namespace":["n2"],"name":"moved"}}"#)
        #expect(try await catalog.tableExists(id) == false)
        #expect(try await restIDs(try await catalog.loadTable(renamed)) == [1, 2, 3])
        #expect(await errorKind { try await catalog.renameTable(from: id, to: renamed) }.map { if case .notFound = $0 { true } else { false } } == true)

        #expect(await errorKind { try await catalog.dropNamespace("n2") }.map { if case .io = $0 { true } else { false } } == true)
        try await catalog.dropTable(renamed, purge: true)
        #expect(server.requests.last?.url.hasSuffix("/namespaces/n2/tables/moved?purgeRequested=true") == true)
        #expect(await errorKind { try await catalog.dropTable(renamed) }.map { if case .notFound = $0 { true } else { false } } == true)
        try await catalog.dropNamespace("n2")
        #expect(try await catalog.listNamespaces() == ["n1", "n3", "n4", "n5"])
    }

    @Test("commits: the body is {identifier, requirements, updates} with the spec's field names; a stale writer gets 409 and its append retries onto the new base")
    func commitsAndConflicts() async throws {
        defer { directory.cleanup() }
        let catalog = catalog()
        try await catalog.createNamespace("ns")
        let id = TableIdentifier(namespace: "ns", name: "t")
        let first = try await catalog.createTable(id, schema: restSchema)
        let second = try await catalog.loadTable(id)  // the same base
        let a = try await first.append([try restBatch([1])])
        let commit = try #require(server.requests.last { $0.method == "POST" && $0.url.hasSuffix("/namespaces/ns/tables/t") })
        let body = try AvroJSON(parsing: String(decoding: commit.body, as: UTF8.self))
        #expect(body["identifier"]?.text == #"{"namespace":["ns"],"name":"t"}"#)
        #expect(body["requirements"]?.text.contains(#"{"type":"assert-ref-snapshot-id","ref":"main","snapshot-id":null}"#) == true)
        guard case let .array(updates)? = body["updates"] else { Issue.record("no updates"); return }
        #expect(updates.compactMap { $0["action"]?.stringValue } == ["add-snapshot", "set-snapshot-ref"])
        #expect(updates.last?.text == #"{"action":"set-snapshot-ref","ref-name":"main","snapshot-id":\#(a.currentSnapshot?.snapshotID ?? 0),"type":"branch"}"#)

        // The stale handle: its first attempt is refused (409), the retry lands on the new base.
        let b = try await second.append([try restBatch([2])])
        #expect(server.requests.filter { $0.method == "POST" && $0.url.hasSuffix("/tables/t") }.count == 3)
        #expect(try await restIDs(b) == [1, 2])
        #expect(b.metadata.snapshots.count == 2)
        #expect(b.currentSnapshot?.parentSnapshotID == a.currentSnapshot?.snapshotID)

        // A raw stale commit keeps the server's message.
        let kind = await errorKind {
            _ = try await catalog.commitTable(id, requirements: [.assertRefSnapshotID(ref: "main", snapshotID: a.currentSnapshot?.snapshotID)],
                                              updates: [.setProperties(["k": "v"])])
        }
        guard case let .commitConflict(message)? = kind else { Issue.record("expected a conflict, got \(String(describing: kind))"); return }
        #expect(message.contains("HTTP 409 CommitFailedException: requirement failed: ref main points at"))
        let withProperty = try await catalog.loadTable(id).setProperties(["k": "v"])
        #expect(withProperty.metadata.properties["k"] == "v")
    }

    @Test("requirements and updates encode with the REST spec's field names")
    func updateJSON() throws {
        #expect(TableRequirement.assertCreate.json.text == #"{"type":"assert-create"}"#)
        #expect(TableRequirement.assertTableUUID("u").json.text == #"{"type":"assert-table-uuid","uuid":"u"}"#)
        #expect(TableRequirement.assertRefSnapshotID(ref: "b", snapshotID: 7).json.text == #"{"type":"assert-ref-snapshot-id","ref":"b","snapshot-id":7}"#)
        #expect(TableRequirement.assertLastAssignedFieldID(3).json.text == #"{"type":"assert-last-assigned-field-id","last-assigned-field-id":3}"#)
        #expect(TableRequirement.assertCurrentSchemaID(1).json.text == #"{"type":"assert-current-schema-id","current-schema-id":1}"#)
        #expect(TableRequirement.assertLastAssignedPartitionID(1000).json.text
                == #"{"type":"assert-last-assigned-partition-id","last-assigned-partition-id":1000}"#)
        #expect(TableRequirement.assertDefaultSpecID(0).json.text == #"{"type":"assert-default-spec-id","default-spec-id":0}"#)
        #expect(TableRequirement.assertDefaultSortOrderID(0).json.text == #"{"type":"assert-default-sort-order-id","default-sort-order-id":0}"#)
        #expect(TableUpdate.assignUUID("u").json.text == #"{"action":"assign-uuid","uuid":"u"}"#)
        #expect(TableUpdate.upgradeFormatVersion(2).json.text == #"{"action":"upgrade-format-version","format-version":2}"#)
        #expect(TableUpdate.setCurrentSchema(-1).json.text == #"{"action":"set-current-schema","schema-id":-1}"#)
        #expect(TableUpdate.setDefaultSpec(1).json.text == #"{"action":"set-default-spec","spec-id":1}"#)
        #expect(TableUpdate.setDefaultSortOrder(1).json.text == #"{"action":"set-default-sort-order","sort-order-id":1}"#)
        #expect(TableUpdate.addSortOrder(.unsorted).json.text == #"{"action":"add-sort-order","sort-order":{"order-id":0,"fields":[]}}"#)
        #expect(TableUpdate.addPartitionSpec(.unpartitioned).json.text.hasPrefix(#"{"action":"add-spec","spec":{"spec-id":0"#))
        #expect(TableUpdate.addSchema(restSchema).json.text.hasPrefix(#"{"action":"add-schema","schema":{"type":"struct","schema-id":0"#))
        #expect(TableUpdate.setSnapshotRef(name: "tag1", ref: SnapshotRef(snapshotID: 5, isBranch: false, maxRefAgeMs: 9)).json.text
                == #"{"action":"set-snapshot-ref","ref-name":"tag1","snapshot-id":5,"type":"tag","max-ref-age-ms":9}"#)
        #expect(TableUpdate.removeSnapshots([1, 2]).json.text == #"{"action":"remove-snapshots","snapshot-ids":[1,2]}"#)
        #expect(TableUpdate.removeSnapshotRef("b").json.text == #"{"action":"remove-snapshot-ref","ref-name":"b"}"#)
        #expect(TableUpdate.setLocation("s3://b/t").json.text == #"{"action":"set-location","location":"s3://b/t"}"#)
        #expect(TableUpdate.setProperties(["b": "2", "a": "1"]).json.text == #"{"action":"set-properties","updates":{"a":"1","b":"2"}}"#)
        #expect(TableUpdate.removeProperties(["a"]).json.text == #"{"action":"remove-properties","removals":["a"]}"#)
        let snapshot = Snapshot(snapshotID: 9, parentSnapshotID: 8, sequenceNumber: 3, timestampMs: 100, manifestList: "s3://b/m.avro",
                                summary: ["operation": "append", "added-records": "1"], schemaID: 0)
        #expect(TableUpdate.addSnapshot(snapshot).json.text
                == #"{"action":"add-snapshot","snapshot":{"snapshot-id":9,"parent-snapshot-id":8,"sequence-number":3,"timestamp-ms":100,"manifest-list":"s3://b/m.avro","summary":{"operation":"append","added-records":"1"},"schema-id":0}}"#)
    }

    @Test("errors: 5xx or a lost answer on a commit is commitStateUnknown and the commit's files stay; 401/403 unauthorized; 404 not found; a request never sent is an I/O error")
    func errors() async throws {
        defer { directory.cleanup() }
        let catalog = catalog()
        try await catalog.createNamespace("ns")
        let id = TableIdentifier(namespace: "ns", name: "t")
        let table = try await catalog.createTable(id, schema: restSchema)
        let isCommit: @Sendable (RESTRequest) -> Bool = { $0.method == "POST" && $0.url.hasSuffix("/namespaces/ns/tables/t") }
        for status in [500, 502, 503, 504] {
            server.hook.withLock { $0 = { isCommit($0) ? FakeRESTServer.error(status, "ServerError", "try later") : nil } }
            let kind = await errorKind { _ = try await table.append([try restBatch([Int64(status)])]) }
            guard case let .commitStateUnknown(message)? = kind else { Issue.record("\(status): \(String(describing: kind))"); continue }
            #expect(message.contains("HTTP \(status) ServerError: try later"))
        }
        // Nothing was cleaned up: four unknown commits left their data files and manifest lists.
        let files = try await LocalFileIO().list(prefix: "file://" + directory.path + "/ns/t/").all().map(\.location)
        #expect(files.filter { $0.hasSuffix(".parquet") }.count == 4)
        #expect(files.filter { $0.contains("snap-") }.count == 4)

        struct Lost: RESTTransport {
            let inner: FakeRESTServer
            let sent: Bool
            func send(_ request: RESTRequest, timeout: Duration) async throws(RESTTransportError) -> RESTResponse {
                if request.method == "POST" && request.url.hasSuffix("/tables/t") {
                    if sent { _ = try await inner.send(request, timeout: timeout) }
                    throw RESTTransportError("test: no answer", mayHaveBeenSent: sent)
                }
                return try await inner.send(request, timeout: timeout)
            }
        }
        server.hook.withLock { $0 = nil }
        let lost = RESTCatalog(uri: FakeRESTServer.base, warehouse: "main", io: LocalFileIO(), transport: Lost(inner: server, sent: true))
        let lostKind = await errorKind { _ = try await lost.loadTable(id).append([try restBatch([7])]) }
        #expect(lostKind.map { if case .commitStateUnknown = $0 { true } else { false } } == true)
        #expect(try await restIDs(try await catalog.loadTable(id)) == [7])  // it had landed
        let unsent = RESTCatalog(uri: FakeRESTServer.base, warehouse: "main", io: LocalFileIO(), transport: Lost(inner: server, sent: false))
        let unsentKind = await errorKind { _ = try await unsent.loadTable(id).append([try restBatch([8])]) }
        #expect(unsentKind.map { if case .io = $0 { true } else { false } } == true)

        for status in [401, 403] {
            server.hook.withLock { $0 = { _ in FakeRESTServer.error(status, "NotAuthorizedException", "who are you") } }
            let kind = await errorKind { _ = try await catalog.loadTable(id) }
            #expect(kind == .unauthorized("table ns.t (GET /api/v1/ws%2Fmain/namespaces/ns/tables/t: HTTP \(status) NotAuthorizedException: who are you)"))
        }
        server.hook.withLock { $0 = nil }
        let missing = await errorKind { _ = try await catalog.loadTable(TableIdentifier(namespace: "ns", name: "nope")) }
        #expect(missing == .notFound("table ns.nope (GET /api/v1/ws%2Fmain/namespaces/ns/tables/nope: HTTP 404 NoSuchTableException: Table does not exist: ns/nope)"))
        server.hook.withLock { $0 = { _ in FakeRESTServer.error(500, "ServerError", "down") } }
        #expect(await errorKind { _ = try await catalog.loadTable(id) }.map { if case .io = $0 { true } else { false } } == true)
        server.hook.withLock { $0 = nil }
    }

    @Test("multi-table transactions: all tables change, or none when one requirement fails")
    func transactions() async throws {
        defer { directory.cleanup() }
        let catalog = catalog()
        try await catalog.createNamespace("ns")
        let a = try await catalog.createTable(TableIdentifier(namespace: "ns", name: "a"), schema: restSchema)
        let b = try await catalog.createTable(TableIdentifier(namespace: "ns", name: "b"), schema: restSchema)
        try await catalog.commitTransaction([
            RESTTableChange(identifier: a.identifier, requirements: [.assertTableUUID(a.metadata.tableUUID)], updates: [.setProperties(["x": "1"])]),
            RESTTableChange(identifier: b.identifier, requirements: [.assertTableUUID(b.metadata.tableUUID)], updates: [.setProperties(["x": "1"])]),
        ])
        #expect(server.requests.last?.url == FakeRESTServer.base + "/v1/ws%2Fmain/transactions/commit")
        #expect(try await catalog.loadTable(a.identifier).metadata.properties["x"] == "1")
        #expect(try await catalog.loadTable(b.identifier).metadata.properties["x"] == "1")
        let kind = await errorKind {
            try await catalog.commitTransaction([
                RESTTableChange(identifier: a.identifier, requirements: [], updates: [.setProperties(["y": "2"])]),
                RESTTableChange(identifier: b.identifier, requirements: [.assertTableUUID("not-it")], updates: [.setProperties(["y": "2"])]),
            ])
        }
        #expect(kind.map { if case .commitConflict = $0 { true } else { false } } == true)
        #expect(try await catalog.loadTable(a.identifier).metadata.properties["y"] == nil)
    }

    @Test("OAuth2 client credentials: one token for many calls, a new one after a 401 and after expiry; a refused client is unauthorized")
    func oauth2() async throws {
        defer { directory.cleanup() }
        let clock = Mutex<Duration>(.zero)
        let start = ContinuousClock.now
        let oauth = OAuth2ClientCredentials(tokenEndpoint: RESTCatalog.defaultTokenEndpoint(uri: FakeRESTServer.base), clientID: "reader",
                                            clientSecret: "s3cr+t", transport: server, now: { start + clock.withLock { $0 } })
        #expect(!"\(oauth)".contains("s3cr"))
        server.requiredToken.withLock { $0 = "none yet" }
        let catalog = catalog(authenticator: oauth)
        try await catalog.createNamespace("ns")
        #expect(try await catalog.listNamespaces() == ["ns"])
        #expect(server.state.withLock { $0.tokensIssued } == 1)
        #expect(server.requests.first?.url == FakeRESTServer.base + "/v1/oauth/tokens")
        #expect(server.requests.first?.header("Content-Type") == "application/x-www-form-urlencoded")

        server.requiredToken.withLock { $0 = "rotated" }  // the server revokes the token: 401, new token, retried once
        #expect(try await catalog.namespaceExists("ns"))
        #expect(server.state.withLock { $0.tokensIssued } == 2)

        clock.withLock { $0 = .seconds(3_600 - 30) }  // within the refresh margin of expiry
        #expect(try await catalog.namespaceExists("ns"))
        #expect(server.state.withLock { $0.tokensIssued } == 3)

        let refused = OAuth2ClientCredentials(tokenEndpoint: RESTCatalog.defaultTokenEndpoint(uri: FakeRESTServer.base), clientID: "reader",
                                              clientSecret: "wrong", transport: server)
        let kind = await errorKind { _ = try await refused.currentToken() }
        #expect(kind == .unauthorized("OAuth2 token request to \(FakeRESTServer.base)/v1/oauth/tokens answered HTTP 401 invalid_client: bad client"))
        #expect(try await catalog.namespaceExists("ns"))
        let bearer = BearerTokenAuthenticator(token: "secret-token")
        var request = RESTRequest(method: "GET", url: "http://x/")
        try await bearer.authenticate(&request)
        #expect(request.header("authorization") == "Bearer secret-token")
        #expect(!"\(bearer)".contains("secret-token"))
    }

    @Test("tables get the FileIO tableIO makes from the catalog's properties and the load answer's config (vended credentials asked for)")
    func tableIO() async throws {
        defer { directory.cleanup() }
        let seen = Mutex<[String: String]>([:])
        let catalog = catalog(tableIO: { properties in
            seen.withLock { $0 = properties }
            return LocalFileIO()
        })
        try await catalog.createNamespace("ns")
        let table = try await catalog.createTable(TableIdentifier(namespace: "ns", name: "t"), schema: restSchema)
        #expect(table.io is LocalFileIO)
        #expect(seen.withLock { $0 }["s3.access-key-id"] == "vended")
        #expect(seen.withLock { $0 }["client.region"] == "eu-west-1")
        _ = try await catalog.loadTable(table.identifier)
        #expect(server.requests.last?.header("X-Iceberg-Access-Delegation") == "vended-credentials")
    }
}
