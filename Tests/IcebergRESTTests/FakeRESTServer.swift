import Foundation
import IcebergKit
import IcebergREST
import Synchronization

/// An in-process Iceberg REST catalog, reached through ``RESTTransport``: namespaces, tables
/// and commits held in memory (commits checked and applied with IcebergKit's
/// `MetadataFileCommit.next`, so a failed requirement is a `409`), listings paged two at a
/// time, an OAuth2 token endpoint, and a hook that can answer any request first.
final class FakeRESTServer: RESTTransport {
    static let base = "http://fake.test/api"
    /// The prefix the config hands out (URL-encoded, with an escaped slash, as S3 Tables').
    static let prefix = "ws%2Fmain"

    struct State {
        var namespaces: [[String]: [String: String]] = [:]
        var tables: [String: (metadata: TableMetadata, location: String)] = [:]
        var requests: [RESTRequest] = []
        var tokensIssued = 0
        var version = 0
    }

    let state = Mutex(State())
    /// Answers a request before the server does (nil: the server answers).
    let hook = Mutex<(@Sendable (RESTRequest) -> RESTResponse?)?>(nil)
    /// The bearer token every catalog call must carry (nil: none needed).
    let requiredToken = Mutex<String?>(nil)
    let pageSize = 2
    let tableRoot: String

    init(tableRoot: String) {
        self.tableRoot = tableRoot
    }

    var requests: [RESTRequest] { state.withLock { $0.requests } }

    func send(_ request: RESTRequest, timeout: Duration) async throws(RESTTransportError) -> RESTResponse {
        state.withLock { $0.requests.append(request) }
        if let answer = hook.withLock({ $0 })?(request) { return answer }
        return handle(request)
    }

    static func json(_ status: Int, _ value: AvroJSON) -> RESTResponse {
        RESTResponse(status: status, headers: [RESTHeader("Content-Type", "application/json")], body: Array(value.text.utf8))
    }

    static func error(_ status: Int, _ type: String, _ message: String) -> RESTResponse {
        json(status, .object([("error", .object([("message", .string(message)), ("type", .string(type)), ("code", .integer(Int64(status)))]))]))
    }

    private static func decode(_ text: Substring) -> String {
        String(text).removingPercentEncoding ?? String(text)
    }

    private static func key(_ namespace: [String], _ name: String) -> String { namespace.joined(separator: ".") + "/" + name }

