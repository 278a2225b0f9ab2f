import Foundation
import LakeAWS
import Testing

/// Glue, Athena, CloudWatch, SNS and STS against moto and ministack.
@Suite("AWS services against local servers", .enabled(if: AWSTestServers.enabled), .serialized)
struct ServiceServerTests {
    static let motoCredentials = StaticCredentials(AWSCredentials(accessKeyID: "testing", secretAccessKey: "testing"))
    /// ministack checks signatures of IAM-user keys; the root key `test` is its default account.
    static let ministackCredentials = StaticCredentials(AWSCredentials(accessKeyID: "test", secretAccessKey: "test"))

    func moto() throws -> AWSConfiguration {
        try AWSTestServers.configuration(try AWSTestServers.require(AWSTestServers.moto, "moto"))
    }

    func ministack() throws -> AWSConfiguration {
        try AWSTestServers.configuration(try AWSTestServers.require(AWSTestServers.ministack, "ministack"))
    }

    @Test("SNS publish, CloudWatch metrics in batches, STS caller identity (moto)")
    func queryServices() async throws {
        let configuration = try moto()
        let sns = SNSClient(configuration: configuration, credentials: Self.motoCredentials)
        let topic = try await sns.createTopic(AWSTestServers.uniqueName("dq-alerts"))
        #expect(topic.hasPrefix("arn:aws:sns:"))
        let id = try await sns.publish(topicARN: topic, message: "silver: 2 rules failed & 1 errored", subject: "DQ")
        #expect(!id.isEmpty)

        let counting = CountingTransport()
        let cloudWatch = CloudWatchClient(configuration: configuration, credentials: Self.motoCredentials, transport: counting, batchSize: 20)
        let data = (0..<45).map { MetricDatum(name: "RowsWritten", value: Double($0), unit: "Count", dimensions: [("Table", "silver.cloudfront")]) }
        try await cloudWatch.putMetricData(namespace: "Lakehouse", data)
        #expect(counting.count == 3)

        let identity = try await STSClient(configuration: configuration, credentials: Self.motoCredentials).callerIdentity()
        #expect(!identity.account.isEmpty && identity.arn.hasPrefix("arn:aws:"))
    }

    @Test("Glue databases and tables with pagination (moto)")
    func glueCatalog() async throws {
        let glue = GlueClient(configuration: try moto(), credentials: Self.motoCredentials)
        let database = AWSTestServers.uniqueName("lake").replacingOccurrences(of: "-", with: "_")
        try await glue.createDatabase(database, description: "test")
        #expect(try await glue.databaseExists(database))
        #expect(try await glue.databases().contains(database))
        for index in 0..<3 {
            try await glue.createTable(database: database, input: GlueTableInput(
                name: "t\(index)", tableType: "EXTERNAL_TABLE", parameters: ["table_type": "ICEBERG"],
                location: "s3://lake/silver/t\(index)", columns: [GlueColumn(name: "id", type: "bigint")]))
        }
        let tables = try await glue.tables(database: database)
        #expect(Set(tables.map(\.name)) == ["t0", "t1", "t2"])
        let table = try await glue.getTable(database: database, name: "t1")
        #expect(table.parameters["table_type"] == "ICEBERG" && table.location == "s3://lake/silver/t1")
        try await glue.deleteTable(database: database, name: "t1")
        do {
            _ = try await glue.getTable(database: database, name: "t1")
            Issue.record("deleted table still readable")
        } catch {
            #expect(error.kind == .notFound && error.code == "EntityNotFoundException", "\(error)")
        }
        #expect(try await !glue.databaseExists(database + "_missing"))
    }

    @Test("Glue VersionId: a stale update fails with a conflict (ministack)")
    func glueOptimisticLocking() async throws {
        let glue = GlueClient(configuration: try ministack(), credentials: Self.ministackCredentials)
        let database = AWSTestServers.uniqueName("lock").replacingOccurrences(of: "-", with: "_")
        try await glue.createDatabase(database)
        var input = GlueTableInput(name: "events", parameters: ["metadata_location": "s3://lake/m/00000.json"],
                                   location: "s3://lake/events", columns: [GlueColumn(name: "id", type: "bigint")])
        try await glue.createTable(database: database, input: input)
        let base = try await glue.getTable(database: database, name: "events")
        let version = try #require(base.versionID)
        input.parameters["metadata_location"] = "s3://lake/m/00001.json"
        try await glue.updateTable(database: database, input: input, versionID: version)
        // A second writer still holding the old version loses.
        input.parameters["metadata_location"] = "s3://lake/m/00001-other.json"
        do {
            try await glue.updateTable(database: database, input: input, versionID: version)
            Issue.record("a stale VersionId must not overwrite")
        } catch {
            #expect(error.kind == .conflict && error.code == "ConcurrentModificationException", "\(error)")
        }
        #expect(try await glue.getTable(database: database, name: "events").parameters["metadata_location"] == "s3://lake/m/00001.json")
    }

    @Test("Athena runs SQL over CSV in S3 registered in Glue (ministack)")
    func athenaSQL() async throws {
        let configuration = try ministack()
        let s3 = S3Client(configuration: configuration, credentials: Self.ministackCredentials)
        let glue = GlueClient(configuration: configuration, credentials: Self.ministackCredentials)
        let athena = AthenaClient(configuration: configuration, credentials: Self.ministackCredentials)
        let bucket = AWSTestServers.uniqueName("athena")
        try await s3.createBucket(bucket)
        let csv = "GET,200,1200\nGET,404,300\nPOST,200,50\nGET,200,700\n"
        try await s3.putObject(bucket: bucket, key: "gold/requests/part-0.csv", body: Array(csv.utf8))
        let database = AWSTestServers.uniqueName("gold").replacingOccurrences(of: "-", with: "_")
        try await glue.createDatabase(database)
        try await glue.createTable(database: database, input: GlueTableInput(
            name: "requests", location: "s3://\(bucket)/gold/requests/",
            columns: [GlueColumn(name: "method", type: "string"), GlueColumn(name: "status", type: "int"), GlueColumn(name: "bytes", type: "bigint")],
            inputFormat: "org.apache.hadoop.mapred.TextInputFormat",
            outputFormat: "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
            serializationLibrary: "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe", serdeParameters: ["field.delim": ","]))
        let result = try await athena.query(
            "SELECT method, count(*) AS requests, sum(bytes) AS bytes FROM \(database).requests WHERE status = 200 GROUP BY method ORDER BY method",
            outputLocation: "s3://\(bucket)/athena-results/", database: database)
        #expect(result.names == ["method", "requests", "bytes"])
        #expect(result.rows.count == 2)
        let byMethod = Dictionary(uniqueKeysWithValues: result.rows.map { row in
            (row[0], row.dropFirst().map { value -> Int64? in if case let .integer(n) = value { return n } else { return nil } })
        })
        #expect(byMethod[.string("GET")] == [2, 1900], "\(result.rows)")
        #expect(byMethod[.string("POST")] == [1, 50], "\(result.rows)")
    }
}
