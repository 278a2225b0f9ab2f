public import IcebergKit
import Synchronization

/// OAuth2 client credentials (RFC 6749 §4.4), as Iceberg REST catalogs take them: a `POST` of
/// `grant_type=client_credentials`, `client_id`, `client_secret` and `scope` (form-encoded) to
/// the token endpoint (`<uri>/v1/oauth/tokens`, or the catalog's `oauth2-server-uri`), whose
/// `access_token` is sent as `Authorization: Bearer …`.
///
/// The token is cached until shortly before `expires_in` runs out (or, without `expires_in`,
/// until the server answers `401`), then fetched again. Concurrent requests share one fetch.
public final class OAuth2ClientCredentials: RESTAuthenticator, CustomStringConvertible {
    /// The token endpoint.
    public let tokenEndpoint: String
    public let clientID: String
    private let clientSecret: String
    /// The `scope` sent (Iceberg's default: `catalog`).
    public let scope: String
    /// How long before expiry a token is replaced.
    public let refreshMargin: Duration
    private let transport: any RESTTransport
    private let timeout: Duration
    private let now: @Sendable () -> ContinuousClock.Instant
    private let state = Mutex<Task<CachedToken, any Error>?>(nil)

    private struct CachedToken: Sendable {
        var token: String
        /// When to fetch a new one: `refreshMargin` before expiry, or halfway for short-lived
        /// tokens; nil without `expires_in`.
        var refreshAt: ContinuousClock.Instant?
    }

    /// - Parameters:
    ///   - tokenEndpoint: the full URL of the token endpoint.
    ///   - refreshMargin: a token is replaced this long before it expires.
    public init(tokenEndpoint: String, clientID: String, clientSecret: String, scope: String = "catalog",
                refreshMargin: Duration = .seconds(60), transport: any RESTTransport = AsyncHTTPClientRESTTransport(),
                timeout: Duration = .seconds(30), now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.tokenEndpoint = tokenEndpoint
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.scope = scope
        self.refreshMargin = refreshMargin
        self.transport = transport
        self.timeout = timeout
        self.now = now
    }

    /// Parses Iceberg's `credential` property, `client_id:client_secret` (or a bare secret).
    public convenience init(tokenEndpoint: String, credential: String, scope: String = "catalog",
                            transport: any RESTTransport = AsyncHTTPClientRESTTransport()) {
        let parts = credential.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        let (id, secret) = parts.count == 2 ? (String(parts[0]), String(parts[1])) : ("", credential)
        self.init(tokenEndpoint: tokenEndpoint, clientID: id, clientSecret: secret, scope: scope, transport: transport)
    }

    public func authenticate(_ request: inout RESTRequest) async throws(IcebergError) {
        request.setHeader("Authorization", "Bearer " + (try await currentToken()))
    }

    public func invalidate() async -> Bool {
        state.withLock { $0 = nil }
        return true
    }

    /// The cached token, or a new one when there is none or it is about to expire.
    public func currentToken() async throws(IcebergError) -> String {
        try await currentToken(refetched: false)
    }

    private func currentToken(refetched: Bool) async throws(IcebergError) -> String {
        let instant = now()
        let task = state.withLock { (cached: inout Task<CachedToken, any Error>?) -> Task<CachedToken, any Error> in
            if let cached {
                return cached
            }
            let fetch = Task { () throws -> CachedToken in try await self.fetchToken() }
            cached = fetch
            return fetch
        }
        do {
            let token = try await task.value
            if !refetched, let refreshAt = token.refreshAt, refreshAt <= instant {
                // About to expire: drop it (unless another caller replaced it already) and fetch
                // once more; a new token is used even if it is short-lived.
                state.withLock { if let current = $0, current == task { $0 = nil } }
                return try await currentToken(refetched: true)
            }
            return token.token
        } catch {
            state.withLock { if let current = $0, current == task { $0 = nil } }
            if let error = error as? IcebergError { throw error }
            throw IcebergError(.unauthorized("OAuth2 token request to \(tokenEndpoint) failed: \(error)"))
        }
    }

    private func fetchToken() async throws(IcebergError) -> CachedToken {
        let form = [("grant_type", "client_credentials"), ("client_id", clientID), ("client_secret", clientSecret), ("scope", scope)]
            .map { RESTPercentEncoding.encodeForm($0.0) + "=" + RESTPercentEncoding.encodeForm($0.1) }.joined(separator: "&")
        let request = RESTRequest(method: "POST", url: tokenEndpoint,
                                  headers: [RESTHeader("Content-Type", "application/x-www-form-urlencoded"),
                                            RESTHeader("Accept", "application/json")],
                                  body: Array(form.utf8))
        let sent = now()
        let response: RESTResponse
        do {
            response = try await transport.send(request, timeout: timeout)
        } catch {
            throw IcebergError(.unauthorized("OAuth2 token request to \(tokenEndpoint) failed: \(error.message)"))
        }
        let text = String(decoding: response.body, as: UTF8.self)
        guard (200..<300).contains(response.status) else {
            // RFC 6749 §5.2: {"error": "invalid_client", "error_description": "…"}
            let json = try? AvroJSON(parsing: text)
            let code = json?["error"]?.stringValue ?? ""
            let detail = json?["error_description"]?.stringValue ?? String(text.prefix(500))
            throw IcebergError(.unauthorized("OAuth2 token request to \(tokenEndpoint) answered HTTP \(response.status) \(code): \(detail)"))
        }
        let json: AvroJSON
        do { json = try AvroJSON(parsing: text) } catch {
            throw IcebergError(.unauthorized("OAuth2 token response from \(tokenEndpoint) is not JSON: \(error)"))
        }
        guard let token = json["access_token"]?.stringValue, !token.isEmpty else {
            throw IcebergError(.unauthorized("OAuth2 token response from \(tokenEndpoint) has no access_token"))
        }
        let refreshAt = json["expires_in"]?.intValue.map { seconds -> ContinuousClock.Instant in
            let lifetime = Duration.seconds(max(0, seconds))
            return sent + lifetime - min(refreshMargin, lifetime / 2)
        }
        return CachedToken(token: token, refreshAt: refreshAt)
    }

    /// Never shows the secret.
    public var description: String {
        "OAuth2ClientCredentials(tokenEndpoint: \(tokenEndpoint), clientID: \(clientID), clientSecret: <redacted>, scope: \(scope))"
    }
}
