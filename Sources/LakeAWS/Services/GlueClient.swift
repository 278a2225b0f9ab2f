import Foundation

/// A Glue Data Catalog table as `GetTable` returns it.
public struct GlueTable: Sendable, Hashable {
    public var databaseName: String
    public var name: String
    /// The optimistic-locking token to pass back to ``GlueClient/updateTable(database:input:versionID:skipArchive:)``.
    public var versionID: String?
    public var tableType: String?
    public var parameters: [String: String]
    public var location: String?
    public var columns: [GlueColumn]
    /// The table's `Description`.
    public var description: String?
}

/// A Glue database as `GetDatabase` returns it.
public struct GlueDatabase: Sendable, Hashable {
    public var name: String
    public var description: String?
    /// The database's `LocationUri`: where its tables go by default.
    public var locationURI: String?
    public var parameters: [String: String]
}

/// A column of a Glue table's storage descriptor.
public struct GlueColumn: Sendable, Hashable {
    public var name: String
    /// The Hive type name (`bigint`, `struct<a:int>`, …).
    public var type: String
    public var comment: String?
    /// Free-form column parameters (Iceberg writes `iceberg.field.id` and friends here).
    public var parameters: [String: String]

    public init(name: String, type: String, comment: String? = nil, parameters: [String: String] = [:]) {
        self.name = name
        self.type = type
        self.comment = comment
        self.parameters = parameters
    }

    var json: [String: Any] {
        var column: [String: Any] = ["Name": name, "Type": type]
        if let comment { column["Comment"] = comment }
        if !parameters.isEmpty { column["Parameters"] = parameters }
        return column
    }

    init(json: [String: Any]) {
        self.init(name: json["Name"] as? String ?? "", type: json["Type"] as? String ?? "", comment: json["Comment"] as? String,
                  parameters: json["Parameters"] as? [String: String] ?? [:])
    }
}

/// The fields of a Glue `TableInput` the lakehouse writes (Iceberg tables, Athena-readable CSV/Parquet tables).
public struct GlueTableInput: Sendable, Hashable {
    public var name: String
    public var tableType: String?
    public var parameters: [String: String]
    public var location: String?
    public var columns: [GlueColumn]
    public var partitionKeys: [GlueColumn]
    public var inputFormat: String?
    public var outputFormat: String?
    public var serializationLibrary: String?
    public var serdeParameters: [String: String]
    /// The table's `Description`.
    public var description: String?

    public init(name: String, tableType: String? = "EXTERNAL_TABLE", parameters: [String: String] = [:], location: String? = nil,
                columns: [GlueColumn] = [], partitionKeys: [GlueColumn] = [], inputFormat: String? = nil, outputFormat: String? = nil,
                serializationLibrary: String? = nil, serdeParameters: [String: String] = [:], description: String? = nil) {
        self.name = name
        self.tableType = tableType
        self.parameters = parameters
        self.location = location
        self.columns = columns
        self.partitionKeys = partitionKeys
        self.inputFormat = inputFormat
        self.outputFormat = outputFormat
        self.serializationLibrary = serializationLibrary
        self.serdeParameters = serdeParameters
        self.description = description
    }

    var json: [String: Any] {
        var storage: [String: Any] = ["Columns": columns.map(\.json)]
        if let location { storage["Location"] = location }
        if let inputFormat { storage["InputFormat"] = inputFormat }
        if let outputFormat { storage["OutputFormat"] = outputFormat }
        if serializationLibrary != nil || !serdeParameters.isEmpty {
            var serde: [String: Any] = ["Parameters": serdeParameters]
            if let serializationLibrary { serde["SerializationLibrary"] = serializationLibrary }
            storage["SerdeInfo"] = serde
        }
        var input: [String: Any] = ["Name": name, "Parameters": parameters, "StorageDescriptor": storage]
        if let tableType { input["TableType"] = tableType }
        if let description { input["Description"] = description }
        if !partitionKeys.isEmpty { input["PartitionKeys"] = partitionKeys.map(\.json) }
        return input
    }
}

/// Glue Data Catalog databases and tables (JSON 1.1).
public final class GlueClient: Sendable {
    public let core: AWSServiceClient
    private var json: JSONProtocol { JSONProtocol(core: core, targetPrefix: "AWSGlue") }

    public init(configuration: AWSConfiguration, credentials: any CredentialProvider, transport: any HTTPTransport = AsyncHTTPClientTransport()) {
        self.core = AWSServiceClient(service: .glue, configuration: configuration, credentials: credentials, transport: transport)
    }

