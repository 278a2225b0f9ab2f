import Foundation
import IcebergAWS
import IcebergKit
import IcebergREST
import LakeAWS
import LakeTestSupport
import Testing

/// `CatalogConnector`: which catalog a string names, and AWS asked for only when needed.
@Suite("CatalogConnector")
struct CatalogConnectorTests {
    /// An AWS factory that must not be called.
    static let noAWS: @Sendable () throws -> (AWSConfiguration, any CredentialProvider) = {
        throw AWSError(.configuration, message: "AWS asked for")
    }

    private func isUnsupported(_ body: () throws -> Void) -> Bool {
        do { try body() } catch let error as IcebergError {
            if case .unsupported = error.kind { return true }
            return false
        } catch { return false }
        return false
    }

    @Test("catalog strings: SQLite files, glue, rest+http(s)://, s3:// and file:// prefixes; other schemes refused")
    func kinds() throws {
        #expect(try CatalogConnector.Kind(parsing: "warehouse/catalog.db") == .sqlite(path: "warehouse/catalog.db"))
        #expect(try CatalogConnector.Kind(parsing: "/abs/lake.db") == .sqlite(path: "/abs/lake.db"))
        #expect(try CatalogConnector.Kind(parsing: "glue") == .glue)
        #expect(try CatalogConnector.Kind(parsing: "Glue") == .glue)
        #expect(try CatalogConnector.Kind(parsing: "./glue") == .sqlite(path: "./glue"))
        #expect(try CatalogConnector.Kind(parsing: "s3://bucket/tables/") == .storage(warehouse: "s3://bucket/tables"))
        #expect(try CatalogConnector.Kind(parsing: "s3a://bucket") == .storage(warehouse: "s3a://bucket"))
        #expect(try CatalogConnector.Kind(parsing: "file:///tmp/tables") == .storage(warehouse: "file:///tmp/tables"))
        #expect(try CatalogConnector.Kind(parsing: "rest+https://catalog.example.com/iceberg") == .rest(uri: "https://catalog.example.com/iceberg"))
        #expect(try CatalogConnector.Kind(parsing: "REST+http://127.0.0.1:8181") == .rest(uri: "http://127.0.0.1:8181"))
        #expect(isUnsupported { _ = try CatalogConnector.Kind(parsing: "rest+https://") })
        #expect(isUnsupported { _ = try CatalogConnector.Kind(parsing: "rest+ftp://host/x") })
        #expect(isUnsupported { _ = try CatalogConnector.Kind(parsing: "s3://") })
        #expect(isUnsupported { _ = try CatalogConnector.Kind(parsing: "http://example.com/catalog") })
    }

