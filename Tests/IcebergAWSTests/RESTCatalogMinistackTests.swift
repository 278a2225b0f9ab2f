import Foundation
import IcebergAWS
import IcebergKit
import IcebergREST
import LakeAWS
import LakeColumnar
import LakeTestSupport
import Synchronization
import Testing

/// The flat part of the typed Glue schema (ministack's S3 Tables counts top-level fields for
/// `last-column-id`, so nested types would give it an invalid table).
let restTypedSchema = IcebergSchema(fields: Array(glueSchema.fields.prefix(10)))

func restTypedBatch(_ ids: Range<Int>) throws -> RecordBatch {
    let schema = try restTypedSchema.columnarSchema()
    let rows = ids.map { Array(glueRow($0).prefix(10)) }
    return try RecordBatch(schema: schema, columns: schema.fields.enumerated().map { index, field in
        try Column(scalars: rows.map { $0[index] }, type: field.type)
    })
}

/// The ids of a scan of `table`, sorted.
func restTableIDs(_ table: Table) async throws -> [Int64] {
    try await table.scan(columns: ["id"]).readAll().flatMap { batch in
        (0..<batch.rowCount).compactMap { row -> Int64? in
            if case let .int64(v)? = batch.columns[0].scalar(at: row) { return v }
            return nil
        }
    }.sorted()
}

/// ministack's S3 Tables: a table bucket made with the S3 Tables API (`PUT /buckets`, SigV4
/// `s3tables`), its Iceberg REST endpoint at `/iceberg` (warehouse: the bucket's ARN, prefix: the
/// ARN URL-encoded), table files in the S3 bucket of the same name on the same endpoint.
struct MinistackS3Tables {
    static var endpoint: String? { ProcessInfo.processInfo.environment["LAKEHOUSE_MINISTACK_ENDPOINT"] }
    static var enabled: Bool { Interop.required || endpoint != nil }
    static let credentials = AWSCredentials(accessKeyID: "test", secretAccessKey: "test")

    let endpoint: String
    let bucket: String
    let arn: String

