public import IcebergKit

/// URLs of the REST catalog's routes (Iceberg REST OpenAPI, `/v1/…`).
struct RESTPaths: Sendable {
    /// The catalog's base URI, without a trailing slash (`https://host/iceberg`).
    let base: String
    /// The server's `prefix`, inserted as given (already URL-encoded).
    let prefix: String?

    init(base: String, prefix: String?) {
        var trimmed = Substring(base)
        while trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        self.base = String(trimmed)
        self.prefix = prefix
    }

    /// `<base>/v1/config?warehouse=…`.
    static func config(base: String, warehouse: String?) -> String {
        RESTPaths(base: base, prefix: nil).base + "/v1/config" + query([("warehouse", warehouse)])
    }

    /// `<base>/v1/oauth/tokens`, the default OAuth2 token endpoint.
    static func oauthTokens(base: String) -> String {
        RESTPaths(base: base, prefix: nil).base + "/v1/oauth/tokens"
    }

    /// `<base>/v1/<prefix>/<rest>`.
    func route(_ rest: String, query items: [(String, String?)] = []) -> String {
        base + "/v1/" + (prefix.map { $0 + "/" } ?? "") + rest + Self.query(items)
    }

    func namespaces(query items: [(String, String?)] = []) -> String { route("namespaces", query: items) }

    func namespace(_ namespace: String) throws(IcebergError) -> String {
        route("namespaces/" + (try Self.encode(namespace: namespace)))
    }

    func tables(_ namespace: String, query items: [(String, String?)] = []) throws(IcebergError) -> String {
        route("namespaces/" + (try Self.encode(namespace: namespace)) + "/tables", query: items)
    }

    func table(_ id: TableIdentifier, query items: [(String, String?)] = []) throws(IcebergError) -> String {
        route("namespaces/" + (try Self.encode(namespace: id.namespace)) + "/tables/" + RESTPercentEncoding.encode(id.name),
              query: items)
    }

    var rename: String { route("tables/rename") }
    var transactionCommit: String { route("transactions/commit") }

    /// The levels of a dotted namespace (`a.b` → `["a", "b"]`); an empty level is refused.
    static func levels(_ namespace: String) throws(IcebergError) -> [String] {
        let levels = namespace.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !namespace.isEmpty, !levels.contains(where: \.isEmpty) else {
            throw IcebergError(.unsupported("namespace '\(namespace)' has an empty level"))
        }
        return levels
    }

    /// A namespace in a path: each level percent-encoded, levels joined by the unit separator
    /// `%1F`, as the specification asks.
    static func encode(namespace: String) throws(IcebergError) -> String {
        try levels(namespace).map { RESTPercentEncoding.encode($0) }.joined(separator: "%1F")
    }

    /// `?a=1&b=2` of the items with a value; empty when none has one.
    static func query(_ items: [(String, String?)]) -> String {
        let present = items.compactMap { name, value in value.map { RESTPercentEncoding.encode(name) + "=" + RESTPercentEncoding.encode($0) } }
        return present.isEmpty ? "" : "?" + present.joined(separator: "&")
    }
}
