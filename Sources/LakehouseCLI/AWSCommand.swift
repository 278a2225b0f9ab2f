import ArgumentParser
import Foundation
import LakeAWS

/// `lakehouse aws …`: S3, presigning, Glue and Athena from the command line.
struct AWSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aws", abstract: "S3, Glue and Athena through LakeAWS (credentials and region from the usual AWS chain).",
        subcommands: [S3Command.self, Presign.self, GlueCommand.self, AthenaCommand.self])

    struct Options: ParsableArguments {
        @Option(help: "Region (default: AWS_REGION, AWS_DEFAULT_REGION or the profile).") var region: String?
        @Option(name: .customLong("endpoint-url"), help: "Endpoint for every service (emulators, custom S3).") var endpointURL: String?
        @Option(help: "Profile of the shared config files (default: AWS_PROFILE or default).") var profile: String?
        @Flag(help: "Path-style S3 addressing.") var pathStyle = false

        func make() throws -> (AWSConfiguration, CredentialChain) {
            try Self.make(region: region, endpointURL: endpointURL, profile: profile, pathStyle: pathStyle)
        }

        static func make(region: String?, endpointURL: String?, profile: String?, pathStyle: Bool) throws -> (AWSConfiguration, CredentialChain) {
            var environment = ProcessInfo.processInfo.environment
            if let profile { environment["AWS_PROFILE"] = profile }
            var overrides: [AWSService: String] = [:]
            if let endpointURL { for service in AWSService.allCases { overrides[service] = endpointURL } }
            let configuration = try AWSConfiguration(region: region, endpointOverrides: overrides,
                                                     forcePathStyle: pathStyle || endpointURL != nil ? true : nil, environment: environment)
            return (configuration, CredentialChain.standard(environment: environment))
        }
    }

    /// `s3://bucket/key` → (bucket, key).
    static func parseS3(_ url: String) throws -> (bucket: String, key: String) {
        guard url.hasPrefix("s3://") else { throw CLIError("expected s3://bucket/key, got \(url)") }
        let rest = url.dropFirst(5)
        guard let slash = rest.firstIndex(of: "/") else { return (String(rest), "") }
        return (String(rest[..<slash]), String(rest[rest.index(after: slash)...]))
    }

    struct S3Command: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "s3", abstract: "List, copy and remove objects.",
                                                        subcommands: [List.self, Copy.self, Remove.self, MakeBucket.self])

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "ls", abstract: "List objects under s3://bucket/prefix.")
            @OptionGroup var options: Options
            @Argument var url: String

            func run() async throws {
                let (configuration, credentials) = try options.make()
                let (bucket, prefix) = try AWSCommand.parseS3(url)
                for object in try await S3Client(configuration: configuration, credentials: credentials).listAllObjects(bucket: bucket, prefix: prefix) {
                    print("\(object.lastModified ?? "-")\t\(object.size)\t\(object.key)")
                }
            }
        }

        struct Copy: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "cp", abstract: "Copy a local file to S3 or an S3 object to a local file.")
            @OptionGroup var options: Options
            @Argument var source: String
            @Argument var destination: String
            @Flag(help: "Fail instead of overwriting an existing object (If-None-Match: *).") var noOverwrite = false

            func run() async throws {
                let (configuration, credentials) = try options.make()
                let s3 = S3Client(configuration: configuration, credentials: credentials)
                if destination.hasPrefix("s3://") {
                    var (bucket, key) = try AWSCommand.parseS3(destination)
                    if key.isEmpty || key.hasSuffix("/") { key += (source as NSString).lastPathComponent }
                    let tag = try await s3.uploadFile(path: source, bucket: bucket, key: key, condition: noOverwrite ? .ifNoneMatch : nil)
                    print("upload: \(source) → s3://\(bucket)/\(key) \(tag ?? "")")
                } else {
                    let (bucket, key) = try AWSCommand.parseS3(source)
                    let info = try await s3.downloadObject(bucket: bucket, key: key, to: destination)
                    print("download: s3://\(bucket)/\(key) → \(destination) (\(info.size) bytes)")
                }
            }
        }

        struct MakeBucket: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "mb", abstract: "Create a bucket.")
            @OptionGroup var options: Options
            @Argument var url: String

            func run() async throws {
                let (configuration, credentials) = try options.make()
                let (bucket, _) = try AWSCommand.parseS3(url)
                try await S3Client(configuration: configuration, credentials: credentials).createBucket(bucket)
                print("make_bucket: \(bucket)")
            }
        }

        struct Remove: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove an object.")
            @OptionGroup var options: Options
            @Argument var url: String

            func run() async throws {
                let (configuration, credentials) = try options.make()
                let (bucket, key) = try AWSCommand.parseS3(url)
                try await S3Client(configuration: configuration, credentials: credentials).deleteObject(bucket: bucket, key: key)
                print("delete: \(url)")
            }
        }
    }

    struct Presign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a presigned GET URL for s3://bucket/key.")
        @OptionGroup var options: Options
        @Argument var url: String
        @Option(help: "Seconds the URL stays valid (at most 604800).") var expires = 3600

        func run() async throws {
            let (configuration, credentials) = try options.make()
            let (bucket, key) = try AWSCommand.parseS3(url)
            print(try await S3Client(configuration: configuration, credentials: credentials).presignedURL(bucket: bucket, key: key, expires: expires))
        }
    }

    struct GlueCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "glue", abstract: "Glue Data Catalog.", subcommands: [Tables.self])

        struct Tables: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List the tables of a database.")
            @OptionGroup var options: Options
            @Argument var database: String

            func run() async throws {
                let (configuration, credentials) = try options.make()
                for table in try await GlueClient(configuration: configuration, credentials: credentials).tables(database: database) {
                    print("\(table.name)\t\(table.tableType ?? "-")\t\(table.parameters["table_type"] ?? "-")\t\(table.location ?? "-")")
                }
            }
        }
    }

    struct AthenaCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "athena", abstract: "Athena queries.", subcommands: [Query.self])

        struct Query: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Run SQL and print the rows as tab-separated text.")
            @OptionGroup var options: Options
            @Argument var sql: String
            @Option var workgroup: String?
            @Option(help: "Result location, s3://bucket/prefix/.") var output: String?
            @Option var database: String?

            func run() async throws {
                let (configuration, credentials) = try options.make()
                let result = try await AthenaClient(configuration: configuration, credentials: credentials)
                    .query(sql, workgroup: workgroup, outputLocation: output, database: database)
                print(result.names.joined(separator: "\t"))
                for row in result.rows {
                    print(row.map { value -> String in
                        switch value {
                        case .null: return "NULL"
                        case let .string(text): return text
                        case let .integer(number): return String(number)
                        case let .double(number): return String(number)
                        case let .boolean(flag): return String(flag)
                        case let .text(_, text): return text
                        }
                    }.joined(separator: "\t"))
                }
            }
        }
    }
}
