public import IcebergKit

/// A REST catalog's configuration: the server's `GET /v1/config` answer merged with the client's
/// properties as the specification orders them (server `defaults`, then the client's
/// properties, then server `overrides`).
public struct RESTCatalogConfig: Sendable, Hashable {
    /// The merged properties.
    public var properties: [String: String]
    /// The endpoints the server says it supports (`"GET /v1/{prefix}/namespaces"`, …); empty when
    /// it does not say.
    public var endpoints: [String]

    public init(properties: [String: String], endpoints: [String] = []) {
        self.properties = properties
        self.endpoints = endpoints
    }

    /// The path segment(s) after `/v1/` of every call but `config` and `oauth/tokens`, inserted as
    /// the server gave it (the specification has servers return it URL-encoded; S3 Tables
    /// answers its table bucket ARN so).
    public var prefix: String? {
        guard let prefix = properties["prefix"], !prefix.isEmpty else { return nil }
        var trimmed = Substring(prefix)
        while trimmed.hasPrefix("/") { trimmed = trimmed.dropFirst() }
        while trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        return trimmed.isEmpty ? nil : String(trimmed)
    }

    /// Merges a `GET /v1/config` answer (`{"defaults": {…}, "overrides": {…}, "endpoints": […]}`)
    /// with `client`.
    public init(response json: AvroJSON, client: [String: String]) throws(IcebergError) {
        var merged = try Self.stringMap(json["defaults"], key: "defaults")
        merged.merge(client) { _, new in new }
        merged.merge(try Self.stringMap(json["overrides"], key: "overrides")) { _, new in new }
        var endpoints: [String] = []
        if case let .array(items)? = json["endpoints"] { endpoints = items.compactMap(\.stringValue) }
        self.init(properties: merged, endpoints: endpoints)
    }

    /// An object of strings (numbers and booleans taken as their text); nil or `null` is empty.
    static func stringMap(_ json: AvroJSON?, key: String) throws(IcebergError) -> [String: String] {
        guard let json else { return [:] }
        switch json {
        case .null:
            return [:]
        case let .object(pairs):
            var out: [String: String] = [:]
            for (name, value) in pairs {
                switch value {
                case let .string(text): out[name] = text
                case let .integer(number): out[name] = String(number)
                case let .bool(flag): out[name] = flag ? "true" : "false"
                case let .number(number): out[name] = String(number)
                case .null: continue
                default: throw IcebergError(.invalidMetadata("REST catalog: '\(key).\(name)' is not a string"))
                }
            }
            return out
        default:
            throw IcebergError(.invalidMetadata("REST catalog: '\(key)' is not an object"))
        }
    }
}
