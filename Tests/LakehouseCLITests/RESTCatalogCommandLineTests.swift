import Foundation
import LakeTestSupport
import Testing

/// `lakehouse iceberg` and `dq run` on an Iceberg REST catalog: ministack's S3 Tables endpoint,
/// `--catalog rest+http://…/iceberg --warehouse <table bucket ARN> --endpoint-url …` (SigV4,
/// signing name `s3tables`, because the catalog's host is the configured endpoint's).
@Suite("lakehouse iceberg on an Iceberg REST catalog",
       .enabled(if: (BuiltCLI.path != nil && ProcessInfo.processInfo.environment["LAKEHOUSE_MINISTACK_ENDPOINT"] != nil
                     && Interop.enabled) || Interop.required),
       .serialized)
struct RESTCatalogCommandLineTests {
    private func environment(_ directory: TemporaryDirectory) -> [String: String] {
        emulatorEnvironment(directory, accessKey: "test", secretKey: "test", removingPrefixes: ["LAKEHOUSE_REST_"])
    }

    private func run(_ arguments: [String], _ directory: TemporaryDirectory, _ environment: [String: String]) throws -> BuiltCLI.Run {
        try runSucceeding(arguments, directory, environment)
    }

    @Test("create, append, snapshots, describe, scan and dq run through --catalog rest+http://…", .timeLimit(.minutes(5)))
    func icebergOnREST() throws {
        let endpoint = try #require(ProcessInfo.processInfo.environment["LAKEHOUSE_MINISTACK_ENDPOINT"],
                                    "ministack is not running: run the tests with Scripts/test.sh (LAKEHOUSE_MINISTACK_ENDPOINT)")
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let environment = environment(directory)
        let bucket = "cli-rest-\(UInt32.random(in: 0...UInt32.max))"
        let arn = try Interop.runText("""
            import sys, boto3
            tables = boto3.client("s3tables", endpoint_url=sys.argv[1], region_name="us-east-1",
                                  aws_access_key_id="test", aws_secret_access_key="test")
            print(tables.create_table_bucket(name=sys.argv[2])["arn"])
            """, arguments: [endpoint, bucket]).trimmingCharacters(in: .whitespacesAndNewlines)
        let options = ["--catalog", "rest+\(endpoint)/iceberg", "--warehouse", arn, "--endpoint-url", endpoint]
        let logs = directory.file("logs")
        _ = try run(["cloudfront", "generate", "--rows", "1500", "--files", "1", "--out", logs, "--seed", "5", "--plain"], directory, environment)
        let log = try #require(try FileManager.default.contentsOfDirectory(atPath: logs).first { !$0.hasPrefix(".") })

        let created = try run(["iceberg", "create", "silver.cloudfront"] + options, directory, environment)
        #expect(created.stdout.hasPrefix("s3://\(bucket)/silver/cloudfront/metadata/"), "\(created.stdout)")
        let appended = try run(["iceberg", "append", "silver.cloudfront", logs + "/" + log] + options, directory, environment)
        #expect(appended.stdout.contains(": 1500 rows, "), "\(appended.stdout)")
        let snapshots = try run(["iceberg", "snapshots", "silver.cloudfront"] + options, directory, environment)
        #expect(snapshots.stdout.split(separator: "\n").count == 1 && snapshots.stdout.contains("\tappend\trecords=1500"), "\(snapshots.stdout)")
        let described = try run(["iceberg", "describe", "silver.cloudfront"] + options, directory, environment)
        #expect(described.stdout.hasPrefix("s3://\(bucket)/silver/cloudfront/metadata/v1.metadata.json"), "\(described.stdout.prefix(200))")
        let scanned = try run(["iceberg", "scan", "silver.cloudfront", "--discard"] + options, directory, environment)
        #expect(scanned.stderr.contains("1500 rows"), "\(scanned.stderr)")
        let rules = directory.file("rows.dqdl")
        try "Rules = [ RowCount = 1500 ]\n".write(toFile: rules, atomically: true, encoding: .utf8)
        let checked = try run(["dq", "run", "--rules", rules, "--table", "silver.cloudfront"] + options, directory, environment)
        #expect(checked.stdout.contains("1500 rows"), "\(checked.stdout)")

        // Without SigV4 (forced off), ministack refuses the unsigned call: a clear error, no crash.
        var unsigned = environment
        unsigned["LAKEHOUSE_REST_SIGV4"] = "false"
        let refused = try BuiltCLI.run(["iceberg", "snapshots", "silver.cloudfront"] + options, in: directory.path, environment: unsigned)
        #expect(refused.status != 0 && refused.stderr.contains("not authorized"), "\(refused.stderr)")
    }
}
