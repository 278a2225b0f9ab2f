import Foundation
import IcebergAWS
import IcebergKit
import IcebergREST
import LakeAWS
import LakeColumnar
import LakeTestSupport
import Testing

/// Athena over the table bucket we commit to: ministack's Athena names each S3 table bucket's
/// catalog `s3tablescatalog/<bucket>` and runs the SQL with DuckDB attached to the bucket's
/// Iceberg REST endpoint, so the answer comes from the metadata our commits wrote (snapshots,
/// manifests, position deletes), not from listing the bucket's files.
@Suite("Athena queries a table we commit through S3 Tables' Iceberg REST endpoint (ministack)",
       .enabled(if: MinistackS3Tables.enabled), .serialized)
struct AthenaS3TablesTests {
    @Test("SELECT count(*), sums FROM \"s3tablescatalog/<bucket>\".ns.t sees two appends and a merge-on-read delete",
          .timeLimit(.minutes(5)))
    func athenaReadsOurCommits() async throws {
        let tables = try await MinistackS3Tables.make()
        let catalog = try tables.catalog()
        try await catalog.createNamespace("athena")
        var table = try await catalog.createTable(TableIdentifier(namespace: "athena", name: "t"), schema: restTypedSchema)
        table = try await table.setProperties(["write.delete.mode": "merge-on-read"])
        table = try await table.append([try restTypedBatch(0..<30)]).append([try restTypedBatch(30..<45)])
        // Deleted rows stay in their data files; only the position delete file hides them.
        table = try await table.delete(where: .lessThan("id", .int64(10))).table
        #expect(table.currentSnapshot?.summary["added-position-deletes"] == "10")

        let configuration = try AWSConfiguration(
            region: "us-east-1", endpointOverrides: [.s3: tables.endpoint, .athena: tables.endpoint], forcePathStyle: true,
            environment: [:], profile: AWSProfile(name: "test", settings: [:], services: [:]))
        let credentials = StaticCredentials(MinistackS3Tables.credentials)
        let results = "athena-results-\(UInt32.random(in: 0...UInt32.max))"
        try await S3Client(configuration: configuration, credentials: credentials).createBucket(results)
        let athena = AthenaClient(configuration: configuration, credentials: credentials)
        let result = try await athena.query(
            #"SELECT count(*) AS n, sum(id) AS ids, sum(hits) AS hits, count(name) AS named FROM "s3tablescatalog/\#(tables.bucket)"."athena"."t""#,
            outputLocation: "s3://\(results)/")
        let kept = Array(10..<45)
        // Expected values from the rows' definition (glueRow), not from our reader.
        let expected: [AthenaValue] = [.integer(Int64(kept.count)), .integer(Int64(kept.reduce(0, +))),
                                       .integer(Int64(kept.reduce(0) { $0 + 3 * $1 })),
                                       .integer(Int64(kept.filter { $0 % 5 != 0 }.count))]
        #expect(result.names == ["n", "ids", "hits", "named"])
        #expect(result.rows == [expected], "\(result.rows)")
    }
}