    @Test("local catalogs open without AWS; mismatched warehouses are refused before AWS is asked")
    func localAndRefused() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let sqlite = try CatalogConnector(catalog: directory.file("lake.db"), warehouse: directory.file("wh"), name: "lake",
                                          aws: Self.noAWS).connect()
        #expect(sqlite.name == "lake")
        #expect(FileManager.default.fileExists(atPath: directory.file("wh")))
        #expect((sqlite as? SQLiteCatalog)?.defaultLocation(TableIdentifier(namespace: "ns", name: "t"))
                == "file://" + directory.file("wh") + "/ns.db/t")

        let storage = try CatalogConnector(catalog: "file://" + directory.file("tables") + "/", aws: Self.noAWS).connect()
        #expect((storage as? StorageCatalog)?.warehouse == "file://" + directory.file("tables"))
        try await storage.createNamespace("ns")
        #expect(try await storage.listNamespaces() == ["ns"])

        #expect(isUnsupported { _ = try CatalogConnector(catalog: "glue", warehouse: directory.file("wh"), aws: Self.noAWS).connect() })
        #expect(isUnsupported { _ = try CatalogConnector(catalog: "s3://bucket/a", warehouse: "s3://bucket/b", aws: Self.noAWS).connect() })
        // The AWS factory's failure surfaces when AWS is needed.
        #expect(throws: AWSError.self) { _ = try CatalogConnector(catalog: "glue", warehouse: "s3://bucket/wh", aws: Self.noAWS).connect() }
        #expect(throws: AWSError.self) { _ = try CatalogConnector(catalog: "s3://bucket/tables", aws: Self.noAWS).connect() }
    }

    @Test("REST authentication from the environment: SigV4 for AWS hosts and configured endpoints, else a token, OAuth2, or none")
    func restEnvironment() throws {
        let configuration = try AWSConfiguration(region: "eu-west-1", endpointOverrides: [.s3: "http://127.0.0.1:4566"], environment: [:],
                                                 profile: AWSProfile(name: "test", settings: [:], services: [:]))
        let credentials = StaticCredentials(AWSCredentials(accessKeyID: "a", secretAccessKey: "b"))
        func authenticator(_ uri: String, _ environment: [String: String]) throws -> any RESTAuthenticator {
            try RESTEnvironment(environment).authenticator(uri: uri, configuration: configuration, credentials: credentials)
        }
        let tables = try #require(try authenticator("https://s3tables.eu-west-1.amazonaws.com/iceberg", [:]) as? SigV4RESTAuthenticator)
        #expect(tables.signingName == "s3tables" && tables.region == "eu-west-1")
        let glue = try #require(try authenticator("https://glue.eu-west-1.amazonaws.com/iceberg", [:]) as? SigV4RESTAuthenticator)
        #expect(glue.signingName == "glue")
        #expect(try authenticator("http://127.0.0.1:4566/iceberg", [:]) is SigV4RESTAuthenticator)  // the --endpoint-url host
        let named = try #require(try authenticator("http://127.0.0.1:9000/x", ["LAKEHOUSE_REST_SIGV4": "true", "LAKEHOUSE_REST_SIGNING_NAME": "glue",
                                                                              "LAKEHOUSE_REST_SIGNING_REGION": "us-west-2"]) as? SigV4RESTAuthenticator)
        #expect(named.signingName == "glue" && named.region == "us-west-2")
        #expect(try authenticator("https://s3tables.eu-west-1.amazonaws.com/iceberg", ["LAKEHOUSE_REST_SIGV4": "false"]) is NoRESTAuthentication)
        #expect(try authenticator("https://catalog.example.com", ["LAKEHOUSE_REST_TOKEN": "t"]) is BearerTokenAuthenticator)
        let oauth = try #require(try authenticator("https://catalog.example.com/api/", ["LAKEHOUSE_REST_CREDENTIAL": "id:secret"]) as? OAuth2ClientCredentials)
        #expect(oauth.tokenEndpoint == "https://catalog.example.com/api/v1/oauth/tokens" && oauth.clientID == "id" && oauth.scope == "catalog")
        let server = try #require(try authenticator("https://catalog.example.com", ["LAKEHOUSE_REST_CREDENTIAL": "id:secret", "LAKEHOUSE_REST_SCOPE": "PRINCIPAL_ROLE:ALL",
                                                                                   "LAKEHOUSE_REST_OAUTH2_SERVER_URI": "https://idp.example.com/token"]) as? OAuth2ClientCredentials)
        #expect(server.tokenEndpoint == "https://idp.example.com/token" && server.scope == "PRINCIPAL_ROLE:ALL")
        #expect(try authenticator("https://catalog.example.com", [:]) is NoRESTAuthentication)

        var connector = try CatalogConnector(catalog: "rest+https://catalog.example.com/api", warehouse: "lake", aws: { (configuration, credentials) })
        connector.environment = [:]
        let catalog = try #require(try connector.connect() as? RESTCatalog)
        #expect(catalog.uri == "https://catalog.example.com/api" && catalog.warehouse == "lake" && catalog.name == "rest")
        #expect(catalog.tableIO != nil)
    }

    @Test("SigV4 for REST signs the path as sent (an encoded prefix stays encoded) as botocore does")
    func sigV4Path() async throws {
        let signer = SigV4RESTAuthenticator(credentials: StaticCredentials(AWSCredentials(accessKeyID: "AKID", secretAccessKey: "secret")),
                                            region: "us-east-1", signingName: "s3tables")
        let url = "http://127.0.0.1:4566/iceberg/v1/arn%3Aaws%3As3tables%3Aus-east-1%3A000000000000%3Abucket%2Fb/namespaces/a%1Fb?pageToken=x%20y"
        let signable = try #require(SigV4RESTAuthenticator.signable(RESTRequest(method: "GET", url: url)))
        #expect(signable.url == url)
        #expect(signable.host == "127.0.0.1:4566" && signable.query == [QueryItem("pageToken", "x y")])
        let signature = SigV4Signer(credentials: AWSCredentials(accessKeyID: "AKID", secretAccessKey: "secret"), region: "us-east-1",
                                    service: "s3tables")
        var copy = signable
        let parts = signature.sign(&copy, payload: .bytes([]), date: Date(timeIntervalSince1970: 0))
        // botocore quotes the wire path once more for non-S3 services: %3A → %253A, %2F → %252F.
        #expect(parts.canonicalRequest.hasPrefix("GET\n/iceberg/v1/arn%253Aaws%253As3tables%253Aus-east-1%253A000000000000%253Abucket%252Fb/namespaces/a%251Fb\npageToken=x%20y\n"))
        var request = RESTRequest(method: "POST", url: url, headers: [RESTHeader("Content-Type", "application/json")], body: Array("{}".utf8))
        try await signer.authenticate(&request)
        #expect(request.header("Authorization")?.hasPrefix("AWS4-HMAC-SHA256 Credential=AKID/") == true)
        #expect(request.header("Authorization")?.contains("SignedHeaders=content-type;host;x-amz-date") == true)
        #expect(request.header("X-Amz-Date") != nil)
    }
}
