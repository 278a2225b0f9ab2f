public import IcebergKit

/// Adds credentials to every request a ``RESTCatalog`` sends: a bearer token, an OAuth2 token
/// (``OAuth2ClientCredentials``), or an AWS SigV4 signature (IcebergAWS's
/// `SigV4RESTAuthenticator`). Called last, after the method, URL, headers and body are final,
/// so a signature covers exactly what is sent.
public protocol RESTAuthenticator: Sendable {
    /// Adds or changes headers of `request` (its method, URL and body are final).
    func authenticate(_ request: inout RESTRequest) async throws(IcebergError)

    /// Forgets cached credentials after the server answered `401`. Returns whether new
    /// credentials can be obtained, in which case the request is sent once more.
    func invalidate() async -> Bool
}

extension RESTAuthenticator {
    public func invalidate() async -> Bool { false }
}

/// No credentials (a local or network-protected catalog).
public struct NoRESTAuthentication: RESTAuthenticator {
    public init() {}
    public func authenticate(_ request: inout RESTRequest) async throws(IcebergError) {}
}

/// A fixed token sent as `Authorization: Bearer <token>` (the REST spec's `token` property).
public struct BearerTokenAuthenticator: RESTAuthenticator, CustomStringConvertible {
    private let token: String

    public init(token: String) {
        self.token = token
    }

    public func authenticate(_ request: inout RESTRequest) async throws(IcebergError) {
        request.setHeader("Authorization", "Bearer " + token)
    }

    /// Never shows the token.
    public var description: String { "BearerTokenAuthenticator(token: <redacted>)" }
}
