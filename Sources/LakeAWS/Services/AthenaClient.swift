import Foundation

/// One value of an Athena result, typed by the column's result metadata.
public enum AthenaValue: Sendable, Hashable {
    case null
    case string(String)
    case integer(Int64)
    case double(Double)
    case boolean(Bool)
    /// Dates, timestamps, decimals and other types keep their text.
    case text(type: String, value: String)
}

/// A query's result rows with their column names and types.
public struct AthenaResultSet: Sendable, Hashable {
    public var columns: [(name: String, type: String)] { zip(names, types).map { ($0, $1) } }
    public var names: [String]
    public var types: [String]
    public var rows: [[AthenaValue]]
}

/// The state of a query execution.
public struct AthenaQueryStatus: Sendable, Hashable {
    /// QUEUED, RUNNING, SUCCEEDED, FAILED or CANCELLED.
    public var state: String
    public var reason: String?
    public var outputLocation: String?
}

/// Athena queries: start, poll, page through typed results, stop (JSON 1.1).
public final class AthenaClient: Sendable {
    public let core: AWSServiceClient
    private var json: JSONProtocol { JSONProtocol(core: core, targetPrefix: "AmazonAthena") }

    public init(configuration: AWSConfiguration, credentials: any CredentialProvider, transport: any HTTPTransport = AsyncHTTPClientTransport()) {
        self.core = AWSServiceClient(service: .athena, configuration: configuration, credentials: credentials, transport: transport)
    }

    public func startQuery(_ sql: String, workgroup: String? = nil, outputLocation: String? = nil,
                           database: String? = nil) async throws(AWSError) -> String {
        var input: [String: Any] = ["QueryString": sql, "ClientRequestToken": UUID().uuidString]
        if let workgroup { input["WorkGroup"] = workgroup }
        if let outputLocation { input["ResultConfiguration"] = ["OutputLocation": outputLocation] }
        if let database { input["QueryExecutionContext"] = ["Database": database] }
        guard let id = try await json.call("StartQueryExecution", input)["QueryExecutionId"] as? String else {
            throw AWSError(.malformedResponse, service: "athena", operation: "StartQueryExecution", message: "no QueryExecutionId")
        }
        return id
    }

    public func status(_ id: String) async throws(AWSError) -> AthenaQueryStatus {
        let output = try await json.call("GetQueryExecution", ["QueryExecutionId": id])
        let execution = output["QueryExecution"] as? [String: Any]
        let status = execution?["Status"] as? [String: Any]
        guard let state = status?["State"] as? String else {
            throw AWSError(.malformedResponse, service: "athena", operation: "GetQueryExecution", message: "no Status.State")
        }
        return AthenaQueryStatus(state: state, reason: status?["StateChangeReason"] as? String,
                                 outputLocation: (execution?["ResultConfiguration"] as? [String: Any])?["OutputLocation"] as? String)
    }

    /// Polls until the query leaves QUEUED/RUNNING; a FAILED or CANCELLED query throws.
    public func wait(_ id: String, pollInterval: Duration = .milliseconds(250), timeout: Duration = .seconds(300)) async throws(AWSError) -> AthenaQueryStatus {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            let current = try await status(id)
            switch current.state {
            case "SUCCEEDED": return current
            case "FAILED", "CANCELLED":
                throw AWSError(.service, service: "athena", operation: "GetQueryExecution", code: current.state,
                               message: current.reason ?? "query \(current.state.lowercased())")
            default:
                guard clock.now < deadline else {
                    throw AWSError(.transport, service: "athena", operation: "GetQueryExecution", message: "query \(id) still \(current.state) after the timeout")
                }
                try? await Task.sleep(for: pollInterval)
            }
        }
    }

    /// Every result row, following `NextToken`. For SELECT the header row Athena returns first is dropped.
    public func results(_ id: String, isSelect: Bool = true) async throws(AWSError) -> AthenaResultSet {
        var names: [String] = [], types: [String] = []
        var rows: [[AthenaValue]] = []
        var token: String?
        var first = true
        repeat {
            var input: [String: Any] = ["QueryExecutionId": id]
            if let token { input["NextToken"] = token }
            let output = try await json.call("GetQueryResults", input)
            let resultSet = output["ResultSet"] as? [String: Any]
            if first {
                let info = ((resultSet?["ResultSetMetadata"] as? [String: Any])?["ColumnInfo"] as? [[String: Any]]) ?? []
                names = info.map { $0["Name"] as? String ?? "" }
                types = info.map { ($0["Type"] as? String ?? "varchar").lowercased() }
            }
            var pageRows = (resultSet?["Rows"] as? [[String: Any]]) ?? []
            if first && isSelect && !pageRows.isEmpty {
                let header = ((pageRows[0]["Data"] as? [[String: Any]]) ?? []).map { $0["VarCharValue"] as? String }
                if header == names.map(Optional.some) { pageRows.removeFirst() }
            }
            for row in pageRows {
                let data = (row["Data"] as? [[String: Any]]) ?? []
                rows.append(data.enumerated().map { index, cell in
                    Self.value(cell["VarCharValue"] as? String, type: index < types.count ? types[index] : "varchar")
                })
            }
            token = output["NextToken"] as? String
            first = false
        } while token != nil
        return AthenaResultSet(names: names, types: types, rows: rows)
    }

    static func value(_ text: String?, type: String) -> AthenaValue {
        guard let text else { return .null }
        switch type {
        case "tinyint", "smallint", "integer", "int", "bigint": return Int64(text).map(AthenaValue.integer) ?? .text(type: type, value: text)
        case "double", "float", "real": return Double(text).map(AthenaValue.double) ?? .text(type: type, value: text)
        case "boolean": return .boolean(text.lowercased() == "true")
        case "varchar", "char", "string": return .string(text)
        default: return .text(type: type, value: text)
        }
    }

    public func stop(_ id: String) async throws(AWSError) {
        _ = try await json.call("StopQueryExecution", ["QueryExecutionId": id])
    }

    /// Start, wait and fetch in one call.
    public func query(_ sql: String, workgroup: String? = nil, outputLocation: String? = nil,
                      database: String? = nil) async throws(AWSError) -> AthenaResultSet {
        let id = try await startQuery(sql, workgroup: workgroup, outputLocation: outputLocation, database: database)
        _ = try await wait(id)
        return try await results(id)
    }
}