    /// CreateDatabase; `AlreadyExistsException` when the name is taken.
    public func createDatabase(_ name: String, description: String? = nil, locationURI: String? = nil,
                               parameters: [String: String] = [:]) async throws(AWSError) {
        var input: [String: Any] = ["Name": name]
        if let description { input["Description"] = description }
        if let locationURI { input["LocationUri"] = locationURI }
        if !parameters.isEmpty { input["Parameters"] = parameters }
        _ = try await json.call("CreateDatabase", ["DatabaseInput": input])
    }

    /// GetDatabase; ``AWSError/Kind/notFound`` when there is no such database.
    public func database(_ name: String) async throws(AWSError) -> GlueDatabase {
        let output = try await json.call("GetDatabase", ["Name": name])
        guard let database = output["Database"] as? [String: Any] else {
            throw AWSError(.malformedResponse, service: "glue", operation: "GetDatabase", message: "no Database in the response")
        }
        return GlueDatabase(name: database["Name"] as? String ?? name, description: database["Description"] as? String,
                            locationURI: database["LocationUri"] as? String,
                            parameters: database["Parameters"] as? [String: String] ?? [:])
    }

    /// Whether the database exists.
    public func databaseExists(_ name: String) async throws(AWSError) -> Bool {
        do {
            _ = try await json.call("GetDatabase", ["Name": name])
            return true
        } catch where error.kind == .notFound {
            return false
        }
    }

    /// Every database name, following `NextToken`.
    public func databases() async throws(AWSError) -> [String] {
        var names: [String] = []
        var token: String?
        repeat {
            var input: [String: Any] = [:]
            if let token { input["NextToken"] = token }
            let output = try await json.call("GetDatabases", input)
            names += ((output["DatabaseList"] as? [[String: Any]]) ?? []).compactMap { $0["Name"] as? String }
            token = output["NextToken"] as? String
        } while token != nil
        return names
    }

    public func deleteDatabase(_ name: String) async throws(AWSError) {
        _ = try await json.call("DeleteDatabase", ["Name": name])
    }

    public func createTable(database: String, input: GlueTableInput) async throws(AWSError) {
        _ = try await json.call("CreateTable", ["DatabaseName": database, "TableInput": input.json])
    }

    public func getTable(database: String, name: String) async throws(AWSError) -> GlueTable {
        let output = try await json.call("GetTable", ["DatabaseName": database, "Name": name])
        guard let table = output["Table"] as? [String: Any] else {
            throw AWSError(.malformedResponse, service: "glue", operation: "GetTable", message: "no Table in the response")
        }
        return Self.table(table, database: database)
    }

    static func table(_ table: [String: Any], database: String) -> GlueTable {
        let storage = table["StorageDescriptor"] as? [String: Any]
        let columns = ((storage?["Columns"] as? [[String: Any]]) ?? []).map(GlueColumn.init(json:))
        return GlueTable(databaseName: table["DatabaseName"] as? String ?? database, name: table["Name"] as? String ?? "",
                         versionID: table["VersionId"] as? String, tableType: table["TableType"] as? String,
                         parameters: table["Parameters"] as? [String: String] ?? [:], location: storage?["Location"] as? String,
                         columns: columns, description: table["Description"] as? String)
    }

    /// Every table of `database`, following `NextToken`.
    public func tables(database: String) async throws(AWSError) -> [GlueTable] {
        var tables: [GlueTable] = []
        var token: String?
        repeat {
            var input: [String: Any] = ["DatabaseName": database]
            if let token { input["NextToken"] = token }
            let output = try await json.call("GetTables", input)
            tables += ((output["TableList"] as? [[String: Any]]) ?? []).map { Self.table($0, database: database) }
            token = output["NextToken"] as? String
        } while token != nil
        return tables
    }

    /// UpdateTable; with `versionID` the update only applies if the table is still at that
    /// version, else it throws ``AWSError/Kind/conflict`` (`ConcurrentModificationException`).
    public func updateTable(database: String, input: GlueTableInput, versionID: String? = nil,
                            skipArchive: Bool = false) async throws(AWSError) {
        var request: [String: Any] = ["DatabaseName": database, "TableInput": input.json, "SkipArchive": skipArchive]
        if let versionID { request["VersionId"] = versionID }
        _ = try await json.call("UpdateTable", request)
    }

    public func deleteTable(database: String, name: String) async throws(AWSError) {
        _ = try await json.call("DeleteTable", ["DatabaseName": database, "Name": name])
    }
}
