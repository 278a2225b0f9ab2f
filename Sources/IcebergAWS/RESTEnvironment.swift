public import IcebergKit
public import IcebergREST
public import LakeAWS

/// How ``CatalogConnector`` authenticates to a REST catalog, from environment variables:
///
/// | variable | meaning |
/// |---|---|
/// | `LAKEHOUSE_REST_SIGV4` | `true`: sign with SigV4; `false`: never. Unset: sign when the host is `*.amazonaws.com` or the host of a configured AWS endpoint (`--endpoint-url`) |
/// | `LAKEHOUSE_REST_SIGNING_NAME` | the SigV4 signing name (default: `glue` for `glue.*` hosts, else `s3tables`) |
/// | `LAKEHOUSE_REST_SIGNING_REGION` | the SigV4 region (default: the AWS region) |
/// | `LAKEHOUSE_REST_TOKEN` | a bearer token |
/// | `LAKEHOUSE_REST_CREDENTIAL` | OAuth2 client credentials, `client_id:client_secret` |
/// | `LAKEHOUSE_REST_OAUTH2_SERVER_URI` | the token endpoint (default `<uri>/v1/oauth/tokens`) |
/// | `LAKEHOUSE_REST_SCOPE` | the OAuth2 scope (default `catalog`) |
/// | `LAKEHOUSE_REST_VENDED_CREDENTIALS` | `false`: ignore credentials the catalog vends for a table's files |
///
/// SigV4 wins over a token, a token over client credentials; with none, requests are sent
/// unauthenticated.
public struct RESTEnvironment: Sendable {
    public var environment: [String: String]

    public init(_ environment: [String: String]) {
        self.environment = environment
    }

    /// Whether tables are read and written with credentials the catalog vends (default yes).
    public var vendedCredentials: Bool { environment["LAKEHOUSE_REST_VENDED_CREDENTIALS"]?.lowercased() != "false" }

    /// Whether requests to `uri` are SigV4-signed.
    public func signs(uri: String, configuration: AWSConfiguration) -> Bool {
        switch environment["LAKEHOUSE_REST_SIGV4"]?.lowercased() {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: break
        }
        guard let host = Self.host(of: uri) else { return false }
        if host.hasSuffix(".amazonaws.com") || host.hasSuffix(".amazonaws.com.cn") { return true }
        return configuration.endpointOverrides.values.contains { Self.host(of: $0) == host }
    }

    /// The authenticator for a catalog at `uri`.
    public func authenticator(uri: String, configuration: AWSConfiguration,
                              credentials: any CredentialProvider) throws(IcebergError) -> any RESTAuthenticator {
        if signs(uri: uri, configuration: configuration) {
            let host = Self.host(of: uri) ?? ""
            let name = environment["LAKEHOUSE_REST_SIGNING_NAME"].flatMap { $0.isEmpty ? nil : $0 }
                ?? SigV4RESTAuthenticator.signingName(forHost: host)
            let region = environment["LAKEHOUSE_REST_SIGNING_REGION"].flatMap { $0.isEmpty ? nil : $0 } ?? configuration.region
            return SigV4RESTAuthenticator(credentials: credentials, region: region, signingName: name)
        }
        if let token = environment["LAKEHOUSE_REST_TOKEN"], !token.isEmpty {
            return BearerTokenAuthenticator(token: token)
        }
        if let credential = environment["LAKEHOUSE_REST_CREDENTIAL"], !credential.isEmpty {
            let endpoint = environment["LAKEHOUSE_REST_OAUTH2_SERVER_URI"].flatMap { $0.isEmpty ? nil : $0 }
                ?? RESTCatalog.defaultTokenEndpoint(uri: uri)
            let scope = environment["LAKEHOUSE_REST_SCOPE"].flatMap { $0.isEmpty ? nil : $0 } ?? "catalog"
            return OAuth2ClientCredentials(tokenEndpoint: endpoint, credential: credential, scope: scope)
        }
        return NoRESTAuthentication()
    }

    /// The lowercased host (with port) of an `http(s)://` URL.
    static func host(of url: String) -> String? {
        guard let schemeEnd = url.firstRange(of: "://") else { return nil }
        let rest = url[schemeEnd.upperBound...]
        let end = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let host = rest[..<end]
        return host.isEmpty ? nil : host.lowercased()
    }
}
