import Foundation
import LakeTestSupport
import Testing

/// `lakehouse iceberg` on AWS catalogs, through the built executable against moto (S3 and Glue):
/// `--catalog glue --warehouse s3://…` and catalog-less `--catalog s3://…`, with `--endpoint-url`.
@Suite("lakehouse iceberg on Glue and S3",
       .enabled(if: (BuiltCLI.path != nil && ProcessInfo.processInfo.environment["LAKEHOUSE_MOTO_ENDPOINT"] != nil) || Interop.required),
       .serialized)
struct CatalogCommandLineTests {
    /// Moto's endpoint (Scripts/services.sh sets it); a failure when interop is required and it is missing.
    private func moto() throws -> String {
        try #require(ProcessInfo.processInfo.environment["LAKEHOUSE_MOTO_ENDPOINT"],
                     "moto is not running: run the tests with Scripts/test.sh (LAKEHOUSE_MOTO_ENDPOINT)")
    }

    /// This process's environment with moto's dummy credentials and no shared config files.
    private func environment(_ directory: TemporaryDirectory) -> [String: String] {
        emulatorEnvironment(directory, accessKey: "testing", secretKey: "testing")
    }

    private func run(_ arguments: [String], _ directory: TemporaryDirectory, _ environment: [String: String]) throws -> BuiltCLI.Run {
        try runSucceeding(arguments, directory, environment)
    }

    @Test("create, append, snapshots, describe, scan and dq run through --catalog glue and --catalog s3://",
          .timeLimit(.minutes(5)))
    func icebergOnGlueAndS3() throws {
        let endpoint = try moto()
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let environment = environment(directory)
        let bucket = "lakehouse-cli-\(UInt32.random(in: 0...UInt32.max))"
        let aws = ["--endpoint-url", endpoint]
        // Glue databases are account-wide on the server: a namespace of this run only.
        let namespace = "silver_\(UInt32.random(in: 0...UInt32.max))", table = namespace + ".cloudfront"
        _ = try run(["aws", "s3", "mb", "s3://\(bucket)"] + aws, directory, environment)

        // A generated log with two malformed lines appended: rows = generated, rejects = 2.
        let generatedRows = 4_000
        let logs = directory.file("logs")
        _ = try run(["cloudfront", "generate", "--rows", String(generatedRows), "--files", "1", "--out", logs, "--seed", "21", "--plain"],
                    directory, environment)
        let generated = try #require(try FileManager.default.contentsOfDirectory(atPath: logs).first { !$0.hasPrefix(".") })
        var text = try String(contentsOfFile: logs + "/" + generated, encoding: .utf8)
        if !text.hasSuffix("\n") { text += "\n" }
        text += "only\ttwo fields\nnot a log line at all\n"
        let log = directory.file("with-rejects.log")
        try text.write(toFile: log, atomically: true, encoding: .utf8)
        let count = try run(["cloudfront", "count", log], directory, environment)
        let counts = try #require(try JSONSerialization.jsonObject(with: Data(count.stdout.utf8)) as? [String: Int])
        let rows = try #require(counts["rows"]), rejected = try #require(counts["rejected"])
        #expect(rows == generatedRows && rejected == 2)

        let catalogs: [(name: String, options: [String], location: String)] = [
            ("glue", ["--catalog", "glue", "--warehouse", "s3://\(bucket)/wh"], "s3://\(bucket)/wh/\(namespace).db/cloudfront/metadata/"),
            ("storage", ["--catalog", "s3://\(bucket)/cl"], "s3://\(bucket)/cl/\(namespace)/cloudfront/metadata/v"),
        ]
        for catalog in catalogs {
            let options = catalog.options + aws
            let created = try run(["iceberg", "create", table] + options, directory, environment)
            #expect(created.stdout.hasPrefix(catalog.location), "\(catalog.name): created at \(created.stdout)")

            let appended = try run(["iceberg", "append", table, log, "--rejects", directory.file("\(catalog.name).rejects")] + options,
                                   directory, environment)
            #expect(appended.stdout.contains(": \(rows) rows, ") && appended.stdout.contains("\(rejected) rejected line(s)"),
                    "\(catalog.name): \(appended.stdout)")

            let snapshots = try run(["iceberg", "snapshots", table] + options, directory, environment)
            let lines = snapshots.stdout.split(separator: "\n")
            #expect(lines.count == 1 && lines.first?.contains("\tappend\trecords=\(rows)") == true, "\(catalog.name): \(snapshots.stdout)")

            let described = try run(["iceberg", "describe", table] + options, directory, environment)
            #expect(described.stdout.hasPrefix(catalog.location), "\(catalog.name): \(described.stdout.prefix(300))")

            let scanned = try run(["iceberg", "scan", table, "--discard"] + options, directory, environment)
            #expect(scanned.stderr.contains("\(rows) rows"), "\(catalog.name): \(scanned.stderr)")
            #expect(scanned.stdout.isEmpty)

            let some = try run(["iceberg", "scan", table, "--limit", "3", "--columns", "date,sc_status"] + options,
                               directory, environment)
            #expect(some.stdout.split(separator: "\n").count == 3, "\(catalog.name): \(some.stdout)")

            let rules = directory.file("rows.dqdl")
            try "Rules = [ RowCount = \(rows) ]\n".write(toFile: rules, atomically: true, encoding: .utf8)
            let checked = try run(["dq", "run", "--rules", rules, "--table", table] + options, directory, environment)
            #expect(checked.stdout.contains("\(rows) rows"), "\(catalog.name): \(checked.stdout)")
        }

        // Glue keeps tables on S3: a local warehouse is refused before any request.
        let refused = try BuiltCLI.run(["iceberg", "snapshots", table, "--catalog", "glue", "--warehouse", directory.file("local")] + aws,
                                       in: directory.path, environment: environment)
        #expect(refused.status != 0 && refused.stderr.contains("s3://"), "a Glue catalog with a local warehouse: \(refused.stderr)")
    }
}