    /// A new table bucket.
    static func make() async throws -> MinistackS3Tables {
        let endpoint = try #require(Self.endpoint, "ministack is not running: run the tests with Scripts/test.sh (LAKEHOUSE_MINISTACK_ENDPOINT)")
        let bucket = "rest-\(UInt32.random(in: 0...UInt32.max))"
        var request = RESTRequest(method: "PUT", url: endpoint + "/buckets", headers: [RESTHeader("Content-Type", "application/json")],
                                  body: Array(#"{"name":"\#(bucket)"}"#.utf8))
        try await signer().authenticate(&request)
        let response = try await AsyncHTTPClientRESTTransport().send(request, timeout: .seconds(30))
        try #require(response.status == 200, "CreateTableBucket: \(response.status) \(String(decoding: response.body, as: UTF8.self))")
        let json = try AvroJSON(parsing: String(decoding: response.body, as: UTF8.self))
        let arn = try #require(json["arn"]?.stringValue)
        return MinistackS3Tables(endpoint: endpoint, bucket: bucket, arn: arn)
    }

    static func signer(accessKey: String = "test", secret: String = "test") -> SigV4RESTAuthenticator {
        SigV4RESTAuthenticator(credentials: StaticCredentials(AWSCredentials(accessKeyID: accessKey, secretAccessKey: secret)),
                               region: "us-east-1", signingName: "s3tables")
    }

    var configuration: AWSConfiguration {
        get throws {
            try AWSConfiguration(region: "us-east-1", endpointOverrides: [.s3: endpoint], forcePathStyle: true, environment: [:],
                                 profile: AWSProfile(name: "test", settings: [:], services: [:]))
        }
    }

    var io: S3FileIO {
        get throws { S3FileIO(client: S3Client(configuration: try configuration, credentials: StaticCredentials(Self.credentials))) }
    }

    /// A REST catalog on this bucket; `vended`: table files through the credentials and
    /// endpoint the load answer carries.
    func catalog(accessKey: String = "test", secret: String = "test", vended: Bool = false) throws -> RESTCatalog {
        let configuration = try configuration
        let io = S3FileIO(client: S3Client(configuration: configuration,
                                           credentials: StaticCredentials(AWSCredentials(accessKeyID: accessKey, secretAccessKey: secret))))
        return RESTCatalog(uri: endpoint + "/iceberg", warehouse: arn, name: "s3tables", io: io,
                           authenticator: Self.signer(accessKey: accessKey, secret: secret),
                           tableIO: vended ? { @Sendable properties -> (any FileIO)? in S3FileIO.vended(properties, base: configuration) } : nil)
    }
}

@Suite("RESTCatalog on ministack's S3 Tables Iceberg REST endpoint", .enabled(if: MinistackS3Tables.enabled), .serialized)
struct RESTCatalogMinistackTests {
    @Test("SigV4-signed config, namespaces, create, append, scan, load, list; a stale writer's append retries and both rows survive",
          .timeLimit(.minutes(10)))
    func lifecycle() async throws {
        let tables = try await MinistackS3Tables.make()
        let catalog = try tables.catalog()
        let config = try await catalog.configuration()
        #expect(config.prefix == tables.arn.replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: "/", with: "%2F"))
        try await catalog.createNamespace("logs")
        #expect(try await catalog.listNamespaces().contains("logs"))
        #expect(try await catalog.namespaceExists("logs"))
        #expect(await icebergError { try await catalog.createNamespace("logs") }?.kind.isAlreadyExists == true)

        let id = TableIdentifier(namespace: "logs", name: "events")
        let created = try await catalog.createTable(id, schema: restTypedSchema)
        #expect(created.metadata.location == "s3://\(tables.bucket)/logs/events")
        #expect(await icebergError { _ = try await catalog.createTable(id, schema: restTypedSchema) }?.kind.isAlreadyExists == true)
        let stale = try await catalog.loadTable(id)

        let first = try await created.append([try restTypedBatch(0..<20)])
        #expect(try await restTableIDs(first) == Array(0..<20))
        #expect(first.metadataLocation == "s3://\(tables.bucket)/logs/events/metadata/v1.metadata.json")
        // The data and manifests went to the table bucket's S3 bucket through S3FileIO.
        let files = try await tables.io.list(prefix: "s3://\(tables.bucket)/logs/events/").all().map(\.location)
        #expect(files.contains { $0.hasSuffix(".parquet") } && files.contains { $0.hasSuffix(".avro") })

        // `stale` was loaded before the first append: its commit is refused (409) and retried on
        // the new base.
        let second = try await stale.append([try restTypedBatch(20..<25)])
        #expect(second.metadata.snapshots.count == 2)
        #expect(second.currentSnapshot?.parentSnapshotID == first.currentSnapshot?.snapshotID)
        let loaded = try await catalog.loadTable(id)
        #expect(loaded.metadataLocation == second.metadataLocation)
        #expect(try await restTableIDs(loaded) == Array(0..<25))
        #expect(try await catalog.listTables(namespace: "logs") == [id])

        // A raw stale commit is a conflict that keeps ministack's message.
        let error = await icebergError {
            _ = try await catalog.commitTable(id, requirements: [.assertRefSnapshotID(ref: "main", snapshotID: first.currentSnapshot?.snapshotID)],
                                              updates: [.setProperties(["k": "v"])])
        }
        guard case let .commitConflict(message)? = error?.kind else {
            Issue.record("expected a commit conflict, got \(String(describing: error))")
            return
        }
        #expect(message.contains("HTTP 409 CommitFailedException"))
        #expect(await icebergError { _ = try await catalog.loadTable(TableIdentifier(namespace: "logs", name: "nope")) }?.kind.isNotFound == true)
    }

    @Test("an access key ministack does not know is refused: unauthorized, with the server's message")
    func unknownKey() async throws {
        let tables = try await MinistackS3Tables.make()
        let error = await icebergError { _ = try await tables.catalog(accessKey: "AKIAUNKNOWNKEY000000").listNamespaces() }
        guard case let .unauthorized(message)? = error?.kind else {
            Issue.record("expected unauthorized, got \(String(describing: error))")
            return
        }
        #expect(message.contains("HTTP 403"))
    }

    @Test("signatures checked: an IAM user's key (ministack verifies its signatures) creates, appends and scans; its wrong secret is refused",
          .enabled(if: Interop.enabled))
    func verifiedSignatures() async throws {
        let tables = try await MinistackS3Tables.make()
        let script = """
            import sys, json, boto3
            iam = boto3.client("iam", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
            name = sys.argv[2]
            iam.create_user(UserName=name)
            iam.put_user_policy(UserName=name, PolicyName="lake", PolicyDocument=json.dumps({"Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": ["s3tables:*", "s3:*"], "Resource": "*"}]}))
            key = iam.create_access_key(UserName=name)["AccessKey"]
            print(key["AccessKeyId"], key["SecretAccessKey"])
            """
        let keys = try Interop.runText(script, arguments: [tables.endpoint, "rest-\(UInt32.random(in: 0...UInt32.max))"])
            .split(whereSeparator: \.isWhitespace).map(String.init)
        try #require(keys.count == 2, "no access key: \(keys)")
        let catalog = try tables.catalog(accessKey: keys[0], secret: keys[1])
        try await catalog.createNamespace("signed")
        let table = try await catalog.createTable(TableIdentifier(namespace: "signed", name: "t"), schema: restTypedSchema)
        let appended = try await table.append([try restTypedBatch(0..<3)])
        #expect(try await restTableIDs(try await catalog.loadTable(appended.identifier)) == [0, 1, 2])

        let error = await icebergError { _ = try await tables.catalog(accessKey: keys[0], secret: "wrong").listNamespaces() }
        guard case let .unauthorized(message)? = error?.kind else {
            Issue.record("expected unauthorized, got \(String(describing: error))")
            return
        }
        #expect(message.contains("HTTP 403 InvalidSignatureException: The request signature we calculated does not match"))
    }

    @Test("Glue's Iceberg REST endpoint (signing name glue, warehouse the account id): create, append, scan, a stale writer retried",
          .timeLimit(.minutes(10)))
    func glueEndpoint() async throws {
        let tables = try await MinistackS3Tables.make()  // its S3 bucket holds the table's files
        let catalog = RESTCatalog(uri: tables.endpoint + "/iceberg", warehouse: "000000000000", name: "glue", io: try tables.io,
                                  authenticator: SigV4RESTAuthenticator(credentials: StaticCredentials(MinistackS3Tables.credentials),
                                                                        region: "us-east-1", signingName: "glue"))
        #expect(try await catalog.configuration().prefix == "catalogs/000000000000")
        let namespace = GlueTestServer.uniqueName("rest")
        try await catalog.createNamespace(namespace)
        #expect(try await catalog.listNamespaces().contains(namespace))
        let id = TableIdentifier(namespace: namespace, name: "events")
        let created = try await catalog.createTable(id, TableDefinition(schema: restTypedSchema,
                                                                        location: "s3://\(tables.bucket)/glue/\(namespace)/events"))
        let stale = try await catalog.loadTable(id)
        let first = try await created.append([try restTypedBatch(0..<5)])
        let second = try await stale.append([try restTypedBatch(5..<8)])
        #expect(second.currentSnapshot?.parentSnapshotID == first.currentSnapshot?.snapshotID)
        #expect(try await restTableIDs(try await catalog.loadTable(id)) == Array(0..<8))
        #expect(try await catalog.listTables(namespace: namespace) == [id])
    }

    @Test("DuckDB ATTACHes the table bucket through the same REST endpoint (TYPE ICEBERG) and reads our rows",
          .enabled(if: MinistackS3Tables.endpoint != nil && (Interop.required || duckDBHasHTTPFS)), .timeLimit(.minutes(10)))
    func duckDBReads() async throws {
        let tables = try await MinistackS3Tables.make()
        let catalog = try tables.catalog()
        try await catalog.createNamespace("duck")
        let table = try await catalog.createTable(TableIdentifier(namespace: "duck", name: "t"), schema: restTypedSchema)
        _ = try await table.append([try restTypedBatch(0..<30)]).append([try restTypedBatch(30..<45)])
        // As ministack's own Athena attaches a table bucket: the catalog calls carry an
        // Authorization header naming the root key (ministack does not verify the root key's
        // signatures), the table files are read with S3 credentials.
        let script = """
            import sys, os, glob, importlib, duckdb
            endpoint, arn = sys.argv[1], sys.argv[2]
            con = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
            for name in ("avro", "httpfs", "iceberg"):
                base = os.path.dirname(importlib.import_module(f"duckdb_extension_{name}").__file__)
                ext = glob.glob(os.path.join(base, "extensions", "**", f"{name}.duckdb_extension"), recursive=True)[0]
                con.execute(f"LOAD '{ext}'")
            host = endpoint.split("://")[1]
            con.execute(f"CREATE SECRET s3 (TYPE S3, KEY_ID 'test', SECRET 'test', ENDPOINT '{host}', URL_STYLE 'path', USE_SSL false, REGION 'us-east-1')")
            con.execute(f"CREATE SECRET catalog (TYPE HTTP, SCOPE '{endpoint}/iceberg', EXTRA_HTTP_HEADERS MAP "
                        "{'Authorization': 'AWS4-HMAC-SHA256 Credential=test/19700101/us-east-1/s3tables/aws4_request'})")
            con.execute(f"ATTACH '{arn}' AS lake (TYPE ICEBERG, READ_ONLY, ENDPOINT '{endpoint}/iceberg', AUTHORIZATION_TYPE 'none')")
            count, total, named = con.execute("SELECT count(*), sum(id), count(name) FROM lake.duck.t").fetchone()
            print(count, total, named)
            """
        let output = try Interop.runText(script, arguments: [tables.endpoint, tables.arn]).trimmingCharacters(in: .whitespacesAndNewlines)
        let named = (0..<45).filter { $0 % 5 != 0 }.count
        #expect(output == "45 \((0..<45).reduce(0, +)) \(named)")
    }

    @Test("8 writers × 25 appends through the REST catalog: 200 snapshots in one line, every row once", .timeLimit(.minutes(8)))
    func concurrentWriters() async throws {
        let (writers, rounds) = (8, 25)
        let tables = try await MinistackS3Tables.make()
        let catalog = try tables.catalog()
        try await catalog.createNamespace("ns")
        let id = TableIdentifier(namespace: "ns", name: "busy")
        _ = try await catalog.createTable(id, schema: restTypedSchema)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<writers {
                group.addTask {
                    let own = try tables.catalog()
                    for round in 0..<rounds {
                        let start = writer * 1_000 + round * 10
                        _ = try await own.loadTable(id).append([try restTypedBatch(start..<(start + 3))], attempts: 100)
                    }
                }
            }
            try await group.waitForAll()
        }
        let table = try await catalog.loadTable(id)
        #expect(table.metadata.snapshots.count == writers * rounds)
        #expect(table.metadata.currentAncestry.count == writers * rounds)
        var expected: [Int64] = []
        for writer in 0..<writers {
            for round in 0..<rounds {
                let start = writer * 1_000 + round * 10
                expected += (start..<(start + 3)).map { Int64($0) }
            }
        }
        expected.sort()
        #expect(try await restTableIDs(table) == expected)
    }

    @Test("a commit whose answer is lost is commitStateUnknown, the next load shows it applied and its files kept; one never sent leaves the table at its base and its files removed",
          .timeLimit(.minutes(10)))
    func lostCommitAnswers() async throws {
        let tables = try await MinistackS3Tables.make()
        let catalog = try tables.catalog()
        try await catalog.createNamespace("faults")
        let id = TableIdentifier(namespace: "faults", name: "t")
        let created = try await catalog.createTable(id, schema: restTypedSchema)
        let base = try await created.append([try restTypedBatch(0..<5)])
        let io = try tables.io
        let dataPrefix = base.metadata.location + "/data/"
        func dataFiles() async throws -> Set<String> { Set(try await io.list(prefix: dataPrefix).all().map(\.location)) }
        func faulty(_ sent: Bool) throws -> RESTCatalog {
            RESTCatalog(uri: tables.endpoint + "/iceberg", warehouse: tables.arn, name: "s3tables", io: io,
                        authenticator: MinistackS3Tables.signer(), transport: RESTCommitFaultTransport(sendFirst: sent))
        }

        // Applied, answer lost: unknown to the writer; the next load shows the new snapshot, the
        // rows once, and the commit's data file is still there.
        let before = try await dataFiles()
        let lost = await icebergError { _ = try await faulty(true).loadTable(id).append([try restTypedBatch(5..<10)]) }
        guard case .commitStateUnknown? = lost?.kind else {
            Issue.record("expected commitStateUnknown, got \(String(describing: lost))")
            return
        }
        let applied = try await catalog.loadTable(id)
        #expect(applied.metadata.snapshots.count == 2)
        #expect(applied.metadata.currentSnapshot?.parentSnapshotID == base.metadata.currentSnapshotID)
        #expect(try await restTableIDs(applied) == Array(0..<10))
        let afterLost = try await dataFiles()
        #expect(afterLost.count == before.count + 1 && afterLost.isSuperset(of: before), "the applied commit's data file is kept")

        // Never sent (the connection was never made): certainly not applied, so the append
        // removes what it wrote and the table stays where it was.
        let refused = await icebergError { _ = try await faulty(false).loadTable(id).append([try restTypedBatch(10..<15)]) }
        #expect(refused != nil)
        if case .commitStateUnknown? = refused?.kind { Issue.record("a request never sent is not an unknown outcome: \(String(describing: refused))") }
        let unchanged = try await catalog.loadTable(id)
        #expect(unchanged.metadataLocation == applied.metadataLocation)
        #expect(try await restTableIDs(unchanged) == Array(0..<10))
        #expect(try await dataFiles() == afterLost, "the failed commit's data file was removed")
    }

    @Test("vended credentials: the load answer's s3.* config makes the table's S3FileIO, which appends and scans")
    func vendedCredentials() async throws {
        let tables = try await MinistackS3Tables.make()
        let catalog = try tables.catalog(vended: true)
        try await catalog.createNamespace("ns")
        let table = try await catalog.createTable(TableIdentifier(namespace: "ns", name: "v"), schema: restTypedSchema)
        let loaded = try await catalog.loadTable(table.identifier)
        #expect(loaded.io is S3FileIO)
        let appended = try await loaded.append([try restTypedBatch(0..<4)])
        #expect(try await restTableIDs(appended) == [0, 1, 2, 3])
    }

    @Test("pyiceberg's RestCatalog (SigV4, s3tables) reads our commits row-identical, appends, and we read its commit",
          .enabled(if: Interop.enabled), .timeLimit(.minutes(10)))
    func pyicebergInterop() async throws {
        let tables = try await MinistackS3Tables.make()
        let catalog = try tables.catalog()
        try await catalog.createNamespace("interop")
        let id = TableIdentifier(namespace: "interop", name: "typed")
        let table = try await catalog.createTable(id, schema: restTypedSchema)
            .append([try restTypedBatch(0..<25)]).append([try restTypedBatch(25..<40)])
        let script = """
            import sys, datetime, decimal
            import pyarrow as pa
            from pyiceberg.catalog.rest import RestCatalog
            endpoint, warehouse = sys.argv[1], sys.argv[2]
            catalog = RestCatalog("s3tables", **{
                "uri": endpoint + "/iceberg", "warehouse": warehouse,
                "rest.sigv4-enabled": "true", "rest.signing-name": "s3tables", "rest.signing-region": "us-east-1",
                "client.access-key-id": "test", "client.secret-access-key": "test", "client.region": "us-east-1",
            })
            table = catalog.load_table("interop.typed")
            \(pythonInteropText)
            print(table.metadata_location)
            print(len(table.metadata.snapshots))
            for r in sorted(table.scan().to_arrow().to_pylist(), key=lambda r: r["id"]):
                print("|".join(text(v) for v in r.values()))
            schema = table.schema().as_arrow()
            row = {f.name: None for f in schema}
            row["id"], row["active"] = 1000, True
            table.append(pa.Table.from_pylist([row], schema=schema))
            """
        let output: String
        do {
            output = try Interop.runText(script, arguments: [tables.endpoint, tables.arn])
        } catch {
            Issue.record("pyiceberg failed: \(error)")
            return
        }
        let lines = output.split(separator: "\n").map(String.init)
        #expect(lines.first == table.metadataLocation)
        #expect(lines.dropFirst().first == "2")
        let expected = (0..<40).map { i in zip(restTypedSchema.fields, glueRow(i).prefix(10)).map { interopText($1, $0.type) }.joined(separator: "|") }
        let actual = Array(lines.dropFirst(2))
        #expect(actual.count == expected.count)
        for (a, e) in zip(actual, expected) where a != e {
            Issue.record("pyiceberg row differs:\n  pyiceberg: \(a)\n  expected:  \(e)")
        }
        // pyiceberg's own commit through the same endpoint, read back here.
        let after = try await catalog.loadTable(id)
        #expect(after.metadata.snapshots.count == 3)
        #expect(try await restTableIDs(after) == Array(0..<40) + [1000])
    }
}

extension IcebergError.Kind {
    var isUnauthorized: Bool { if case .unauthorized = self { true } else { false } }
}

/// Whether the interop Python has DuckDB's httpfs extension (`duckdb-extension-httpfs`, in
/// `Tests/Interop/requirements.txt`): DuckDB needs it to read table files from S3. With
/// `LAKEHOUSE_REQUIRE_INTEROP=1` the test runs regardless, so a venv without it fails the run.
let duckDBHasHTTPFS: Bool = {
    guard Interop.python != nil else { return false }
    let probe = try? Interop.runText("import importlib.util; print(importlib.util.find_spec('duckdb_extension_httpfs') is not None)")
    return probe?.trimmingCharacters(in: .whitespacesAndNewlines) == "True"
}()

/// Fails the first table commit (`POST …/tables/<name>`): sent and its answer lost
/// (`sendFirst`), or never sent (a connection that was never made).
final class RESTCommitFaultTransport: RESTTransport {
    private let inner = AsyncHTTPClientRESTTransport()
    private let sendFirst: Bool
    private let pending = Mutex(true)

    init(sendFirst: Bool) { self.sendFirst = sendFirst }

    func send(_ request: RESTRequest, timeout: Duration) async throws(RESTTransportError) -> RESTResponse {
        let path = request.url.split(separator: "?", maxSplits: 1)[0]
        let isCommit = request.method == "POST" && path.contains("/tables/") && !path.hasSuffix("/metrics")
        guard isCommit, pending.withLock({ first in defer { first = false }; return first }) else {
            return try await inner.send(request, timeout: timeout)
        }
        if sendFirst {
            _ = try await inner.send(request, timeout: timeout)
            throw RESTTransportError("test: timed out waiting for the commit's answer", mayHaveBeenSent: true)
        }
        throw RESTTransportError("test: connection refused", mayHaveBeenSent: false)
    }
}