    private func handle(_ request: RESTRequest) -> RESTResponse {
        guard request.url.hasPrefix(Self.base + "/v1/") else { return Self.error(404, "NotFound", "not under the base") }
        var rest = Substring(request.url.dropFirst(Self.base.count + 4))
        var query: [String: String] = [:]
        if let question = rest.firstIndex(of: "?") {
            for pair in rest[rest.index(after: question)...].split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                query[Self.decode(parts[0])] = parts.count > 1 ? Self.decode(parts[1]) : ""
            }
            rest = rest[..<question]
        }
        if rest == "oauth/tokens" {
            let form = String(decoding: request.body, as: UTF8.self)
            guard form.contains("grant_type=client_credentials"), form.contains("client_id=reader"),
                  form.contains("client_secret=s3cr%2Bt"), form.contains("scope=catalog") else {
                return Self.json(401, .object([("error", .string("invalid_client")), ("error_description", .string("bad client"))]))
            }
            let issued = state.withLock { $0.tokensIssued += 1; return $0.tokensIssued }
            let token = "token-\(issued)"
            requiredToken.withLock { $0 = token }
            return Self.json(200, .object([("access_token", .string(token)), ("token_type", .string("bearer")),
                                           ("expires_in", .integer(3600))]))
        }
        if let required = requiredToken.withLock({ $0 }), request.header("Authorization") != "Bearer " + required {
            return Self.error(401, "NotAuthorizedException", "token expired or missing")
        }
        if rest == "config" {
            guard query["warehouse"] == "main" else { return Self.error(400, "BadRequestException", "unknown warehouse") }
            return Self.json(200, .object([
                ("defaults", .object([("prefix", .string("wrong")), ("page-size", .string("2")), ("client.region", .string("eu-west-1"))])),
                ("overrides", .object([("prefix", .string(Self.prefix))])),
            ]))
        }
        guard rest.hasPrefix(Self.prefix + "/") else { return Self.error(404, "NotFound", "no such prefix: \(rest)") }
        let segments = rest.dropFirst(Self.prefix.count + 1).split(separator: "/", omittingEmptySubsequences: false)
        let body = request.body.isEmpty ? AvroJSON.object([]) : (try? AvroJSON(parsing: String(decoding: request.body, as: UTF8.self))) ?? .null
        return state.withLock { state in route(&state, request.method, segments, query, body) }
    }

    private func namespace(_ segment: Substring) -> [String] {
        segment.split(separator: "%1F", omittingEmptySubsequences: false).map { Self.decode($0) }
    }

    private static func levels(_ json: AvroJSON?) -> [String] {
        guard case let .array(items)? = json else { return [] }
        return items.compactMap(\.stringValue)
    }

    private func page<T>(_ items: [T], _ query: [String: String]) -> (items: [T], next: AvroJSON) {
        let start = Int(query["pageToken"] ?? "") ?? 0
        let end = min(items.count, start + pageSize)
        return (Array(items[min(start, items.count)..<end]), end < items.count ? .string(String(end)) : .null)
    }

    private func loadResult(_ entry: (metadata: TableMetadata, location: String)) -> AvroJSON {
        .object([("metadata-location", .string(entry.location)), ("metadata", entry.metadata.json),
                 ("config", .object([("s3.access-key-id", .string("vended"))]))])
    }

    private func route(_ state: inout State, _ method: String, _ segments: [Substring], _ query: [String: String],
                       _ body: AvroJSON) -> RESTResponse {
        switch (method, segments.count, segments.first) {
        case ("GET", 1, "namespaces"):
            let all = state.namespaces.keys.sorted { $0.joined(separator: ".") < $1.joined(separator: ".") }
            let (items, next) = page(all, query)
            return Self.json(200, .object([("namespaces", .array(items.map { .array($0.map { .string($0) }) })), ("next-page-token", next)]))
        case ("POST", 1, "namespaces"):
            let ns = Self.levels(body["namespace"])
            if state.namespaces[ns] != nil { return Self.error(409, "AlreadyExistsException", "Namespace already exists: \(ns)") }
            var properties: [String: String] = [:]
            if case let .object(pairs)? = body["properties"] { for (k, v) in pairs { properties[k] = v.stringValue } }
            state.namespaces[ns] = properties
            return Self.json(200, .object([("namespace", body["namespace"] ?? .null), ("properties", body["properties"] ?? .null)]))
        case ("POST", 2, "tables") where segments[1] == "rename":
            let source = Self.key(Self.levels(body["source"]?["namespace"]), body["source"]?["name"]?.stringValue ?? "")
            let destinationNamespace = Self.levels(body["destination"]?["namespace"])
            let destination = Self.key(destinationNamespace, body["destination"]?["name"]?.stringValue ?? "")
            guard let entry = state.tables[source] else { return Self.error(404, "NoSuchTableException", "Table does not exist: \(source)") }
            guard state.namespaces[destinationNamespace] != nil else { return Self.error(404, "NoSuchNamespaceException", "no namespace") }
            if state.tables[destination] != nil { return Self.error(409, "AlreadyExistsException", "Table already exists: \(destination)") }
            state.tables[source] = nil
            state.tables[destination] = entry
            return RESTResponse(status: 204)
        case ("POST", 2, "transactions") where segments[1] == "commit":
            guard case let .array(changes)? = body["table-changes"] else { return Self.error(400, "BadRequestException", "no changes") }
            var staged = state
            for change in changes {
                let answer = commit(&staged, Self.levels(change["identifier"]?["namespace"]), change["identifier"]?["name"]?.stringValue ?? "", change)
                if answer.status != 200 { return answer }
            }
            state = staged
            return RESTResponse(status: 204)
        default:
            break
        }
        guard segments.first == "namespaces", segments.count >= 2 else { return Self.error(404, "NotFound", "no route") }
        let ns = namespace(segments[1])
        guard let properties = state.namespaces[ns] else { return Self.error(404, "NoSuchNamespaceException", "Namespace does not exist: \(ns)") }
        switch (method, segments.count) {
        case ("GET", 2):
            return Self.json(200, .object([("namespace", .array(ns.map { .string($0) })),
                                           ("properties", .object(properties.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))]))
        case ("DELETE", 2):
            if state.tables.keys.contains(where: { $0.hasPrefix(ns.joined(separator: ".") + "/") }) {
                return Self.error(409, "NamespaceNotEmptyException", "Namespace \(ns) is not empty")
            }
            state.namespaces[ns] = nil
            return RESTResponse(status: 204)
        case ("GET", 3):
            let names = state.tables.keys.filter { $0.hasPrefix(ns.joined(separator: ".") + "/") }.sorted()
            let (items, next) = page(names, query)
            return Self.json(200, .object([("identifiers", .array(items.map { key in
                .object([("namespace", .array(ns.map { .string($0) })), ("name", .string(String(key.split(separator: "/").last ?? "")))])
            })), ("next-page-token", next)]))
        case ("POST", 3):
            guard let name = body["name"]?.stringValue, let schemaJSON = body["schema"],
                  let schema = try? IcebergSchema(json: schemaJSON) else { return Self.error(400, "BadRequestException", "bad create") }
            let key = Self.key(ns, name)
            if state.tables[key] != nil { return Self.error(409, "AlreadyExistsException", "Table already exists: \(key)") }
            let spec = body["partition-spec"].flatMap { try? PartitionSpec(json: $0) } ?? .unpartitioned
            let location = body["location"]?.stringValue ?? "\(tableRoot)/\(ns.joined(separator: "/"))/\(name)"
            var properties: [String: String] = [:]
            if case let .object(pairs)? = body["properties"] { for (k, v) in pairs { properties[k] = v.stringValue } }
            let metadata = TableMetadata(location: location, schema: schema, spec: spec, properties: properties,
                                         tableUUID: UUID().uuidString.lowercased(), nowMs: currentTimeMs())
            state.version += 1
            state.tables[key] = (metadata, "\(location)/metadata/0000\(state.version)-create.metadata.json")
            return Self.json(200, loadResult(state.tables[key]!))
        default:
            break
        }
        guard segments.count == 4, segments[2] == "tables" else { return Self.error(404, "NotFound", "no route") }
        let name = Self.decode(segments[3])
        let key = Self.key(ns, name)
        switch method {
        case "GET":
            guard let entry = state.tables[key] else { return Self.error(404, "NoSuchTableException", "Table does not exist: \(key)") }
            return Self.json(200, loadResult(entry))
        case "DELETE":
            guard state.tables[key] != nil else { return Self.error(404, "NoSuchTableException", "Table does not exist: \(key)") }
            state.tables[key] = nil
            return RESTResponse(status: 204)
        case "POST":
            return commit(&state, ns, name, body)
        default:
            return Self.error(405, "MethodNotAllowed", method)
        }
    }

    /// Applies one `CommitTableRequest` (checks the identifier in the body when present).
    private func commit(_ state: inout State, _ ns: [String], _ name: String, _ body: AvroJSON) -> RESTResponse {
        let key = Self.key(ns, name)
        if let id = body["identifier"], Self.key(Self.levels(id["namespace"]), id["name"]?.stringValue ?? "") != key {
            return Self.error(400, "BadRequestException", "identifier does not match the path")
        }
        guard let entry = state.tables[key] else { return Self.error(404, "NoSuchTableException", "Table does not exist: \(key)") }
        do {
            let requirements = try FakeRESTCoding.requirements(body["requirements"])
            let updates = try FakeRESTCoding.updates(body["updates"])
            let next = try MetadataFileCommit.next(base: entry.metadata, baseLocation: entry.location, requirements: requirements,
                                                   updates: updates, nowMs: currentTimeMs())
            state.version += 1
            let location = "\(next.location)/metadata/\(String(format: "%05d", state.version))-commit.metadata.json"
            state.tables[key] = (next, location)
            return Self.json(200, .object([("metadata-location", .string(location)), ("metadata", next.json)]))
        } catch let error as IcebergError {
            if case let .commitConflict(message) = error.kind { return Self.error(409, "CommitFailedException", message) }
            return Self.error(400, "BadRequestException", "\(error)")
        } catch {
            return Self.error(400, "BadRequestException", "\(error)")
        }
    }
}