/// The SQLite catalog as before: `--catalog FILE --warehouse DIR`, and the defaults
/// (`warehouse/catalog.db`, `warehouse`), readable by pyiceberg's `SqlCatalog`.
@Suite("lakehouse iceberg on a SQLite catalog", .enabled(if: BuiltCLI.path != nil || Interop.required), .serialized)
struct SQLiteCatalogCommandLineTests {
    @Test("create, append and scan with the default catalog and with --catalog/--warehouse/--catalog-name", .timeLimit(.minutes(5)))
    func icebergOnSQLite() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let generate = try BuiltCLI.run(["cloudfront", "generate", "--rows", "1500", "--files", "1", "--out", directory.file("logs"), "--seed", "5"],
                                        in: directory.path)
        try #require(generate.status == 0, "\(generate.stderr)")
        let log = try #require(try FileManager.default.contentsOfDirectory(atPath: directory.file("logs")).first { !$0.hasPrefix(".") })
        for options in [[], ["--catalog", directory.file("cat/lake.db"), "--warehouse", directory.file("wh"), "--catalog-name", "lake"]] {
            for arguments in [["iceberg", "create", "silver.cloudfront"], ["iceberg", "append", "silver.cloudfront", "logs/" + log],
                              ["iceberg", "scan", "silver.cloudfront", "--discard"]] {
                if options.count > 0 { try FileManager.default.createDirectory(atPath: directory.file("cat"), withIntermediateDirectories: true) }
                let run = try BuiltCLI.run(arguments + options, in: directory.path)
                try #require(run.status == 0, "\(arguments + options) failed: \(run.stderr)")
                if arguments[1] == "create" {
                    let warehouse = options.isEmpty ? directory.file("warehouse") : directory.file("wh")
                    #expect(run.stdout.hasPrefix("file://" + warehouse + "/silver.db/cloudfront/metadata/"), "\(run.stdout)")
                }
                if arguments[1] == "scan" { #expect(run.stderr.contains("1500 rows"), "\(run.stderr)") }
            }
        }
        #expect(FileManager.default.fileExists(atPath: directory.file("warehouse/catalog.db")))
        if Interop.enabled {
            let out = try Interop.runText("""
                import sys
                from pyiceberg.catalog.sql import SqlCatalog
                d = sys.argv[1]
                cat = SqlCatalog("lake", uri=f"sqlite:///{d}/cat/lake.db", warehouse=f"file://{d}/wh")
                print(cat.load_table("silver.cloudfront").scan().to_arrow().num_rows)
                """, arguments: [directory.path])
            #expect(out.trimmingCharacters(in: .whitespacesAndNewlines) == "1500")
        }
    }
}
